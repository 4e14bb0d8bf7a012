"""Compare a run with an earlier one: failing findings new, unchanged or resolved.

Findings are matched by fingerprint (rule and resource). Pure: two result models in, one out.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from auditor.engine.results import AuditResult, Baseline, BaselineCounts, Finding, Outcome

FAILING = (Outcome.FAIL, Outcome.ERROR)
NEW, UNCHANGED = "new", "unchanged"


def compare(current: AuditResult, earlier_findings: Iterable[Finding], *, path: str,
            sha256: str, as_of: str) -> AuditResult:
    """`current` with each failing or erroring finding marked new or unchanged, and a
    `baseline` listing the findings failing in the earlier run that fail no more.

    A finding of a rule this run did not evaluate is not resolved: it was not judged again."""
    failing_before: dict[str, Finding] = {}
    for finding in earlier_findings:
        if finding.outcome in FAILING:
            failing_before.setdefault(finding.fingerprint, finding)
    replace = msgspec.structs.replace
    marked = []
    failing_now: set[str] = set()
    new = unchanged = 0
    for finding in current.findings:
        if finding.outcome in FAILING:
            failing_now.add(finding.fingerprint)
            state = UNCHANGED if finding.fingerprint in failing_before else NEW
            new, unchanged = new + (state == NEW), unchanged + (state == UNCHANGED)
            finding = replace(finding, baseline_state=state)
        elif finding.baseline_state is not None:
            finding = replace(finding, baseline_state=None)
        marked.append(finding)
    judged = {rule.id for rule in current.rules}
    resolved = tuple(sorted(
        (replace(f, baseline_state=None) for key, f in failing_before.items()
         if key not in failing_now and f.rule_id in judged),
        key=lambda f: (f.rule_id, f.resource_id.lower(), f.fingerprint)))
    return replace(current, findings=tuple(marked), baseline=Baseline(
        path=path, sha256=sha256, as_of=as_of,
        counts=BaselineCounts(new=new, unchanged=unchanged, resolved=len(resolved)),
        resolved=resolved))


def only_new(result: AuditResult) -> AuditResult:
    """The result as `--fail-on-new` gates it: failing findings that were already failing in
    the baseline are left out; every other finding stays."""
    return msgspec.structs.replace(result, findings=tuple(
        f for f in result.findings if not (f.outcome in FAILING and f.baseline_state == UNCHANGED)))
