"""Several formats in one run, each written whole or not at all: a renderer that fails, or a
write that is interrupted, leaves no half-written report and no temporary file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor import cli
from auditor.engine.results import AuditResult
from auditor.report import RENDERERS

ALL = ("results.json", "report.html", "summary.md", "results.sarif", "junit.xml",
       "findings.csv")


def test_every_format_in_one_run(auditor: Callable[..., Any], tmp_path: Path,
                                 sarif_of: Callable[[bytes], Any],
                                 junit_of: Callable[[bytes], Any]) -> None:
    run = auditor("audit", "--example", "--format", "html,md,json,sarif,junit,csv",
                  "--output-dir", "out")
    assert run.code == 1, run.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(ALL)
    assert [line for line in run.stdout.splitlines() if line.startswith("wrote ")] == [
        f"wrote {Path('out') / name}" for name in ("report.html", "summary.md", "results.json",
                                                   "results.sarif", "junit.xml",
                                                   "findings.csv")]
    sarif_of((out / "results.sarif").read_bytes())
    junit_of((out / "junit.xml").read_bytes())


def test_an_unknown_format_is_refused_before_anything_runs(auditor: Callable[..., Any],
                                                            tmp_path: Path) -> None:
    run = auditor("audit", "--example", "--format", "json,xlsx", "--output-dir", "out")
    assert (run.code, run.stderr) == (2, "unknown format xlsx; known: json, html, md, sarif, "
                                         "junit, csv\n")
    assert not (tmp_path / "out").exists()


def explode(result: AuditResult) -> bytes:
    RENDERERS["json"][0](result)  # some work first, then a failure midway
    raise RuntimeError("renderer failed midway")


def test_a_renderer_that_fails_leaves_no_partial_file(
        auditor: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("last week's report", encoding="utf-8")
    monkeypatch.setitem(RENDERERS, "html", (explode, "report.html"))
    run = auditor("audit", "--example", "--format", "json,html,md", "--output-dir", "out")
    assert run.code == cli.EXIT_INTERNAL
    assert "RuntimeError: renderer failed midway" in run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "results.json"]
    assert (out / "report.html").read_text("utf-8") == "last week's report"  # untouched
    assert (out / "results.json").read_bytes().endswith(b"}\n")  # written before, whole


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"),
                                     KeyboardInterrupt()])
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> None:
    target = tmp_path / "report.html"
    target.write_bytes(b"old")
    real = os.fdopen

    class Breaking:
        def __init__(self, handle: int, mode: str) -> None:
            self.stream = real(handle, mode)

        def __enter__(self) -> Breaking:
            return self

        def __exit__(self, *exc: object) -> None:
            self.stream.close()

        def write(self, data: bytes) -> int:
            self.stream.write(data[: len(data) // 2])  # half of it reaches the disk
            raise failure

    monkeypatch.setattr(os, "fdopen", Breaking)
    with pytest.raises(type(failure)):
        cli.write_atomic(target, b"new report, " * 1000)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_a_failed_rename_leaves_no_temporary(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: str, target: str) -> None:
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        cli.write_atomic(tmp_path / "summary.md", b"text")
    assert list(tmp_path.iterdir()) == []
