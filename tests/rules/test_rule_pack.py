"""The built-in pack as a whole: documented, tested, and right about the example estate and
Microsoft's own payloads."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.audit import compile_rules
from auditor.cli import example_estate
from auditor.config import Config
from auditor.engine.evaluate import evaluate
from auditor.engine.results import Finding
from auditor.rules.load import builtin_rule_files, load_rules
from auditor.snapshot import load_estate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REFERENCE = FIXTURES / "reference"
RULES = load_rules(True)
COMPILED = compile_rules(RULES, Config())
AS_OF = datetime.fromisoformat("2026-01-01T00:00:00+00:00")


def verdicts(findings: list[Finding]) -> dict[str, dict[str, str]]:
    """resource name → rule id → outcome, leaving out not_applicable."""
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for finding in findings:
        if finding.outcome != "not_applicable":
            table[finding.resource_name][finding.rule_id] = finding.outcome.value
    return dict(table)


def judge_all(snapshot: Any, as_of: datetime = AS_OF) -> list[Finding]:
    return evaluate([(rule, rule.rule.severity) for rule in COMPILED], snapshot, as_of)[0]


# ----- the pack is complete and documented ------------------------------------------------

def test_the_pack_holds_the_fourteen_rules_each_in_its_own_file() -> None:
    assert [rule.id for rule in RULES] == [f"AUM{n:03}" for n in range(1, 15)]
    assert [f.name for f in builtin_rule_files()] == [f"{rule.id}.yaml" for rule in RULES]
    assert len({rule.name for rule in RULES}) == 14


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_is_documented_and_has_cases(rule: Any) -> None:
    docs = rule.docs
    assert docs.summary and "\n" not in docs.summary.strip()
    assert len(docs.why) > 80 and len(docs.fix) > 40
    assert any(link.startswith("https://learn.microsoft.com/") for link in docs.links)
    assert {"pass", "fail"} <= {example.outcome for example in docs.examples}
    cases = yaml.safe_load((FIXTURES / "rules" / f"{rule.id}.yaml").read_text("utf-8"))
    assert cases["rule"] == rule.id
    assert {"pass", "fail"} <= {case["outcome"] for case in cases["cases"]}
    assert all("message" in case for case in cases["cases"] if case["outcome"] == "fail")
    assert "baseline" in rule.presets


def test_the_pre_deployment_preset_holds_the_rules_that_need_no_history() -> None:
    chosen = [rule.id for rule in RULES if "pre-deployment" in rule.presets]
    assert chosen == ["AUM001", "AUM002", "AUM003", "AUM007", "AUM008", "AUM009", "AUM013"]


# ----- the example estate -----------------------------------------------------------------

@pytest.fixture(scope="module")
def estate_findings() -> list[Finding]:
    snapshot = load_estate([example_estate()])
    assert snapshot.captured_at is not None
    return judge_all(snapshot, snapshot.captured_at)


def test_every_rule_passes_and_fails_somewhere_in_the_example_estate(
        estate_findings: list[Finding]) -> None:
    outcomes: dict[str, set[str]] = defaultdict(set)
    for finding in estate_findings:
        outcomes[finding.rule_id].add(finding.outcome.value)
    for rule in RULES:
        assert {"pass", "fail"} <= outcomes[rule.id], rule.id
    assert all(f.outcome != "error" for f in estate_findings)


@pytest.mark.parametrize(("rule_id", "failing"), [
    ("AUM001", ["arc-file-onprem-01", "vm-app-prd-06", "vm-ci-test-02", "vm-dev-lnx-02",
                "vm-dev-lnx-03", "vm-dev-lnx-06", "vm-dev-win-04", "vm-jump-prd-01"]),
    ("AUM002", ["vm-app-prd-03", "vm-app-prd-04", "vm-dev-lnx-02", "vm-dev-lnx-04",
                "vm-dev-win-02", "vm-dev-win-03"]),
    ("AUM004", ["arc-branch-chi-02", "vm-app-prd-01", "vm-sql-prd-02"]),
    ("AUM012", ["arc-app-onprem-01", "arc-branch-nyc-02", "arc-sql-onprem-02"]),
])
def test_the_estate_fails_exactly_the_machines_built_to_fail(
        estate_findings: list[Finding], rule_id: str, failing: list[str]) -> None:
    assert sorted(f.resource_name for f in estate_findings
                  if f.rule_id == rule_id and f.outcome == "fail") == failing


def test_the_matrix_messages_say_what_azure_will_do(estate_findings: list[Finding]) -> None:
    messages = {f.resource_name: f.message for f in estate_findings
                if f.rule_id == "AUM002" and f.outcome == "fail"}
    assert all("the schedule will not run: prerequisites not met" in m for m in messages.values())
    assert messages["vm-dev-win-02"].startswith("patchMode=Manual")


# ----- Microsoft's published payloads -----------------------------------------------------

def _reference(name: str) -> Path:
    return REFERENCE / name


@pytest.mark.parametrize(("file", "expected"), [
    ("specs-compute-2024-11-01-VirtualMachine_Create_LinuxVmWithAutomaticByPlatformSettings.json",
     # Customer Managed Schedules with no schedule attached: never patched (AUM003).
     {"AUM001": "pass", "AUM003": "fail", "AUM004": "pass", "AUM005": "fail", "AUM007": "pass",
      "AUM010": "pass"}),
    ("specs-compute-2024-11-01-VirtualMachine_Create_LinuxVmWithPatchSettingModeOfImageDefault.json",
     {"AUM001": "fail", "AUM004": "pass", "AUM005": "fail", "AUM007": "pass", "AUM010": "pass"}),
    ("specs-compute-2024-11-01-VirtualMachine_Create_WindowsVmWithAutomaticByPlatformSettings.json",
     # Azure Managed - Safe Deployment: no schedule needed, so AUM003 does not apply.
     {"AUM001": "pass", "AUM004": "pass", "AUM005": "fail", "AUM007": "pass", "AUM010": "pass"}),
    ("specs-compute-2024-11-01-VirtualMachine_Create_WindowsVmWithPatchSettingModeOfAutomaticByOS.json",
     {"AUM001": "fail", "AUM004": "pass", "AUM005": "fail", "AUM007": "pass", "AUM010": "pass"}),
    ("specs-compute-2024-11-01-VirtualMachine_Create_WindowsVmWithPatchSettingModeOfManual.json",
     {"AUM001": "fail", "AUM004": "pass", "AUM005": "fail", "AUM007": "pass", "AUM010": "pass"}),
    ("specs-hybridcompute-2024-07-10-Machines_Get.json",
     # The example's agent status is null: not Connected, so AUM012 fails.
     {"AUM001": "fail", "AUM004": "pass", "AUM010": "pass", "AUM012": "fail"}),
    ("specs-maintenance-2023-04-01-MaintenanceConfigurations_GetForResource_GuestOSPatchLinux.json",
     {"AUM009": "fail"}),  # a 05:00 window: longer than InGuestPatch's 03:55
    ("specs-maintenance-2023-04-01-ConfigurationAssignments_CreateOrUpdate.json",
     {"AUM013": "fail"}),  # its configuration is not in the snapshot
])
def test_reference_payloads_get_their_verdicts(file: str, expected: dict[str, str]) -> None:
    found = verdicts(judge_all(load_estate([_reference(file)])))
    assert list(found.values()) == [expected]


def test_hotpatch_example_image_is_not_eligible() -> None:
    # Microsoft's hotpatch example uses 2016-Datacenter, which is not a hotpatch image.
    file = "specs-compute-2024-11-01-VirtualMachine_Create_WindowsVmWithPatchSettingModeOf" \
           "AutomaticByPlatformAndEnableHotPatchingTrue.json"
    findings = judge_all(load_estate([_reference(file)]))
    assert {f.rule_id: f.outcome.value for f in findings}["AUM008"] == "not_applicable"


def _machine_row(machine_id: str, os_type: str) -> dict[str, Any]:
    settings = {"patchMode": "AutomaticByPlatform", "assessmentMode": "AutomaticByPlatform"}
    key = "windowsConfiguration" if os_type == "Windows" else "linuxConfiguration"
    return {"id": machine_id, "name": machine_id.rsplit("/", 1)[-1],
            "type": machine_id.split("/providers/")[1].rsplit("/", 1)[0].lower(),
            "properties": {"storageProfile": {"osDisk": {"osType": os_type}},
                           "osType": os_type.lower(), "status": "Connected",
                           "osProfile": {key: {"patchSettings": settings}},
                           "extended": {"instanceView": {"powerState": {
                               "code": "PowerState/running"}}}}}


def _with_machine(tmp_path: Path, file: str, provider: str, name: str,
                  group: str = "myResourceGroupName") -> dict[str, str]:
    """Judge a patch-result example together with the machine its parameters name."""
    machine_id = f"/subscriptions/{{subscription-id}}/resourceGroups/{group}/" \
                 f"providers/{provider}/{name}"
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps([_machine_row(machine_id, "Windows")]), "utf-8")
    snapshot = load_estate([machine, _reference(file)])
    assert snapshot.orphans.total() == 0  # the result linked to the machine
    return verdicts(judge_all(snapshot, datetime.fromisoformat("2020-04-25T00:00:00+00:00")))[name]


def test_assess_patches_result_judged_on_its_machine(tmp_path: Path) -> None:
    # rebootPending true; one critical-or-security update counted, though the two updates it
    # lists are a definition update and a rollup; the VM result says when the assessment
    # started but not when it finished, so its age cannot be shown (AUM005 fails closed).
    found = _with_machine(tmp_path, "specs-compute-2024-11-01-VirtualMachine_AssessPatches.json",
                          "Microsoft.Compute/virtualMachines", "myVMName")
    assert (found["AUM005"], found["AUM006"], found["AUM011"]) == ("fail", "fail", "fail")


def test_install_patches_result_judged_on_its_machine(tmp_path: Path) -> None:
    # A Succeeded run, reboot Completed, window not exceeded.
    found = _with_machine(tmp_path, "specs-compute-2024-11-01-VirtualMachine_InstallPatches.json",
                          "Microsoft.Compute/virtualMachines", "myVMName")
    assert (found["AUM004"], found["AUM010"], found["AUM011"]) == ("pass", "pass", "pass")


def test_instance_view_summaries_judged_on_their_machine(tmp_path: Path) -> None:
    # rebootPending true, one critical-or-security update, the last run Succeeded.
    found = _with_machine(tmp_path, "specs-compute-2024-11-01-VirtualMachine_Get_InstanceView.json",
                          "Microsoft.Compute/virtualMachines", "myVM", "myResourceGroup")
    assert (found["AUM004"], found["AUM006"], found["AUM011"]) == ("pass", "fail", "fail")


def test_arc_results_judged_on_their_machine(tmp_path: Path) -> None:
    assessed = _with_machine(tmp_path, "specs-hybridcompute-2024-07-10-Machine_AssessPatches.json",
                             "Microsoft.HybridCompute/machines", "myMachineName")
    # No critical or security update is available; a reboot is pending.
    assert (assessed["AUM006"], assessed["AUM011"]) == ("pass", "fail")
    installed = _with_machine(tmp_path,
                              "specs-hybridcompute-2024-07-10-Machine_InstallPatches.json",
                              "Microsoft.HybridCompute/machines", "myMachineName")
    assert (installed["AUM004"], installed["AUM010"]) == ("pass", "pass")
