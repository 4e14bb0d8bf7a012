"""The real infrastructure-as-code examples (verbatim copies in tests/fixtures/planned) load
into the expected planned resources and verdicts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from planned_support import PLANNED, SUB, audit, verdicts

from auditor.errors import UserError
from auditor.planned import PlannedContext
from auditor.planned.context import read_parameters
from auditor.snapshot import load_estate

SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference-data"
COPIES = sorted(p.name for p in PLANNED.glob("iac-*.json"))
QUICKSTART = "iac-arm-quickstart-maintenance-configuration-assignments-prereq.azuredeploy.json"
AVM = "iac-bicep-avm-maintenance-configuration-assignment-main.json"
WHATIF = "iac-arm-whatif-PostDeploymentWhatIfOnResourceGroup.json"
TERRAFORM = "iac-terraform-show-json-modules-output.json"
SCHEDULE = (f"/subscriptions/{SUB}/resourceGroups/RG-Patching/providers/"
            "Microsoft.Maintenance/maintenanceConfigurations/mc-weekly")


def test_every_real_example_is_here_and_tested() -> None:
    assert sorted([QUICKSTART, AVM, WHATIF, TERRAFORM]) == COPIES
    readme = (PLANNED / "README.md").read_text("utf-8")
    for name in COPIES:
        digest = hashlib.sha256((PLANNED / name).read_bytes()).hexdigest()
        assert f"`{name}`" in readme and digest[:16] in readme, name


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared reference data is not beside the "
                                                "repository")
@pytest.mark.parametrize("name", COPIES)
def test_the_copies_match_the_shared_reference_data(name: str) -> None:
    assert (PLANNED / name).read_bytes() == (SHARED / name).read_bytes()


def test_the_quickstart_template_plans_a_vm_and_an_expired_schedule() -> None:
    context = PlannedContext(subscription=SUB, resource_group="rg-qs", location="centralindia",
                             parameters=read_parameters(PLANNED / "quickstart-prereq"
                                                                   ".parameters.json"))
    snapshot = load_estate([PLANNED / QUICKSTART], context=context)
    (vm,) = snapshot.machines
    assert vm.id == (f"/subscriptions/{SUB}/resourceGroups/rg-qs/providers/"
                     "Microsoft.Compute/virtualMachines/MyLinuxVM")
    assert (vm.planned, vm.os_type.value, vm.location) == ("arm-template", "Linux", "centralindia")
    # apiVersion 2017-03-30 has no patchSettings: the documented Linux defaults apply.
    assert (vm.patch.mode, vm.patch.mode_explicit, vm.patch.assessment_mode) == \
        ("ImageDefault", False, "ImageDefault")
    (schedule,) = snapshot.configurations.values()
    assert schedule.name == "mc-quickstart"
    assert (schedule.maintenance_scope, schedule.in_guest_patch_mode, schedule.window.duration,
            schedule.window.recur_every, schedule.window.time_zone) == \
        ("InGuestPatch", "User", "01:55", "1Day", "India Standard Time")
    assert snapshot.row_counts == {"microsoft.compute/virtualmachines": 1,
                                   "microsoft.maintenance/maintenanceconfigurations": 1,
                                   "microsoft.network/networkinterfaces": 1,
                                   "microsoft.network/virtualnetworks": 1}
    assert [w.code for w in snapshot.warnings] == []


def test_the_quickstart_schedule_whose_end_date_has_passed_fails_aum009() -> None:
    result = audit(QUICKSTART, parameters="quickstart-prereq.parameters.json",
                   subscription=SUB, resource_group="rg-qs", location="centralindia")
    assert verdicts(result) == {
        ("AUM001", "MyLinuxVM"): "fail", ("AUM002", "MyLinuxVM"): "not_applicable",
        ("AUM003", "MyLinuxVM"): "not_applicable", ("AUM007", "MyLinuxVM"): "pass",
        ("AUM008", "MyLinuxVM"): "not_applicable", ("AUM009", "mc-quickstart"): "fail"}
    (expired,) = [f for f in result.findings if f.rule_id == "AUM009"]
    assert expired.message == ("expirationDateTime=2024-09-16 15:00 (India Standard Time) has "
                               "passed; expected a schedule that has not expired")


def test_the_quickstart_needs_its_parameters() -> None:
    with pytest.raises(UserError) as raised:
        load_estate([PLANNED / QUICKSTART])
    # adminPasswordOrKey is a securestring: never read, so never required.
    assert str(raised.value) == (f"{PLANNED / QUICKSTART}: the template needs a value for "
                                 "adminUsername, maintenanceConfigurationName; give --parameters "
                                 "FILE (a deployment parameters file)")


def test_the_avm_module_assigns_a_vm_by_scope_and_skips_the_existing_vm() -> None:
    context = PlannedContext(subscription=SUB, resource_group="RG-Web", location="westeurope",
                             parameters=read_parameters(PLANNED / "avm-assignment-static"
                                                                   ".parameters.json"))
    snapshot = load_estate([PLANNED / AVM], context=context)
    assert snapshot.machines == ()  # `vm` is `existing: true`: a reference, not a deployment
    (assignment,) = snapshot.assignments
    vm = (f"/subscriptions/{SUB}/resourceGroups/RG-Web/providers/Microsoft.Compute/"
          "virtualMachines/vm-web-01")
    assert assignment.id == (f"{vm}/providers/Microsoft.Maintenance/configurationAssignments/"
                             "assign-weekly")
    assert (assignment.resource_id, assignment.dynamic, assignment.maintenance_configuration_id) \
        == (vm, False, SCHEDULE)
    assert snapshot.inputs[0].format == "compiled Bicep template"
    assert snapshot.warnings == ()  # telemetry is off in these parameters


def test_the_avm_module_makes_a_dynamic_scope_without_a_resource_id() -> None:
    context = PlannedContext(subscription=SUB, resource_group="RG-Web",
                             parameters=read_parameters(PLANNED / "avm-assignment-dynamic"
                                                                   ".parameters.json"))
    snapshot = load_estate([PLANNED / AVM], context=context)
    (assignment,) = snapshot.assignments
    assert (assignment.dynamic, assignment.resource_id) == \
        (True, f"/subscriptions/{SUB}/resourceGroups/RG-Web")
    assert assignment.filter is not None
    assert (assignment.filter.os_types, assignment.filter.tags, assignment.filter.tag_operator) \
        == (("linux",), {"patch": ("weekly",)}, "All")
    # The telemetry deployment is on by default; its nested template deploys nothing.
    assert snapshot.warnings == ()


def test_the_avm_assignment_alone_fails_aum013() -> None:
    params = "avm-assignment-static.parameters.json"
    alone = audit(AVM, parameters=params, subscription=SUB, resource_group="RG-Web")
    assert verdicts(alone) == {("AUM013", "assign-weekly"): "fail"}
    assert alone.findings[0].message == (
        f"maintenanceConfigurationId={SCHEDULE} and resourceId=/subscriptions/{SUB}/"
        "resourceGroups/RG-Web/providers/Microsoft.Compute/virtualMachines/vm-web-01 are not in "
        "the snapshot; expected both to exist")


def test_the_whatif_example_plans_what_its_changes_create_and_modify() -> None:
    snapshot = load_estate([PLANNED / WHATIF])
    assert snapshot.inputs[0].format == "REST API example (what-if output)"
    assert snapshot.inputs[0].rows == 2  # the Modify and the Create
    assert snapshot.row_counts == {"microsoft.managedidentity/userassignedidentities": 2}
    assert (snapshot.machines, snapshot.warnings) == ((), ())


def test_the_terraform_example_lists_the_resources_of_a_provider_it_does_not_map() -> None:
    snapshot = load_estate([PLANNED / TERRAFORM])
    assert snapshot.inputs[0].format == "Terraform plan"
    assert snapshot.row_counts == {}
    assert [(w.code, w.message) for w in snapshot.warnings] == [
        ("planned-unmapped", f"{address}: provider registry.terraform.io/hashicorp/test is not "
                             "mapped; it is not judged")
        for address in ("module.module_test_bar.test_instance.test",
                        "module.module_test_foo.test_instance.test[0]",
                        "module.module_test_foo.test_instance.test[1]",
                        "module.module_test_foo.test_instance.test[2]")]


def test_a_plan_with_nothing_to_judge_is_a_user_error() -> None:
    with pytest.raises(UserError) as raised:
        audit(TERRAFORM)
    assert str(raised.value) == ("the inputs hold no machines, maintenance configurations or "
                                 "assignments, so there is nothing to judge; check the export's "
                                 "query (load warnings list what a template or plan held)")
