"""Judge every resource with every rule, as of one moment: pure, no files, no clock."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from auditor.engine.results import Finding, Outcome, Summary, Waiver, WaiverStatus
from auditor.engine.waivers import WaiverBook
from auditor.model import Machine, Snapshot
from auditor.rules.compile import CompiledRule, render
from auditor.rules.fields import Context
from auditor.rules.spec import Severity

OUTCOMES = tuple(Outcome)
EXPIRY_WARNING = timedelta(days=14)


def fingerprint(rule_id: str, resource_id: str) -> str:
    """Stable across runs for the same rule and resource, whatever the id's casing."""
    return hashlib.sha256(f"{rule_id}|{resource_id.lower()}".encode()).hexdigest()[:32]


def subjects(rule: CompiledRule, snapshot: Snapshot) -> Sequence[Any]:
    if rule.rule.resource == "machine":
        return snapshot.machines
    if rule.rule.resource == "maintenanceConfiguration":
        return [snapshot.configurations[key] for key in sorted(snapshot.configurations)]
    return snapshot.assignments


def judge(rule: CompiledRule, snapshot: Snapshot, ctx: Context,
          severity: Severity) -> list[Finding]:
    """One finding per resource of the rule's kind; a rule that raises on a resource records
    `error` for that resource and the run goes on."""
    findings = []
    rule_id, applies, check = rule.rule.id, rule.applies, rule.check
    for resource in subjects(rule, snapshot):
        evidence: dict[str, str] = {}
        try:
            reason = applies(resource, ctx)
            if reason is not None:
                outcome, message = Outcome.NOT_APPLICABLE, reason
            elif check(resource, ctx):
                outcome, message = Outcome.PASS, ""
            else:
                outcome, message = Outcome.FAIL, rule.message(resource, ctx)
                evidence = {path: render(get(resource, ctx)) for path, get in rule.evidence}
        except Exception as error:  # a rule must never stop the run: record it and go on
            outcome = Outcome.ERROR
            message = f"the rule could not be evaluated: {type(error).__name__}: {error}"
        findings.append(Finding(
            rule_id=rule_id, resource_id=resource.id, resource_type=_type(resource),
            resource_name=resource.name, subscription_id=resource.subscription_id
            if hasattr(resource, "subscription_id") else _part(resource.id, 2),
            resource_group=resource.resource_group if hasattr(resource, "resource_group")
            else _part(resource.id, 4), outcome=outcome, severity=severity.value,
            message=message, fingerprint=fingerprint(rule_id, resource.id), evidence=evidence))
    return findings


def _type(resource: Any) -> str:
    if isinstance(resource, Machine):
        return resource.type
    if hasattr(resource, "maintenance_scope"):
        return "microsoft.maintenance/maintenanceconfigurations"
    return "microsoft.maintenance/configurationassignments"


def _part(resource_id: str, index: int) -> str:
    parts = resource_id.split("/")
    return parts[index] if len(parts) > index else ""


def evaluate(rules: Iterable[tuple[CompiledRule, Severity]], snapshot: Snapshot,
             as_of: datetime, waivers: Sequence[Waiver] = ()) -> tuple[list[Finding],
                                                                        WaiverStatus]:
    """All findings, sorted by rule and resource, with waivers applied."""
    ctx = Context(snapshot, as_of)
    book = WaiverBook(waivers, as_of)
    findings: list[Finding] = []
    for rule, severity in rules:
        findings.extend(book.apply(judge(rule, snapshot, ctx, severity)))
    findings.sort(key=lambda f: (f.rule_id, f.resource_id.lower()))
    soon = tuple(w for w in book.active if book.expires_within(w, EXPIRY_WARNING))
    return findings, WaiverStatus(expired=book.expired, unused=book.unused(),
                                  expiring_soon=soon)


def summarize(findings: Sequence[Finding], snapshot: Snapshot) -> Summary:
    by_outcome = Counter(f.outcome.value for f in findings)
    by_rule: dict[str, Counter[str]] = {}
    by_severity: dict[str, Counter[str]] = {}
    failing: set[str] = set()
    judged: set[str] = set()
    machine_keys = {m.key for m in snapshot.machines}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, Counter())[finding.outcome.value] += 1
        by_severity.setdefault(finding.severity, Counter())[finding.outcome.value] += 1
        key = finding.resource_id.lower()
        if key in machine_keys and finding.outcome is not Outcome.NOT_APPLICABLE:
            judged.add(key)
            if finding.outcome in (Outcome.FAIL, Outcome.ERROR):
                failing.add(key)

    def full(counts: Counter[str]) -> dict[str, int]:
        return {outcome.value: counts.get(outcome.value, 0) for outcome in OUTCOMES}
    return Summary(
        by_outcome=full(by_outcome),
        by_severity={s.value: full(by_severity.get(s.value, Counter())) for s in Severity},
        by_rule={rule: full(counts) for rule, counts in sorted(by_rule.items())},
        machines=len(snapshot.machines), machines_judged=len(judged),
        compliant_machines=len(judged - failing), configurations=len(snapshot.configurations),
        assignments=len(snapshot.assignments))
