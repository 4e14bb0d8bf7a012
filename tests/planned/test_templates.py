"""ARM templates: loops, conditions, nested deployments, the forms of an assignment, and what
cannot be read offline listed as load warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from planned_support import PLANNED, SUB, audit, verdicts

from auditor.errors import UserError
from auditor.model import LoadWarning, Snapshot
from auditor.planned import PlannedContext
from auditor.planned.context import read_parameters
from auditor.snapshot import load_estate

FORMS = PLANNED / "template-forms.json"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-web"
VM = f"{RG}/providers/Microsoft.Compute/virtualMachines"
SCHEDULE = f"{RG}/providers/Microsoft.Maintenance/maintenanceConfigurations/mc-weekly"
CONTEXT = PlannedContext(subscription=SUB, resource_group="rg-web", location="westeurope")


@pytest.fixture(scope="module")
def forms() -> Snapshot:
    return load_estate([FORMS], context=CONTEXT)


def test_a_copy_loop_makes_one_machine_per_index(forms: Snapshot) -> None:
    assert [m.id for m in forms.machines] == [f"{VM}/vm-web-01", f"{VM}/vm-web-02",
                                              f"{VM}/vm-web-lnx"]
    web = forms.machines[0]
    assert (web.patch.mode, web.patch.bypass_platform_safety_checks_on_user_schedule,
            web.patch.reboot_setting, web.location) == \
        ("AutomaticByPlatform", True, "IfRequired", "westeurope")
    assert web.image is not None and web.image.sku == "2022-datacenter-azure-edition"


def test_a_false_condition_deploys_nothing(forms: Snapshot) -> None:
    assert "vm-skipped" not in {m.name for m in forms.machines}


def test_union_builds_the_window(forms: Snapshot) -> None:
    (schedule,) = forms.configurations.values()
    assert schedule.id == SCHEDULE
    assert (schedule.window.start_date_time, schedule.window.duration,
            schedule.window.recur_every, schedule.window.expiration_date_time) == \
        ("2026-01-04 02:00", "03:00", "Week Sunday", None)


def test_assignments_by_relative_scope_and_by_the_providers_form(forms: Snapshot) -> None:
    found = {a.name: (a.resource_id, a.maintenance_configuration_id) for a in forms.assignments}
    assert found == {
        "assign-0": (f"{VM}/vm-web-01", SCHEDULE),        # form A in a copy loop
        "assign-relative": (f"{VM}/vm-web-01", SCHEDULE),  # form A
        "assign-legacy": (f"{VM}/vm-web-02", SCHEDULE),    # form C
    }
    assert {a.id for a in forms.assignments} >= {
        f"{VM}/vm-web-02/providers/Microsoft.Maintenance/configurationAssignments/assign-legacy"}


def test_an_inner_scope_module_evaluates_its_own_parameters(forms: Snapshot) -> None:
    lnx = forms.machines[2]
    assert (lnx.name, lnx.os_type.value, lnx.patch.mode) == \
        ("vm-web-lnx", "Linux", "AutomaticByPlatform")
    assert {"patch.assessmentmode", "patch.bypassplatformsafetychecksonuserschedule",
            "patch.orchestrationmode"} <= lnx.unknown


def test_a_nested_child_resource_gets_its_full_type_and_id(forms: Snapshot) -> None:
    assert forms.row_counts["microsoft.servicebus/namespaces/topics"] == 1


def test_what_cannot_be_read_is_listed_with_the_reason(forms: Snapshot) -> None:
    path = str(FORMS)
    assert list(forms.warnings) == [
        LoadWarning("planned-unreadable", "Microsoft.Maintenance/configurationAssignments "
                    "assign-malformed: scope 'Microsoft.Compute/virtualMachinesvm-web-01' is not "
                    "a resource name such as Microsoft.Compute/virtualMachines/NAME; it is not "
                    "judged", path),
        LoadWarning("planned-unknown-value", "vm-web-lnx: the value is not known until "
                    "deployment (reference() reads the deployed resource); rules that read it "
                    "give unknown", path, None,
                    "properties.osProfile.linuxConfiguration.patchSettings.assessmentMode"),
        LoadWarning("planned-unknown-value", "vm-web-lnx: the value is not known until "
                    "deployment (the user-defined function customfunctions.bypass() is not "
                    "evaluated offline); rules that read it give unknown", path, None,
                    "properties.osProfile.linuxConfiguration.patchSettings."
                    "automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule"),
        LoadWarning("planned-linked-template", "deployment linked: https://example.com/vm.json is "
                    "not expanded offline; the resources it deploys are not judged", path)]


def test_the_readable_resources_are_judged() -> None:
    result = audit(FORMS, subscription=SUB, resource_group="rg-web", location="westeurope")
    found = verdicts(result)
    assert found[("AUM002", "vm-web-01")] == "pass"
    assert found[("AUM008", "vm-web-01")] == "fail"  # hotpatch-eligible image, hotpatch off
    assert found[("AUM002", "vm-web-02")] == "pass"
    assert found[("AUM001", "vm-web-lnx")] == "unknown"
    # With bypass unknown, it may be in Customer Managed Schedules with no schedule: a failure.
    assert found[("AUM003", "vm-web-lnx")] == "unknown"


def test_a_parameters_file_sets_values_literally(tmp_path: Path) -> None:
    parameters = tmp_path / "p.json"
    parameters.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                   "deploymentParameters.json#", "contentVersion": "1.0.0.0",
        "parameters": {"prefix": {"value": "[not-an-expression]"}, "count": {"value": 1},
                       "orchestration": {"value": "azure-managed"}}}), encoding="utf-8")
    context = PlannedContext(subscription=SUB, resource_group="rg-web",
                             parameters=read_parameters(parameters))
    snapshot = load_estate([FORMS], context=context)
    names = sorted(m.name for m in snapshot.machines)
    assert names == ["[not-an-expression]-01", "[not-an-expression]-lnx", "vm-skipped"]
    web = next(m for m in snapshot.machines if m.name.endswith("-01"))
    assert web.patch.bypass_platform_safety_checks_on_user_schedule is False


@pytest.mark.parametrize(("given", "expected"), [
    ({"prefx": {"value": "x"}},
     "the parameters file gives prefx, which the template does not declare (it declares "
     "prefix, count, orchestration, scheduleName, adminPassword, location)"),
])
def test_a_parameter_the_template_does_not_declare_is_an_error(tmp_path: Path, given: object,
                                                               expected: str) -> None:
    parameters = tmp_path / "p.json"
    parameters.write_text(json.dumps({"parameters": given}), encoding="utf-8")
    context = PlannedContext(parameters=read_parameters(parameters))
    with pytest.raises(UserError) as raised:
        load_estate([FORMS], context=context)
    assert str(raised.value) == f"{FORMS}: {expected}"


def test_a_bicepparam_file_is_refused_with_the_way_out(tmp_path: Path) -> None:
    bicepparam = tmp_path / "main.bicepparam"
    bicepparam.write_text("using './main.bicep'\nparam prefix = 'web'\n", encoding="utf-8")
    with pytest.raises(UserError) as raised:
        read_parameters(bicepparam)
    assert str(raised.value) == (f"{bicepparam}: the parameters file is not JSON; compile a "
                                 ".bicepparam file with `bicep build-params` and give the JSON "
                                 "it writes")


def test_a_parameters_file_given_as_an_input_says_where_it_belongs() -> None:
    with pytest.raises(UserError) as raised:
        load_estate([PLANNED / "quickstart-prereq.parameters.json"])
    assert str(raised.value).endswith(": this is a deployment parameters file: give it with "
                                      "--parameters FILE beside its template")


def test_languageversion_2_skips_existing_resources(tmp_path: Path) -> None:
    template = tmp_path / "main.json"
    template.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                   "deploymentTemplate.json#", "languageVersion": "2.0",
        "contentVersion": "1.0.0.0",
        "resources": {
            "vm": {"existing": True, "type": "Microsoft.Compute/virtualMachines",
                   "apiVersion": "2024-07-01", "name": "vm-existing"},
            "assignment": {"type": "Microsoft.Maintenance/configurationAssignments",
                           "apiVersion": "2023-04-01", "name": "a1",
                           "scope": "[resourceId('Microsoft.Compute/virtualMachines', "
                                    "'vm-existing')]",
                           "properties": {"maintenanceConfigurationId": SCHEDULE}}}}),
        encoding="utf-8")
    snapshot = load_estate([template], context=CONTEXT)
    assert snapshot.machines == ()
    assert [a.resource_id for a in snapshot.assignments] == [f"{VM}/vm-existing"]
