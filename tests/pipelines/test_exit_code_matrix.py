"""The gate, table-driven: every --fail-on level, with and without --fail-on-new, over estates
whose failing findings are new or already in the baseline, at known severities."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor import cli

SUB = "00000000-0000-0000-0000-000000000001"
LEVELS = ("critical", "high", "medium", "low", "info")
RULES = {  # id: severity; each checks one tag, so each machine's tags set its outcomes
    "TST001": "high", "TST002": "medium", "TST003": "low"}
RULE = """\
id: {id}
name: tag-{tag}-is-ok
severity: {severity}
appliesTo:
  resource: machine
check:
  {check}
message: "tags.{tag} is not ok; expected ok"
docs:
  summary: A rule for the exit-code tests.
  why: Tests need rules.
  fix: Set the tag.
  links: [https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources]
  examples:
    - {{title: passes, outcome: pass, rows: [{{}}]}}
    - {{title: fails, outcome: fail, rows: [{{}}]}}
"""
ERRORING = """\
id: TST009
name: name-matches-the-pattern-tag
severity: low
appliesTo:
  resource: machine
check:
  field: name
  match: {field: tags.pattern}
message: "name does not match; expected a match"
docs:
  summary: A rule that raises on a machine whose pattern tag is not a regular expression.
  why: Tests need errors.
  fix: Nothing.
  links: [https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources]
  examples:
    - {title: passes, outcome: pass, rows: [{}]}
    - {title: fails, outcome: fail, rows: [{}]}
"""
OK = {"high": "ok", "medium": "ok", "low": "ok", "pattern": ".*"}


def machine(name: str, **tags: str) -> dict[str, Any]:
    return {"id": f"/subscriptions/{SUB}/resourceGroups/RG-Web/providers/"
                  f"Microsoft.Compute/virtualMachines/{name}",
            "name": name, "type": "microsoft.compute/virtualmachines", "subscriptionId": SUB,
            "resourceGroup": "RG-Web", "location": "westeurope", "tags": OK | tags,
            "properties": {"storageProfile": {"osDisk": {"osType": "Linux"}}}}


SCENARIOS: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    # name: (last week's machines, this week's machines)
    "old high, new medium": (
        [machine("vm-a", high="no"), machine("vm-b")],
        [machine("vm-a", high="no"), machine("vm-b", medium="no")]),
    "new error": (
        [machine("vm-a")],
        [machine("vm-a", pattern="[")]),
    "old error, new low": (
        [machine("vm-a", pattern="["), machine("vm-b")],
        [machine("vm-a", pattern="["), machine("vm-b", low="no")]),
    "all fixed": (
        [machine("vm-a", high="no", medium="no")],
        [machine("vm-a")]),
}
EXPECTED = {  # scenario: exit codes for LEVELS, without --fail-on-new, then with it
    "old high, new medium": ((0, 1, 1, 1, 1), (0, 0, 1, 1, 1)),
    "new error":            ((1, 1, 1, 1, 1), (1, 1, 1, 1, 1)),
    "old error, new low":   ((1, 1, 1, 1, 1), (0, 0, 0, 1, 1)),
    "all fixed":            ((0, 0, 0, 0, 0), (0, 0, 0, 0, 0)),
}
CASES = [(scenario, level, new_only, EXPECTED[scenario][new_only][i])
         for scenario in SCENARIOS for new_only in (False, True)
         for i, level in enumerate(LEVELS)]


@pytest.fixture(scope="module")
def estates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Per scenario, a folder with the rules, this week's export and last week's results."""
    root = tmp_path_factory.mktemp("matrix")
    (root / "none.yaml").write_text("{}\n", encoding="utf-8")  # no auditor.yaml from the cwd
    rules = root / "rules"
    rules.mkdir()
    for rule_id, severity in RULES.items():
        tag = severity
        (rules / f"{rule_id}.yaml").write_text(RULE.format(
            id=rule_id, tag=tag, severity=severity,
            check=f"field: tags.{tag}\n  equals: ok"), encoding="utf-8")
    (rules / "TST009.yaml").write_text(ERRORING, encoding="utf-8")
    for number, (before, after) in enumerate(SCENARIOS.values()):
        folder = root / f"s{number}"
        folder.mkdir()
        (folder / "before.json").write_text(json.dumps(before), encoding="utf-8")
        (folder / "after.json").write_text(json.dumps(after), encoding="utf-8")
        code = cli.main([*common(root, folder / "before.json"), "--format", "json",
                         "--output-dir", str(folder / "last-week")])
        assert code in (0, 1), code
    return root


