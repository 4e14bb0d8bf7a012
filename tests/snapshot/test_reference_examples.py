"""Microsoft's own REST API examples (copies in tests/fixtures/reference) load into the model."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.errors import UserError
from auditor.model import (
    Assessment,
    DynamicScopeFilter,
    ImageReference,
    InstallationRun,
    LoadWarning,
    MachineKind,
    MaintenanceWindow,
    OrchestrationMode,
    OsType,
    PatchSettings,
    Recurrence,
    Snapshot,
    Source,
)
from auditor.snapshot import load_estate

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "reference"
# The project's shared reference data, when the repository sits beside it.
SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference-data"
SUB = "5b4b650e-28b9-4790-b3ab-ddbd88d727c4"
CONFIGURATION1 = (f"/subscriptions/{SUB}/resourcegroups/examplerg/providers/"
                  "Microsoft.Maintenance/maintenanceConfigurations/configuration1")
TIME_2020 = datetime(2020, 4, 24, 21, 2, 4, 255615, tzinfo=UTC)  # 21:02:04.2556154Z
EXAMPLES = sorted(p.name for p in REFERENCE.glob("specs-*.json"))
CHECKS: dict[str, Callable[[str], None]] = {}


def checks(*names: str) -> Callable[[Callable[[str], None]], Callable[[str], None]]:
    """Register the function that checks what these example files load into."""
    def register(function: Callable[[str], None]) -> Callable[[str], None]:
        for name in names:
            assert name not in CHECKS, name
            CHECKS[name] = function
        return function
    return register


def load(name: str) -> Snapshot:
    return load_estate([REFERENCE / name])


def vm_settings(**changes: object) -> PatchSettings:
    base: dict[str, object] = {
        "mode": "AutomaticByPlatform", "mode_explicit": True, "assessment_mode": "ImageDefault",
        "assessment_mode_explicit": False, "bypass_platform_safety_checks_on_user_schedule": False,
        "bypass_explicit": False, "reboot_setting": None, "enable_hotpatching": False,
        "enable_automatic_updates": True, "provision_vm_agent": True,
        "orchestration_mode": OrchestrationMode.AZURE_MANAGED}
    return PatchSettings(**{**base, **changes})  # type: ignore[arg-type]


WINDOWS_2016 = ImageReference(publisher="MicrosoftWindowsServer", offer="WindowsServer",
                              sku="2016-Datacenter", version="latest")
UBUNTU_1604 = ImageReference(publisher="Canonical", offer="UbuntuServer", sku="16.04-LTS",
                             version="latest")
CREATE = "specs-compute-2024-11-01-VirtualMachine_Create_"
VM_EXAMPLES = {
    f"{CREATE}LinuxVmWithAutomaticByPlatformSettings.json": (
        OsType.LINUX, UBUNTU_1604, vm_settings(
            assessment_mode="AutomaticByPlatform", assessment_mode_explicit=True,
            bypass_platform_safety_checks_on_user_schedule=True, bypass_explicit=True,
            reboot_setting="Never", enable_automatic_updates=None,
            orchestration_mode=OrchestrationMode.CUSTOMER_MANAGED)),
    f"{CREATE}LinuxVmWithPatchSettingModeOfImageDefault.json": (
        OsType.LINUX, UBUNTU_1604, vm_settings(
            mode="ImageDefault", enable_automatic_updates=None,
            orchestration_mode=OrchestrationMode.IMAGE_DEFAULT)),
    f"{CREATE}WindowsVmWithAutomaticByPlatformSettings.json": (
        OsType.WINDOWS, WINDOWS_2016, vm_settings(
            assessment_mode="AutomaticByPlatform", assessment_mode_explicit=True,
            bypass_explicit=True, reboot_setting="Never",
            orchestration_mode=OrchestrationMode.AZURE_MANAGED)),
    f"{CREATE}WindowsVmWithPatchSettingModeOfAutomaticByOS.json": (
        OsType.WINDOWS, WINDOWS_2016, vm_settings(
            mode="AutomaticByOS", orchestration_mode=OrchestrationMode.WINDOWS_AUTOMATIC)),
    f"{CREATE}WindowsVmWithPatchSettingModeOfAutomaticByPlatformAndEnableHotPatchingTrue.json": (
        OsType.WINDOWS, WINDOWS_2016, vm_settings(enable_hotpatching=True)),
    # The 200 body says enableAutomaticUpdates true (the 201 body says false); 200 is read.
    f"{CREATE}WindowsVmWithPatchSettingModeOfManual.json": (
        OsType.WINDOWS, WINDOWS_2016, vm_settings(
            mode="Manual", orchestration_mode=OrchestrationMode.MANUAL)),
}


LINUX_CMS = f"{CREATE}LinuxVmWithAutomaticByPlatformSettings.json"
WINDOWS_SAFE = f"{CREATE}WindowsVmWithAutomaticByPlatformSettings.json"


@checks(*VM_EXAMPLES)
def vm_create_example(name: str) -> None:
    os_type, image, settings = VM_EXAMPLES[name]
    snapshot = load(name)
    assert snapshot.warnings == ()
    assert snapshot.row_counts == {"microsoft.compute/virtualmachines": 1}
    assert snapshot.inputs[0].format == "REST API example (ARM REST resource)"
    (machine,) = snapshot.machines
    assert machine.id == ("/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/"
                          "providers/Microsoft.Compute/virtualMachines/myVM")
    assert (machine.name, machine.type, machine.kind) == (
        "myVM", "microsoft.compute/virtualmachines", MachineKind.AZURE_VM)
    assert (machine.subscription_id, machine.resource_group, machine.location) == (
        "{subscription-id}", "myResourceGroup", "westus")
    assert machine.os_type is os_type
    assert machine.image == image
    assert machine.patch == settings
    assert (machine.power_state, machine.agent_status) == (None, None)


def test_linux_automatic_by_platform_with_bypass_is_customer_managed() -> None:
    (machine,) = load(LINUX_CMS).machines
    assert machine.patch.orchestration_mode == "Customer Managed Schedules"


def test_windows_automatic_by_platform_with_bypass_false_is_safe_deployment() -> None:
    (machine,) = load(WINDOWS_SAFE).machines
    assert machine.patch.orchestration_mode == "Azure Managed - Safe Deployment"
    assert machine.patch.bypass_explicit is True


@checks("specs-hybridcompute-2024-07-10-Machines_Get.json")
def arc_machine_get(name: str) -> None:
    snapshot = load(name)
    assert snapshot.warnings == ()
    (machine,) = snapshot.machines
    assert machine.kind is MachineKind.ARC
    assert machine.type == "microsoft.hybridcompute/machines"
    assert (machine.name, machine.location, machine.tags) == ("myMachine", "eastus2euap", {})
    # status, lastStatusChange, osType and osName are all null in this example.
    assert (machine.agent_status, machine.last_status_change) == (None, None)
    assert (machine.os_type, machine.os_name) == (OsType.UNKNOWN, None)
    assert machine.image is None
    assert machine.patch == PatchSettings(
        mode=None, mode_explicit=False, assessment_mode="ImageDefault",
        assessment_mode_explicit=False, bypass_platform_safety_checks_on_user_schedule=False,
        bypass_explicit=False, reboot_setting=None, enable_hotpatching=True,
        enable_automatic_updates=None, provision_vm_agent=None,
        orchestration_mode=OrchestrationMode.UNKNOWN)


@checks("specs-compute-2024-11-01-VirtualMachine_AssessPatches.json")
def vm_assess_patches(name: str) -> None:
    """The result names no machine; the request's parameters do."""
    snapshot = load(name)
    machine = ("/subscriptions/{subscription-id}/resourceGroups/myResourceGroupName/providers/"
               "Microsoft.Compute/virtualMachines/myVMName")
    key = machine.lower()
    assert snapshot.inputs[0].format == "REST API example (patch result)"
    assert snapshot.row_counts == {
        "microsoft.compute/virtualmachines/patchassessmentresults": 1,
        "microsoft.compute/virtualmachines/patchassessmentresults/softwarepatches": 2}
    assert snapshot.assessments[key] == Assessment(
        id=f"{machine}/patchAssessmentResults/latest", machine_key=key, status="Succeeded",
        reboot_pending=True, patch_service_used=None, os_type=None, start_date_time=TIME_2020,
        last_modified_date_time=None, started_by=None, error_message=None,
        available_patch_count_by_classification={}, critical_and_security_count=1,
        source=Source(file=str(REFERENCE / name), row=0))
    patches = snapshot.assessment_patches[key]
    assert [(p.kb_id, p.classifications, p.reboot_behavior, p.assessment_state)
            for p in patches] == [
        ("2267602", ("Definition",), "NeverReboots", "Available"),
        ("890830", ("UpdateRollup",), "CanRequestReboot", "Available")]
    assert patches[0].patch_name == ("Definition Update for Windows Defender Antivirus - "
                                     "KB2267602 (Definition 1.279.1373.0)")
    assert patches[0].published_date_time == datetime(2018, 11, 7, tzinfo=UTC)
    assert patches[0].version is None  # "" in the example
    # The machine itself is not in the snapshot: the rows are kept as orphans.
    assert snapshot.orphans.assessments == (f"{machine}/patchAssessmentResults/latest",)
    assert len(snapshot.orphans.patches) == 2


