"""The HTML report and the Markdown summary of the example estate, compared with golden files.

Regenerate them with `pytest tests/report --update-golden` (or UPDATE_GOLDEN=1) and review the
diff: a golden file changes only when the report is meant to change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from auditor.cli import example_estate
from auditor.engine.results import AuditResult
from auditor.report import RENDERERS, html, markdown

EXAMPLE = "examples/estate"


def test_the_html_report_of_the_example(example_result: AuditResult,
                                         golden: Callable[[str, bytes], None]) -> None:
    golden("report.html", html.render(example_result))


def test_the_markdown_summary_of_the_example(example_result: AuditResult,
                                              golden: Callable[[str, bytes], None]) -> None:
    golden("summary.md", markdown.render(example_result))


def test_both_are_registered_with_their_file_names() -> None:
    assert {name: (render, file) for name, (render, file) in RENDERERS.items()
            if name in ("html", "md")} == {"html": (html.render, "report.html"),
                                           "md": (markdown.render, "summary.md")}


def test_the_command_line_writes_the_same_files(tmp_path: Path, run_audit_cli: Callable[..., Path],
                                                golden: Callable[[str, bytes], None]) -> None:
    out = run_audit_cli(tmp_path, "--example", formats="html,md")
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "summary.md"]
    golden("summary.md", (out / "summary.md").read_bytes())
    where = str(example_estate())
    golden("report.html", (out / "report.html").read_bytes().replace(where.encode(),
                                                                      EXAMPLE.encode()))


def test_two_runs_give_byte_identical_reports(tmp_path: Path,
                                              run_audit_cli: Callable[..., Path]) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    one, two = run_audit_cli(first, "--example"), run_audit_cli(second, "--example")
    for name in ("report.html", "summary.md"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
