"""Patch settings with their documented defaults, and the portal's orchestration-mode names."""

from __future__ import annotations

from typing import Any

from auditor.model import MachineKind, OrchestrationMode, OsType, PatchSettings

_VALID_PATCH_MODES = {
    OsType.WINDOWS: ("Manual", "AutomaticByOS", "AutomaticByPlatform"),
    OsType.LINUX: ("ImageDefault", "AutomaticByPlatform"),
}


def default_patch_mode(os_type: OsType, enable_automatic_updates: bool | None) -> str | None:
    """The mode Azure applies when none is set (DOMAIN.md 1.2, "Defaults").

    Windows: AutomaticByOS, or Manual when enableAutomaticUpdates is false; Linux: ImageDefault.
    """
    if os_type is OsType.WINDOWS:
        return "Manual" if enable_automatic_updates is False else "AutomaticByOS"
    if os_type is OsType.LINUX:
        return "ImageDefault"
    return None


def valid_patch_modes(os_type: OsType) -> tuple[str, ...]:
    return _VALID_PATCH_MODES.get(os_type, ())


def orchestration_mode(kind: MachineKind, os_type: OsType, mode: str | None,
                       bypass: bool) -> OrchestrationMode:
    """Name the portal's "Patch orchestration" option for these settings (DOMAIN.md 2).

    Arc machines have no bypass flag and no Azure-managed safe deployment, so on Arc
    AutomaticByPlatform means patching by the customer's schedules.
    """
    if mode is None:
        return OrchestrationMode.UNKNOWN
    if os_type is not OsType.UNKNOWN and mode not in valid_patch_modes(os_type):
        known = mode in ("Manual", "AutomaticByOS", "AutomaticByPlatform", "ImageDefault")
        return OrchestrationMode.NOT_VALID if known else OrchestrationMode.UNKNOWN
    if mode == "AutomaticByPlatform":
        if bypass or kind is MachineKind.ARC:
            return OrchestrationMode.CUSTOMER_MANAGED
        return OrchestrationMode.AZURE_MANAGED
    return {
        "AutomaticByOS": OrchestrationMode.WINDOWS_AUTOMATIC,
        "Manual": OrchestrationMode.MANUAL,
        "ImageDefault": OrchestrationMode.IMAGE_DEFAULT,
    }.get(mode, OrchestrationMode.UNKNOWN)


def patch_settings(kind: MachineKind, os_type: OsType, config: Any) -> PatchSettings:
    """The settings as Azure applies them: absent values take their documented defaults."""
    settings = config.patchSettings if config is not None else None
    by_platform = settings.automaticByPlatformSettings if settings is not None else None
    automatic_updates = config.enableAutomaticUpdates if config else None
    mode = settings.patchMode if settings else None
    assessment = settings.assessmentMode if settings else None
    bypass = by_platform.bypassPlatformSafetyChecksOnUserSchedule if by_platform else None
    effective_mode = mode or default_patch_mode(os_type, automatic_updates)
    return PatchSettings(
        mode=effective_mode, mode_explicit=mode is not None,
        assessment_mode=assessment or "ImageDefault",
        assessment_mode_explicit=assessment is not None,
        bypass_platform_safety_checks_on_user_schedule=bool(bypass),
        bypass_explicit=bypass is not None,
        reboot_setting=by_platform.rebootSetting if by_platform else None,
        enable_hotpatching=bool(settings.enableHotpatching) if settings else False,
        enable_automatic_updates=automatic_updates,
        provision_vm_agent=config.provisionVMAgent if config else None,
        orchestration_mode=orchestration_mode(kind, os_type, effective_mode,
                                                            bool(bypass)))
