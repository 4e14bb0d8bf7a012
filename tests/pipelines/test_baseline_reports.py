"""A week on the example estate: one machine is fixed, another breaks. Compared with last
week's results, every report says so: JSON, HTML, Markdown, SARIF, JUnit and the terminal."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.cli import example_estate

FIXED, BROKEN = "vm-jump-prd-01", "vm-jump-prd-02"
SCHEMA = json.loads(resources.files("auditor").joinpath("schemas/results.schema.json")
                    .read_text("utf-8"))


def audit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", "audit", *args], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", check=False)


def set_assessment_mode(estate: Path, machine: str, mode: str) -> None:
    path = estate / "resources.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        row = json.loads(line)
        if row["name"] == machine:
            settings = row["properties"]["osProfile"]["windowsConfiguration"]["patchSettings"] \
                if "windowsConfiguration" in row["properties"]["osProfile"] else \
                row["properties"]["osProfile"]["linuxConfiguration"]["patchSettings"]
            settings["assessmentMode"] = mode
            lines[i] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Last week's results (as of 2026-11-09), then this week's run compared with them."""
    root = tmp_path_factory.mktemp("week")
    shutil.copytree(example_estate(), root / "estate")
    before = audit(root, "estate", "--format", "json", "--output-dir", "last-week")
    assert before.returncode == 1, before.stderr
    document = json.loads((root / "last-week" / "results.json").read_text("utf-8"))
    document["asOf"] = "2026-11-09T06:00:00Z"
    (root / "last-week" / "results.json").write_text(json.dumps(document), encoding="utf-8")
    set_assessment_mode(root / "estate", FIXED, "AutomaticByPlatform")
    set_assessment_mode(root / "estate", BROKEN, "ImageDefault")
    now = audit(root, "estate", "--baseline", "last-week/results.json",
                "--format", "json,html,md,sarif,junit,csv", "--output-dir", "out")
    assert now.returncode == 1, now.stderr
    return root / "out", now


def test_the_json_says_so(week: tuple[Path, Any]) -> None:
    document = json.loads((week[0] / "results.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(document)] == []
    baseline = document["baseline"]
    assert {k: baseline[k] for k in ("path", "asOf", "counts")} == {
        "path": "last-week/results.json", "asOf": "2026-11-09T06:00:00Z",
        "counts": {"new": 1, "unchanged": 55, "resolved": 1}}
    assert [(f["ruleId"], f["resourceName"], f["outcome"]) for f in baseline["resolved"]] == [
        ("AUM001", FIXED, "fail")]
    states = {(f["ruleId"], f["resourceName"]): f.get("baselineState")
              for f in document["findings"]}
    assert states[("AUM001", BROKEN)] == "new"
    assert states[("AUM001", FIXED)] is None  # passes now
    assert states[("AUM006", FIXED)] == "unchanged"
    assert sorted(f["baselineState"] for f in document["findings"] if "baselineState" in f) \
        == ["new"] + ["unchanged"] * 55


def test_the_html_report_says_so(week: tuple[Path, Any]) -> None:
    page = (week[0] / "report.html").read_text("utf-8")
    assert re.search(r'id="baseline-new">1<', page)
    assert re.search(r'id="baseline-unchanged">55<', page)
    assert re.search(r'id="baseline-resolved">1<', page)
    lists = re.findall(r'<details class="delta-list delta-list-(\w+)" data-rule="(\w+)">\s*'
                       r"<summary>([^<]*)</summary>(.*?)</details>", page, re.S)
    assert [(kind, rule, html.unescape(summary)) for kind, rule, summary, _ in lists] == [
        ("new", "AUM001", "1 machine newly failing AUM001 since 2026-11-09"),
        ("resolved", "AUM001", "1 machine no longer failing AUM001 since 2026-11-09")]
    assert BROKEN in lists[0][3] and FIXED not in lists[0][3]
    assert FIXED in lists[1][3] and BROKEN not in lists[1][3]
    assert "as of 2026-11-09 06:00 UTC, 7 days earlier" in page


def test_the_markdown_summary_says_so(week: tuple[Path, Any],
                                      golden: Callable[[str, bytes], None]) -> None:
    text = (week[0] / "summary.md").read_text("utf-8")
    assert "### Since the baseline\n\n1 new failing finding, 55 unchanged, 1 resolved since " \
           "the baseline of 2026-11-09 06:00 UTC, 7 days earlier (last-week/results.json).\n" \
           in text
    assert ("<details><summary>🆕 1 machine newly failing AUM001 since 2026-11-09</summary>\n\n"
            "| Resource | Resource group | Message |\n|---|---|---|\n"
            f"| {BROKEN} | rg-jump-prd | assessmentMode=ImageDefault; expected "
            "AutomaticByPlatform |\n") in text
    assert ("<details><summary>✅ 1 machine no longer failing AUM001 since 2026-11-09</summary>"
            "\n\n| Resource | Resource group | Message in the baseline |\n|---|---|---|\n"
            f"| {FIXED} | rg-jump-prd | ") in text
    golden("summary-baseline.md", text.encode("utf-8"))


def test_the_terminal_says_so(week: tuple[Path, Any]) -> None:
    stdout = week[1].stdout
    assert ("baseline: 1 new failing finding, 55 unchanged, 1 resolved since the baseline of "
            "2026-11-09 06:00 UTC, 7 days earlier (last-week/results.json)\n"
            "  1 machine newly failing AUM001 since 2026-11-09\n"
            "  1 machine no longer failing AUM001 since 2026-11-09\n") in stdout


def test_sarif_junit_and_csv_carry_the_states(
        week: tuple[Path, Any], sarif_of: Callable[[bytes], dict[str, Any]],
        junit_of: Callable[[bytes], Any]) -> None:
    run = sarif_of((week[0] / "results.sarif").read_bytes())["runs"][0]
    states = [(r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"],
               r["baselineState"]) for r in run["results"]]
    assert [s for s in states if s[2] == "new"] == [("AUM001", BROKEN, "new")]
    assert [s[2] for s in states].count("unchanged") == 55
    root = junit_of((week[0] / "junit.xml").read_bytes())
    failures = {c.get("name").rsplit("/", 1)[-1]: c[0].text for c in root.iter("testcase")
                if len(c) and c[0].tag == "failure" and c.get("classname").startswith("AUM001")}
    assert failures[BROKEN].endswith("since the baseline: new")
    csv_text = (week[0] / "findings.csv").read_text("utf-8-sig")
    assert f",fail,new,{BROKEN}," in csv_text
