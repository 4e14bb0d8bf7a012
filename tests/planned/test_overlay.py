"""A change laid over a live snapshot: verdicts on both together, and what the change does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from planned_support import PLANNED, SUB, audit, verdicts

from auditor.engine.results import ChangeItem, RuleChange
from auditor.report.json_results import render

VM = f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines"
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "auditor" / "schemas" /
                     "results.schema.json").read_text("utf-8"))


def test_the_change_breaks_three_machines_and_fixes_one() -> None:
    result = audit("overlay-snapshot.json", planned=["tf-overlay.plan.json"])
    change = result.change
    assert change is not None
    assert change.summary == "this change makes 3 machines non-compliant with AUM002 and fixes 1"
    assert change.by_rule == {"AUM002": RuleChange(breaks=3, fixes=1, unknown=0)}
    assert change.breaks == (
        ChangeItem(rule_id="AUM002", resource_id=f"{VM}/vm-a", resource_name="vm-a",
                   before="pass", after="fail"),
        ChangeItem(rule_id="AUM002", resource_id=f"{VM}/vm-new-1", resource_name="vm-new-1",
                   before="absent", after="fail"),
        ChangeItem(rule_id="AUM002", resource_id=f"{VM}/vm-new-2", resource_name="vm-new-2",
                   before="absent", after="fail"))
    assert change.fixes == (ChangeItem(rule_id="AUM002", resource_id=f"{VM}/vm-b",
                                       resource_name="vm-b", before="fail", after="pass"),)
    assert change.planned == (str(PLANNED / "tf-overlay.plan.json"),)


def test_the_overlay_judges_planned_and_live_machines_together() -> None:
    result = audit("overlay-snapshot.json", planned=["tf-overlay.plan.json"])
    found = verdicts(result)
    assert {name: found[("AUM002", name)] for name in
            ("vm-a", "vm-b", "vm-c", "vm-new-1", "vm-new-2")} == {
        "vm-a": "fail", "vm-b": "pass", "vm-c": "pass", "vm-new-1": "fail", "vm-new-2": "fail"}
    planned = {m.name: m.planned for m in result.machines}
    assert planned == {"vm-a": "terraform", "vm-b": "terraform", "vm-c": None,
                       "vm-new-1": "terraform", "vm-new-2": "terraform"}


def test_history_rules_do_not_apply_to_new_planned_machines() -> None:
    result = audit("overlay-snapshot.json", planned=["tf-overlay.plan.json"], preset=None)
    found = {(f.rule_id, f.resource_name): f for f in result.findings}
    new = found[("AUM005", "vm-new-1")]
    assert (new.outcome.value, new.message) == (
        "not_applicable", "a planned resource has no live state yet; AUM005 judges history of "
                          "deployed machines")
    # vm-a exists: the change replaces it, and its (absent) history is still judged.
    assert found[("AUM005", "vm-a")].outcome.value == "fail"


def test_the_results_with_a_change_and_unknowns_follow_the_schema() -> None:
    for result in (audit("overlay-snapshot.json", planned=["tf-overlay.plan.json"]),
                   audit(planned=["tf-unknown-patch-mode.plan.json"], subscription=SUB)):
        document = json.loads(render(result))
        validator = jsonschema.Draft202012Validator(SCHEMA)
        assert [e.message for e in validator.iter_errors(document)] == []
    assert document["summary"]["byOutcome"]["unknown"] == 2


def auditor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd,
                          capture_output=True, text=True, check=False)


def test_the_command_line_says_what_the_change_does(tmp_path: Path) -> None:
    done = auditor("audit", "--planned", str(PLANNED / "tf-overlay.plan.json"), "--snapshot",
                   str(PLANNED / "overlay-snapshot.json"), "--preset", "pre-deployment",
                   "--fail-on", "high", "--as-of", "2026-11-16T06:00:00Z", "--format", "json",
                   "--output-dir", str(tmp_path), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, "")
    lines = done.stdout.splitlines()
    assert lines[0] == ("NOT COMPLIANT: 2 of 5 machines judged comply; as of "
                        "2026-11-16T06:00:00Z (flag)")
    assert "change: this change makes 3 machines non-compliant with AUM002 and fixes 1" in lines
    written = json.loads((tmp_path / "results.json").read_text("utf-8"))
    assert written["change"]["byRule"] == {"AUM002": {"breaks": 3, "fixes": 1, "unknown": 0}}


@pytest.mark.parametrize(("flags", "code"), [((), 0), (("--fail-on-unknown",), 1)])
def test_unknown_verdicts_fail_the_run_only_when_asked(tmp_path: Path, flags: tuple[str, ...],
                                                       code: int) -> None:
    done = auditor("audit", str(PLANNED / "tf-unknown-patch-mode.plan.json"),
                   "--subscription", SUB, "--resource-group", "rg-app", "--preset",
                   "pre-deployment", "--as-of", "2026-11-16T06:00:00Z", "--output-dir",
                   str(tmp_path), *flags, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (code, "")
    assert "findings: 3 pass, 0 fail, 2 not_applicable, 0 waived, 0 error, 2 unknown" in \
        done.stdout.splitlines()
    assert "  AUM002 high          1 unknown  scheduled-machines-use-customer-managed-schedules" \
        in done.stdout.splitlines()


@pytest.mark.parametrize(("args", "message"), [
    (("--snapshot", "x.json", "--example"),
     "--snapshot is a collection flag; add --collect to collect first\n"),
    (("--subscription", SUB, "--example"),
     "--subscription is a collection flag; add --collect to collect first\n"),
    (("--resource-group", "rg", "--example"),
     "--resource-group, --location, --parameters and --subscription (without --collect) place "
     "the resources of a template or plan, but the inputs hold none\n"),
])
def test_pre_deployment_flags_without_a_template_or_plan_are_refused(
        tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    done = auditor("audit", *args, "--output-dir", str(tmp_path), cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", message)


def test_a_file_that_is_no_template_plan_or_export_is_one_line_exit_2(tmp_path: Path) -> None:
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": "world"}', encoding="utf-8")
    done = auditor("audit", "--planned", str(odd), "--output-dir", str(tmp_path), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"{odd}: unrecognised JSON shape: expected az graph query output, a "
                           "Resource Graph or ARM REST response, a list of rows, a snapshot "
                           "bundle, an ARM template, what-if output or a Terraform plan\n")


def test_the_reports_say_what_the_change_does_and_count_unknowns() -> None:
    from auditor.report import html, markdown
    result = audit("overlay-snapshot.json",
                   planned=["tf-overlay.plan.json", "tf-unknown-patch-mode.plan.json"])
    summary = markdown.render(result).decode("utf-8")
    assert ("**This change leaves 1 machine unknown for AUM001 until deployment; makes 3 "
            "machines non-compliant with AUM002, fixes 1 and leaves 1 unknown until "
            "deployment.**") in summary
    assert "3 failing findings in 1 rule, 0 errors, 0 waived, 2 unknown." in summary
    page = html.render(result).decode("utf-8")
    assert 'id="change">This change leaves 1 machine unknown for AUM001' in page
