"""Find the inputs behind the paths a user gave: JSON exports, and snapshot bundles to stream.

A bundle (docs/snapshot-bundle.md) is a folder or a `.zip`/`.tar`/`.tar.gz` archive holding
`manifest.json` and one JSON Lines file per table; its rows are read one line at a time.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import mmap
import os
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

import msgspec

from auditor.errors import Location, UserError
from auditor.model import LoadWarning
from auditor.snapshot.coerce import to_time
from auditor.snapshot.envelopes import Buffer, Document, read_document

if TYPE_CHECKING:
    from auditor.planned import PlannedContext

BUNDLE_FORMAT = "aum-auditor-snapshot"
BUNDLE_VERSION = 1
_DOCUMENT_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz")
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")


@dataclass
class Input:
    """One file read: its documents, and for a bundle what its manifest says. `sha256` is
    called once the documents are read (the hash may be computed meanwhile, in a thread)."""

    path: str
    sha256: Callable[[], str]
    documents: Iterator[Document]
    captured_at: datetime | None = None
    scope: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[LoadWarning] = field(default_factory=list)


def inputs(paths: Iterable[Path], context: PlannedContext | None = None) -> Iterator[Input]:
    """Yield every input below the given paths, in a stable order. `context` places planned
    resources (templates, plans) that do not name their subscription or resource group."""
    found = False
    for path in paths:
        if not path.exists():
            raise UserError("no such file or directory", Location(str(path)))
        for item in _expand(path, context):
            found = True
            yield item
    if not found:
        raise UserError("nothing to read: no JSON exports or snapshot bundles were found; give "
                        "files exported with az graph query, REST responses or a bundle")


def _expand(path: Path, context: PlannedContext | None = None) -> Iterator[Input]:
    if path.is_dir():
        if (path / "manifest.json").is_file():
            yield _bundle(str(path), _DirectoryReader(path))
            return
        children = sorted(p for p in path.rglob("*") if p.is_file() and _usable(p))
        bundles = sorted({p.parent for p in children if p.name == "manifest.json"})
        if not children:
            raise UserError("the directory holds no exports: no .json, .jsonl, .json.gz or "
                            ".jsonl.gz files and no snapshot bundles", Location(str(path)))
        for bundle in bundles:
            yield _bundle(str(bundle), _DirectoryReader(bundle))
        for child in children:
            if not any(bundle in child.parents for bundle in bundles):
                yield from _expand(child, context)
    elif path.name.lower().endswith(_ARCHIVE_SUFFIXES):
        yield _bundle(str(path), _archive(path), _sha256(path))
    else:
        yield _document(path, context)


def _usable(path: Path) -> bool:
    name = path.name.lower()
    return name == "manifest.json" or name.endswith(_DOCUMENT_SUFFIXES + _ARCHIVE_SUFFIXES)


def _document(path: Path, context: PlannedContext | None = None) -> Input:
    data = _map(path)
    head = bytes(data[:4096])
    if BUNDLE_FORMAT.encode() in head and b'"formatVersion"' in head:
        return _bundle(str(path.parent), _DirectoryReader(path.parent))
    digest = _Digest(data)
    text = to_utf8(str(path), data)
    document = read_document(str(path), text, context)
    if isinstance(text, mmap.mmap) and hasattr(text, "madvise"):
        document.release = _Release(text)
    return Input(str(path), digest, iter([document]))


def _map(path: Path) -> bytes | mmap.mmap:
    """Map the file rather than read it: its pages can be given back as rows are consumed."""
    with path.open("rb") as stream:
        if os.fstat(stream.fileno()).st_size == 0:
            return b""
        try:
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # not mappable (a pipe, some network shares)
            return stream.read()


class _Digest:
    """sha256 of a buffer, computed in a thread while the rows are decoded (hashlib releases
    the GIL on large buffers, so the two overlap on two cores); in one call, so the GIL is
    released once, not per block. Then it gives back the mapped pages: those it faulted in
    again after the reader had given them back."""

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self._hash = hashlib.sha256()
        self._thread = threading.Thread(target=self._update, args=(data,), daemon=True)
        self._thread.start()

    def _update(self, data: bytes | mmap.mmap) -> None:
        self._hash.update(data)
        if isinstance(data, mmap.mmap):
            _Release(data)(len(data))

    def __call__(self) -> str:
        self._thread.join()
        return self._hash.hexdigest()


class _Release:
    """Give back the mapped pages of rows already decoded, so a large export's bytes do not
    all stay resident beside the model built from them (the file backs them if needed)."""

    def __init__(self, data: mmap.mmap) -> None:
        self._data = data

    def __call__(self, stop: int, start: int = 0) -> None:
        start -= start % mmap.PAGESIZE
        stop = min(stop, len(self._data))
        if stop > start:
            self._data.madvise(mmap.MADV_DONTNEED, start, stop - start)


def to_utf8(path: str, data: Buffer) -> Buffer:
    """Undo gzip and byte-order marks: UTF-8 with BOM, and UTF-16 as PowerShell writes it."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise UserError(f"the gzip stream is damaged ({error})", Location(path)) from None
    if data[:3] == codecs.BOM_UTF8:
        return memoryview(data)[len(codecs.BOM_UTF8):]
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return bytes(data).decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as error:
            raise UserError(f"not valid UTF-16 text ({error.reason})", Location(path)) from None
    return data


class _Reader:
    """Opens the members of a bundle, whatever holds them."""

    name: str

    def open(self, member: str) -> IO[bytes]:
        raise NotImplementedError

    # Whether `again` is cheap: not for a tar, which is read from its start to find a member.
    reopens = True

    def again(self) -> _Reader:
        """A reader with its own file handles (an archive's handle keeps a position, which a
        forked process must not share)."""
        return self


