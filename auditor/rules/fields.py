"""Field paths: the rule vocabulary mapped onto the model, checked at load, fast at run time.

A path is resolved once, when a rule compiles, into a getter `(subject, context) -> value`
(None when the field is missing). Plain attribute chains become one `attrgetter`; derived
fields (`assessment.latest`, `configuration.expired`) are small functions of the context.
"""

from __future__ import annotations

import difflib
import operator
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from auditor.model import (
    Assessment,
    Assignment,
    InstallationRun,
    Machine,
    MaintenanceConfiguration,
    Recurrence,
    Snapshot,
    SoftwarePatch,
)

Getter = Callable[[Any, "Context"], Any]
_HIDDEN = {"key", "source", "raw", "machine_key", "run_key", "configuration_key", "resource_key",
           "planned", "replaces_live", "unknown"}


class ScheduleView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A schedule covering a machine, as rules see it."""

    how: str
    assignment_id: str
    configuration_id: str
    configuration: MaintenanceConfiguration | None


class Context:
    """The snapshot as rules read it, judged as of one moment; indexes are built on demand."""

    def __init__(self, snapshot: Snapshot, as_of: datetime) -> None:
        self.snapshot = snapshot
        self.as_of = as_of
        self.resource: Any = None  # the resource being judged, for `of: resource` references
        self._machines: dict[str, Machine] | None = None
        # Whether any record holds a value unknown until deployment (planned state only).
        self.uncertain = any(record.unknown for table in (
            snapshot.machines, snapshot.configurations.values(), snapshot.assignments)
            for record in table)
        self._by_configuration: dict[str, tuple[Assignment, ...]] | None = None
        self._assignments: dict[str, Assignment] | None = None
        # The last count with a `where` (rules.compile): (count, row, judged resource, total).
        self.last_count: tuple[Any, Any, Any, int] | None = None

    def machine(self, key: str) -> Machine | None:
        if self._machines is None:
            self._machines = {m.key: m for m in self.snapshot.machines}
        return self._machines.get(key)

    def assignments_of(self, configuration_key: str) -> tuple[Assignment, ...]:
        if self._by_configuration is None:
            grouped: dict[str, list[Assignment]] = {}
            for item in self.snapshot.assignments:
                grouped.setdefault(item.configuration_key, []).append(item)
            self._by_configuration = {k: tuple(v) for k, v in grouped.items()}
        return self._by_configuration.get(configuration_key, ())

    def schedules(self, machine: Machine) -> tuple[ScheduleView, ...]:
        coverage = self.snapshot.coverage.get(machine.key)
        if not coverage:
            return ()
        if self._assignments is None:
            self._assignments = {a.key: a for a in self.snapshot.assignments}
        configurations = self.snapshot.configurations
        return tuple(ScheduleView(
            how=str(c.how), assignment_id=self._assignments[c.assignment_key].id,
            configuration_id=self._assignments[c.assignment_key].maintenance_configuration_id,
            configuration=configurations.get(c.configuration_key)) for c in coverage)

    def expired(self, configuration: MaintenanceConfiguration) -> bool | None:
        expiration = configuration.window.expiration_utc
        if expiration is None:
            never = configuration.window.expiration_date_time is None \
                or configuration.window.expiration_date_time.startswith("9999")
            return False if never else None
        return expiration < self.as_of


@dataclass(frozen=True)
class Relation:
    """A list of related rows: countable, with a few named members (`latest`)."""

    item: type[Any]
    members: dict[str, tuple[Getter, Any]] = field(default_factory=dict)


class _Node:
    """A virtual object in the vocabulary with only derived members (`assessment`)."""

    def __init__(self, name: str, members: dict[str, tuple[Getter, Any]]) -> None:
        self.name, self.members = name, members


SCALAR, DICT, RAW = "scalar", "dict", "raw"


def _latest_failed(runs: tuple[InstallationRun, ...], _: Context) -> InstallationRun | None:
    for run in runs:  # a loop, not next() on a generator: it runs for each failing machine
        if run.status == "Failed":
            return run
    return None


def _shortest_period(schedules: tuple[ScheduleView, ...], _: Context) -> float | None:
    periods = [s.configuration.window.recurrence.period().total_seconds() / 86400
               for s in schedules if s.configuration is not None
               and (s.configuration.maintenance_scope or "").lower() == "inguestpatch"
               and s.configuration.window.recurrence is not None]
    return min(periods, default=None)


def run_patches(run: InstallationRun, ctx: Context) -> tuple[SoftwarePatch, ...]:
    """A run's per-update rows, linked by the run's id (lowercased, as the loader keys them)."""
    key = f"{run.machine_key}/patchinstallationresults/{run.name.lower()}"
    return ctx.snapshot.installation_patches.get(key, ())


def _all_run_patches(runs: tuple[InstallationRun, ...], ctx: Context
                     ) -> tuple[SoftwarePatch, ...]:
    return tuple(patch for run in runs for patch in run_patches(run, ctx))


_PATCHES = Relation(SoftwarePatch)
_RUNS = Relation(InstallationRun, {
    "latest": (lambda runs, _: runs[0] if runs else None, InstallationRun),
    "latestFailed": (_latest_failed, InstallationRun),
    "patches": (_all_run_patches, _PATCHES),
})
_SCHEDULES = Relation(ScheduleView, {"shortestPeriodDays": (_shortest_period, SCALAR)})
_ASSESSMENT = _Node("assessment", {
    "latest": (lambda m, ctx: ctx.snapshot.assessments.get(m.key), Assessment),
    "patches": (lambda m, ctx: ctx.snapshot.assessment_patches.get(m.key, ()), _PATCHES),
})
_ASSIGNMENTS = Relation(Assignment)

# Derived members of model records, beside their own fields (spelled as shown to users;
# looked up ignoring case).
EXTRAS: dict[Any, dict[str, tuple[Getter, Any]]] = {
    Machine: {
        "assessment": (lambda m, _: m, _ASSESSMENT),
        "installations": (lambda m, ctx: ctx.snapshot.installations.get(m.key, ()), _RUNS),
        "schedules": (lambda m, ctx: ctx.schedules(m), _SCHEDULES),
        "properties": (lambda m, _: m.raw, RAW),
    },
    MaintenanceConfiguration: {
        "expired": (lambda c, ctx: ctx.expired(c), SCALAR),
        "assignments": (lambda c, ctx: ctx.assignments_of(c.key), _ASSIGNMENTS),
        "properties": (lambda c, _: c.raw, RAW),
    },
    InstallationRun: {"patches": (run_patches, _PATCHES)},
    Recurrence: {"periodHours": (lambda r, _: r.period().total_seconds() / 3600, SCALAR)},
    Assignment: {
        "configuration": (lambda a, ctx: ctx.snapshot.configurations.get(a.configuration_key),
                          MaintenanceConfiguration),
        "machine": (lambda a, ctx: None if a.dynamic else ctx.machine(a.resource_key), Machine),
    },
}


class PathError(ValueError):
    """A path that names nothing in the vocabulary; the message suggests what was meant."""


@dataclass(frozen=True)
class Resolved:
    getter: Getter
    kind: Any  # what the path names: a record type, Relation, SCALAR, DICT or RAW
    uses_raw: bool
    # (record type, path) pairs: the fields of each record the path reads, spelled as written,
    # so the engine can tell whether a value unknown until deployment is among them.
    reads: tuple[tuple[type[Any], str], ...] = ()


# Records that carry `unknown` paths (planned state); a path is split where it enters one.
TRACKED = (Machine, MaintenanceConfiguration, Assignment)


def resolve(subject: Any, path: str) -> Resolved:
    """Resolve a dotted path against a subject type (Machine, InstallationRun, ...)."""
    steps: list[Getter | tuple[str, ...]] = []
    kind, uses_raw = subject, False
    reads: list[tuple[type[Any], str]] = []
    origin: type[Any] | None = subject if subject in TRACKED else None
    chain: list[str] = []
    parts = path.split(".")
    for index, part in enumerate(parts):
        name = part.lower()
        if kind is RAW:
            steps.append(_raw_walk(tuple(p.lower() for p in parts[index:])))
            chain.extend(parts[index:])
            uses_raw = True
            break
        if kind is DICT:
            steps.append(_dict_get(name))
            kind = SCALAR
            chain.append(part)
            continue
        members = _members(kind)
        if name not in members:
            where = ".".join(parts[:index]) or "the resource"
            raise PathError(_unknown(part, where, _names(kind)))
        step, kind = members[name]
        steps.append(step)
        chain.append(part)
        if kind is RAW and index == len(parts) - 1:
            uses_raw = True
        entered = kind.item if isinstance(kind, Relation) else kind
        if entered in TRACKED or isinstance(kind, (Relation, _Node)):
            if origin is not None:
                reads.append((origin, ".".join(chain)))
            origin, chain = (entered if entered in TRACKED else None), []
    if origin is not None and chain:
        reads.append((origin, ".".join(chain)))
    return Resolved(_compose(steps), kind, uses_raw, tuple(reads))


def _members(kind: Any) -> dict[str, tuple[Getter | tuple[str, ...], Any]]:
    """What a path can name next, keyed by the lowercased name."""
    return {name.lower(): member for name, member in _spelled(kind).items()}


def _names(kind: Any) -> list[str]:
    """The names a path can take next, spelled as in the docs (`latestFailed`)."""
    return sorted(_spelled(kind), key=str.lower)


def _spelled(kind: Any) -> dict[str, tuple[Getter | tuple[str, ...], Any]]:
    members: dict[str, tuple[Getter | tuple[str, ...], Any]] = {}
    if isinstance(kind, (Relation, _Node)):
        return dict(kind.members)
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        for info in msgspec.structs.fields(kind):
            if info.name not in _HIDDEN:
                members[info.encode_name] = ((info.name,), _kind_of(info.type))
        members.update(EXTRAS.get(kind, {}))
    return members


def _kind_of(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = options[0] if len(options) == 1 else annotation
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    if typing.get_origin(annotation) is dict:
        return DICT
    return SCALAR


def _unknown(part: str, where: str, names: list[str]) -> str:
    if not names:
        return f"{where} has no field '{part}'"
    folded = {name.lower(): name for name in names}
    close = difflib.get_close_matches(part.lower(), list(folded), n=1)
    hint = f"; did you mean '{folded[close[0]]}'?" if close else f"; known: {', '.join(names)}"
    return f"unknown field '{part}' in {where}{hint}"


def _dict_get(key: str) -> Getter:
    def get(mapping: Any, _: Context) -> Any:
        if not isinstance(mapping, dict):
            return None
        if key in mapping:
            return mapping[key]
        return next((v for k, v in mapping.items() if k.lower() == key), None)
    return get


def _raw_walk(keys: tuple[str, ...]) -> Getter:
    def walk(raw: Any, _: Context) -> Any:
        value = msgspec.json.decode(raw) if isinstance(raw, msgspec.Raw) else raw
        for key in keys:
            if isinstance(value, dict):
                value = value[key] if key in value else next(
                    (v for k, v in value.items() if k.lower() == key), None)
            elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]
            else:
                return None
            if value is None:
                return None
        return value
    return walk


def _compose(steps: list[Getter | tuple[str, ...]]) -> Getter:
    """Fuse runs of plain attributes into one attrgetter, then chain the steps None-safely."""
    fused: list[Getter] = []
    names: list[str] = []
    for step in [*steps, None]:
        if isinstance(step, tuple):
            names.extend(step)
            continue
        if names:
            fused.append(_attributes(".".join(names)))
            names = []
        if step is not None:
            fused.append(step)
    if len(fused) == 1:
        return fused[0]

    def chain(value: Any, ctx: Context) -> Any:
        for step in fused:
            if value is None:
                return None
            value = step(value, ctx)
        return value
    return chain


def _attributes(dotted: str) -> Getter:
    get = operator.attrgetter(dotted)

    def attributes(value: Any, _: Context) -> Any:
        try:
            return get(value)
        except AttributeError:  # an absent record on the way (image is None)
            return None
    attributes.attrgetter = get  # type: ignore[attr-defined]  # see plain_attribute
    return attributes


def plain_attribute(getter: Getter) -> Callable[[Any], Any] | None:
    """The attrgetter behind a getter that only reads attributes, else None: hot conditions
    call it directly (catching AttributeError as the getter does), one call less per row."""
    return getattr(getter, "attrgetter", None)
