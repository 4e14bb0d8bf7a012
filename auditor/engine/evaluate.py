"""Judge every resource with every rule, as of one moment: pure, no files, no clock."""

from __future__ import annotations

import hashlib
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from itertools import compress, repeat
from typing import Any

from auditor.collector import collector_paused
from auditor.engine.results import Finding, Outcome, Summary, Waiver, WaiverStatus
from auditor.engine.waivers import WaiverBook
from auditor.model import Assignment, Machine, MaintenanceConfiguration, Snapshot
from auditor.rules.compile import CompiledRule
from auditor.rules.fields import Context
from auditor.rules.render import render
from auditor.rules.spec import Severity
from auditor.snapshot.ids import id_part
from auditor.snapshot.unknown import unknown_in

OUTCOMES = tuple(Outcome)
CONFIGURATION_TYPE = "microsoft.maintenance/maintenanceconfigurations"
ASSIGNMENT_TYPE = "microsoft.maintenance/configurationassignments"
EXPIRY_WARNING = timedelta(days=14)
# Rules with these tags judge what only a deployed machine has (patch runs, an agent's
# heartbeat): not applicable to a planned machine that is not in the live snapshot.
LIVE_STATE_TAGS = frozenset({"history", "connectivity"})
UNKNOWN_VALUE = "unknown until deployment"


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
    if isinstance(resource, MaintenanceConfiguration):
        return (CONFIGURATION_TYPE, resource.subscription_id, resource.resource_group)
    return (ASSIGNMENT_TYPE, id_part(resource.id, "subscriptions"),
            id_part(resource.id, "resourcegroups"))


def _describer(rule: CompiledRule) -> Callable[[Any], tuple[str, str, str]]:
    """`_describe`, or for machines (every subject of a machine rule is one) the same three
    fields read by one attrgetter, without the type tests: it runs for every finding."""
    if rule.rule.resource == "machine":
        return operator.attrgetter("type", "subscription_id", "resource_group")
    return _describe


def judge(rule: CompiledRule, snapshot: Snapshot, ctx: Context,
          severity: Severity) -> list[Finding]:
    """One finding per resource of the rule's kind, in resource-key order; a rule that raises
    on a resource records `error` for that resource and the run goes on."""
    findings: list[Finding] = []
    append = findings.append
    rule_id, applies, check = rule.rule.id, rule.applies, rule.check
    level = severity.value
    describe = _describer(rule)
    # The fingerprint is sha256(f"{rule_id}|{key}"): hash the prefix once and copy that state
    # per resource, a little cheaper than hashing the whole text each time (same value).
    prefixed = hashlib.sha256(f"{rule_id}|".encode())
    uncertain = ctx.uncertain
    live_only = bool(LIVE_STATE_TAGS.intersection(rule.rule.tags))
    # Hoisted out of the loop, which runs once per resource and rule.
    passed, failed, not_applicable = Outcome.PASS, Outcome.FAIL, Outcome.NOT_APPLICABLE
    for resource in subjects(rule, snapshot):
        evidence: dict[str, str] = {}
        ctx.resource = resource
        skipped = live_only and resource.planned is not None and not _replaces_live(resource)
        try:
            if skipped:
                outcome = not_applicable
                message = (f"a planned resource has no live state yet; {rule_id} judges "
                           f"{' and '.join(sorted(LIVE_STATE_TAGS & set(rule.rule.tags)))} "
                           "of deployed machines")
            elif (reason := applies(resource, ctx)) is not None:
                outcome, message = not_applicable, reason
            elif check(resource, ctx):
                outcome, message = passed, ""
            else:
                outcome, message = failed, rule.message(resource, ctx)
                evidence = {path: render(get(resource, ctx)) for path, get in rule.evidence}
            if uncertain and not skipped and outcome in (failed, not_applicable):
                unknown = _unknown_fields(rule, resource, ctx, outcome)
                if unknown:
                    outcome, message = Outcome.UNKNOWN, _unknown_message(unknown)
                    evidence = {path: UNKNOWN_VALUE if path in unknown or unknown_in(
                        resource.unknown, path.lower()) else render(get(resource, ctx))
                        for path, get in rule.evidence}
                    evidence.update(dict.fromkeys(unknown, UNKNOWN_VALUE))
        except Exception as error:  # a rule must never stop the run: record it and go on
            outcome = Outcome.ERROR
            message = f"the rule could not be evaluated: {type(error).__name__}: {error}"
        kind, subscription, group = describe(resource)
        digest = prefixed.copy()
        digest.update(resource.key.encode())
        # Positional, in Finding's field order: a third of the cost of keywords, per finding.
        append(Finding(
            rule_id, resource.id, kind, resource.name, subscription, group, outcome, level,
            message, digest.hexdigest()[:32], evidence))
    return findings


def _replaces_live(resource: Any) -> bool:
    return bool(getattr(resource, "replaces_live", False))


