"""Write a snapshot bundle as pages arrive, in a hidden folder renamed into place once complete."""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import os
import queue
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from auditor.collect.errors import CollectError
from auditor.files import replacing, umask

FORMAT, VERSION = "aum-auditor-snapshot", 1  # docs/snapshot-bundle.md
LEVEL = 6  # compressed in a thread while the next page is awaited, so the level costs no time
QUEUED = 4  # pages waiting to be compressed at most: this bounds the memory


class BundleWriter:
    """One `<table>.jsonl.gz` per table, then `manifest.json`; a `.zip` target gets the same
    members in one archive, any other name a folder. Until `commit` nothing is at the target,
    and whatever was there before stays untouched; on any failure the staging is removed."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.archive = target.name.lower().endswith(".zip")
        _check(target, self.archive)
        self._made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
        target.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial",
                                             dir=target.parent))
        self.tables: dict[str, dict[str, Any]] = {}
        self._member = _Member(self.staging)
        self._worker = _Worker(target)
        self._table = ""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is not None:
            self.abort()

    def start(self, table: str, sha256: str) -> None:
        """Begin the table's member; rows written next go there."""
        name = f"{table}.jsonl.gz"
        self._worker.submit(functools.partial(self._member.open, name))
        self.tables[table] = {"file": name, "rows": 0, "querySha256": sha256}
        self._table = table

    def write(self, rows: list[Any]) -> None:
        """Append rows (each the JSON text of one object, without a newline)."""
        if rows:
            self._worker.submit(functools.partial(self._member.write, rows))
            self.tables[self._table]["rows"] += len(rows)

    def commit(self, manifest: dict[str, Any]) -> Path:
        """Write the manifest, then move the complete bundle to the target in one rename."""
        self._worker.submit(self._member.close)
        self._worker.stop()
        document = {"format": FORMAT, "formatVersion": VERSION, **manifest,
                    "tables": self.tables}
        _write(self.staging / "manifest.json",
               (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8"))
        if self.archive:
            self._commit_archive()
        else:
            self._commit_folder()
        return self.target

    def abort(self) -> None:
        """Remove everything written so far; the target is left as it was."""
        self._worker.stop(cancel=True)
        with contextlib.suppress(OSError):
            self._member.close()
        shutil.rmtree(self.staging, ignore_errors=True)
        for folder in self._made:  # the folders made for the target, if still empty
            with contextlib.suppress(OSError):
                folder.rmdir()

    def _commit_archive(self) -> None:
        with replacing(self.target, ".partial", sync=True) as stream, \
                zipfile.ZipFile(stream, "w") as archive:
            archive.write(self.staging / "manifest.json", "manifest.json", zipfile.ZIP_DEFLATED)
            for table in self.tables.values():  # already gzip: stored as is
                archive.write(self.staging / table["file"], table["file"], zipfile.ZIP_STORED)
        shutil.rmtree(self.staging, ignore_errors=True)

    def _commit_folder(self) -> None:
        os.chmod(self.staging, 0o777 & ~umask())
        if not self.target.exists():
            os.replace(self.staging, self.target)
            return
        # A folder cannot replace a non-empty folder in one rename: swap through a side name.
        previous = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".previous",
                                         dir=self.target.parent))
        os.replace(self.target, previous / "bundle")
        try:
            os.replace(self.staging, self.target)
        except BaseException:
            os.replace(previous / "bundle", self.target)
            raise
        shutil.rmtree(previous, ignore_errors=True)


class _Member:
    """The table file being written; used by the writer thread only (or after it stopped)."""

    def __init__(self, staging: Path) -> None:
        self.staging = staging
        self._file: IO[bytes] | None = None
        self._gzip: gzip.GzipFile | None = None

    def open(self, name: str) -> None:
        self.close()
        self._file = (self.staging / name).open("wb")
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._file,
                                   compresslevel=LEVEL, mtime=0)

    def write(self, rows: list[Any]) -> None:
        assert self._gzip is not None, "start() a table first"
        self._gzip.write(b"\n".join(rows))
        self._gzip.write(b"\n")

    def close(self) -> None:
        if self._gzip is not None and self._file is not None:
            self._gzip.close()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        self._gzip = self._file = None


class _Worker:
    """Runs jobs in order in one thread; a failed job stops the rest and is raised to the
    caller at its next `submit` or at `stop`."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(QUEUED)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="bundle-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        self._raise()
        self._jobs.put(job)

    def stop(self, cancel: bool = False) -> None:
        """Wait for the queued jobs (or skip them, when cancelled), then end the thread."""
        if self._thread.is_alive():
            self._cancelled = self._cancelled or cancel
            self._jobs.put(None)
            self._thread.join()
        if not cancel:
            self._raise()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None and not self._cancelled:
                try:
                    job()
                except BaseException as error:  # handed to the caller's thread
                    self._error = error

    def _raise(self) -> None:
        if isinstance(self._error, OSError):
            raise CollectError(f"{self.target}: the snapshot cannot be written "
                               f"({self._error.strerror or self._error})") from self._error
        if self._error is not None:
            raise self._error


def _check(target: Path, archive: bool) -> None:
    """Refuse, before any network call, a target the bundle must not replace."""
    name = target.name.lower()
    if name.endswith((".tar", ".tar.gz", ".tgz")):
        raise CollectError(f"{target}: collect writes a .zip archive or a folder; give a name "
                           "ending in .zip, or one without an archive suffix for a folder")
    if archive and target.is_dir():
        raise CollectError(f"{target}: this is a folder; give another .zip name")
    if not archive and target.exists():
        if not target.is_dir():
            raise CollectError(f"{target}: a file is in the way of the snapshot folder; give "
                               "another --output")
        if not (target / "manifest.json").is_file() and any(target.iterdir()):
            raise CollectError(f"{target}: the folder is not a snapshot bundle and is not "
                               "empty, so it is left alone; give another --output")


def _write(path: Path, data: bytes) -> None:
    with path.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
