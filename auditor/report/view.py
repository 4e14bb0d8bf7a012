"""What the human-readable reports show, computed once: counts, groupings, orderings, verdict.

The HTML and Markdown renderers read this view; their templates only display it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources

import jinja2

from auditor.engine.results import AuditResult, Finding, Outcome, RuleInfo, Waiver

SEVERITIES = ("critical", "high", "medium", "low", "info")
FAILING = (Outcome.FAIL, Outcome.ERROR)
SETTLED = (Outcome.PASS, Outcome.WAIVED)
"""Outcomes that leave a machine compliant. Any other outcome that judges it (neither failing
nor not applicable, such as an unknown) leaves it uncertain: judged, but not compliant."""
STANDARD = (Outcome.FAIL, Outcome.ERROR, Outcome.WAIVED, Outcome.PASS, Outcome.NOT_APPLICABLE)
"""The outcomes every report lists, in this order: what needs action first."""
PORTAL_MODES = ("Customer Managed Schedules", "Azure Managed - Safe Deployment",
                "Windows Automatic Updates", "Manual updates", "Image Default")
"""The five patch orchestration options as the Azure portal names them, always charted."""

KINDS = {"azureVm": "Azure VM", "arcMachine": "Arc server"}
TYPES = {"microsoft.maintenance/maintenanceconfigurations": "Schedule",
         "microsoft.maintenance/configurationassignments": "Assignment"}


@dataclass(frozen=True, slots=True)
class RuleView:
    info: RuleInfo
    column: int  # the rule's place in result.rules
    counts: dict[str, int]  # per outcome
    failing: int  # fail + error

    @property
    def anchor(self) -> str:
        return f"rule-{self.info.id}"


@dataclass(frozen=True, slots=True)
class Group:
    """A subscription or resource group: its machines, and how many of them comply."""

    subscription: str
    name: str  # the resource group; empty for a subscription
    machines: int
    judged: int
    compliant: int
    failing: int  # failing or erroring findings on any resource in the group

    @property
    def share(self) -> str:
        return percent(self.compliant, self.judged)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    count: int
    share: str  # of all machines
    width: float  # 0-100, relative to the largest bar


@dataclass(frozen=True, slots=True)
class Report:
    result: AuditResult
    verdict: str  # "compliant" or "not_compliant"
    as_of_text: str  # as_of for people: 2026-11-16 06:00 UTC
    share: str  # compliant machines as a share of machines judged
    share_width: float  # the same, 0-100, for a meter
    builtin_rules: int  # how many rules came from the built-in pack
    outcomes: tuple[str, ...]  # the standard five, then any other outcome that occurs
    rules: tuple[RuleView, ...]  # failing rules first (by severity, then id), then the rest by id
    modes: tuple[Bar, ...]
    subscriptions: tuple[Group, ...]
    resource_groups: tuple[Group, ...]
    machine_status: dict[str, str]  # lowercased machine id: a STATUSES value
    soon: frozenset[Waiver]  # active waivers that expire within 14 days of as-of
    waivers: tuple[tuple[Waiver, int], ...]  # the waivers applied, with their finding counts

    @property
    def failing_rules(self) -> tuple[RuleView, ...]:
        return tuple(rule for rule in self.rules if rule.failing)


STATUSES = ("compliant", "not_compliant", "uncertain", "not_judged")


def label(outcome: str) -> str:
    """not_applicable as "Not applicable"."""
    return outcome.replace("_", " ").capitalize()


def outcomes_of(result: AuditResult) -> tuple[str, ...]:
    """The standard outcomes, then any other that some finding has (in the enum's order)."""
    counts = result.summary.by_outcome
    return tuple(o.value for o in STANDARD) + tuple(
        o.value for o in Outcome if o not in STANDARD and counts.get(o.value, 0))


def percent(part: int, whole: int) -> str:
    """A share with one decimal, rounded down: 99,999 of 100,000 is 99.9%, never 100.0%."""
    if not whole:
        return "n/a"
    tenths = 1000 * part // whole
    return f"{tenths // 10}.{tenths % 10}%"


def readable_time(iso: str) -> str:
    """2026-11-16T06:00:00Z as 2026-11-16 06:00 UTC; anything unexpected as it is."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def count(value: int) -> str:
    return f"{value:,}"


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def build(result: AuditResult) -> Report:
    findings = result.findings
    summary = result.summary
    by_rule = summary.by_rule
    outcomes = outcomes_of(result)
    rules = [RuleView(info=rule, column=column,
                      counts={o: by_rule.get(rule.id, {}).get(o, 0) for o in outcomes},
                      failing=sum(by_rule.get(rule.id, {}).get(o.value, 0) for o in FAILING))
             for column, rule in enumerate(result.rules)]
    rules.sort(key=lambda r: (not r.failing, severity_rank(r.info.severity) if r.failing else 0,
                              r.info.id))
    status = machine_status(result)
    failing = sum(summary.by_outcome.get(o.value, 0) for o in FAILING)
    used = Counter(f.waiver for f in findings if f.waiver is not None)
    places = Places(result, status)
    return Report(
        result=result, verdict="not_compliant" if failing else "compliant",
        as_of_text=readable_time(result.as_of),
        share=percent(summary.compliant_machines, summary.machines_judged),
        share_width=round(100 * summary.compliant_machines / summary.machines_judged, 2)
        if summary.machines_judged else 0.0,
        builtin_rules=sum(rule.file.startswith("rules/") for rule in result.rules),
        outcomes=outcomes, rules=tuple(rules), modes=mode_bars(result), machine_status=status,
        subscriptions=places.groups(by_group=False), resource_groups=places.groups(by_group=True),
        soon=frozenset(result.waivers.expiring_soon),
        waivers=tuple(sorted(used.items(), key=lambda item: (item[0].expires, item[0].rule,
                                                             item[0].resource))))


def lowered_ids(result: AuditResult) -> dict[str, str]:
    """Each resource id as written, lowercased once (findings repeat each id once per rule)."""
    ids: dict[str, str] = {}
    for finding in result.findings:
        if finding.resource_id not in ids:
            ids[finding.resource_id] = finding.resource_id.lower()
    return ids


def machine_status(result: AuditResult) -> dict[str, str]:
    """Each machine's standing, counted exactly as the summary counts compliant machines."""
    status = {machine.id.lower(): "not_judged" for machine in result.machines}
    lowered = lowered_ids(result)
    for finding in result.findings:
        if finding.outcome is Outcome.NOT_APPLICABLE:
            continue
        key = lowered[finding.resource_id]
        if key not in status:
            continue
        if finding.outcome in FAILING:
            status[key] = "not_compliant"
        elif finding.outcome not in SETTLED:
            if status[key] != "not_compliant":
                status[key] = "uncertain"
        elif status[key] == "not_judged":
            status[key] = "compliant"
    return status


def mode_bars(result: AuditResult) -> tuple[Bar, ...]:
    counts = Counter(machine.orchestration_mode for machine in result.machines)
    labels = list(PORTAL_MODES) + sorted(m for m in counts if m not in PORTAL_MODES)
    largest = max(counts.values(), default=0)
    total = len(result.machines)
    return tuple(Bar(label=label, count=counts[label], share=percent(counts[label], total),
                     width=round(100 * counts[label] / largest, 2) if largest else 0.0)
                 for label in labels)


class Places:
    """Machines and failing findings counted per (subscription, resource group) as written,
    once; grouped per subscription or per resource group on request."""

    def __init__(self, result: AuditResult, status: dict[str, str]) -> None:
        self.machines = Counter((m.subscription_id, m.resource_group, status[m.id.lower()])
                                for m in result.machines)
        self.failing = Counter((f.subscription_id, f.resource_group) for f in result.findings
                               if f.outcome in FAILING)
        self.seen = {(f.subscription_id, f.resource_group) for f in result.findings}

    def groups(self, by_group: bool) -> tuple[Group, ...]:
        """Per subscription, or per resource group (compared ignoring case, as Azure does)."""
        def key(subscription: str, group: str) -> tuple[str, str]:
            return subscription.lower(), group.lower() if by_group else ""
        spellings: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        tally: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for (subscription, group, standing), n in self.machines.items():
            k = key(subscription, group)
            spellings[k].add((subscription, group if by_group else ""))
            tally[k]["machines"] += n
            tally[k][standing] += n
        for subscription, group in self.seen:
            k = key(subscription, group)
            spellings[k].add((subscription, group if by_group else ""))
            tally[k]["failing"] += self.failing[subscription, group]
        rows = []
        for k in sorted(tally):
            subscription, name = min(spellings[k])
            counts = tally[k]
            rows.append(Group(subscription=subscription, name=name, machines=counts["machines"],
                              judged=sum(counts[s] for s in STATUSES if s != "not_judged"),
                              compliant=counts["compliant"], failing=counts["failing"]))
        return tuple(rows)


def failing_findings(result: AuditResult) -> dict[str, list[Finding]]:
    """Each rule's failing and erroring findings: errors first, then by resource name and id."""
    chosen: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        if finding.outcome in FAILING:
            chosen[finding.rule_id].append(finding)
    for items in chosen.values():
        items.sort(key=lambda f: (f.outcome is not Outcome.ERROR, f.resource_name.lower(),
                                  f.resource_id.lower()))
    return chosen


def kind_label(kind: str, resource_type: str) -> str:
    return KINDS.get(kind) or TYPES.get(resource_type.lower(), resource_type)


def parent_name(resource_id: str) -> str:
    """The resource an extension resource hangs off: `vm-01` for an assignment
    `.../virtualMachines/vm-01/providers/Microsoft.Maintenance/configurationAssignments/x`,
    the subscription for one made at subscription scope; empty for a top-level resource."""
    lowered = resource_id.lower()
    cut = lowered.rfind("/providers/")
    if cut <= 0 or (lowered.find("/providers/") == cut and "/resourcegroups/" in lowered[:cut]):
        return ""
    return resource_id[:cut].rstrip("/").rsplit("/", 1)[-1]


@cache
def environment(autoescape: bool) -> jinja2.Environment:
    """Templates from the installed package `auditor.templates` (reports/templates/)."""
    def load(name: str) -> str:
        return resources.files("auditor.templates").joinpath(name).read_text("utf-8")
    env = jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=autoescape,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["count"] = count
    return env

