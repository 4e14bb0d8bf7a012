"""Read a large document's rows on two cores: the later rows in a forked process.

Building a record costs microseconds of Python per row, and an estate of 100,000 machines
has 700,000 rows. The child reads the later rows into records, exactly as this process
would, and sends them back as MessagePack, which msgspec turns into records in C several
times faster than they were built. This process meanwhile reads the earlier rows, then adds
the child's records in row order, each row's warnings where they belong, so the snapshot is
the one a single process makes (tests compare the two).

Only on Linux, where `fork` is cheap and safe, with two cores free. If the child fails for
any reason but a mistake in the input, this process reads its rows itself, so that a real
failure surfaces here, with its traceback.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from itertools import repeat
from typing import IO, Any, NoReturn

import msgspec

from auditor.errors import Location, UserError
from auditor.model import (
    Assessment,
    Assignment,
    InstallationRun,
    LoadWarning,
    Machine,
    MaintenanceConfiguration,
    SoftwarePatch,
)
from auditor.snapshot.envelopes import Document, Items
from auditor.snapshot.reader import Kind, RowReader

MIN_ROWS = 40_000  # below this, forking costs more than it saves
SHARE = 0.45  # of the rows for this process, which also decodes the child's records
CHUNK = 32_768  # rows in a part the child sends: the parent holds one encoded part at a time

Add = list[Callable[[Any, Any], None]]  # by Kind: takes a record and its row (or None)


class _Error(msgspec.Struct, array_like=True):
    """A mistake in the input, found by the child: raised here once the rows before it are in."""

    message: str
    file: str
    line: int | None
    row: int | None
    field: str


class _Part(msgspec.Struct, array_like=True, gc=False):
    """The records of up to CHUNK rows read by the child, by kind, and each row's kind in row
    order to put them back; the rows' warnings and counts by type; and the mistake that
    stopped the child, if any, at the row after these."""

    start: int  # the index of the first row
    kinds: bytes = b""
    machines: list[Machine] = []
    assessments: list[Assessment] = []
    runs: list[InstallationRun] = []
    patches: list[SoftwarePatch] = []
    configurations: list[MaintenanceConfiguration] = []
    assignments: list[Assignment] = []
    ids: list[str] = []  # of scale sets and of resources a planned change deletes
    counts: dict[str, int] = {}
    warnings: list[LoadWarning] = []
    error: _Error | None = None

    def lists(self) -> list[list[Any]]:
        """The record list of each Kind (IGNORED has none)."""
        return [self.machines, self.assessments, self.runs, self.patches, self.patches,
                self.configurations, self.assignments, self.ids, self.ids, []]


_decoder = msgspec.msgpack.Decoder(_Part)
_HEADER = 8  # bytes: the length of the encoded part that follows


def worthwhile(document: Document) -> bool:
    return (document.listed is not None and len(document.listed.items) >= MIN_ROWS
            and sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1)


def read(document: Document, reader: RowReader, add: Add) -> int:
    """Read every row of the document into the estate, as the serial loop would; the count."""
    listed = document.listed
    assert listed is not None
    count = len(listed.items)
    split = done = int(count * SHARE)
    readable, writable = os.pipe()
    try:
        with warnings.catch_warnings():  # Python 3.12+ warns of a fork beside a thread (the
            warnings.simplefilter("ignore", DeprecationWarning)  # hash's), which the child
            pid = os.fork()                                      # never uses
    except OSError:  # no process to spare (a limit on processes or memory): read them all here
        os.close(readable)
        os.close(writable)
        _serial(document.path, listed.part(0, count), reader, add)
        return count
    if pid == 0:
        os.close(readable)
        _child(writable, document.path, listed.part(split, count), split, reader)
    os.close(writable)
    try:
        if document.release is not None:  # the child reads those rows; this process won't
            document.release(sys.maxsize, listed.offset(split))
        _serial(document.path, listed.part(0, split), reader, add)
        with os.fdopen(readable, "rb") as stream:
            readable = -1
            while (part := _receive(stream)) is not None:
                _replay(part, reader, add)
                done = part.start + len(part.kinds)
        os.waitpid(pid, 0)
        pid = 0
    finally:
        if readable != -1:
            os.close(readable)
        if pid:  # interrupted, or a mistake in the input
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if done < count:  # the child failed: read the rest of its rows here
        _serial(document.path, listed.part(done, count), reader, add)
    return count


def _serial(path: str, items: Items, reader: RowReader, add: Add) -> None:
    for index, item in items:
        kind, record, row = reader.read(path, index, item)
        add[kind](record, row)


def _child(writable: int, path: str, items: Items, start: int, reader: RowReader) -> NoReturn:
    """Read the rows into parts and send each as it is made (a thread writes them, so that
    reading goes on while the parent is still busy with its own rows); leave without any
    cleanup."""
    try:
        outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        writer = threading.Thread(target=_send, args=(writable, outbox))
        writer.start()
        part = _new_part(start, reader)
        lists, kinds = part.lists(), bytearray()
        try:
            for index, item in items:
                kind, record, _ = reader.read(path, index, item)
                lists[kind].append(record)
                kinds.append(kind)
                if len(kinds) == CHUNK:
                    outbox.put(_encode(part, kinds, reader))
                    part = _new_part(index + 1, reader)
                    lists, kinds = part.lists(), bytearray()
        except UserError as error:
            where = error.where or Location()
            part.error = _Error(error.message, where.file, where.line, where.row, where.field)
        outbox.put(_encode(part, kinds, reader))
        outbox.put(None)
        writer.join()
    except BaseException:
        os._exit(1)
    os._exit(0)


def _send(writable: int, outbox: queue.SimpleQueue[bytes | None]) -> None:
    with os.fdopen(writable, "wb") as stream:
        while (data := outbox.get()) is not None:
            stream.write(len(data).to_bytes(_HEADER, "little"))
            stream.write(data)


def _new_part(start: int, reader: RowReader) -> _Part:
    reader.norm.warnings, reader.counts = [], type(reader.counts)()
    return _Part(start)


def _encode(part: _Part, kinds: bytearray, reader: RowReader) -> bytes:
    part.kinds, part.counts, part.warnings = bytes(kinds), dict(reader.counts), \
        reader.norm.warnings
    return msgspec.msgpack.encode(part)


def _receive(stream: IO[bytes]) -> _Part | None:
    """The next part, or None at the end (or where the child's output breaks off)."""
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        return None
    data = stream.read(int.from_bytes(header, "little"))
    try:
        return _decoder.decode(data)
    except msgspec.DecodeError:  # cut short: the child died while writing
        return None


def _replay(part: _Part, reader: RowReader, add: Add) -> None:
    """Add the child's records in row order, each row's warnings before its record: the
    serial loop meets a row's own warnings while reading it, the estate's when adding it."""
    norm = reader.norm
    records: list[Iterator[Any]] = [iter(records) for records in part.lists()]
    records[Kind.RUN_PATCH], records[Kind.DELETE] = records[Kind.ASSESSMENT_PATCH], \
        records[Kind.SCALE_SET]  # one list each, shared by two kinds
    records[Kind.IGNORED] = repeat(None)
    pending = iter(part.warnings)
    warning = next(pending, None)
    for index, kind in enumerate(part.kinds, part.start):
        while warning is not None and warning.row == index:
            norm.warnings.append(warning)
            warning = next(pending, None)
        norm.index = index
        add[kind](next(records[kind]), None)
    if warning is not None:
        norm.warnings.extend([warning, *pending])
    reader.counts.update(part.counts)
    if part.error is not None:
        error = part.error
        raise UserError(error.message, Location(error.file, error.line, error.row, error.field))
