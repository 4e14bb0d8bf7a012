"""What changed since the baseline, computed once for the HTML, Markdown and terminal reports.

Counts, per-rule lists, and the sentences that say it: "12 machines newly failing AUM002 since
2026-11-09".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from auditor.engine.results import AuditResult, Finding, Outcome, RuleInfo
from auditor.rules.spec import Severity

MACHINE_TYPES = ("microsoft.compute/virtualmachines", "microsoft.hybridcompute/machines")
SEVERITIES = tuple(s.value for s in Severity)
HTML_PER_RULE = 200
"""Resources listed per rule and list in the HTML report; results.json has every one."""


@dataclass(frozen=True, slots=True)
class RuleDelta:
    rule: RuleInfo
    new: tuple[Finding, ...]  # failing now, not in the baseline: errors first, then by name
    resolved: tuple[Finding, ...]  # failing in the baseline, not now (as the baseline had them)
    unchanged: int
    new_text: str  # "12 machines newly failing AUM002 since 2026-11-09"
    resolved_text: str  # "3 machines no longer failing AUM002 since 2026-11-09"


@dataclass(frozen=True, slots=True)
class Delta:
    path: str
    as_of: str
    since: str  # "2026-11-09 06:00 UTC, 7 days earlier"
    new: int
    unchanged: int
    resolved: int
    headline: str  # "2 new failing findings, 54 unchanged, 1 resolved since the baseline of .."
    rules: tuple[RuleDelta, ...]  # rules with something new or resolved: by severity, then id


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def noun_for(findings: tuple[Finding, ...]) -> str:
    """`machine` when every finding judges a machine, else `resource`."""
    if findings and all(f.resource_type.lower() in MACHINE_TYPES for f in findings):
        return "machine"
    return "resource"


def moment(iso: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def since_text(baseline: str, current: str) -> str:
    """When the baseline was, for people: its time, and how long before this run."""
    before, now = moment(baseline), moment(current)
    if before is None or now is None:
        return baseline
    text = before.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    hours = (now - before).total_seconds() / 3600
    if abs(hours) < 1:
        return f"{text}, the same time as this run"
    span = plural(int(abs(hours) // 24), "day") if abs(hours) >= 24 \
        else plural(int(abs(hours)), "hour")
    return f"{text}, {span} {'earlier' if hours > 0 else 'later'}"


def order(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.outcome is not Outcome.ERROR,
                                                 f.resource_name.lower(), f.resource_id.lower())))


def build(result: AuditResult) -> Delta | None:
    baseline = result.baseline
    if baseline is None:
        return None
    when = moment(baseline.as_of)
    day = when.astimezone(UTC).strftime("%Y-%m-%d") if when else baseline.as_of
    new: dict[str, list[Finding]] = defaultdict(list)
    unchanged: dict[str, int] = defaultdict(int)
    for finding in result.findings:
        if finding.baseline_state == "new":
            new[finding.rule_id].append(finding)
        elif finding.baseline_state == "unchanged":
            unchanged[finding.rule_id] += 1
    resolved: dict[str, list[Finding]] = defaultdict(list)
    for finding in baseline.resolved:
        resolved[finding.rule_id].append(finding)
    rules = []
    for rule in result.rules:
        added, gone = order(new.get(rule.id, [])), order(resolved.get(rule.id, []))
        if not added and not gone:
            continue
        rules.append(RuleDelta(
            rule=rule, new=added, resolved=gone, unchanged=unchanged.get(rule.id, 0),
            new_text=f"{plural(len(added), noun_for(added))} newly failing {rule.id} since {day}",
            resolved_text=f"{plural(len(gone), noun_for(gone))} no longer failing {rule.id} "
                          f"since {day}"))
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    rules.sort(key=lambda d: (rank.get(d.rule.severity, len(rank)), d.rule.id))
    counts = baseline.counts
    since = since_text(baseline.as_of, result.as_of)
    return Delta(
        path=baseline.path, as_of=baseline.as_of, since=since, new=counts.new,
        unchanged=counts.unchanged, resolved=counts.resolved,
        headline=f"{plural(counts.new, 'new failing finding')}, {counts.unchanged:,} "
                 f"unchanged, {counts.resolved:,} resolved since the baseline of {since}",
        rules=tuple(rules))


def terminal_lines(result: AuditResult, threshold: Severity, new_only: bool) -> str:
    """The lines `auditor audit` adds to its summary with --baseline and --fail-on-new."""
    delta = build(result)
    if delta is None:
        return ""
    lines = [f"baseline: {delta.headline} ({delta.path})"]
    lines += [f"  {d.new_text}" for d in delta.rules if d.new]
    lines += [f"  {d.resolved_text}" for d in delta.rules if d.resolved]
    if new_only:
        gating = sum(1 for f in result.findings if f.baseline_state == "new" and (
            f.outcome is Outcome.ERROR or Severity(f.severity).at_least(threshold)))
        lines.append(f"--fail-on-new: {plural(gating, 'new failing finding')} at or above "
                     f"{threshold.value} (or erroring); findings failing already in the "
                     "baseline do not fail the run")
    return "\n".join(lines) + "\n"
