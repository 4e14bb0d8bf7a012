"""The command line, run as a user runs it: exit codes, stdout, stderr and the files written."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from auditor.rules.load import load_rules

BUILTIN = load_rules(True)

VM_ID = ("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/RG-Web/providers/"
         "Microsoft.Compute/virtualMachines/vm-web-01")
USER_RULE = """\
id: USR001
name: owner-tag-present
severity: medium
tags: [ownership]
appliesTo:
  resource: machine
check:
  field: tags.owner
  exists: true
message: "no owner tag on {{ name }}; expected one"
docs:
  summary: Every machine names its owner.
  why: Someone must answer for a machine's patches.
  fix: Add an owner tag.
  links: [https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources]
  examples:
    - title: Tagged
      outcome: pass
      rows:
        - id: VM_ID
          type: microsoft.compute/virtualmachines
          tags: {owner: team-web}
          properties: {storageProfile: {osDisk: {osType: Linux}}}
    - title: Untagged
      outcome: fail
      message: no owner tag on vm-web-01; expected one
      rows:
        - id: VM_ID
          name: vm-web-01
          type: microsoft.compute/virtualmachines
          properties: {storageProfile: {osDisk: {osType: Linux}}}
""".replace("VM_ID", VM_ID)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", check=False)


def results(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / "results.json").read_text("utf-8"))
    return data


@pytest.fixture
def estate(tmp_path: Path, rows: Any) -> Path:
    """A small export: one tagged VM, one untagged, one whose tag holds a broken pattern."""
    export = tmp_path / "export.json"
    export.write_text(json.dumps([
        rows.vm("vm-web-01", tags={"owner": "team-web", "pattern": "^vm-"}, os="Linux"),
        rows.vm("vm-web-02", os="Linux"),
        rows.vm("vm-web-03", tags={"owner": "team-web", "pattern": "(["}, os="Linux"),
    ]), encoding="utf-8")
    return export


def user_rules(tmp_path: Path, *texts: str) -> Path:
    folder = tmp_path / "my-rules"
    folder.mkdir()
    for index, text in enumerate(texts, 1):
        (folder / f"rule{index}.yaml").write_text(text, encoding="utf-8")
    return folder


# ----- exit codes of `auditor audit` --------------------------------------------------------

def test_the_command_line_flushes_its_output_before_its_quick_exit(tmp_path: Path) -> None:
    """`python -m auditor` leaves with os._exit, skipping the interpreter's teardown: what it
    prints through a pipe, block-buffered, still arrives in full, with main()'s exit code."""
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", "--example", "--output-dir", str(tmp_path)],
        cwd=tmp_path, env=buffered, capture_output=True, text=True, encoding="utf-8",
        check=False)
    assert result.returncode == 1
    assert len(result.stdout) < io.DEFAULT_BUFFER_SIZE  # all of it would still be buffered
    assert result.stdout.rstrip().endswith(f"wrote {tmp_path / 'results.json'}")


def test_no_builtin_rule_is_critical() -> None:
    """The exit-code tests below rely on this: `--fail-on critical` ignores every failure."""
    assert [rule.id for rule in BUILTIN if rule.severity.value == "critical"] == []
    assert any(rule.severity.value == "high" for rule in BUILTIN)


