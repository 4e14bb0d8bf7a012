"""Earlier results read back: the baseline a run is compared with, and the runs of a trend."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import msgspec

from auditor.engine.baseline import compare
from auditor.engine.results import SCHEMA_VERSION, AuditResult, Finding, HistoryPoint, Summary
from auditor.errors import UserError


class _Document(msgspec.Struct, rename="camel", gc=False):
    schema_version: str
    as_of: str


T = TypeVar("T", bound=_Document)


class _Earlier(_Document, rename="camel", gc=False):
    """What a baseline needs of results.json; every other key is skipped unread."""

    findings: tuple[Finding, ...]


class _Point(_Document, rename="camel", gc=False):
    """What a trend needs of results.json."""

    summary: Summary


def _read(path: Path, kind: type[T]) -> tuple[T, str]:
    """The results file decoded as `kind`, and the sha256 of its bytes."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"{path}: cannot read earlier results: {error.strerror or error}") \
            from None
    try:
        document = msgspec.json.decode(data, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise UserError(f"{path}: not results written by `auditor audit --format json`: "
                        f"{error}") from None
    major = SCHEMA_VERSION.split(".")[0]
    if document.schema_version.split(".")[0] != major:
        raise UserError(f"{path}: results schema version {document.schema_version}; this "
                        f"auditor reads version {major}.x")
    return document, hashlib.sha256(data).hexdigest()


def with_baseline(result: AuditResult, path: Path) -> AuditResult:
    """`result` compared with the results file at `path` (see engine/baseline.py)."""
    earlier, digest = _read(path, _Earlier)
    return compare(result, earlier.findings, path=str(path), sha256=digest,
                   as_of=earlier.as_of)


def history_files(folder: Path) -> list[Path]:
    """Every `*.json` file under `folder` (subfolders too: a CI job downloads each artifact
    into its own), sorted."""
    if not folder.is_dir():
        raise UserError(f"{folder}: --history needs a folder of earlier results.json files")
    return sorted(p for p in folder.rglob("*.json") if p.is_file())


def with_history(result: AuditResult, folder: Path) -> AuditResult:
    """`result` with the earlier runs found under `folder`, oldest first: one point per as-of
    time (a run at this run's as-of time is this run, and is left out)."""
    points: dict[str, HistoryPoint] = {}
    for path in history_files(folder):
        point, digest = _read(path, _Point)
        if point.as_of == result.as_of or point.as_of in points:
            continue
        summary = point.summary
        points[point.as_of] = HistoryPoint(
            as_of=point.as_of, path=str(path), sha256=digest,
            machines_judged=summary.machines_judged,
            compliant_machines=summary.compliant_machines, by_rule=summary.by_rule)
    return msgspec.structs.replace(result, history=tuple(
        points[key] for key in sorted(points, key=_moment)))


def _moment(as_of: str) -> tuple[datetime, str]:
    """An as-of time for sorting (one that does not parse sorts first, by its text)."""
    try:
        moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC), as_of
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, as_of


def with_earlier(result: AuditResult, baseline: Path | None,
                 history: Path | None) -> AuditResult:
    """The result with what `--baseline` and `--history` add to it."""
    if baseline is not None:
        result = with_baseline(result, baseline)
    if history is not None:
        result = with_history(result, history)
    return result