@checks("specs-hybridcompute-2024-07-10-Machine_AssessPatches.json")
def arc_assess_patches(name: str) -> None:
    snapshot = load(name)
    machine = ("/subscriptions/{subscription-id}/resourceGroups/myResourceGroupName/providers/"
               "Microsoft.HybridCompute/machines/myMachineName")
    assert snapshot.row_counts == {"microsoft.hybridcompute/machines/patchassessmentresults": 1}
    assessment = snapshot.assessments[machine.lower()]
    assert assessment.id == f"{machine}/patchAssessmentResults/latest"
    assert (assessment.status, assessment.reboot_pending, assessment.started_by,
            assessment.os_type) == ("Succeeded", True, "User", "Windows")
    assert assessment.available_patch_count_by_classification == {
        "security": 0, "updateRollup": 1, "featurePack": 0, "servicePack": 0, "definition": 0,
        "critical": 0, "updates": 1, "tools": 0}
    assert assessment.critical_and_security_count == 0
    assert assessment.start_date_time == datetime(2021, 8, 22, 2, 15, 20, 934000, tzinfo=UTC)
    assert assessment.last_modified_date_time == datetime(2021, 8, 22, 2, 16, 6, 974000,
                                                          tzinfo=UTC)


@checks("specs-compute-2024-11-01-VirtualMachine_InstallPatches.json")
def vm_install_patches(name: str) -> None:
    snapshot = load(name)
    machine = ("/subscriptions/{subscription-id}/resourceGroups/myResourceGroupName/providers/"
               "Microsoft.Compute/virtualMachines/myVMName")
    run_id = f"{machine}/patchInstallationResults/68f8b292-dfc2-4646-9781-33cc88631968"
    assert snapshot.row_counts == {
        "microsoft.compute/virtualmachines/patchinstallationresults": 1,
        "microsoft.compute/virtualmachines/patchinstallationresults/softwarepatches": 2}
    (run,) = snapshot.installations[machine.lower()]
    assert run == InstallationRun(
        id=run_id, machine_key=machine.lower(),
        name="68f8b292-dfc2-4646-9781-33cc88631968", status="Succeeded",
        start_date_time=TIME_2020, last_modified_date_time=None, started_by=None,
        maintenance_window_exceeded=False, reboot_status="Completed", maintenance_run_id=None,
        installed_patch_count=3, failed_patch_count=0, pending_patch_count=2,
        excluded_patch_count=0, not_selected_patch_count=0, patch_service_used=None,
        os_type=None, error_message=None, source=Source(file=str(REFERENCE / name), row=0))
    patches = snapshot.installation_patches[run_id.lower()]
    assert [(p.kb_id, p.classifications, p.installation_state) for p in patches] == [
        ("2267602", ("Definition",), "Installed"), ("890830", ("UpdateRollup",), "Pending")]


