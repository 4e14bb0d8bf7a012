"""The azurerm attribute map: Terraform attributes and their ARM (Resource Graph) paths.

The table in docs/planned-state.md, in code. A pair is (attribute path, ARM path); nested
one-element blocks are read as `window.0.duration`; a tuple of attribute names is read in
order, the first set one winning (the automatic-updates flag was renamed across azurerm
versions).
"""

from __future__ import annotations

from typing import Any

from auditor.planned.terraform import Instance
from auditor.snapshot.unknown import TABLES

AFTER_APPLY = "known after apply"
Pair = tuple[str | tuple[str, ...], str]
IMAGE: list[Pair] = [
    *((f"source_image_reference.0.{p}", f"properties.storageProfile.imageReference.{p}")
      for p in ("publisher", "offer", "sku", "version")),
    ("source_image_id", "properties.storageProfile.imageReference.id")]
COMMON: list[Pair] = [("location", "location"), ("tags", "tags")]
OS_PATHS = ("properties.storageProfile.osDisk.osType", "properties.osType", "properties.osName")


def vm_pairs(os: str) -> list[Pair]:
    config = f"properties.osProfile.{os}Configuration"
    settings = f"{config}.patchSettings"
    pairs: list[Pair] = [
        ("patch_mode", f"{settings}.patchMode"),
        ("patch_assessment_mode", f"{settings}.assessmentMode"),
        ("bypass_platform_safety_checks_on_user_schedule_enabled",
         f"{settings}.automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule"),
        ("reboot_setting", f"{settings}.automaticByPlatformSettings.rebootSetting"),
        ("provision_vm_agent", f"{config}.provisionVMAgent"),
        ("allow_extension_operations", "properties.osProfile.allowExtensionOperations"),
        *IMAGE, *COMMON]
    if os == "windows":
        pairs += [("hotpatching_enabled", f"{settings}.enableHotpatching"),
                  (("automatic_updates_enabled", "enable_automatic_updates"),
                   f"{config}.enableAutomaticUpdates")]
    return pairs


def scale_set_pairs(os: str, orchestrated: bool) -> list[Pair]:
    config = f"properties.virtualMachineProfile.osProfile.{os}Configuration"
    if not orchestrated:
        return [(("automatic_updates_enabled", "enable_automatic_updates"),
                 f"{config}.enableAutomaticUpdates"),
                ("upgrade_mode", "properties.upgradePolicy.mode"), *COMMON]
    block = f"os_profile.0.{os}_configuration.0"
    return [(f"{block}.patch_mode", f"{config}.patchSettings.patchMode"),
            (f"{block}.patch_assessment_mode", f"{config}.patchSettings.assessmentMode"),
            (f"{block}.provision_vm_agent", f"{config}.provisionVMAgent"), *COMMON]


_WINDOW = "properties.maintenanceWindow"
_PATCHES = "properties.installPatches"
CONFIGURATION_PAIRS: list[Pair] = [
    ("scope", "properties.maintenanceScope"), ("visibility", "properties.visibility"),
    ("in_guest_user_patch_mode", "properties.extensionProperties.InGuestPatchMode"),
    ("window.0.start_date_time", f"{_WINDOW}.startDateTime"),
    ("window.0.expiration_date_time", f"{_WINDOW}.expirationDateTime"),
    ("window.0.duration", f"{_WINDOW}.duration"), ("window.0.time_zone", f"{_WINDOW}.timeZone"),
    ("window.0.recur_every", f"{_WINDOW}.recurEvery"),
    ("install_patches.0.reboot", f"{_PATCHES}.rebootSetting"),
    ("install_patches.0.windows.0.classifications_to_include",
     f"{_PATCHES}.windowsParameters.classificationsToInclude"),
    ("install_patches.0.windows.0.kb_numbers_to_include",
     f"{_PATCHES}.windowsParameters.kbNumbersToInclude"),
    ("install_patches.0.windows.0.kb_numbers_to_exclude",
     f"{_PATCHES}.windowsParameters.kbNumbersToExclude"),
    ("install_patches.0.linux.0.classifications_to_include",
     f"{_PATCHES}.linuxParameters.classificationsToInclude"),
    ("install_patches.0.linux.0.package_names_mask_to_include",
     f"{_PATCHES}.linuxParameters.packageNameMasksToInclude"),
    ("install_patches.0.linux.0.package_names_mask_to_exclude",
     f"{_PATCHES}.linuxParameters.packageNameMasksToExclude"), *COMMON]
VM_TYPES = ("azurerm_windows_virtual_machine", "azurerm_linux_virtual_machine")
SCALE_SET_TYPES = ("azurerm_windows_virtual_machine_scale_set",
                   "azurerm_linux_virtual_machine_scale_set",
                   "azurerm_orchestrated_virtual_machine_scale_set")
ARM_TYPES = {**dict.fromkeys(VM_TYPES, "Microsoft.Compute/virtualMachines"),
             **dict.fromkeys(SCALE_SET_TYPES, "Microsoft.Compute/virtualMachineScaleSets"),
             "azurerm_maintenance_configuration": "Microsoft.Maintenance/maintenanceConfigurations",
             "azurerm_arc_machine": "Microsoft.HybridCompute/machines"}


def get(values: Any, path: str) -> Any:
    for key in path.split("."):
        if isinstance(values, list) and key.isdigit():
            values = values[int(key)] if int(key) < len(values) else None
        elif isinstance(values, dict):
            values = values.get(key)
        else:
            return None
    return values


def is_unknown(unknown: Any, path: str) -> bool:
    """`after_unknown` marks an unknown leaf (or a whole block) with true."""
    for key in path.split("."):
        if unknown is True:
            return True
        unknown = get(unknown, key)
    return unknown is True


def put(target: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def translate(instance: Instance, pairs: list[Pair]) -> tuple[dict[str, Any], dict[str, str]]:
    """The ARM-layout resource and its unknown ARM paths, from an instance's attributes."""
    resource: dict[str, Any] = {"properties": {}}
    unknown: dict[str, str] = {}
    for names, arm in pairs:
        value, pending = None, False
        for name in (names,) if isinstance(names, str) else names:
            if is_unknown(instance.unknown, name):
                pending = True
            elif get(instance.values, name) not in (None, ""):
                value = get(instance.values, name)
                break
        if value is not None:
            put(resource, arm, value)
        elif pending:
            unknown[arm] = AFTER_APPLY
    return resource, unknown


def partial_paths(row: dict[str, Any]) -> list[str]:
    """The machine paths a partial update's body leaves out: unknown unless a live snapshot
    holds the machine. Only the OS configuration block the body uses counts."""
    properties = row.get("properties") or {}
    profile = properties.get("osProfile") or {}
    other = "linuxConfiguration" if "windowsConfiguration" in profile else "windowsConfiguration"
    os_known = "windowsConfiguration" in profile or "linuxConfiguration" in profile
    absent = []
    for source, _ in TABLES["machine"]:
        if not source.startswith("properties.") or other in source:
            continue
        if os_known and source in OS_PATHS:
            continue
        if get(row, source) is None:
            absent.append(source)
    return absent
