"""What `auditor audit` and `auditor rules` print on the terminal, and the exit-code gate."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from auditor.engine.results import AuditResult, Outcome
from auditor.errors import UserError
from auditor.rules.spec import Rule, Severity

_FAILING = (Outcome.FAIL, Outcome.ERROR)


def gate(result: AuditResult, threshold: Severity, fail_on_unknown: bool = False) -> int:
    """0 when nothing fails at or above the threshold; 1 when something does, or errored
    (or, with `fail_on_unknown`, a verdict at or above it is unknown until deployment).

    Fails closed: a run that judged nothing at all is a user error, not a pass."""
    counts = result.summary.by_outcome
    if not any(counts[o.value] for o in (Outcome.PASS, Outcome.FAIL, Outcome.ERROR,
                                         Outcome.WAIVED, Outcome.UNKNOWN)):
        raise UserError("no rule applied to any resource: nothing was judged, so compliance "
                        "cannot be shown; check the inputs and the rule selection")
    for finding in result.findings:
        if finding.outcome is Outcome.ERROR:
            return 1
        if finding.outcome is Outcome.FAIL and Severity(finding.severity).at_least(threshold):
            return 1
        if fail_on_unknown and finding.outcome is Outcome.UNKNOWN \
                and Severity(finding.severity).at_least(threshold):
            return 1
    return 0


def summary(result: AuditResult, threshold: Severity, written: Sequence[Path],
            fail_on_unknown: bool = False) -> str:
    counts = result.summary.by_outcome
    failing = gate(result, threshold, fail_on_unknown) != 0
    lines = [
        f"{'NOT COMPLIANT' if failing else 'COMPLIANT'}: "
        f"{result.summary.compliant_machines} of {result.summary.machines_judged} machines "
        f"judged comply; as of {result.as_of} ({result.as_of_source})",
        "findings: " + ", ".join(f"{counts[o.value]} {o.value}" for o in Outcome
                                 if o is not Outcome.UNKNOWN or counts[o.value]),
    ]
    by_rule = Counter(f.rule_id for f in result.findings if f.outcome in _FAILING)
    severity = {rule.id: rule.severity for rule in result.rules}
    names = {rule.id: rule.name for rule in result.rules}
    for rule_id, count in sorted(by_rule.items()):
        lines.append(f"  {rule_id} {severity[rule_id]:<8} {count:>6} failing  {names[rule_id]}")
    unknown = Counter(f.rule_id for f in result.findings if f.outcome is Outcome.UNKNOWN)
    for rule_id, count in sorted(unknown.items()):
        lines.append(f"  {rule_id} {severity[rule_id]:<8} {count:>6} unknown  {names[rule_id]}")
    if unknown and not fail_on_unknown:
        lines.append("note: unknown verdicts rest on values not known until deployment; "
                     "--fail-on-unknown makes them fail the run")
    if result.change is not None:
        lines.append(f"change: {result.change.summary}")
    for waiver in result.waivers.expired:
        lines.append(f"warning: the waiver of {waiver.rule} for {waiver.resource} expired on "
                     f"{waiver.expires} and no longer applies")
    for waiver in result.waivers.unused:
        lines.append(f"warning: the waiver of {waiver.rule} for {waiver.resource} matches no "
                     "failing finding; remove it")
    lines.extend(f"wrote {path}" for path in written)
    return "\n".join(lines) + "\n"


def rule_list(rules: Sequence[Rule]) -> str:
    width = max((len(rule.name) for rule in rules), default=0)
    return "".join(f"{rule.id}  {rule.severity.value:<8}  {rule.name:<{width}}  "
                   f"{rule.docs.summary}\n" for rule in rules)


def rule_docs(rule: Rule) -> str:
    def block(title: str, text: str) -> str:
        body = "\n".join(textwrap.fill(p, 88, initial_indent="  ", subsequent_indent="  ")
                         for p in text.strip().split("\n\n"))
        return f"{title}\n{body}\n"
    parts = [f"{rule.id} {rule.name} ({rule.severity.value})\n{rule.docs.summary}\n",
             block("Applies to", f"{rule.resource}"
                   + (f", {' and '.join(rule.kinds)}" if rule.kinds else "")
                   + (f", {' and '.join(rule.os)}" if rule.os else "")),
             block("Why it matters", rule.docs.why), block("How to fix", rule.docs.fix)]
    if rule.docs.notes:
        parts.append(block("Notes", rule.docs.notes))
    if rule.parameters:
        parts.append("Parameters\n" + "".join(
            f"  {p.name} ({p.type}, default {p.default!r}): {p.description}\n"
            for p in rule.parameters.values()))
    parts.append("Examples\n" + "".join(f"  {e.outcome:<14} {e.title}\n"
                                        for e in rule.docs.examples))
    parts.append("Links\n" + "".join(f"  {link}\n" for link in rule.docs.links))
    return "\n".join(parts)