def _unknown_fields(rule: CompiledRule, resource: Any, ctx: Context,
                    outcome: Outcome) -> list[str]:
    """The fields, unknown until deployment, on which a failing or not-applicable verdict may
    rest. A failure is unknown when any field appliesTo or check reads is unknown; a
    not-applicable verdict when appliesTo reads an unknown field and the check would fail."""
    if outcome is Outcome.NOT_APPLICABLE:
        reads = rule.applies_reads
    else:
        reads = rule.applies_reads | rule.check_reads
    found = sorted({path for origin, path in reads
                    for record in _related(origin, resource, ctx)
                    if record.unknown and unknown_in(record.unknown, path.lower())})
    if found and outcome is Outcome.NOT_APPLICABLE and rule.check(resource, ctx):
        return []
    return found


def _related(origin: type[Any], resource: Any, ctx: Context) -> list[Any]:
    """The records of type `origin` a rule reads when it judges `resource`."""
    if isinstance(resource, origin):
        return [resource]
    configurations = ctx.snapshot.configurations
    if isinstance(resource, Machine):
        if origin is MaintenanceConfiguration:
            return [s.configuration for s in ctx.schedules(resource) if s.configuration]
        return []
    if isinstance(resource, Assignment):
        found = configurations.get(resource.configuration_key) \
            if origin is MaintenanceConfiguration else ctx.machine(resource.resource_key)
        return [found] if found is not None else []
    assignments = ctx.assignments_of(resource.key)
    if origin is Assignment:
        return list(assignments)
    machines = [ctx.machine(a.resource_key) for a in assignments]
    return [m for m in machines if m is not None]


def _unknown_message(fields: list[str]) -> str:
    verb = "is" if len(fields) == 1 else "are"
    return (f"{', '.join(fields)} {verb} not known until deployment, so this cannot be judged "
            "yet; set it explicitly in the template or plan to judge it now")


def evaluate(rules: Iterable[tuple[CompiledRule, Severity]], snapshot: Snapshot,
             as_of: datetime, waivers: Sequence[Waiver] = ()) -> tuple[list[Finding],
                                                                        WaiverStatus]:
    """All findings, sorted by rule and resource, with waivers applied."""
    ctx = Context(snapshot, as_of)
    book = WaiverBook(waivers, as_of)
    findings: list[Finding] = []
    with collector_paused():
        for rule, severity in sorted(rules, key=lambda pair: pair[0].rule.id):
            judged = judge(rule, snapshot, ctx, severity)
            findings.extend(book.apply(judged) if book.active else judged)
    soon = tuple(w for w in book.active if book.expires_within(w, EXPIRY_WARNING))
    return findings, WaiverStatus(expired=book.expired, unused=book.unused(),
                                  expiring_soon=soon)


# summarize reads every finding of the audit: with these, the reading loops run in C.
_TALLIED = operator.attrgetter("rule_id", "severity", "outcome")
_RESOURCE_ID = operator.attrgetter("resource_id")
_OUTCOME = operator.attrgetter("outcome")
_FAILING = frozenset({Outcome.FAIL, Outcome.ERROR, Outcome.UNKNOWN})


def summarize(findings: Sequence[Finding], snapshot: Snapshot) -> Summary:
    # One counting pass over (rule, severity, outcome); the three tallies derive from it.
    tally = Counter(map(_TALLIED, findings))
    by_rule: dict[str, Counter[str]] = {}
    by_severity: dict[str, Counter[str]] = {}
    by_outcome: Counter[str] = Counter()
    for (rule, severity, outcome), count in tally.items():
        by_rule.setdefault(rule, Counter())[outcome.value] += count
        by_severity.setdefault(severity, Counter())[outcome.value] += count
        by_outcome[outcome.value] += count
    # A finding's resource id is the machine's own id string, so matching by id needs no
    # lowercasing per finding.
    machines = {m.id for m in snapshot.machines}
    ids, outcomes = list(map(_RESOURCE_ID, findings)), list(map(_OUTCOME, findings))
    judged = machines.intersection(compress(
        ids, map(operator.is_not, outcomes, repeat(Outcome.NOT_APPLICABLE))))
    failing = machines.intersection(compress(ids, map(_FAILING.__contains__, outcomes)))

    def full(counts: Counter[str]) -> dict[str, int]:
        return {outcome.value: counts.get(outcome.value, 0) for outcome in OUTCOMES}
    return Summary(
        by_outcome=full(by_outcome),
        by_severity={s.value: full(by_severity.get(s.value, Counter())) for s in Severity},
        by_rule={rule: full(counts) for rule, counts in sorted(by_rule.items())},
        machines=len(snapshot.machines), machines_judged=len(judged),
        compliant_machines=len(judged - failing),
        configurations=len(snapshot.configurations), assignments=len(snapshot.assignments))
