"""The result model every renderer reads; its JSON form is a documented contract."""

from __future__ import annotations

import enum

import msgspec

SCHEMA_VERSION = "1.0"


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"
    ERROR = "error"
    UNKNOWN = "unknown"  # the verdict rests on a value not known until deployment


class _Record(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True,
              gc=False):
    """Base of every result record; subclasses repeat `frozen=True` for type checkers."""


class Waiver(_Record, frozen=True):
    """An accepted exception: which rule, which resources (id or glob), why, whose, until when."""

    rule: str
    resource: str
    reason: str
    owner: str
    expires: str  # YYYY-MM-DD; the waiver holds through that day (UTC)


class Finding(_Record, frozen=True):
    rule_id: str
    resource_id: str
    resource_type: str
    resource_name: str
    subscription_id: str
    resource_group: str
    outcome: Outcome
    severity: str
    message: str
    fingerprint: str
    evidence: dict[str, str] = {}
    waiver: Waiver | None = None
    waived_outcome: Outcome | None = None
    baseline_state: str | None = None  # with --baseline, on fail and error: new | unchanged


class RuleInfo(_Record, frozen=True):
    id: str
    name: str
    severity: str
    tags: tuple[str, ...]
    summary: str
    why: str
    fix: str
    links: tuple[str, ...]
    file: str


class MachineInfo(_Record, frozen=True):
    """What a report shows of each machine besides its findings."""

    id: str
    name: str
    type: str
    kind: str
    subscription_id: str
    resource_group: str
    location: str
    os_type: str
    orchestration_mode: str
    tags: dict[str, str] = {}
    planned: str | None = None  # where a planned machine comes from; absent for live ones


class Tool(_Record, frozen=True):
    name: str
    version: str


class InputInfo(_Record, frozen=True):
    path: str
    sha256: str
    format: str
    rows: int


class WaiverStatus(_Record, frozen=True):
    expired: tuple[Waiver, ...] = ()
    unused: tuple[Waiver, ...] = ()
    expiring_soon: tuple[Waiver, ...] = ()


class Summary(_Record, frozen=True):
    by_outcome: dict[str, int]
    by_severity: dict[str, dict[str, int]]
    by_rule: dict[str, dict[str, int]]
    machines: int
    machines_judged: int
    compliant_machines: int
    configurations: int
    assignments: int


class Warning(_Record, frozen=True):
    code: str
    message: str
    file: str = ""
    row: int | None = None
    field: str = ""


class ChangeItem(_Record, frozen=True):
    """One verdict a planned change alters: the outcome on the snapshot alone (`absent` when
    the resource is new) and on the snapshot with the change laid over it."""

    rule_id: str
    resource_id: str
    resource_name: str
    before: str
    after: str


class RuleChange(_Record, frozen=True):
    breaks: int
    fixes: int
    unknown: int


class Change(_Record, frozen=True):
    """What a planned change does to the verdicts (docs/planned-state.md)."""

    planned: tuple[str, ...]
    summary: str
    by_rule: dict[str, RuleChange]
    breaks: tuple[ChangeItem, ...]
    fixes: tuple[ChangeItem, ...]
    unknown: tuple[ChangeItem, ...] = ()


class AuditResult(_Record, frozen=True):
    schema_version: str
    tool: Tool
    as_of: str
    as_of_source: str  # snapshot | flag | clock
    scope: dict[str, list[str]]
    inputs: tuple[InputInfo, ...]
    rules: tuple[RuleInfo, ...]
    findings: tuple[Finding, ...]
    machines: tuple[MachineInfo, ...]
    summary: Summary
    waivers: WaiverStatus
    warnings: tuple[Warning, ...]
    change: Change | None = None  # with --planned over a live snapshot
    baseline: Baseline | None = None  # with --baseline: what changed since an earlier run
    history: tuple[HistoryPoint, ...] = ()  # with --history: earlier runs, oldest first


class BaselineCounts(_Record, frozen=True):
    new: int
    unchanged: int
    resolved: int


class Baseline(_Record, frozen=True):
    """An earlier run this one is compared with (docs/results.md): failing findings matched by
    fingerprint are new or unchanged; those failing only in the baseline are resolved."""

    path: str
    sha256: str
    as_of: str
    counts: BaselineCounts
    resolved: tuple[Finding, ...]  # as the baseline recorded them


class HistoryPoint(_Record, frozen=True):
    """One earlier run, for the trend: its as-of time and its counts."""

    as_of: str
    path: str
    sha256: str
    machines_judged: int
    compliant_machines: int
    by_rule: dict[str, dict[str, int]]