def test_exit_0_when_nothing_fails_at_or_above_the_threshold(tmp_path: Path) -> None:
    result = cli("audit", "--example", "--fail-on", "critical", "--output-dir", "out",
                 cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    first = result.stdout.splitlines()[0]
    assert re.fullmatch(r"COMPLIANT: \d+ of 44 machines judged comply; as of "
                        r"2026-11-16T06:00:00Z \(snapshot\)", first), first
    assert result.stdout.endswith(f"wrote {Path('out') / 'results.json'}\n")
    document = results(tmp_path / "out")
    assert document["summary"]["byOutcome"]["fail"] > 0  # failures exist, below the threshold


@pytest.mark.parametrize("threshold", [None, "high", "low", "info"])
def test_exit_1_when_findings_fail_at_or_above_the_threshold(tmp_path: Path,
                                                             threshold: str | None) -> None:
    result = cli("audit", "--example", "--output-dir", "out",
                 *(["--fail-on", threshold] if threshold else []), cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith("NOT COMPLIANT: ")
    assert "  AUM004 high    " in result.stdout


def test_the_terminal_summary_lists_failing_rules(tmp_path: Path) -> None:
    result = cli("audit", "--example", "--output-dir", "out", cwd=tmp_path)
    document = results(tmp_path / "out")
    counts = document["summary"]["byOutcome"]
    lines = result.stdout.splitlines()
    assert lines[1] == (f"findings: {counts['pass']} pass, {counts['fail']} fail, "
                        f"{counts['not_applicable']} not_applicable, {counts['waived']} waived, "
                        f"{counts['error']} error")
    failing = {rule: c["fail"] + c["error"] for rule, c in document["summary"]["byRule"].items()
               if c["fail"] + c["error"]}
    listed = {line.split()[0]: int(line.split()[2]) for line in lines[2:]
              if line.startswith("  AUM")}
    assert listed == failing


def test_a_severity_override_in_the_config_moves_the_gate(tmp_path: Path) -> None:
    (tmp_path / "auditor.yaml").write_text("rules:\n  severity:\n    AUM004: critical\n",
                                           encoding="utf-8")
    result = cli("audit", "--example", "--fail-on", "critical", "--output-dir", "out",
                 cwd=tmp_path)
    assert result.returncode == 1
    assert "  AUM004 critical " in result.stdout
    document = results(tmp_path / "out")
    assert {f["severity"] for f in document["findings"] if f["ruleId"] == "AUM004"} == \
        {"critical"}
    assert [r["severity"] for r in document["rules"] if r["id"] == "AUM004"] == ["critical"]


def test_fail_on_from_the_config_and_the_flag_wins(tmp_path: Path) -> None:
    (tmp_path / "auditor.yaml").write_text("failOn: critical\n", encoding="utf-8")
    assert cli("audit", "--example", "--output-dir", "out", cwd=tmp_path).returncode == 0
    assert cli("audit", "--example", "--output-dir", "out", "--fail-on", "high",
               cwd=tmp_path).returncode == 1


def test_an_explicit_config_file(tmp_path: Path) -> None:
    (tmp_path / "strict.yaml").write_text("rules:\n  select: [AUM004]\n", encoding="utf-8")
    result = cli("audit", "--example", "--config", "strict.yaml", "--output-dir", "out",
                 cwd=tmp_path)
    assert result.returncode == 1
    assert {f["ruleId"] for f in results(tmp_path / "out")["findings"]} == {"AUM004"}


def test_waivers_from_the_config(tmp_path: Path) -> None:
    (tmp_path / "auditor.yaml").write_text(textwrap.dedent("""\
        rules:
          select: [AUM004]
        waivers:
          - rule: aum004
            resource: "*/RESOURCEGROUPS/rg-data-prd/*"
            reason: The SQL cluster is patched by its own team.
            owner: team-data
            expires: 2026-11-20
          - rule: AUM004
            resource: "*/vm-app-prd-01"
            reason: Expired exception.
            owner: team-app
            expires: 2026-11-01
          - rule: AUM004
            resource: "*/vm-gone-01"
            reason: The machine was deleted.
            owner: team-web
            expires: 2027-06-30
        """), encoding="utf-8")
    result = cli("audit", "--example", "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 1  # vm-app-prd-01 and an Arc server still fail
    document = results(tmp_path / "out")
    waived = [f for f in document["findings"] if f["outcome"] == "waived"]
    assert [(f["resourceName"], f["waivedOutcome"], f["waiver"]["owner"]) for f in waived] == \
        [("vm-sql-prd-02", "fail", "team-data")]
    assert [w["owner"] for w in document["waivers"]["expired"]] == ["team-app"]
    assert [w["owner"] for w in document["waivers"]["unused"]] == ["team-web"]
    assert [w["owner"] for w in document["waivers"]["expiringSoon"]] == ["team-data"]
    assert document["summary"]["byOutcome"]["waived"] == 1
    assert ("warning: the waiver of AUM004 for */vm-app-prd-01 expired on 2026-11-01 and no "
            "longer applies") in result.stdout.splitlines()
    assert ("warning: the waiver of AUM004 for */vm-gone-01 matches no failing finding; "
            "remove it") in result.stdout.splitlines()


# ----- bad input: exit 2 ----------------------------------------------------------------------

@pytest.mark.parametrize(("args", "stderr"), [
    (["audit", "missing.json"], "missing.json: no such file or directory\n"),
    (["audit"], "give at least one export, bundle or directory (or --example)\n"),
    (["audit", "--example", "--format", "xml"],
     "unknown format xml; known: json, html, md, sarif, junit, csv\n"),
    (["audit", "--example", "--format", "json,pdf"],
     "unknown format pdf; known: json, html, md, sarif, junit, csv\n"),
    (["audit", "--example", "--format", ","],
     "unknown format (none); known: json, html, md, sarif, junit, csv\n"),
    (["audit", "--example", "--no-builtin-rules"],
     "--no-builtin-rules needs at least one --rules PATH\n"),
    (["audit", "--example", "--select", "AUM999"],
     "unknown rule or tag in the selection: AUM999\n"),
    (["audit", "--example", "--preset", "strict"],
     "unknown preset 'strict'; known: baseline, pre-deployment\n"),
    (["audit", "--example", "--config", "absent.yaml"],
     "absent.yaml: no such configuration file\n"),
    (["rules", "show", "AUM999"], "no rule 'AUM999'; `auditor rules list` shows them all\n"),
])
def test_bad_input_exits_2(tmp_path: Path, args: list[str], stderr: str) -> None:
    result = cli(*args, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", stderr)
    assert not (tmp_path / "auditor-results").exists()


def test_no_rules_selected_exits_2(tmp_path: Path) -> None:
    (tmp_path / "auditor.yaml").write_text("rules:\n  exclude: [AUM004]\n", encoding="utf-8")
    result = cli("audit", "--example", "--select", "AUM004", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, (
        "no rules selected: the selection, preset or exclusions leave nothing to evaluate\n"))


def test_a_config_naming_an_unknown_rule_exits_2(tmp_path: Path) -> None:
    (tmp_path / "auditor.yaml").write_text("rules:\n  parameters:\n    AUM0004:\n      days: 7\n",
                                           encoding="utf-8")
    result = cli("audit", "--example", cwd=tmp_path)
    assert (result.returncode, result.stderr.replace(f"{tmp_path}/", "")) == (2, (
        "auditor.yaml:3: rules.parameters.AUM0004: unknown rule 'AUM0004'; did you mean "
        "'AUM004'?\n"))


def test_a_bad_config_exits_2_with_every_error(tmp_path: Path) -> None:
    (tmp_path / "auditor.yaml").write_text("failon: high\nrules:\n  selct: [AUM004]\n",
                                           encoding="utf-8")
    result = cli("audit", "--example", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.replace(str(tmp_path) + "/", "").splitlines() == [
        "auditor.yaml:1: failon: unknown key 'failon'; did you mean 'failOn'?",
        "auditor.yaml:3: rules.selct: unknown key 'selct'; did you mean 'select'?",
    ]


def test_malformed_user_rules_exit_2(tmp_path: Path) -> None:
    folder = user_rules(tmp_path, USER_RULE.replace("  exists: true", "  exist: true"),
                        USER_RULE.replace("USR001", "USR002").replace("owner-tag", "other-tag")
                        .replace("severity: medium", "severity: 3"))
    result = cli("audit", "--example", "--rules", "my-rules", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        (f"{Path('my-rules') / 'rule1.yaml'}:9: check.exist: unknown key 'exist'; did you mean "
         "'exists'?"),
        (f"{Path('my-rules') / 'rule2.yaml'}:3: severity: expected one of critical, high, medium, "
         "low, info, got 3"),
    ]
    assert folder.is_dir()


def test_a_user_rule_reusing_a_builtin_id_exits_2(tmp_path: Path) -> None:
    user_rules(tmp_path, USER_RULE.replace("USR001", "AUM004"))
    result = cli("audit", "--example", "--rules", "my-rules", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, (
        f"{Path('my-rules') / 'rule1.yaml'}:1: id: duplicate rule id 'AUM004' (also in "
        "rules/AUM004.yaml)\n"))


def test_an_unknown_fail_on_is_a_usage_error(tmp_path: Path) -> None:
    result = cli("audit", "--example", "--fail-on", "severe", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "auditor audit: error: argument --fail-on: invalid choice: 'severe' (choose from "
        "'critical', 'high', 'medium', 'low', 'info')")


# ----- user rules only --------------------------------------------------------------------------

def test_a_user_rule_alone_is_validated_evaluated_and_reported(tmp_path: Path,
                                                               estate: Path) -> None:
    user_rules(tmp_path, USER_RULE)
    result = cli("audit", "export.json", "--no-builtin-rules", "--rules", "my-rules",
                 "--as-of", "2026-11-16T06:00:00Z", "--output-dir", "out", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines()[:3] == [
        "NOT COMPLIANT: 2 of 3 machines judged comply; as of 2026-11-16T06:00:00Z (flag)",
        "findings: 2 pass, 1 fail, 0 not_applicable, 0 waived, 0 error",
        "  USR001 medium        1 failing  owner-tag-present",
    ]
    document = results(tmp_path / "out")
    assert [(r["id"], r["file"]) for r in document["rules"]] == \
        [("USR001", str(Path("my-rules") / "rule1.yaml"))]
    assert [(f["resourceName"], f["outcome"], f["message"]) for f in document["findings"]] == [
        ("vm-web-01", "pass", ""),
        ("vm-web-02", "fail", "no owner tag on vm-web-02; expected one"),
        ("vm-web-03", "pass", ""),
    ]
    assert cli("audit", "export.json", "--no-builtin-rules", "--rules", "my-rules",
               "--fail-on", "high", "--output-dir", "out", cwd=tmp_path).returncode == 0


def test_a_rule_that_raises_is_an_error_outcome_and_exits_1(tmp_path: Path,
                                                            estate: Path) -> None:
    pattern_rule = USER_RULE.replace("USR001", "USR002").replace("owner-tag-present",
                                                                 "name-matches-pattern") \
        .replace("  field: tags.owner\n  exists: true\n",
                 "  field: name\n  match: {field: tags.pattern}\n")
    user_rules(tmp_path, USER_RULE, pattern_rule)
    result = cli("audit", "export.json", "--no-builtin-rules", "--rules", "my-rules",
                 "--fail-on", "critical", "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 1  # an error fails the run whatever the threshold
    assert result.stdout.startswith("NOT COMPLIANT: 1 of 3 machines judged comply")
    document = results(tmp_path / "out")
    outcomes = {(f["ruleId"], f["resourceName"]): (f["outcome"], f["message"])
                for f in document["findings"]}
    assert outcomes[("USR002", "vm-web-03")] == (
        "error", ("the rule could not be evaluated: error: unterminated character set at "
                  "position 1"))
    assert outcomes[("USR002", "vm-web-01")] == ("pass", "")
    assert outcomes[("USR002", "vm-web-02")][0] == "fail"  # no pattern tag: a finding
    assert outcomes[("USR001", "vm-web-03")] == ("pass", "")  # the other rule still ran
    assert document["summary"]["byOutcome"]["error"] == 1


def test_a_run_that_judges_nothing_fails_closed(tmp_path: Path, estate: Path) -> None:
    user_rules(tmp_path, USER_RULE.replace("  resource: machine\n",
                                           "  resource: machine\n  kinds: [arcMachine]\n"))
    result = cli("audit", "export.json", "--no-builtin-rules", "--rules", "my-rules",
                 "--output-dir", "out", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", (
        "no rule applied to any resource: nothing was judged, so compliance cannot be shown; "
        "check the inputs and the rule selection\n"))


def test_user_rules_are_added_to_the_builtin_pack(tmp_path: Path) -> None:
    user_rules(tmp_path, USER_RULE)
    result = cli("audit", "--example", "--rules", "my-rules", "--select", "USR001,AUM004",
                 "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 1
    assert [r["id"] for r in results(tmp_path / "out")["rules"]] == ["AUM004", "USR001"]


# ----- auditor rules ----------------------------------------------------------------------------

def test_rules_list(tmp_path: Path) -> None:
    result = cli("rules", "list", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [rule.id for rule in BUILTIN]
    assert [line.split()[0] for line in lines[:4]] == ["AUM001", "AUM002", "AUM003", "AUM004"]
    for line, rule in zip(lines, BUILTIN, strict=True):
        assert line.split()[1:3] == [rule.severity.value, rule.name]
        assert line.endswith(rule.docs.summary)
    widths = {line.index(rule.docs.summary) for line, rule in zip(lines, BUILTIN, strict=True)}
    assert len(widths) == 1  # the summaries line up


def test_rules_list_with_user_rules(tmp_path: Path) -> None:
    user_rules(tmp_path, USER_RULE)
    lines = cli("rules", "list", "--rules", "my-rules", cwd=tmp_path).stdout.splitlines()
    assert lines[-1].split()[:3] == ["USR001", "medium", "owner-tag-present"]


@pytest.mark.parametrize("name", ["AUM004", "aum004", "no-failed-installations"])
def test_rules_show(tmp_path: Path, name: str) -> None:
    rule = next(rule for rule in BUILTIN if rule.id == "AUM004")
    result = cli("rules", "show", name, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    text = result.stdout
    assert text.startswith(f"AUM004 no-failed-installations (high)\n{rule.docs.summary}\n")
    sections = ["Applies to", "Why it matters", "How to fix", "Parameters", "Examples", "Links"]
    positions = [text.index(f"\n{title}\n") for title in sections]
    assert positions == sorted(positions)
    assert "  days (integer, default 30): How far back to look, in days." in text
    for example in rule.docs.examples:
        assert f"  {example.outcome:<14} {example.title}\n" in text
    for link in rule.docs.links:
        assert f"  {link}\n" in text
    assert "  machine, azureVm and arcMachine\n" in text


def test_rules_validate_the_builtin_pack(tmp_path: Path) -> None:
    rules_dir = Path(__file__).parent.parent / "rules"
    result = cli("rules", "validate", str(rules_dir), cwd=tmp_path)
    examples = sum(len(rule.docs.examples) for rule in BUILTIN)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"{len(BUILTIN)} rule(s) valid; {examples} example(s) give their stated outcomes\n", "")


def test_rules_validate_a_user_rule(tmp_path: Path) -> None:
    user_rules(tmp_path, USER_RULE)
    result = cli("rules", "validate", "my-rules", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "1 rule(s) valid; 2 example(s) give their stated outcomes\n", "")


def test_rules_schema_prints_an_existing_path(tmp_path: Path) -> None:
    result = cli("rules", "schema", cwd=tmp_path)
    path = Path(result.stdout.strip())
    assert result.returncode == 0 and path.name == "rule.schema.json" and path.is_file()
    assert json.loads(path.read_text("utf-8"))["title"] == "aum-auditor rule"


def test_version(tmp_path: Path) -> None:
    result = cli("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "aum-auditor 0.1.0\n")
