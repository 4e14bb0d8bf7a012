"""Load every input into one linked `Snapshot`: rows are classified by type, never by file."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from auditor.collector import collector_paused
from auditor.model import (
    Assessment,
    Assignment,
    Coverage,
    CoverageKind,
    InputFile,
    InstallationRun,
    LoadWarning,
    Machine,
    MaintenanceConfiguration,
    Orphans,
    Snapshot,
    SoftwarePatch,
)
from auditor.snapshot import overlay, parallel
from auditor.snapshot.envelopes import read_document
from auditor.snapshot.ids import MACHINE_KINDS, id_part, type_from_id
from auditor.snapshot.normalize import Normalizer
from auditor.snapshot.pages import Page, complete_pages
from auditor.snapshot.reader import Add, InputReader, Kind, RowReader
from auditor.snapshot.rows import AnyRow, Row
from auditor.snapshot.scope import filter_matches, scope_contains
from auditor.snapshot.sources import Input, inputs

if TYPE_CHECKING:
    from auditor.planned import PlannedContext

class _Estate:
    """The records gathered so far, indexed as they arrive. `add[kind](record, row)` takes
    the record a row of that kind made (`row` is None when a helper process read it)."""

    def __init__(self, norm: Normalizer) -> None:
        self.norm = norm
        self.machines: dict[str, Machine] = {}
        self.scale_sets: list[str] = []
        self.configurations: dict[str, MaintenanceConfiguration] = {}
        self.assignments: dict[str, Assignment] = {}
        self.assessments: dict[str, Assessment] = {}
        self.assessment_patches: defaultdict[str, list[SoftwarePatch]] = defaultdict(list)
        self.runs: defaultdict[str, dict[str, InstallationRun]] = defaultdict(dict)  # by
        # machine key, then by lowercased run name: the same run twice counts once
        self.run_patches: defaultdict[str, list[SoftwarePatch]] = defaultdict(list)
        self.deleted: set[str] = set()  # keys a planned change removes
        self.add: Add = [
            self._machine, self._assessment, self._run, self._assessment_patch,
            self._run_patch, self._configuration, self._assignment, self._scale_set,
            self._delete, self._ignore]

    def add_apart(self, kind: Kind, records: list[Any]) -> None:
        add = self.add[kind]
        for record in records:
            add(record, None)

    def _delete(self, row_id: str, row: AnyRow | None) -> None:
        """A planned change removes this resource (and a machine's assignments with it)."""
        key = row_id.lower()
        self.deleted.add(key)
        for table in (self.machines, self.configurations, self.assignments):
            table.pop(key, None)
        for assignment in [a for a in self.assignments.values() if a.resource_key == key]:
            del self.assignments[assignment.key]

    def _machine(self, machine: Machine, row: AnyRow | None) -> None:
        known = self.machines.get(machine.key)
        pair = overlay.pick(machine, known) if known is not None else None
        if pair is not None:  # a planned machine over the live one
            planned, live = pair
            if planned is machine and isinstance(row, Row) and row.partial is not None:
                merged = overlay.partial_row(row, live)
                if merged is not None:
                    planned = self.norm.machine(merged, machine.id, machine.type)
            machine = msgspec.structs.replace(planned, replaces_live=True)
        elif known is not None:
            self.norm.warn("duplicate-row", "this machine appears twice; the later row is kept")
        if machine.planned is None and machine.key in self.deleted:
            return
        self.machines[machine.key] = machine

    def _assessment(self, assessment: Assessment, row: AnyRow | None) -> None:
        known = self.assessments.get(assessment.machine_key)
        if known is None or _later(assessment.last_modified_date_time,
                                   known.last_modified_date_time):
            self.assessments[assessment.machine_key] = assessment

    def _run(self, run: InstallationRun, row: AnyRow | None) -> None:
        self.runs[run.machine_key][run.name.lower()] = run

    def _assessment_patch(self, patch: SoftwarePatch, row: AnyRow | None) -> None:
        self.assessment_patches[patch.machine_key].append(patch)

    def _run_patch(self, patch: SoftwarePatch, row: AnyRow | None) -> None:
        self.run_patches[patch.run_key or ""].append(patch)

    def _configuration(self, configuration: MaintenanceConfiguration,
                       row: AnyRow | None) -> None:
        known = self.configurations.get(configuration.key)
        if configuration.planned is None and (configuration.key in self.deleted or (
                known is not None and known.planned is not None)):
            return  # the planned state wins over the live one, whatever the input order
        self.configurations[configuration.key] = configuration

    def _assignment(self, assignment: Assignment, row: AnyRow | None) -> None:
        known = self.assignments.get(assignment.key)
        if assignment.planned is None and (assignment.key in self.deleted or (
                known is not None and known.planned is not None)):
            return
        self.assignments[assignment.key] = assignment

    def _scale_set(self, row_id: str, row: AnyRow | None) -> None:
        self.scale_sets.append(row_id)

    def _ignore(self, record: None, row: AnyRow | None) -> None:
        pass


def _later(candidate: datetime | None, known: datetime | None) -> bool:
    return known is None or (candidate is not None and candidate >= known)


def load_estate(paths: Iterable[Path | str], *, keep_raw: bool = False,
                context: PlannedContext | None = None) -> Snapshot:
    """Read, normalise and link every input. `keep_raw` keeps each row's property bag
    (undecoded) for rules that read raw paths; without it a bundle streams in bounded memory.
    `context` places planned resources (templates and plans) that do not name their target."""
    return build_snapshot(inputs((Path(p) for p in paths), context), keep_raw)


def load_rows(rows: list[dict[str, Any]], name: str = "<rows>", *,
              captured_at: datetime | None = None) -> Snapshot:
    """A snapshot from rows already in memory (rule examples and test cases)."""
    data = msgspec.json.encode(rows)
    digest = hashlib.sha256(data).hexdigest()
    source = Input(name, lambda: digest, iter([read_document(name, data)]), captured_at)
    return build_snapshot([source], keep_raw=True)


def build_snapshot(sources: Iterable[Input], keep_raw: bool) -> Snapshot:
    norm = Normalizer(keep_raw)
    estate = _Estate(norm)
    reader = RowReader(norm, keep_raw)
    files: list[InputFile] = []
    captured: list[datetime] = []
    scope: dict[str, list[str]] = {}
    pages: list[tuple[Page, int]] = []
    with collector_paused():
        for source in sources:
            if source.captured_at is not None:
                captured.append(source.captured_at)
            for key, values in source.scope.items():
                scope.setdefault(key, []).extend(v for v in values if v not in scope.get(key, []))
            files.append(_read(source, reader, estate, keep_raw, pages))
        if answered := complete_pages(pages):  # every page is here: none is missing after all
            norm.warnings[:] = [w for w in norm.warnings if id(w) not in answered]
        if len(set(captured)) > 1:
            norm.warnings.append(LoadWarning(
                "mixed-capture-times", "the bundles were captured at different times; the "
                "latest is used as the snapshot time"))
        return _link(estate, norm.warnings, files, max(captured, default=None), scope,
                     reader.counts)


def _read(source: Input, reader: RowReader, estate: _Estate, keep_raw: bool,
          pages: list[tuple[Page, int]]) -> InputFile:
    """Read one input's rows into the estate, and add its pages of paged queries to `pages`.
    (A function of its own, so that its documents and their rows are freed as soon as they
    are read.)"""
    documents = list(source.documents)  # (a bundle's tables are opened as they are read)
    own = InputReader(documents, reader, estate)
    if not keep_raw and parallel.worthwhile(documents):
        parallel.read(own)
    else:
        own.read_all()
    pages.extend((d.page, d.count or 0) for d in documents if d.page is not None)
    return InputFile(source.path, source.sha256(), ", ".join(sorted(own.formats)), own.rows)


def _link(estate: _Estate, warnings: list[LoadWarning], files: list[InputFile],
          captured_at: datetime | None, scope: dict[str, list[str]],
          counts: Counter[str]) -> Snapshot:
    machines = estate.machines
    coverage: defaultdict[str, list[Coverage]] = defaultdict(list)
    by_subscription: defaultdict[str, list[Machine]] | None = None
    missing_machine, missing_configuration = [], []
    assignments = sorted(estate.assignments.values(), key=lambda a: a.key)
    for assignment in assignments:
        if assignment.configuration_key not in estate.configurations:
            missing_configuration.append(assignment.id)
        if not assignment.dynamic:
            if assignment.resource_key in machines:
                coverage[assignment.resource_key].append(
                    Coverage(configuration_key=assignment.configuration_key,
                             assignment_key=assignment.key, how=CoverageKind.STATIC))
            elif type_from_id(assignment.resource_key) in MACHINE_KINDS:
                missing_machine.append(assignment.id)
            continue
        if assignment.filter is None:
            continue
        if by_subscription is None:
            by_subscription = defaultdict(list)
            for machine in machines.values():
                by_subscription[machine.subscription_id.lower()].append(machine)
        subscription = id_part(assignment.resource_key, "subscriptions")
        for machine in by_subscription.get(subscription, []):
            if scope_contains(assignment.resource_key, machine) \
                    and filter_matches(assignment.filter, machine):
                coverage[machine.key].append(
                    Coverage(configuration_key=assignment.configuration_key,
                             assignment_key=assignment.key, how=CoverageKind.DYNAMIC))
    orphans = Orphans(
        assessments=tuple(sorted(a.id for a in estate.assessments.values()
                                 if a.machine_key not in machines)),
        installations=tuple(sorted(r.id for key, runs in estate.runs.items()
                                   if key not in machines for r in runs.values())),
        patches=tuple(sorted(p.id for key, patches in [*estate.assessment_patches.items(),
                                                        *estate.run_patches.items()]
                             for p in patches if p.machine_key not in machines)),
        assignments_missing_machine=tuple(missing_machine),
        assignments_missing_configuration=tuple(missing_configuration))
    return Snapshot(
        machines=tuple(machines[key] for key in sorted(machines)),
        configurations=estate.configurations,
        assignments=tuple(assignments),
        assessments=estate.assessments,
        assessment_patches={k: tuple(v) for k, v in estate.assessment_patches.items()},
        installations={key: _newest_first(runs.values()) for key, runs in estate.runs.items()},
        installation_patches={k: tuple(v) for k, v in estate.run_patches.items()},
        coverage={k: tuple(v) for k, v in coverage.items()},
        scale_sets=tuple(sorted(estate.scale_sets)), orphans=orphans,
        warnings=tuple(warnings), inputs=tuple(files),
        row_counts=dict(sorted(counts.items())),
        captured_at=captured_at, scope={k: sorted(v) for k, v in sorted(scope.items())})


_NO_START = datetime.min.replace(tzinfo=UTC)
_START_AND_NAME = attrgetter("start_date_time", "name")


def _newest_first(runs: Iterable[InstallationRun]) -> tuple[InstallationRun, ...]:
    """Newest first, runs without a start time last; the same start, by name descending."""
    try:
        return tuple(sorted(runs, key=_START_AND_NAME, reverse=True))
    except TypeError:  # a run without a start time: the general key, slower
        return tuple(sorted(runs, key=_run_order, reverse=True))


def _run_order(run: InstallationRun) -> tuple[datetime, str]:
    return (run.start_date_time or _NO_START, run.name)