@checks("specs-hybridcompute-2024-07-10-Machine_InstallPatches.json")
def arc_install_patches(name: str) -> None:
    snapshot = load(name)
    machine = ("/subscriptions/{subscription-id}/resourcegroups/myresourcegroupname/providers/"
               "microsoft.hybridcompute/machines/mymachinename")
    (run,) = snapshot.installations[machine]
    assert (run.status, run.started_by, run.os_type, run.reboot_status) == (
        "Succeeded", "User", "Windows", "Completed")
    assert (run.installed_patch_count, run.failed_patch_count, run.pending_patch_count,
            run.excluded_patch_count, run.not_selected_patch_count) == (3, 0, 2, 0, 0)
    assert run.start_date_time == datetime(2021, 8, 22, 2, 15, 6, 974000, tzinfo=UTC)
    assert run.last_modified_date_time == datetime(2021, 8, 22, 2, 16, 6, 974000, tzinfo=UTC)


@checks("specs-compute-2024-11-01-VirtualMachine_Get_InstanceView.json")
def instance_view(name: str) -> None:
    snapshot = load(name)
    key = ("/subscriptions/{subscription-id}/resourcegroups/myresourcegroup/providers/"
           "microsoft.compute/virtualmachines/myvm")
    assert snapshot.row_counts == {
        "microsoft.compute/virtualmachines/patchassessmentresults": 1,
        "microsoft.compute/virtualmachines/patchinstallationresults": 1}
    assessment = snapshot.assessments[key]
    assert (assessment.status, assessment.reboot_pending, assessment.critical_and_security_count,
            assessment.start_date_time, assessment.last_modified_date_time) == (
        "Succeeded", True, 1, TIME_2020, TIME_2020)
    (run,) = snapshot.installations[key]
    assert run.name == "68f8b292-dfc2-4646-9981-33cc88631968"
    assert (run.status, run.maintenance_window_exceeded, run.start_date_time,
            run.last_modified_date_time) == ("Succeeded", False, TIME_2020, TIME_2020)
    assert (run.installed_patch_count, run.failed_patch_count, run.pending_patch_count,
            run.excluded_patch_count, run.not_selected_patch_count) == (1, 1, 1, 1, 1)


