"""Judge every resource with every rule, as of one moment: pure, no files, no clock."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from auditor.engine.results import Finding, Outcome, Summary, Waiver, WaiverStatus
from auditor.engine.waivers import WaiverBook
from auditor.model import Machine, MaintenanceConfiguration, Snapshot
from auditor.rules.compile import CompiledRule, render
from auditor.rules.fields import Context
from auditor.rules.spec import Severity

OUTCOMES = tuple(Outcome)
CONFIGURATION_TYPE = "microsoft.maintenance/maintenanceconfigurations"
ASSIGNMENT_TYPE = "microsoft.maintenance/configurationassignments"
EXPIRY_WARNING = timedelta(days=14)


def fingerprint(rule_id: str, resource_id: str) -> str:
    """Stable across runs for the same rule and resource, whatever the id's casing (judge
    computes the same from the resource's key, its lowercased id)."""
    return hashlib.sha256(f"{rule_id}|{resource_id.lower()}".encode()).hexdigest()[:32]


def subjects(rule: CompiledRule, snapshot: Snapshot) -> Sequence[Any]:
    """The resources a rule judges, sorted by key (so findings come out sorted)."""
    if rule.rule.resource == "machine":
        return snapshot.machines
    if rule.rule.resource == "maintenanceConfiguration":
        return [snapshot.configurations[key] for key in sorted(snapshot.configurations)]
    return snapshot.assignments


def _describe(resource: Any) -> tuple[str, str, str]:
    """(type, subscription, resource group) of a judged resource."""
    if isinstance(resource, Machine):
        return resource.type, resource.subscription_id, resource.resource_group
    parts = resource.id.split("/")
    if isinstance(resource, MaintenanceConfiguration):
        return (CONFIGURATION_TYPE, resource.subscription_id, resource.resource_group)
    return (ASSIGNMENT_TYPE, parts[2] if len(parts) > 2 else "",
            parts[4] if len(parts) > 4 and parts[3].lower() == "resourcegroups" else "")


def judge(rule: CompiledRule, snapshot: Snapshot, ctx: Context,
          severity: Severity) -> list[Finding]:
    """One finding per resource of the rule's kind, in resource-key order; a rule that raises
    on a resource records `error` for that resource and the run goes on."""
    findings = []
    rule_id, applies, check = rule.rule.id, rule.applies, rule.check
    level = severity.value
    prefix = f"{rule_id}|".encode()
    for resource in subjects(rule, snapshot):
        evidence: dict[str, str] = {}
        ctx.resource = resource
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
        kind, subscription, group = _describe(resource)
        findings.append(Finding(
            rule_id=rule_id, resource_id=resource.id, resource_type=kind,
            resource_name=resource.name, subscription_id=subscription, resource_group=group,
            outcome=outcome, severity=level, message=message,
            fingerprint=hashlib.sha256(prefix + resource.key.encode()).hexdigest()[:32],
            evidence=evidence))
    return findings


def evaluate(rules: Iterable[tuple[CompiledRule, Severity]], snapshot: Snapshot,
             as_of: datetime, waivers: Sequence[Waiver] = ()) -> tuple[list[Finding],
                                                                        WaiverStatus]:
    """All findings, sorted by rule and resource, with waivers applied."""
    ctx = Context(snapshot, as_of)
    book = WaiverBook(waivers, as_of)
    findings: list[Finding] = []
    for rule, severity in sorted(rules, key=lambda pair: pair[0].rule.id):
        judged = judge(rule, snapshot, ctx, severity)
        findings.extend(book.apply(judged) if book.active else judged)
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
