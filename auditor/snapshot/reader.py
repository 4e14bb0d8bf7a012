"""One row at a time: decode it, tell its kind by its type, and normalise it into a record."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

import msgspec

from auditor.errors import Location, UserError
from auditor.snapshot.envelopes import Document, Item, decode_row
from auditor.snapshot.ids import MACHINE_KINDS, type_from_id
from auditor.snapshot.normalize import Normalizer
from auditor.snapshot.rows import AnyRow, Row, TypedRow

SCALE_SET = "microsoft.compute/virtualmachinescalesets"
CONFIGURATION = "microsoft.maintenance/maintenanceconfigurations"
ASSIGNMENT = "microsoft.maintenance/configurationassignments"
ASSESSMENT = "/patchassessmentresults"
INSTALLATION = "/patchinstallationresults"
PATCHES = "/softwarepatches"


class Kind(enum.IntEnum):
    """What a row is, and so which record it makes."""

    MACHINE = 0
    ASSESSMENT = 1
    RUN = 2
    ASSESSMENT_PATCH = 3
    RUN_PATCH = 4
    CONFIGURATION = 5
    ASSIGNMENT = 6
    SCALE_SET = 7  # the record is the row's id
    DELETE = 8  # a planned change removes the resource with this id
    IGNORED = 9  # a type the auditor does not judge; no record


def kind_of(row_type: str) -> Kind:
    """The kind of a lowercased row type."""
    if row_type in MACHINE_KINDS:
        return Kind.MACHINE
    for suffix, kind in ((ASSESSMENT, Kind.ASSESSMENT), (INSTALLATION, Kind.RUN),
                         (ASSESSMENT + PATCHES, Kind.ASSESSMENT_PATCH),
                         (INSTALLATION + PATCHES, Kind.RUN_PATCH)):
        if row_type.endswith(suffix):
            return kind
    return {CONFIGURATION: Kind.CONFIGURATION, ASSIGNMENT: Kind.ASSIGNMENT,
            SCALE_SET: Kind.SCALE_SET}.get(row_type, Kind.IGNORED)


_raw_rows = msgspec.json.Decoder(Row)
_typed_rows = msgspec.json.Decoder(TypedRow)


class RowReader:
    """Reads rows into records. `keep_raw` keeps each row's property bag undecoded for rules
    that read raw paths; without it a row and its properties decode in one pass."""

    def __init__(self, norm: Normalizer, keep_raw: bool) -> None:
        self.norm = norm
        self.counts: Counter[str] = Counter()  # rows by lowercased type
        self._decoder = _raw_rows if keep_raw else _typed_rows
        self._types: dict[str, tuple[str, Kind]] = {}
        self._records: list[Callable[[AnyRow, str, str], Any]] = [
            norm.machine, norm.assessment, norm.installation, norm.assessment_patch,
            norm.run_patch, norm.configuration, norm.assignment, _row_id, _row_id, _nothing]

    def read(self, path: str, index: int, item: Item) -> tuple[Kind, Any, AnyRow]:
        """The row's kind, its record and the row itself."""
        norm = self.norm
        norm.path, norm.index = path, index
        try:
            row = self._decoder.decode(item)
        except msgspec.DecodeError:  # the merged types refused it, or it is malformed
            row = decode_row(path, index, item)
        row_id = row.id
        if not row_id:
            raise UserError(
                "the row has no id; the auditor needs one row per resource with its id column "
                "(project id, name, type, properties), not a summary such as summarize count()",
                Location(path, row=index, field="id"))
        if row.change == "delete":
            return Kind.DELETE, row_id, row
        spelled = row.type or type_from_id(row_id)
        row_type, kind = self._types.get(spelled) or self._classify(spelled)
        if not row_type:
            raise UserError(
                f"the row has no type, and its id {row_id!r} names no resource type; export "
                "rows with their type column (project id, name, type, properties)",
                Location(path, row=index, field="type"))
        self.counts[row_type] += 1
        return kind, self._records[kind](row, row_id, row_type), row

    def _classify(self, spelled: str) -> tuple[str, Kind]:
        row_type = spelled.lower()
        known = self._types[spelled] = (row_type, kind_of(row_type))
        return known


def _row_id(row: AnyRow, row_id: str, row_type: str) -> str:
    return row_id


def _nothing(row: AnyRow, row_id: str, row_type: str) -> None:
    return None


Add = list[Callable[[Any, Any], None]]  # by Kind: takes a record and its row (or None)
# Kinds whose records neither warn when added nor depend on records of another kind: only
# their order among themselves matters, so records read elsewhere can be added many at once.
APART = (Kind.ASSESSMENT, Kind.RUN)


class Estate(Protocol):
    """Where records go: `add[kind](record, row)` one at a time, in row order; `add_apart`
    many records of an APART kind at once, in their order."""

    add: Add

    def add_apart(self, kind: Kind, records: list[Any]) -> None: ...


class InputReader:
    """The documents of one input read into the estate through `add`: each document's
    warnings and format taken in when it is reached, and the rows counted."""

    def __init__(self, documents: Sequence[Document], reader: RowReader,
                 estate: Estate) -> None:
        self.documents, self.reader, self.estate = documents, reader, estate
        self.formats: set[str] = set()
        self.entered = -1  # the last document whose warnings are in
        self.rows = 0

    def enter(self, position: int) -> Document:
        while self.entered < position:
            self.entered += 1
            document = self.documents[self.entered]
            self.formats.add(document.format)
            self.reader.norm.warnings.extend(document.warnings)
        self.reader.norm.path = self.documents[position].path
        return self.documents[position]

    def read(self, position: int, items: Iterator[tuple[int, Any]]) -> None:
        path = self.enter(position).path
        reader, add, rows = self.reader, self.estate.add, 0
        for index, item in items:
            kind, record, row = reader.read(path, index, item)
            add[kind](record, row)
            rows += 1
        self.rows += rows

    def read_all(self) -> None:
        for position, document in enumerate(self.documents):
            self.read(position, document.rows)

    def read_from(self, position: int, start: int) -> None:
        """Every row from the index `start` of one document on, and all later documents."""
        for later in range(position, len(self.documents)):
            rows_from = self.documents[later].rows_from
            assert rows_from is not None
            self.read(later, rows_from(start if later == position else 0))
