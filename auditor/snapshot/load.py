"""Load every input into one linked `Snapshot`: rows are classified by type, never by file."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from auditor.collector import collector_paused
from auditor.errors import Location, UserError
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
from auditor.snapshot import overlay
from auditor.snapshot.envelopes import decode_row, read_document
from auditor.snapshot.normalize import MACHINE_KINDS, Normalizer, type_from_id
from auditor.snapshot.rows import AnyRow, Row, TypedRow
from auditor.snapshot.scope import filter_matches, scope_contains
from auditor.snapshot.sources import Input, inputs

if TYPE_CHECKING:
    from auditor.planned import PlannedContext

SCALE_SET = "microsoft.compute/virtualmachinescalesets"
CONFIGURATION = "microsoft.maintenance/maintenanceconfigurations"
ASSIGNMENT = "microsoft.maintenance/configurationassignments"
ASSESSMENT = "/patchassessmentresults"
INSTALLATION = "/patchinstallationresults"
PATCHES = "/softwarepatches"


class _Estate:
    """The rows gathered so far, indexed as they arrive."""

    def __init__(self, norm: Normalizer) -> None:
        self.norm = norm
        self.machines: dict[str, Machine] = {}
        self.scale_sets: list[str] = []
        self.configurations: dict[str, MaintenanceConfiguration] = {}
        self.assignments: dict[str, Assignment] = {}
        self.assessments: dict[str, Assessment] = {}
        self.assessment_patches: defaultdict[str, list[SoftwarePatch]] = defaultdict(list)
        self.runs: dict[tuple[str, str], InstallationRun] = {}
        self.run_patches: defaultdict[str, list[SoftwarePatch]] = defaultdict(list)
        self.counts: Counter[str] = Counter()
        self.deleted: set[str] = set()  # keys a planned change removes
        self._handlers: dict[str, tuple[str, Callable[[AnyRow, str, str], None]]] = {}

    def handler(self, spelled: str) -> tuple[str, Callable[[AnyRow, str, str], None]]:
        """The lowercased type and its handler; looked up once per distinct spelling."""
        known = self._handlers.get(spelled)
        if known is None:
            row_type = spelled.lower()
            known = self._handlers[spelled] = (row_type, self._pick(row_type))
        return known

    def _pick(self, row_type: str) -> Callable[[AnyRow, str, str], None]:
        if row_type in MACHINE_KINDS:
            return self._machine
        for suffix, handler in ((ASSESSMENT, self._assessment), (INSTALLATION, self._run),
                                (ASSESSMENT + PATCHES, self._assessment_patch),
                                (INSTALLATION + PATCHES, self._run_patch)):
            if row_type.endswith(suffix):
                return handler
        return {CONFIGURATION: self._configuration, ASSIGNMENT: self._assignment,
                SCALE_SET: self._scale_set}.get(row_type, self._ignore)

    def delete(self, row_id: str) -> None:
        """A planned change removes this resource (and a machine's assignments with it)."""
        key = row_id.lower()
        self.deleted.add(key)
        for table in (self.machines, self.configurations, self.assignments):
            table.pop(key, None)
        for assignment in [a for a in self.assignments.values() if a.resource_key == key]:
            del self.assignments[assignment.key]

    def _machine(self, row: AnyRow, row_id: str, row_type: str) -> None:
        machine = self.norm.machine(row, row_type, row_id)
        known = self.machines.get(machine.key)
        pair = overlay.pick(machine, known) if known is not None else None
        if pair is not None:  # a planned machine over the live one
            planned, live = pair
            if planned is machine and isinstance(row, Row) and row.partial is not None:
                merged = overlay.partial_row(row, live)
                if merged is not None:
                    planned = self.norm.machine(merged, row_type, row_id)
            machine = msgspec.structs.replace(planned, replaces_live=True)
        elif known is not None:
            self.norm.warn("duplicate-row", "this machine appears twice; the later row is kept")
        if machine.planned is None and machine.key in self.deleted:
            return
        self.machines[machine.key] = machine

    def _assessment(self, row: AnyRow, row_id: str, row_type: str) -> None:
        assessment = self.norm.assessment(row, row_id)
        known = self.assessments.get(assessment.machine_key)
        if known is None or _later(assessment.last_modified_date_time,
                                   known.last_modified_date_time):
            self.assessments[assessment.machine_key] = assessment

    def _run(self, row: AnyRow, row_id: str, row_type: str) -> None:
        run = self.norm.installation(row, row_id)
        self.runs[(run.machine_key, run.name.lower())] = run  # the same run twice counts once

    def _assessment_patch(self, row: AnyRow, row_id: str, row_type: str) -> None:
        patch = self.norm.software_patch(row, row_id, installation=False)
        self.assessment_patches[patch.machine_key].append(patch)

    def _run_patch(self, row: AnyRow, row_id: str, row_type: str) -> None:
        patch = self.norm.software_patch(row, row_id, installation=True)
        self.run_patches[patch.run_key or ""].append(patch)

    def _configuration(self, row: AnyRow, row_id: str, row_type: str) -> None:
        configuration = self.norm.configuration(row, row_id)
        known = self.configurations.get(configuration.key)
        if configuration.planned is None and (configuration.key in self.deleted or (
                known is not None and known.planned is not None)):
            return  # the planned state wins over the live one, whatever the input order
        self.configurations[configuration.key] = configuration

    def _assignment(self, row: AnyRow, row_id: str, row_type: str) -> None:
        assignment = self.norm.assignment(row, row_id)
        known = self.assignments.get(assignment.key)
        if assignment.planned is None and (assignment.key in self.deleted or (
                known is not None and known.planned is not None)):
            return
        self.assignments[assignment.key] = assignment

    def _scale_set(self, row: AnyRow, row_id: str, row_type: str) -> None:
        self.scale_sets.append(row_id)

    def _ignore(self, row: AnyRow, row_id: str, row_type: str) -> None:
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
    counts = estate.counts
    # Properties kept raw for rules that read them, else decoded with the row in one pass.
    decoder = _raw_rows if keep_raw else _typed_rows
    files: list[InputFile] = []
    captured: list[datetime] = []
    scope: dict[str, list[str]] = {}
    with collector_paused():
        for source in sources:
            if source.captured_at is not None:
                captured.append(source.captured_at)
            for key, values in source.scope.items():
                scope.setdefault(key, []).extend(v for v in values if v not in scope.get(key, []))
            rows = 0
            formats = set()
            for document in source.documents:
                formats.add(document.format)
                norm.warnings.extend(document.warnings)
                for index, item in document.rows:
                    rows += 1
                    norm.at(document.path, index)
                    try:
                        row = decoder.decode(item)
                    except msgspec.DecodeError:  # merged types refused it, or it is malformed
                        row = decode_row(document.path, index, item)
                    row_id = row.id
                    if not row_id:
                        raise UserError(
                            "the row has no id; the auditor needs one row per resource with its "
                            "id column (project id, name, type, properties), not a summary such "
                            "as summarize count()", Location(document.path, row=index, field="id"))
                    if row.change == "delete":
                        estate.delete(row_id)
                        continue
                    row_type, handle = estate.handler(row.type or type_from_id(row_id))
                    if not row_type:
                        raise UserError(
                            f"the row has no type, and its id {row_id!r} names no resource type; "
                            "export rows with their type column (project id, name, type, "
                            "properties)", Location(document.path, row=index, field="type"))
                    counts[row_type] += 1
                    handle(row, row_id, row_type)
            files.append(InputFile(source.path, source.sha256(), ", ".join(sorted(formats)), rows))
        if len(set(captured)) > 1:
            norm.warnings.append(LoadWarning(
                "mixed-capture-times", "the bundles were captured at different times; the "
                "latest is used as the snapshot time"))
        return _link(estate, norm.warnings, files, max(captured, default=None), scope)


def _link(estate: _Estate, warnings: list[LoadWarning], files: list[InputFile],
          captured_at: datetime | None, scope: dict[str, list[str]]) -> Snapshot:
    machines = estate.machines
    coverage: defaultdict[str, list[Coverage]] = defaultdict(list)
    by_subscription: defaultdict[str, list[Machine]] = defaultdict(list)
    for machine in machines.values():
        by_subscription[machine.subscription_id.lower()].append(machine)
    missing_machine, missing_configuration = [], []
    for assignment in sorted(estate.assignments.values(), key=lambda a: a.key):
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
        subscription = assignment.resource_key.strip("/").split("/")[1:2]
        for machine in by_subscription.get(subscription[0] if subscription else "", []):
            if scope_contains(assignment.resource_key, machine) \
                    and filter_matches(assignment.filter, machine):
                coverage[machine.key].append(
                    Coverage(configuration_key=assignment.configuration_key,
                             assignment_key=assignment.key, how=CoverageKind.DYNAMIC))
    runs: defaultdict[str, list[InstallationRun]] = defaultdict(list)
    for run in estate.runs.values():
        runs[run.machine_key].append(run)
    orphans = Orphans(
        assessments=tuple(sorted(a.id for a in estate.assessments.values()
                                 if a.machine_key not in machines)),
        installations=tuple(sorted(r.id for r in estate.runs.values()
                                   if r.machine_key not in machines)),
        patches=tuple(sorted(p.id for key, patches in [*estate.assessment_patches.items(),
                                                        *estate.run_patches.items()]
                             for p in patches if p.machine_key not in machines)),
        assignments_missing_machine=tuple(missing_machine),
        assignments_missing_configuration=tuple(missing_configuration))
    return Snapshot(
        machines=tuple(machines[key] for key in sorted(machines)),
        configurations=estate.configurations,
        assignments=tuple(sorted(estate.assignments.values(), key=lambda a: a.key)),
        assessments=estate.assessments,
        assessment_patches={k: tuple(v) for k, v in estate.assessment_patches.items()},
        installations={k: tuple(sorted(v, key=_run_order, reverse=True)) for k, v in runs.items()},
        installation_patches={k: tuple(v) for k, v in estate.run_patches.items()},
        coverage={k: tuple(v) for k, v in coverage.items()},
        scale_sets=tuple(sorted(estate.scale_sets)), orphans=orphans,
        warnings=tuple(warnings), inputs=tuple(files),
        row_counts=dict(sorted(estate.counts.items())),
        captured_at=captured_at, scope={k: sorted(v) for k, v in sorted(scope.items())})


_NO_START = datetime.min.replace(tzinfo=UTC)
_raw_rows = msgspec.json.Decoder(Row)
_typed_rows = msgspec.json.Decoder(TypedRow)


def _run_order(run: InstallationRun) -> tuple[datetime, str]:
    """Sorted with reverse=True: newest first, runs without a start time last."""
    return (run.start_date_time or _NO_START, run.name)