class _DirectoryReader(_Reader):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = str(root)

    def open(self, member: str) -> IO[bytes]:
        target = self.root / member
        if not target.is_file():
            raise UserError(f"the manifest lists {member}, which is missing",
                            Location(str(self.root / "manifest.json")))
        return target.open("rb")


class _ArchiveReader(_Reader):
    """A bundle in an archive: its members lie below the folder that holds the manifest."""

    def __init__(self, path: Path, names: list[str]) -> None:
        self.name = str(path)
        self.prefix = _prefix(names, self.name)

    def open(self, member: str) -> IO[bytes]:
        try:
            stream = self._member(self.prefix + member)
        except KeyError:
            stream = None
        if stream is None:
            raise UserError(f"the manifest lists {member}, which the archive lacks",
                            Location(self.name))
        return stream

    def _member(self, name: str) -> IO[bytes] | None:
        raise NotImplementedError


class _ZipReader(_ArchiveReader):
    def __init__(self, path: Path) -> None:
        self.archive = zipfile.ZipFile(path)
        super().__init__(path, self.archive.namelist())

    def _member(self, name: str) -> IO[bytes] | None:
        return self.archive.open(name)

    def again(self) -> _Reader:
        return _ZipReader(Path(self.name))


class _TarReader(_ArchiveReader):
    reopens = False

    def __init__(self, path: Path) -> None:
        # Left open, like the zip: members are read lazily, as the bundle's rows are consumed.
        self.archive = tarfile.open(path)  # noqa: SIM115
        super().__init__(path, self.archive.getnames())

    def _member(self, name: str) -> IO[bytes] | None:
        return self.archive.extractfile(name)



def _archive(path: Path) -> _Reader:
    try:
        if path.name.lower().endswith(".zip"):
            return _ZipReader(path)
        return _TarReader(path)
    except (zipfile.BadZipFile, tarfile.TarError, OSError) as error:
        raise UserError(f"not a readable archive ({error})", Location(str(path))) from None


def _prefix(names: list[str], archive: str) -> str:
    manifests = sorted((n for n in names if PurePosixPath(n).name == "manifest.json"), key=len)
    if not manifests:
        raise UserError("the archive has no manifest.json, so it is not a snapshot bundle",
                        Location(archive))
    return manifests[0][: -len("manifest.json")]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _bundle(name: str, reader: _Reader, sha256: str = "") -> Input:
    manifest_path = f"{name}/manifest.json"
    with reader.open("manifest.json") as stream:
        manifest_bytes = stream.read()
    manifest = _manifest(manifest_path, manifest_bytes)
    captured = manifest.get("capturedAt")
    try:
        captured_at = to_time(captured) if isinstance(captured, str) else None
    except ValueError:
        captured_at = None
    if captured_at is None:
        raise UserError("capturedAt must be an ISO 8601 time such as 2026-11-16T06:00:00Z",
                        Location(manifest_path, field="capturedAt"))
    tables = manifest["tables"]
    digest = sha256 or hashlib.sha256(manifest_bytes).hexdigest()
    result = Input(name, lambda: digest,
                   _table_documents(name, reader, tables), captured_at,
                   {key: list(value) for key, value in (manifest.get("scope") or {}).items()})
    return result


def _manifest(path: str, data: bytes) -> dict[str, Any]:
    try:
        manifest = msgspec.json.decode(to_utf8(path, data))
    except msgspec.DecodeError as error:
        raise UserError(f"malformed JSON: {error}", Location(path)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise UserError(f'format must be "{BUNDLE_FORMAT}"', Location(path, field="format"))
    if manifest.get("formatVersion") != BUNDLE_VERSION:
        raise UserError(f"version {manifest.get('formatVersion')!r} is not supported; this "
                        f"version of aum-auditor reads format version {BUNDLE_VERSION} only (a "
                        "newer aum-auditor may read it)", Location(path, field="formatVersion"))
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(
            isinstance(t, dict) and isinstance(t.get("file"), str) for t in tables.values()):
        raise UserError("tables must map each table name to {file, rows}",
                        Location(path, field="tables"))
    return manifest


def _table_documents(name: str, reader: _Reader, tables: dict[str, Any]) -> Iterator[Document]:
    for table in sorted(tables):
        member, expected = tables[table]["file"], tables[table].get("rows")
        path = f"{name}/{member}"

        def rows_from(start: int, path: str = path, member: str = member,
                      expected: object = expected) -> Iterator[tuple[int, bytes]]:
            # From the file's start (a stream cannot seek), so that the count is checked.
            lines = _lines(path, reader.again(), member, expected)
            return ((index, line) for index, line in lines if index >= start)
        yield Document(path, "snapshot bundle", _lines(path, reader, member, expected),
                       count=expected if isinstance(expected, int) else None,
                       rows_from=rows_from if reader.reopens else None)


def _lines(path: str, reader: _Reader, member: str,
           expected: object) -> Iterator[tuple[int, bytes]]:
    with reader.open(member) as raw:
        stream: Iterable[bytes] = raw
        if member.endswith(".gz"):
            stream = io.BufferedReader(gzip.GzipFile(fileobj=raw), 1 << 20)
        rows = 0  # blank lines are skipped, and not counted
        try:
            for index, line in enumerate(stream):
                if line.strip():
                    yield index, line
                    rows += 1
        except (OSError, EOFError) as error:
            raise UserError(f"the file is damaged after {rows} rows ({error})",
                            Location(path)) from None
    if isinstance(expected, int) and expected != rows:
        raise UserError(f"the manifest promises {expected} rows but the file holds {rows}; "
                        "the copy is incomplete", Location(path))
