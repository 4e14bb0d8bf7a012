"""Which model fields a value unknown until deployment makes unknown.

A planned row lists the ARM paths whose values are not known yet (`properties.osProfile.
windowsConfiguration.patchSettings.patchMode`). The normaliser turns them into the rule
vocabulary's paths (`patch.mode`), derived fields included (`patch.orchestrationMode` depends
on the mode and the bypass flag), lowercased; the engine compares them with the paths a rule
reads. The ARM paths themselves are kept too, for rules that read `properties.*`.
"""

from __future__ import annotations

from collections.abc import Iterable

_OS = ("windowsConfiguration", "linuxConfiguration")
_MODE = ("patch.mode", "patch.modeExplicit", "patch.orchestrationMode")
_BYPASS = ("patch.bypassPlatformSafetyChecksOnUserSchedule", "patch.bypassExplicit",
           "patch.orchestrationMode")
_PATCH_ALL = (*_MODE, *_BYPASS, "patch.assessmentMode", "patch.assessmentModeExplicit",
              "patch.rebootSetting", "patch.enableHotpatching", "patch.enableAutomaticUpdates",
              "patch.provisionVMAgent")


def _machine_table() -> list[tuple[str, tuple[str, ...]]]:
    table: list[tuple[str, tuple[str, ...]]] = [
        ("name", ("name",)), ("location", ("location",)), ("tags", ("tags",)),
        ("properties.storageProfile.osDisk.osType", ("osType", *_PATCH_ALL)),
        ("properties.osType", ("osType", *_PATCH_ALL)),
        ("properties.osName", ("osType", "osName", *_PATCH_ALL)),
        ("properties.osProfile.allowExtensionOperations", ("allowExtensionOperations",)),
        ("properties.status", ("agentStatus",)),
    ]
    for part in ("publisher", "offer", "sku", "version", "id"):
        table.append((f"properties.storageProfile.imageReference.{part}", (f"image.{part}",)))
    for os in _OS:
        config = f"properties.osProfile.{os}"
        settings = f"{config}.patchSettings"
        table += [
            (f"{config}.provisionVMAgent", ("patch.provisionVMAgent",)),
            (f"{config}.enableAutomaticUpdates", ("patch.enableAutomaticUpdates",)),
            (f"{settings}.patchMode", _MODE),
            (f"{settings}.assessmentMode", ("patch.assessmentMode",
                                            "patch.assessmentModeExplicit")),
            (f"{settings}.enableHotpatching", ("patch.enableHotpatching",)),
            (f"{settings}.automaticByPlatformSettings.rebootSetting", ("patch.rebootSetting",)),
            (f"{settings}.automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule",
             _BYPASS),
        ]
    return table


_WINDOW = "properties.maintenanceWindow"
_CONFIGURATION = [
    ("name", ("name",)), ("location", ("location",)), ("tags", ("tags",)),
    ("properties.maintenanceScope", ("maintenanceScope",)),
    ("properties.visibility", ("visibility",)),
    ("properties.extensionProperties.InGuestPatchMode", ("inGuestPatchMode",)),
    (f"{_WINDOW}.startDateTime", ("window.startDateTime", "window.start")),
    (f"{_WINDOW}.expirationDateTime", ("window.expirationDateTime", "window.expiration",
                                        "window.expirationUtc", "expired")),
    (f"{_WINDOW}.duration", ("window.duration", "window.durationMinutes")),
    (f"{_WINDOW}.timeZone", ("window.timeZone", "window.expirationUtc", "expired")),
    (f"{_WINDOW}.recurEvery", ("window.recurEvery", "window.recurrence")),
    ("properties.installPatches.rebootSetting", ("rebootSetting",)),
    ("properties.installPatches.windowsParameters.classificationsToInclude",
     ("windowsClassifications",)),
    ("properties.installPatches.linuxParameters.classificationsToInclude",
     ("linuxClassifications",)),
]
_ASSIGNMENT = [
    ("name", ("name",)),
    ("properties.maintenanceConfigurationId", ("maintenanceConfigurationId", "configuration")),
    ("properties.resourceId", ("resourceId", "machine", "dynamic")),
    ("properties.filter", ("filter",)),
]
TABLES = {"machine": _machine_table(), "configuration": _CONFIGURATION,
          "assignment": _ASSIGNMENT}


def overlaps(path: str, other: str) -> bool:
    """One path is the other, or lies inside it (lowercased dotted paths)."""
    return path == other or path.startswith(other + ".") or other.startswith(path + ".")


def model_paths(record: str, arm_paths: Iterable[str], mode_set: bool = True) -> frozenset[str]:
    """The lowercased vocabulary paths (and the ARM paths) made unknown by these ARM paths.

    `mode_set` is false when a machine's patchMode is absent: its default then depends on
    enableAutomaticUpdates, so that flag being unknown leaves the mode unknown too."""
    found: set[str] = set()
    table = TABLES[record]
    for arm in arm_paths:
        folded = arm.lower()
        found.add(folded)
        for source, targets in table:
            if overlaps(source.lower(), folded):
                found.update(t.lower() for t in targets)
    if not mode_set and "patch.enableautomaticupdates" in found:
        found.update(p.lower() for p in _MODE)
    return frozenset(found)


def relevant(record: str, arm_path: str) -> bool:
    """Whether an unknown ARM path changes anything the model holds."""
    folded = arm_path.lower()
    return any(overlaps(source.lower(), folded) for source, _ in TABLES[record])


def unknown_in(paths: frozenset[str], read: str) -> bool:
    """Whether a path a rule reads (lowercased) is unknown in this record."""
    return any(overlaps(read, path) for path in paths)