def common(root: Path, export: Path) -> list[str]:
    return ["audit", str(export), "--no-builtin-rules", "--rules", str(root / "rules"),
            "--as-of", "2026-11-16T06:00:00Z", "--config", str(root / "none.yaml")]


@pytest.mark.parametrize(("scenario", "level", "new_only", "code"), CASES,
                         ids=[f"{s}-{lvl}-{'new-only' if n else 'all'}"
                              for s, lvl, n, _ in CASES])
def test_exit_code(estates: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                   scenario: str, level: str, new_only: bool, code: int) -> None:
    folder = estates / f"s{list(SCENARIOS).index(scenario)}"
    args = [*common(estates, folder / "after.json"), "--format", "json",
            "--output-dir", str(tmp_path / "out"), "--fail-on", level,
            "--baseline", str(folder / "last-week" / "results.json")]
    assert cli.main(args + ["--fail-on-new"] * new_only) == code
    out = capsys.readouterr().out
    assert ("--fail-on-new: " in out) is new_only


def test_the_scenarios_are_what_they_say(estates: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    states = {}
    for number, scenario in enumerate(SCENARIOS):
        folder = estates / f"s{number}"
        cli.main([*common(estates, folder / "after.json"), "--format", "json",
                  "--output-dir", str(tmp_path / scenario),
                  "--baseline", str(folder / "last-week" / "results.json")])
        document = json.loads((tmp_path / scenario / "results.json").read_text("utf-8"))
        states[scenario] = sorted((f["ruleId"], f["resourceName"], f["outcome"],
                                   f["baselineState"])
                                  for f in document["findings"] if "baselineState" in f)
    capsys.readouterr()
    assert states == {
        "old high, new medium": [("TST001", "vm-a", "fail", "unchanged"),
                                 ("TST002", "vm-b", "fail", "new")],
        "new error": [("TST009", "vm-a", "error", "new")],
        "old error, new low": [("TST003", "vm-b", "fail", "new"),
                               ("TST009", "vm-a", "error", "unchanged")],
        "all fixed": [],
    }


def test_the_default_threshold_is_low_with_new_only_too(
        estates: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = estates / "s2"  # old error, new low
    args = [*common(estates, folder / "after.json"), "--output-dir", str(tmp_path / "out"),
            "--baseline", str(folder / "last-week" / "results.json"), "--fail-on-new"]
    assert cli.main(args) == 1
    assert "--fail-on-new: 1 new failing finding at or above low" in capsys.readouterr().out


def test_fail_on_new_needs_a_baseline(auditor: Callable[..., Any]) -> None:
    run = auditor("audit", "--example", "--fail-on-new")
    assert (run.code, run.stdout, run.stderr) == (2, "", (
        "--fail-on-new needs --baseline PREVIOUS_RESULTS.json to tell new findings from old "
        "ones\n"))


def test_an_unreadable_baseline_exits_2(auditor: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text("[]", encoding="utf-8")
    run = auditor("audit", "--example", "--baseline", "old.json")
    assert (run.code, run.stderr) == (2, "old.json: not results written by `auditor audit "
                                         "--format json`: Expected `object`, got `array`\n")
    assert not (tmp_path / "auditor-results").exists()  # nothing written


def test_the_exit_codes_are_documented() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    table = readme.split("### Exit codes", 1)[1].split("\n\n", 2)[1]
    assert "--fail-on-new" in table
    assert textwrap.dedent(cli.__doc__ or "").count("--fail-on-new") == 1
