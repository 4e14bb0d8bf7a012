"""Read a large input's rows on two cores: the later rows in a forked process.

Building a record costs microseconds of Python per row, and an estate of 100,000 machines
has 700,000 rows. The child reads the later rows into records, exactly as this process
would, and sends them back as MessagePack, which msgspec turns into records in C several
times faster than they were built. This process meanwhile reads the earlier rows, then adds
the child's records in row order, each row's warnings where they belong, so the snapshot is
the one a single process makes (tests compare the two).

An input is one JSON document, or a bundle's tables one after the other; the split may fall
inside a document. Only on Linux, where `fork` is cheap and safe, with two cores free. If the
child fails for any reason but a mistake in the input, this process reads its rows itself,
so that a real failure surfaces here, with its traceback.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat, takewhile
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
from auditor.snapshot.reader import APART, InputReader, Kind, RowReader

MIN_ROWS = 40_000  # below this, forking costs more than it saves
SHARE = 0.45  # of the rows for this process, which also decodes the child's records
CHUNK = 32_768  # rows in a part the child sends: the parent holds one encoded part at a time

class _Error(msgspec.Struct, array_like=True):
    """A mistake in the input, found by the child: raised here once the rows before it are in."""

    message: str
    file: str
    line: int | None
    row: int | None
    field: str


class _Part(msgspec.Struct, array_like=True, gc=False):
    """Up to CHUNK rows of one document, read by the child: their records by kind, each row's
    kind in row order to put them back, the rows' warnings and counts by type; the mistake
    that stopped the child at the row after these, if any; and whether this is the last."""

    document: int  # its position among the input's documents
    start: int  # the index of the first row
    kinds: bytearray = bytearray()
    indexes: list[int] = []  # each row's index, unless they run on from start (then empty)
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
    last: bool = False

    def lists(self) -> list[list[Any]]:
        """The record list of each Kind (IGNORED has none)."""
        return [self.machines, self.assessments, self.runs, self.patches, self.patches,
                self.configurations, self.assignments, self.ids, self.ids, []]

    def rows(self) -> Iterable[int]:
        return self.indexes or range(self.start, self.start + len(self.kinds))


_decoder = msgspec.msgpack.Decoder(_Part)
_HEADER = 8  # bytes: the length of the encoded part that follows


def worthwhile(documents: Sequence[Document]) -> bool:
    return (all(d.count is not None and d.rows_from is not None for d in documents)
            and sum(d.count or 0 for d in documents) >= MIN_ROWS
            and sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1)


def read(own: InputReader) -> None:
    """Read every row of the input's documents into the estate, as `own.read_all` would."""
    documents, reader = own.documents, own.reader
    there, split = _split(documents)
    forked = _fork()
    if forked is None:  # no process to spare (a limit on processes or memory): all here
        own.read_all()
        return
    pid, readable = forked  # in the child, the end to write to
    if pid == 0:
        _child(readable, documents, there, split, reader)
    done, complete = (there, split), False  # the child's rows still to be added begin at done
    try:
        _release(documents[there], split)
        for position in range(there):
            own.read(position, documents[position].rows)
        own.read(there, _before(documents[there].rows, split))
        with os.fdopen(readable, "rb") as stream:
            readable = -1
            while (part := _receive(stream)) is not None:
                own.rows += _replay(part, own)
                done = (part.document, max(part.rows(), default=part.start - 1) + 1)
                complete = part.last
        os.waitpid(pid, 0)
        pid = 0
    finally:
        if readable != -1:
            os.close(readable)
        if pid:  # interrupted, or a mistake in the input
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if complete:
        own.enter(len(documents) - 1)  # empty documents at the end still count as read
    else:  # the child failed: read the rest of its rows here
        own.read_from(*done)


def _split(documents: Sequence[Document]) -> tuple[int, int]:
    """Where the child starts: the position of a document and a row index in it."""
    counts = [document.count or 0 for document in documents]
    remaining = int(sum(counts) * SHARE)
    for position, count in enumerate(counts):
        if remaining < count:
            return position, remaining
        remaining -= count
    return len(counts) - 1, counts[-1]


