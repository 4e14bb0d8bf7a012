"""The portal's patch orchestration names (DOMAIN.md sections 2 and 5), directly and loaded."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.model import MachineKind, OrchestrationMode, OsType
from auditor.snapshot import load_rows
from auditor.snapshot.orchestration import default_patch_mode, orchestration_mode

VM, ARC = MachineKind.AZURE_VM, MachineKind.ARC
WIN, LNX, UNK = OsType.WINDOWS, OsType.LINUX, OsType.UNKNOWN
CMS = OrchestrationMode.CUSTOMER_MANAGED
SAFE = OrchestrationMode.AZURE_MANAGED
WAU = OrchestrationMode.WINDOWS_AUTOMATIC
MANUAL = OrchestrationMode.MANUAL
IMAGE = OrchestrationMode.IMAGE_DEFAULT
INVALID = OrchestrationMode.NOT_VALID
UNKNOWN = OrchestrationMode.UNKNOWN
SUB = "00000000-0000-0000-0000-000000000001"

# kind, OS, patchMode, bypass -> the portal's name. Section 2's five options, then the
# combinations Azure refuses for the OS, then Arc, which has no bypass flag.
MODES = [
    (VM, WIN, "AutomaticByPlatform", True, CMS),
    (VM, LNX, "AutomaticByPlatform", True, CMS),
    (VM, WIN, "AutomaticByPlatform", False, SAFE),
    (VM, LNX, "AutomaticByPlatform", False, SAFE),
    (VM, WIN, "AutomaticByOS", False, WAU),
    (VM, WIN, "AutomaticByOS", True, WAU),  # bypass means nothing without AutomaticByPlatform
    (VM, WIN, "Manual", False, MANUAL),
    (VM, WIN, "Manual", True, MANUAL),
    (VM, LNX, "ImageDefault", False, IMAGE),
    (VM, LNX, "ImageDefault", True, IMAGE),
    (VM, LNX, "AutomaticByOS", False, INVALID),  # Windows-only modes on Linux
    (VM, LNX, "Manual", False, INVALID),
    (VM, WIN, "ImageDefault", False, INVALID),  # Linux-only mode on Windows
    (VM, WIN, "AutomaticByPlatfrom", True, UNKNOWN),  # a typo names no option
    (VM, WIN, None, False, UNKNOWN),
    (VM, UNK, "AutomaticByPlatform", True, CMS),  # the OS is unknown: nothing to refuse
    (VM, UNK, "AutomaticByPlatform", False, SAFE),
    (ARC, WIN, "AutomaticByPlatform", False, CMS),  # Arc: AutomaticByPlatform = schedules
    (ARC, LNX, "AutomaticByPlatform", False, CMS),
    (ARC, WIN, "AutomaticByPlatform", True, CMS),
    (ARC, WIN, "AutomaticByOS", False, WAU),
    (ARC, WIN, "Manual", False, MANUAL),
    (ARC, LNX, "ImageDefault", False, IMAGE),
    (ARC, LNX, "AutomaticByOS", False, INVALID),
]


@pytest.mark.parametrize(("kind", "os_type", "mode", "bypass", "expected"), MODES)
def test_orchestration_mode(kind: MachineKind, os_type: OsType, mode: str | None, bypass: bool,
                            expected: OrchestrationMode) -> None:
    assert orchestration_mode(kind, os_type, mode, bypass) is expected


@pytest.mark.parametrize(("os_type", "automatic_updates", "expected"), [
    (WIN, None, "AutomaticByOS"),
    (WIN, True, "AutomaticByOS"),
    (WIN, False, "Manual"),
    (LNX, None, "ImageDefault"),
    (LNX, False, "ImageDefault"),
    (UNK, None, None),
])
def test_default_patch_mode(os_type: OsType, automatic_updates: bool | None,
                            expected: str | None) -> None:
    assert default_patch_mode(os_type, automatic_updates) == expected


# ----- through the loader -------------------------------------------------------------------

def machine_row(kind: MachineKind, os_name: str, settings: dict[str, Any] | None,
                automatic_updates: bool | None = None) -> dict[str, Any]:
    """A Resource Graph row; `settings` is its patchSettings object (None: none at all)."""
    configuration: dict[str, Any] = {}
    if settings is not None:
        configuration["patchSettings"] = settings
    if automatic_updates is not None:
        configuration["enableAutomaticUpdates"] = automatic_updates
    key = "windowsConfiguration" if os_name == "Windows" else "linuxConfiguration"
    os_profile = {key: configuration} if configuration else {}
    if kind is VM:
        return {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/"
                      "virtualMachines/vm", "type": "microsoft.compute/virtualmachines",
                "properties": {"storageProfile": {"osDisk": {"osType": os_name}},
                               "osProfile": os_profile}}
    return {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.HybridCompute/"
                  "machines/arc", "type": "microsoft.hybridcompute/machines",
            "properties": {"osType": os_name.lower(), "status": "Connected",
                           "osProfile": os_profile}}


def settings(mode: str | None, bypass: bool | None) -> dict[str, Any]:
    result: dict[str, Any] = {} if mode is None else {"patchMode": mode}
    if bypass is not None:
        result["automaticByPlatformSettings"] = {"bypassPlatformSafetyChecksOnUserSchedule": bypass}
    return result


@pytest.mark.parametrize(("kind", "os_type", "mode", "bypass", "expected"),
                         [case for case in MODES if case[1] is not UNK and case[2] is not None])
def test_orchestration_mode_through_the_loader(kind: MachineKind, os_type: OsType, mode: str,
                                               bypass: bool, expected: OrchestrationMode) -> None:
    snapshot = load_rows([machine_row(kind, os_type.value, settings(mode, bypass))])
    (machine,) = snapshot.machines
    assert (machine.kind, machine.os_type) == (kind, os_type)
    assert (machine.patch.mode, machine.patch.mode_explicit) == (mode, True)
    assert machine.patch.bypass_platform_safety_checks_on_user_schedule is bypass
    assert machine.patch.orchestration_mode is expected


@pytest.mark.parametrize(("kind", "os_name", "patch_settings", "automatic_updates", "expected"), [
    # No patchSettings: Windows AutomaticByOS, or Manual when enableAutomaticUpdates=false.
    (VM, "Windows", None, None, ("AutomaticByOS", WAU)),
    (VM, "Windows", None, True, ("AutomaticByOS", WAU)),
    (VM, "Windows", None, False, ("Manual", MANUAL)),
    (VM, "Windows", {}, None, ("AutomaticByOS", WAU)),
    # Linux: ImageDefault.
    (VM, "Linux", None, None, ("ImageDefault", IMAGE)),
    (VM, "Linux", {}, None, ("ImageDefault", IMAGE)),
    # A bypass flag alone does not make a mode.
    (VM, "Linux", settings(None, True), None, ("ImageDefault", IMAGE)),
    (ARC, "Windows", None, None, ("AutomaticByOS", WAU)),
    (ARC, "Linux", None, None, ("ImageDefault", IMAGE)),
])
def test_absent_settings_take_the_documented_defaults_marked_implicit(
        kind: MachineKind, os_name: str, patch_settings: dict[str, Any] | None,
        automatic_updates: bool | None, expected: tuple[str, OrchestrationMode]) -> None:
    (machine,) = load_rows([machine_row(kind, os_name, patch_settings, automatic_updates)]).machines
    patch = machine.patch
    assert (patch.mode, patch.orchestration_mode) == expected
    assert (patch.mode_explicit, patch.assessment_mode, patch.assessment_mode_explicit) == (
        False, "ImageDefault", False)


def test_a_missing_bypass_flag_counts_as_false_and_is_marked_implicit() -> None:
    (machine,) = load_rows([machine_row(VM, "Windows", settings("AutomaticByPlatform", None))]
                           ).machines
    assert (machine.patch.bypass_platform_safety_checks_on_user_schedule,
            machine.patch.bypass_explicit) == (False, False)
    assert machine.patch.orchestration_mode is SAFE


# DOMAIN.md section 5: AutomaticByPlatform x bypass x schedule attached, on both OSes ("no"
# is AutomaticByOS on Windows, ImageDefault on Linux). The orchestration name does not depend
# on the schedule; the coverage says whether one is attached.
MATRIX = [
    ("Windows", "AutomaticByPlatform", True, True, CMS),
    ("Windows", "AutomaticByPlatform", True, False, CMS),
    ("Windows", "AutomaticByPlatform", False, True, SAFE),
    ("Windows", "AutomaticByPlatform", False, False, SAFE),
    ("Windows", "AutomaticByOS", True, True, WAU),
    ("Windows", "AutomaticByOS", True, False, WAU),
    ("Windows", "AutomaticByOS", False, True, WAU),
    ("Windows", "AutomaticByOS", False, False, WAU),
    ("Linux", "AutomaticByPlatform", True, True, CMS),
    ("Linux", "AutomaticByPlatform", True, False, CMS),
    ("Linux", "AutomaticByPlatform", False, True, SAFE),
    ("Linux", "AutomaticByPlatform", False, False, SAFE),
    ("Linux", "ImageDefault", True, True, IMAGE),
    ("Linux", "ImageDefault", True, False, IMAGE),
    ("Linux", "ImageDefault", False, True, IMAGE),
    ("Linux", "ImageDefault", False, False, IMAGE),
]
CONFIGURATION = (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Maintenance/"
                 "maintenanceConfigurations/mc-weekly")


@pytest.mark.parametrize(("os_name", "mode", "bypass", "scheduled", "expected"), MATRIX)
def test_the_scenario_matrix(os_name: str, mode: str, bypass: bool, scheduled: bool,
                             expected: OrchestrationMode) -> None:
    machine = machine_row(VM, os_name, settings(mode, bypass))
    rows = [machine, {"id": CONFIGURATION,
                      "type": "microsoft.maintenance/maintenanceconfigurations",
                      "properties": {"maintenanceScope": "InGuestPatch"}}]
    if scheduled:
        rows.append({"id": f"{machine['id']}/providers/Microsoft.Maintenance/"
                           "configurationAssignments/weekly",
                     "type": "microsoft.maintenance/configurationassignments",
                     "properties": {"maintenanceConfigurationId": CONFIGURATION,
                                    "resourceId": machine["id"]}})
    snapshot = load_rows(rows)
    (loaded,) = snapshot.machines
    assert loaded.patch.orchestration_mode is expected
    assert [c.configuration_key for c in snapshot.coverage.get(loaded.key, ())] == (
        [CONFIGURATION.lower()] if scheduled else [])