GUEST_OS_PATCH = \
    "specs-maintenance-2023-04-01-MaintenanceConfigurations_GetForResource_GuestOSPatch"


@checks(f"{GUEST_OS_PATCH}Linux.json", f"{GUEST_OS_PATCH}Windows.json")
def maintenance_configuration(name: str) -> None:
    snapshot = load(name)
    assert snapshot.warnings == ()
    assert snapshot.row_counts == {"microsoft.maintenance/maintenanceconfigurations": 1}
    configuration = snapshot.configurations[CONFIGURATION1.lower()]
    assert (configuration.name, configuration.subscription_id, configuration.resource_group,
            configuration.location) == ("configuration1", SUB, "examplerg", "westus2")
    assert (configuration.maintenance_scope, configuration.visibility,
            configuration.in_guest_patch_mode, configuration.reboot_setting) == (
        "InGuestPatch", "Custom", None, "Always")
    assert (configuration.windows_classifications, configuration.linux_classifications) == (
        ((), ("Critical",)) if name.endswith("Linux.json") else (("Security",), ()))
    assert configuration.window == MaintenanceWindow(
        start_date_time="2020-04-30 08:00", expiration_date_time="9999-12-31 00:00",
        duration="05:00", time_zone="Pacific Standard Time", recur_every="5Days",
        start=datetime(2020, 4, 30, 8, 0), expiration=datetime(9999, 12, 31, 0, 0),
        expiration_utc=None, duration_minutes=300, recurrence=Recurrence(unit="Day", interval=5),
        problems=())


@checks("specs-maintenance-2023-04-01-ConfigurationAssignments_CreateOrUpdate.json")
def static_assignment(name: str) -> None:
    snapshot = load(name)
    (assignment,) = snapshot.assignments
    target = (f"/subscriptions/{SUB}/resourcegroups/examplerg/providers/"
              "Microsoft.Compute/virtualMachineScaleSets/smdtest1")
    assert (assignment.name, assignment.dynamic, assignment.filter) == (
        "workervmConfiguration", False, None)
    assert (assignment.resource_id, assignment.resource_key) == (target, target.lower())
    assert assignment.maintenance_configuration_id == CONFIGURATION1
    assert assignment.configuration_key == CONFIGURATION1.lower()
    assert snapshot.coverage == {}
    # A scale set is not a machine, so this is no assignment to a missing machine; its
    # configuration is not in the snapshot, though.
    assert snapshot.orphans.assignments_missing_machine == ()
    assert snapshot.orphans.assignments_missing_configuration == (assignment.id,)


@checks("specs-maintenance-2023-04-01-ConfigurationAssignmentsForSubscriptions_CreateOrUpdate.json",
        "specs-maintenance-2023-04-01-ConfigurationAssignmentsForResourceGroup_CreateOrUpdate.json")