def _fork() -> tuple[int, int] | None:
    """(pid, the pipe's end to use), in both processes; None when no process can be made."""
    try:
        readable, writable = os.pipe()
    except OSError:
        return None
    try:
        with warnings.catch_warnings():  # Python 3.12+ warns of a fork beside a thread (the
            warnings.simplefilter("ignore", DeprecationWarning)  # hash's), which the child
            pid = os.fork()                                      # never uses
    except OSError:
        os.close(readable)
        os.close(writable)
        return None
    os.close(readable if pid == 0 else writable)
    return pid, writable if pid == 0 else readable


def _release(document: Document, split: int) -> None:
    """The child reads the rows from `split` on; this process will not need their bytes."""
    if document.release is not None and document.offset is not None:
        document.release(sys.maxsize, document.offset(split))


def _before(rows: Items, split: int) -> Iterator[tuple[int, Any]]:
    """The rows before the index `split`; then the rest is left unread, its file closed."""
    yield from takewhile(lambda row: row[0] < split, rows)
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def _child(writable: int, documents: Sequence[Document], there: int, start: int,
           reader: RowReader) -> NoReturn:
    """Read the rows into parts and send each as it is made (a thread writes them, so that
    reading goes on while the parent is still busy with its own rows); leave without any
    cleanup."""
    try:
        outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        writer = threading.Thread(target=_send, args=(writable, outbox))
        writer.start()
        part = _new_part(there, start, reader)
        lists = part.lists()
        try:
            for position in range(there, len(documents)):
                document = documents[position]
                assert document.rows_from is not None
                for index, item in document.rows_from(start if position == there else 0):
                    if part.document != position or len(part.kinds) == CHUNK:
                        if part.kinds:
                            outbox.put(_encode(part, reader))
                        part = _new_part(position, index, reader)
                        lists = part.lists()
                    kind, record, _ = reader.read(document.path, index, item)
                    lists[kind].append(record)
                    part.kinds.append(kind)
                    part.indexes.append(index)
        except UserError as error:
            where = error.where or Location()
            part.error = _Error(error.message, where.file, where.line, where.row, where.field)
        part.last = True
        outbox.put(_encode(part, reader))
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


def _new_part(document: int, start: int, reader: RowReader) -> _Part:
    reader.norm.warnings, reader.counts = [], type(reader.counts)()
    return _Part(document, start)


def _encode(part: _Part, reader: RowReader) -> bytes:
    part.counts, part.warnings = dict(reader.counts), reader.norm.warnings
    if part.indexes == list(range(part.start, part.start + len(part.indexes))):
        part.indexes = []  # the usual case: they run on from start
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


def _replay(part: _Part, own: InputReader) -> int:
    """Add the child's records in row order, each row's warnings before its record: the
    serial loop meets a row's own warnings while reading it, the estate's when adding it.
    Records of the APART kinds, which never warn, go in first, many at once. The number of
    rows added."""
    own.enter(part.document)
    norm, estate = own.reader.norm, own.estate
    lists = part.lists()
    for apart in APART:
        estate.add_apart(apart, lists[apart])
    add = estate.add
    shared: dict[int, Iterator[Any]] = {}  # kinds that share a list share its iterator
    records = [shared.setdefault(id(found), iter(found)) for found in lists]
    records[Kind.IGNORED] = repeat(None)
    pending = iter(part.warnings)
    warning = next(pending, None)
    for index, kind in zip(part.rows(), part.kinds, strict=True):
        if kind in APART:
            continue
        while warning is not None and (warning.row or 0) <= index:
            norm.warnings.append(warning)
            warning = next(pending, None)
        norm.index = index
        add[kind](next(records[kind]), None)
    if warning is not None:
        norm.warnings.extend([warning, *pending])
    own.reader.counts.update(part.counts)
    if part.error is not None:
        error = part.error
        raise UserError(error.message, Location(error.file, error.line, error.row, error.field))
    return len(part.kinds)
