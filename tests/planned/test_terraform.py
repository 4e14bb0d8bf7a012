"""Terraform plans: azurerm resources mapped onto the model, unknowns, modules, links."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from planned_support import PLANNED, SUB, audit, resource, verdicts

from auditor.engine.results import Outcome
from auditor.errors import UserError
from auditor.model import OrchestrationMode, OsType
from auditor.planned import PlannedContext
from auditor.snapshot import load_estate

Plan = Callable[..., Path]
MC = (f"/subscriptions/{SUB}/resourceGroups/rg-patching/providers/Microsoft.Maintenance/"
      "maintenanceConfigurations/mc-weekly")
VM = f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines"
CONTEXT = PlannedContext(subscription=SUB)


def vm_values(name: str = "vm-1", **settings: Any) -> dict[str, Any]:
    return {"name": name, "resource_group_name": "rg-app", "location": "westeurope",
            "source_image_reference": [{"publisher": "MicrosoftWindowsServer",
                                        "offer": "WindowsServer", "sku": "2022-datacenter-g2",
                                        "version": "latest"}], **settings}


def test_a_windows_vm_in_customer_managed_schedules_on_a_valid_schedule_passes() -> None:
    result = audit(planned=["tf-windows-customer-managed.plan.json"])
    assert verdicts(result) == {
        ("AUM001", "vm-web-01"): "pass", ("AUM002", "vm-web-01"): "pass",
        ("AUM003", "vm-web-01"): "pass", ("AUM007", "vm-web-01"): "pass",
        ("AUM008", "vm-web-01"): "not_applicable", ("AUM009", "mc-weekly"): "pass",
        ("AUM013", "mc-weekly"): "pass"}
    assert result.warnings == ()  # the plan's provider block names the subscription


def test_the_vm_and_its_assignment_created_together_are_linked_by_references() -> None:
    snapshot = load_estate([PLANNED / "tf-windows-customer-managed.plan.json"])
    (vm,) = snapshot.machines
    (schedule,) = snapshot.configurations.values()
    (assignment,) = snapshot.assignments
    assert vm.id == f"{VM}/vm-web-01"  # built from name and resource group: id is unknown
    assert schedule.id == MC
    assert assignment.id == f"{VM}/vm-web-01/providers/Microsoft.Maintenance/" \
                            "configurationAssignments/mc-weekly"
    assert (assignment.resource_key, assignment.configuration_key) == (vm.key, schedule.key)
    assert snapshot.coverage[vm.key][0].configuration_key == schedule.key
    assert vm.patch.orchestration_mode is OrchestrationMode.CUSTOMER_MANAGED
    assert (vm.planned, vm.os_type, vm.patch.reboot_setting, vm.patch.enable_automatic_updates) \
        == ("terraform", OsType.WINDOWS, "IfRequired", True)


def test_a_linux_vm_with_bypass_false_on_a_schedule_fails_aum002_with_the_matrix_message() -> None:
    result = audit(planned=["tf-linux-bypass-false.plan.json"], subscription=SUB)
    (finding,) = [f for f in result.findings if f.rule_id == "AUM002"]
    assert (finding.resource_name, finding.outcome) == ("vm-db-01", Outcome.FAIL)
    assert finding.message == (
        "patchMode=AutomaticByPlatform, bypassPlatformSafetyChecksOnUserSchedule=false; expected "
        "patchMode=AutomaticByPlatform with bypassPlatformSafetyChecksOnUserSchedule=true "
        "(Customer Managed Schedules); the schedule will not run: prerequisites not met")


def test_a_patch_mode_unknown_at_plan_time_is_unknown_not_pass() -> None:
    result = audit(planned=["tf-unknown-patch-mode.plan.json"], subscription=SUB)
    found = {f.rule_id: f for f in result.findings if f.resource_name == "vm-app-01"}
    assert found["AUM002"].outcome is Outcome.UNKNOWN
    assert found["AUM002"].message == (
        "patch.mode is not known until deployment, so this cannot be judged yet; set it "
        "explicitly in the template or plan to judge it now")
    assert found["AUM002"].evidence["patch.mode"] == "unknown until deployment"
    assert found["AUM001"].outcome is Outcome.UNKNOWN  # patch_assessment_mode is Computed too
    assert result.summary.by_outcome["unknown"] == 2
    assert result.summary.compliant_machines == 0  # unknown is not compliant


def test_a_schedule_with_a_five_hour_window_fails_aum009() -> None:
    result = audit(planned=["tf-schedule-five-hours.plan.json"], subscription=SUB)
    (finding,) = result.findings
    assert (finding.rule_id, finding.outcome, finding.message) == \
        ("AUM009", Outcome.FAIL, "duration=05:00; expected between 01:30 and 03:55")


def test_modules_with_count_and_for_each_are_walked_and_linked() -> None:
    snapshot = load_estate([PLANNED / "tf-modules.plan.json"])
    names = sorted(m.name for m in snapshot.machines)
    assert names == ["vm-blue-0", "vm-blue-1", "vm-blue-api", "vm-blue-jobs",
                     "vm-green-0", "vm-green-1", "vm-green-api", "vm-green-jobs"]
    covered = {m.name: [c.configuration_key for c in snapshot.coverage.get(m.key, ())]
               for m in snapshot.machines}
    assert covered == {name: [MC.lower()] for name in names}  # each by its own assignment
    assert len(snapshot.assignments) == 8
    result = audit(planned=["tf-modules.plan.json"])
    failing = sorted(f.resource_name for f in result.findings if f.outcome is Outcome.FAIL)
    assert failing == ["vm-green-0", "vm-green-1"]  # bypass false in the green fleet


@pytest.mark.parametrize(("flag", "version"), [("enable_automatic_updates", "azurerm 4.x"),
                                                ("automatic_updates_enabled", "azurerm 5.0")])
def test_both_names_of_the_automatic_updates_flag_are_read(tf_plan: Plan, flag: str,
                                                           version: str) -> None:
    plan = tf_plan(resource("azurerm_windows_virtual_machine", "vm",
                            vm_values(**{flag: False}), unknown={"id": True}))
    (vm,) = load_estate([plan], context=CONTEXT).machines
    assert vm.patch.enable_automatic_updates is False, version
    assert (vm.patch.mode, vm.patch.mode_explicit) == ("Manual", False)  # the documented default


def test_one_known_name_wins_over_the_other_unknown(tf_plan: Plan) -> None:
    plan = tf_plan(resource("azurerm_windows_virtual_machine", "vm",
                            vm_values(enable_automatic_updates=True),
                            unknown={"id": True, "automatic_updates_enabled": True}))
    (vm,) = load_estate([plan], context=CONTEXT).machines
    assert vm.unknown == frozenset()
    assert vm.patch.enable_automatic_updates is True


def test_an_unset_patch_mode_with_an_unknown_automatic_updates_flag_is_unknown(
        tf_plan: Plan) -> None:
    plan = tf_plan(resource("azurerm_windows_virtual_machine", "vm", vm_values(),
                            unknown={"id": True, "automatic_updates_enabled": True}))
    (vm,) = load_estate([plan], context=CONTEXT).machines
    assert {"patch.mode", "patch.orchestrationmode"} <= vm.unknown  # its default depends on it


def test_an_attached_os_disk_leaves_the_os_profile_unknown(tf_plan: Plan) -> None:
    plan = tf_plan(resource("azurerm_linux_virtual_machine", "vm", vm_values(
        os_managed_disk_id=f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/"
                           "Microsoft.Compute/disks/os-1")))
    (vm,) = load_estate([plan], context=CONTEXT).machines
    assert {"patch.mode", "patch.assessmentmode", "allowextensionoperations"} <= vm.unknown


def test_deleted_resources_leave_and_empty_strings_are_unset(tf_plan: Plan) -> None:
    before = {**vm_values("vm-old"), "id": f"{VM}/vm-old"}
    plan = tf_plan(
        resource("azurerm_linux_virtual_machine", "old", before, actions=["delete"],
                 before=before),
        resource("azurerm_linux_virtual_machine", "vm", vm_values(
            patch_mode="AutomaticByPlatform", reboot_setting="")))
    snapshot = load_estate([plan], context=CONTEXT)
    (vm,) = snapshot.machines
    assert (vm.name, vm.patch.reboot_setting) == ("vm-1", None)


def test_azapi_bodies_set_arc_patch_settings(tf_plan: Plan) -> None:
    body = {"location": "westeurope", "properties": {"osProfile": {"windowsConfiguration": {
        "patchSettings": {"assessmentMode": "AutomaticByPlatform",
                          "patchMode": "AutomaticByPlatform"}}}}}
    arc = (f"/subscriptions/{SUB}/resourceGroups/rg-onprem/providers/"
           "Microsoft.HybridCompute/machines")
    plan = tf_plan(
        resource("azapi_resource", "srv1", {
            "type": "Microsoft.HybridCompute/machines@2024-07-10", "name": "srv-1",
            "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-onprem", "body": body},
            provider="registry.terraform.io/azure/azapi"),
        resource("azapi_resource", "srv2", {  # azapi 1.x: body is a jsonencode() string
            "type": "Microsoft.HybridCompute/machines@2022-12-27", "name": "srv-2",
            "parent_id": f"/subscriptions/{SUB}/resourceGroups/rg-onprem",
            "body": json.dumps(body)}, provider="registry.terraform.io/azure/azapi"))
    machines = load_estate([plan], context=CONTEXT).machines
    assert [(m.id, m.os_type, m.patch.assessment_mode) for m in machines] == [
        (f"{arc}/srv-1", OsType.WINDOWS, "AutomaticByPlatform"),
        (f"{arc}/srv-2", OsType.WINDOWS, "AutomaticByPlatform")]


def test_an_azapi_update_merges_into_the_live_machine(tf_plan: Plan, tmp_path: Path) -> None:
    arc = (f"/subscriptions/{SUB}/resourceGroups/rg-onprem/providers/"
           "Microsoft.HybridCompute/machines/srv-1")
    live = tmp_path / "live.json"
    live.write_text(json.dumps([{
        "id": arc, "name": "srv-1", "type": "microsoft.hybridcompute/machines",
        "location": "westeurope", "properties": {"status": "Connected", "osName": "windows",
                                                 "osType": "windows"}}]), encoding="utf-8")
    plan = tf_plan(resource("azapi_update_resource", "assess", {
        "type": "Microsoft.HybridCompute/machines@2024-07-10", "resource_id": arc,
        "body": {"properties": {"osProfile": {"windowsConfiguration": {"patchSettings": {
            "assessmentMode": "AutomaticByPlatform"}}}}}},
        actions=["update"], provider="registry.terraform.io/azure/azapi"))
    alone = load_estate([plan], context=CONTEXT)
    assert "agentstatus" in alone.machines[0].unknown  # known only from the live machine
    assert [w.code for w in alone.warnings] == ["planned-partial-update"]
    result = audit(live, planned=[plan], preset=None)
    assert verdicts(result)[("AUM001", "srv-1")] == "pass"
    assert verdicts(result)[("AUM012", "srv-1")] == "pass"  # the live agent status stands
    assert result.change is not None and result.change.fixes[0].rule_id == "AUM001"


def test_what_cannot_be_mapped_is_listed_not_skipped(tf_plan: Plan) -> None:
    plan = tf_plan(
        resource("azurerm_linux_virtual_machine", "vm", vm_values(), unknown={"name": True}),
        resource("azurerm_maintenance_assignment_virtual_machine", "a",
                 {"location": "westeurope"},
                 unknown={"virtual_machine_id": True, "maintenance_configuration_id": True},
                 expressions={"maintenance_configuration_id": {"references": ["var.schedule"]}}),
        resource("azurerm_network_interface", "nic", {"name": "nic-1"}),
        resource("aws_instance", "web", {"ami": "ami-1"},
                 provider="registry.terraform.io/hashicorp/aws"))
    snapshot = load_estate([plan], context=CONTEXT)
    assert [(w.code, w.message) for w in snapshot.warnings] == [
        ("planned-unmapped", "aws_instance.web: provider registry.terraform.io/hashicorp/aws is "
                             "not mapped; it is not judged"),
        ("planned-unreadable", "azurerm_linux_virtual_machine.vm: its name or resource group "
                               "is not known until apply, so it has no id; it is not judged"),
        ("planned-unreadable", "azurerm_maintenance_assignment_virtual_machine.a: "
                               "maintenance_configuration_id is not known until apply and refers "
                               "to no azurerm_maintenance_configuration in the same module; it is "
                               "not judged"),
        ("planned-not-judged", "resources that are neither machines, schedules nor assignments "
                               "are not judged: azurerm_network_interface (1)")]


def test_a_malformed_plan_judges_what_it_can(tmp_path: Path, tf_plan: Plan) -> None:
    plan = tf_plan(resource("azurerm_linux_virtual_machine", "vm", vm_values()))
    document = json.loads(plan.read_text("utf-8"))
    document["resource_changes"].append({"address": "azurerm_linux_virtual_machine.bad",
                                         "mode": "managed",
                                         "type": "azurerm_linux_virtual_machine", "name": "bad",
                                         "provider_name": "registry.terraform.io/hashicorp/"
                                                          "azurerm", "change": "oops"})
    plan.write_text(json.dumps(document), encoding="utf-8")
    snapshot = load_estate([plan], context=CONTEXT)
    assert [m.name for m in snapshot.machines] == ["vm-1"]
    assert [(w.code, w.message) for w in snapshot.warnings] == [
        ("planned-unreadable", "azurerm_linux_virtual_machine.bad: its change is not an object; "
                               "it is not judged")]


def test_an_unknown_major_format_version_is_refused(tf_plan: Plan) -> None:
    plan = tf_plan(resource("azurerm_linux_virtual_machine", "vm", vm_values()),
                   format_version="2.0")
    with pytest.raises(UserError) as raised:
        load_estate([plan])
    assert str(raised.value).endswith(": format_version '2.0' is not supported: this auditor "
                                      "reads the plan JSON of terraform show -json, format 1.x")


def test_without_a_subscription_ids_use_a_placeholder_and_say_so(tf_plan: Plan) -> None:
    plan = tf_plan(resource("azurerm_linux_virtual_machine", "vm", vm_values()))
    snapshot = load_estate([plan])
    assert snapshot.machines[0].subscription_id == "00000000-0000-0000-0000-000000000000"
    assert [w.code for w in snapshot.warnings] == ["planned-placeholder-ids"]


def test_a_destroyed_assignment_leaves_the_live_snapshot(tf_plan: Plan) -> None:
    vm = f"{VM}/vm-a"
    before = {"id": f"{vm}/providers/Microsoft.Maintenance/configurationAssignments/mc-weekly",
              "virtual_machine_id": vm, "maintenance_configuration_id": MC,
              "location": "westeurope"}
    plan = tf_plan(resource("azurerm_maintenance_assignment_virtual_machine", "a", before,
                            actions=["delete"], before=before))
    result = audit("overlay-snapshot.json", planned=[plan])
    assert verdicts(result)[("AUM002", "vm-a")] == "not_applicable"  # no schedule any more
    assert verdicts(result)[("AUM003", "vm-a")] == "fail"  # and none covers it: never patched
    assert result.change is not None
    assert result.change.summary == "this change makes 1 machine non-compliant with AUM003"