def dynamic_scope(name: str) -> None:
    snapshot = load(name)
    assert snapshot.warnings == ()
    (assignment,) = snapshot.assignments
    if "Subscriptions" in name:
        groups: tuple[str, ...] = ("rg1", "rg2")
        resource_id = f"/subscriptions/{SUB}"
    else:
        groups, resource_id = (), f"/subscriptions/{SUB}/resourcegroups/examplerg"
    assert (assignment.dynamic, assignment.resource_id) == (True, resource_id)
    assert assignment.filter == DynamicScopeFilter(
        resource_types=("microsoft.hybridcompute/machines", "microsoft.compute/virtualmachines"),
        resource_groups=groups, os_types=(), locations=("japaneast", "uksouth"),
        tags={"tag1": ("tag1Value1", "tag1Value2", "tag1Value3"),
              "tag2": ("tag2Value1", "tag2Value2", "tag2Value3")},
        tag_operator="Any")


@checks("specs-maintenance-2023-04-01-ApplyUpdatesResourceGroup_List.json")
def apply_updates(name: str) -> None:
    snapshot = load(name)
    assert snapshot.row_counts == {"microsoft.maintenance/applyupdates": 1}
    assert snapshot.inputs[0].format == "REST API example (ARM REST list)"
    assert snapshot.warnings == ()
    assert snapshot.machines == ()


@checks("specs-resourcegraph-2024-04-01-ResourcesFacetQuery.json")
def facet_query(name: str) -> None:
    snapshot = load(name)
    assert snapshot.row_counts == {"microsoft.compute/virtualmachines": 5}
    assert snapshot.warnings == ()
    assert [(m.name, m.resource_group, m.location, m.os_type) for m in snapshot.machines] == [
        ("myTestVm", "B-TEST-RG", "eastus", OsType.WINDOWS),
        ("myTestAccountVm", "c-rg", "westcentralus", OsType.WINDOWS),
        ("yetanothertest", "I-RG", "eastus", OsType.LINUX),
        ("drafttest1bux4cv7a7q3aw", "x-test-rg", "southcentralus", OsType.LINUX),
        ("testvmntp25370", "y-rg", "eastus", OsType.WINDOWS),
    ]
    # No patch settings were projected: the documented defaults apply, marked implicit.
    assert [(m.patch.mode, m.patch.mode_explicit) for m in snapshot.machines] == [
        ("AutomaticByOS", False), ("AutomaticByOS", False), ("ImageDefault", False),
        ("ImageDefault", False), ("AutomaticByOS", False)]


@checks("specs-resourcegraph-2018-09-01-preview-ResourcesQueryOptions-tableFormat.json",
        "specs-resourcegraph-2024-04-01-ResourcesFirstPageQuery.json",
        "specs-resourcegraph-2024-04-01-ResourcesNextPageQuery.json")
def resource_graph_page(name: str) -> None:
    snapshot = load(name)
    assert snapshot.inputs[0].format == "REST API example (Resource Graph REST response)"
    assert snapshot.inputs[0].rows == 3
    assert snapshot.row_counts == {
        "microsoft.automation/automationaccounts": 1,
        "microsoft.automation/automationaccounts/runbooks": 1,
        "microsoft.compute/disks": 1}
    assert snapshot.machines == ()
    # Every one of these pages carries a $skipToken: more rows exist.
    assert snapshot.warnings == (LoadWarning(
        "incomplete-export", "$skipToken is set: more rows exist than this page holds; "
        "include every page", str(REFERENCE / name)),)


@checks("specs-resourcegraph-2024-04-01-ResourcesPropertiesQuery.json")
def properties_query(name: str) -> None:
    """A `summarize` returns counts, not resources: there is nothing to audit."""
    with pytest.raises(UserError) as caught:
        load(name)
    assert str(caught.value) == (
        f"{REFERENCE / name}: row 0: id: the row has no id; the auditor needs one row per "
        "resource with its id column (project id, name, type, properties), not a summary "
        "such as summarize count()")


@pytest.mark.parametrize("name", EXAMPLES)
def test_reference_example(name: str) -> None:
    CHECKS[name](name)


def test_every_reference_example_has_a_check() -> None:
    assert len(EXAMPLES) == 23
    assert sorted(CHECKS) == EXAMPLES


def test_the_copies_match_the_shared_reference_data() -> None:
    if not SHARED.is_dir():
        pytest.skip("the shared reference data is not beside the repository "
                    "(../shared/reference-data); the copies in tests/fixtures/reference are used")
    for copy in EXAMPLES:
        original = SHARED / copy
        assert original.is_file(), f"{copy} is no longer in the shared reference data"
        assert hashlib.sha256((REFERENCE / copy).read_bytes()).hexdigest() == \
            hashlib.sha256(original.read_bytes()).hexdigest(), copy
