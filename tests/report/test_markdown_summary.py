"""The Markdown summary: verdict first, only what needs action, escaped, and never too long."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from auditor.engine.results import AuditResult, Finding, Outcome
from auditor.report import markdown


@pytest.mark.parametrize(("text", "escaped"), [
    ("vm-web-01", "vm-web-01"),
    ("a|b", "a\\|b"),
    ("`code`", "\\`code\\`"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("ask @octocat", "ask @\u2060octocat"),
    ("@org/team", "@\u2060org/team"),
    ("**bold** _it_ ~~gone~~ [link](x)",
     "\\*\\*bold\\*\\* \\_it\\_ \\~\\~gone\\~\\~ \\[link\\](x)"),
    ("&amp; $x$ back\\slash", "&amp;amp; \\$x\\$ back\\\\slash"),
    ("two\nlines\r\nand\ttab", "two lines and tab"),
])
def test_escape(text: str, escaped: str) -> None:
    assert markdown.escape(text) == escaped


def test_escape_shortens_long_cells() -> None:
    assert markdown.escape("x" * 20, limit=10) == "x" * 9 + "…"


def test_the_verdict_comes_first_then_the_table_then_details_then_the_report(
        example_result: AuditResult) -> None:
    text = markdown.render(example_result).decode("utf-8")
    assert text.startswith("## ❌ Update compliance: not compliant\n\n**12 of 44 machines "
                           "judged comply (27.2%).** 56 failing findings in 14 rules, 0 errors, "
                           "0 waived.\n")
    positions = [text.index(marker) for marker in (
        "| Rule | Severity | Failing | Errors | Waived |", "### Failing resources",
        "<details><summary>AUM002 scheduled-machines-use-customer-managed-schedules · high · "
        "6 failing</summary>", "Full report: `report.html`")]
    assert positions == sorted(positions)


def test_a_report_link_can_be_given(example_result: AuditResult) -> None:
    text = markdown.render(example_result, report_link="https://ci.example.com/run/7/report")
    assert text.decode().endswith("Full report: https://ci.example.com/run/7/report\n")


def test_rules_with_nothing_failing_are_counted_not_listed(
        tmp_path: Path, rows: Any, run_audit_cli: Callable[..., Path]) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps([
        rows.vm("vm-web-01", assessment_mode="AutomaticByPlatform"),
        rows.vm("vm-web-02", assessment_mode="ImageDefault")]), encoding="utf-8")
    out = run_audit_cli(tmp_path, str(export), "--select", "AUM001,AUM007,AUM012",
                        "--as-of", "2026-11-16T06:00:00Z", formats="md")
    text = (out / "summary.md").read_text("utf-8")
    assert "AUM001" in text and "AUM007" not in text and "AUM012" not in text
    assert "\n2 other rules have nothing failing.\n" in text


def test_a_compliant_estate(tmp_path: Path, rows: Any,
                            run_audit_cli: Callable[..., Path]) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps([rows.vm("vm-web-01", assessment_mode="AutomaticByPlatform")]),
                      encoding="utf-8")
    out = run_audit_cli(tmp_path, str(export), "--select", "AUM001",
                        "--as-of", "2026-11-16T06:00:00Z", formats="md")
    text = (out / "summary.md").read_text("utf-8")
    assert text.startswith("## ✅ Update compliance: compliant\n\n**1 of 1 machines judged "
                           "comply (100.0%).** 0 failing findings in 0 rules")
    assert "| Rule |" not in text and "<details>" not in text
    assert "\n1 other rule has nothing failing.\n" in text


def test_hostile_names_cannot_break_a_table_row_or_mention_anyone(
        tmp_path: Path, hostile_estate: Path, run_audit_cli: Callable[..., Path]) -> None:
    out = run_audit_cli(tmp_path, str(hostile_estate), "--as-of", "2026-11-16T06:00:00Z",
                        formats="md")
    text = (out / "summary.md").read_text("utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for row in rows:  # every row has its columns' pipes and no more
        assert len(re.findall(r"(?<!\\)\|", row)) == (6 if row.startswith("| Rule") or
                                                      "AUM0" in row.split("|")[1] else 4), row
    assert "vm\\`\\|@\u2060octocat\\|\\*\\*bold\\*\\* | RG-Pipe\\|Group |" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert not re.search(r"@[A-Za-z0-9]", text) and "<img" not in text


def sections(text: str) -> dict[str, tuple[int, int]]:
    """Each collapsible section: its rule, the rows shown and the count it says it left out."""
    found = {}
    for rule, body in re.findall(r"<summary>(AUM\d+)[^<]*</summary>(.*?)</details>", text, re.S):
        more = re.search(r"^([\d,]+) more not shown\.$", body, re.M)
        found[rule] = (len(re.findall(r"^\| (?!Resource |---)", body, re.M)),
                       int(more.group(1).replace(",", "")) if more else 0)
    return found


def many_failures(result: AuditResult, count: int) -> AuditResult:
    """The example with `count` more failing findings of AUM001, long messages included."""
    template = next(f for f in result.findings if f.outcome is Outcome.FAIL)
    extra = tuple(msgspec.structs.replace(
        template, resource_id=f"{template.resource_id}-{i:05d}",
        resource_name=f"vm-generated-{i:05d}", message="x" * 400) for i in range(count))
    summary = result.summary
    by_rule = {rule: dict(counts) for rule, counts in summary.by_rule.items()}
    by_rule[template.rule_id]["fail"] += count
    return msgspec.structs.replace(
        result, findings=result.findings + extra,
        summary=msgspec.structs.replace(summary, by_rule=by_rule))


def test_the_default_cap_fits_a_github_comment(example_result: AuditResult) -> None:
    big = many_failures(example_result, 5000)
    text = markdown.render(big).decode("utf-8")
    assert len(text) <= 60_000
    shown, more = sections(text)["AUM001"]
    assert shown >= 1 and more > 0 and shown + more == 5008
    assert text.startswith("## ❌") and text.rstrip().endswith("`auditor audit --format html`.")


@pytest.mark.parametrize("limit", [12_000, 4_000, 1_500, 300])
def test_a_smaller_cap_cuts_more_and_says_so(example_result: AuditResult, limit: int) -> None:
    text = markdown.render(example_result, limit=limit).decode("utf-8")
    assert len(text) <= limit
    assert "more not shown" in text or "not shown." in text
    assert text.startswith("## ❌ Update compliance: not compliant")


def test_the_cut_keeps_whole_rows_and_counts_what_it_left_out(
        example_result: AuditResult) -> None:
    text = markdown.render(example_result, limit=8_000).decode("utf-8")
    listed = sections(text)
    assert listed and any(more for _, more in listed.values())
    for rule, (shown, more) in listed.items():
        assert shown + more == example_result.summary.by_rule[rule]["fail"], rule


def test_an_error_is_marked_in_its_row(example_result: AuditResult) -> None:
    finding: Finding = next(f for f in example_result.findings if f.outcome is Outcome.FAIL)
    errored = msgspec.structs.replace(finding, outcome=Outcome.ERROR,
                                      message="the pattern `([` does not compile")
    result = msgspec.structs.replace(
        example_result, findings=tuple(errored if f is finding else f
                                       for f in example_result.findings))
    text = markdown.render(result).decode("utf-8")
    assert "| **error:** the pattern \\`(\\[\\` does not compile |" in text
