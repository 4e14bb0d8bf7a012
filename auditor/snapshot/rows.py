"""Typed decoders for Resource Graph rows: only the fields the model needs are decoded.

Everything else in a row is skipped by the decoder without building Python objects, which is
where the speed and the low memory come from. `properties` stays a `msgspec.Raw` slice of the
input until a typed decoder below (or a rule asking for a raw path) reads it.

The property types are strict: closed sets are Literals, flags are JSON booleans, counts
are numbers. Clean rows decode straight into final values in C. A row that real exports
spell otherwise ("True", counts as strings, `WU-WSUS`, an unknown value) is decoded again
with a lenient twin of these types and coerced in Python (see lenient.py), with warnings.
"""

from __future__ import annotations

import typing
from typing import Any, Literal

import msgspec

NO_RAW = msgspec.Raw(b"")  # msgspec cannot put Raw in a union; empty means absent
# Times stay text here and are parsed by the normaliser: msgspec would round Azure's 7-digit
# fractions to the microsecond, moving 05:59:59.9999999 onto 06:00:00, across a boundary.
Time = str | None
Flag = bool | None
Count = int | None
PatchMode = Literal["AutomaticByPlatform", "AutomaticByOS", "Manual", "ImageDefault"] | None
AssessmentMode = Literal["AutomaticByPlatform", "ImageDefault"] | None
RebootSetting = Literal["Unknown", "IfRequired", "Never", "Always"] | None
OperationStatus = Literal["Unknown", "InProgress", "Failed", "Succeeded",
                          "CompletedWithWarnings", "NotStarted"] | None
RebootStatus = Literal["Unknown", "NotNeeded", "Required", "Started", "Failed", "Completed"] | None
StartedBy = Literal["User", "Platform"] | None
PatchService = Literal["Unknown", "WU", "WU_WSUS", "YUM", "APT", "Zypper"] | None
ArcStatus = Literal["Connected", "Disconnected", "Error", "AwaitingConnection"] | None
InstallationState = Literal["Unknown", "Installed", "Failed", "Pending", "NotSelected",
                            "Excluded"] | None
FilterOperator = Literal["All", "Any"] | None


class _Columns(msgspec.Struct):
    """The columns shared by every Resource Graph table (DOMAIN.md 1.1), in the order `az`
    sorts them: msgspec finds each key fastest where the fields come in the input's order."""

    # Planned rows only (auditor/planned/rows.py); no Resource Graph column starts with `$`.
    change: str | None = msgspec.field(default=None, name="$change")
    partial: list[str] | None = msgspec.field(default=None, name="$partial")
    planned: str | None = msgspec.field(default=None, name="$planned")
    unknown: list[str] | None = msgspec.field(default=None, name="$unknown")
    id: str | None = None
    location: str | None = None
    name: str | None = None
    resourceGroup: str | None = None
    subscriptionId: str | None = None
    tags: dict[str, str | int | float | bool | None] | None = None
    type: str | None = None


class Row(_Columns):
    """A row whose `properties` stay undecoded, for a typed decoder chosen by the row's type."""

    properties: msgspec.Raw = NO_RAW


class _AutomaticByPlatformSettings(msgspec.Struct):
    rebootSetting: RebootSetting = None
    bypassPlatformSafetyChecksOnUserSchedule: Flag = None


class _PatchSettings(msgspec.Struct):
    patchMode: PatchMode = None
    assessmentMode: AssessmentMode = None
    enableHotpatching: Flag = None
    automaticByPlatformSettings: _AutomaticByPlatformSettings | None = None


class _OsConfiguration(msgspec.Struct):
    provisionVMAgent: Flag = None
    enableAutomaticUpdates: Flag = None
    patchSettings: _PatchSettings | None = None


class _OsProfile(msgspec.Struct):
    computerName: str | None = None
    allowExtensionOperations: Flag = None
    windowsConfiguration: _OsConfiguration | None = None
    linuxConfiguration: _OsConfiguration | None = None


class _ImageReference(msgspec.Struct):
    publisher: str | None = None
    offer: str | None = None
    sku: str | None = None
    version: str | None = None
    id: str | None = None


class _OsDisk(msgspec.Struct):
    osType: str | None = None


class _StorageProfile(msgspec.Struct):
    imageReference: _ImageReference | None = None
    osDisk: _OsDisk | None = None


class _PowerState(msgspec.Struct):
    code: str | None = None


class _InstanceView(msgspec.Struct):
    powerState: _PowerState | None = None


class _Extended(msgspec.Struct):
    instanceView: _InstanceView | None = None


class MachineProperties(msgspec.Struct):
    """Azure VM and Arc machine properties (DOMAIN.md 1.2 and 1.4)."""

    osProfile: _OsProfile | None = None
    storageProfile: _StorageProfile | None = None
    extended: _Extended | None = None
    # Arc-enabled servers
    status: ArcStatus = None
    lastStatusChange: Time = None
    osType: str | None = None
    osName: str | None = None


class _ErrorDetails(msgspec.Struct):
    code: str | None = None
    message: str | None = None


class AssessmentProperties(msgspec.Struct):
    """`…/patchassessmentresults` (DOMAIN.md 3.3), plus the REST result's spellings."""

    status: OperationStatus = None
    rebootPending: Flag = None
    patchServiceUsed: PatchService = None
    osType: str | None = None
    startDateTime: Time = None
    lastModifiedDateTime: Time = None
    startedBy: StartedBy = None
    errorDetails: _ErrorDetails | None = None
    error: _ErrorDetails | None = None
    availablePatchCountByClassification: dict[str, Count] | None = None
    criticalAndSecurityPatchCount: Count = None
    otherPatchCount: Count = None


class InstallationProperties(msgspec.Struct):
    """`…/patchinstallationresults` (DOMAIN.md 3.5)."""

    status: OperationStatus = None
    startDateTime: Time = None
    lastModifiedDateTime: Time = None
    startedBy: StartedBy = None
    maintenanceWindowExceeded: Flag = None
    rebootStatus: RebootStatus = None
    maintenanceRunId: str | None = None
    installedPatchCount: Count = None
    failedPatchCount: Count = None
    pendingPatchCount: Count = None
    excludedPatchCount: Count = None
    notSelectedPatchCount: Count = None
    patchServiceUsed: PatchService = None
    osType: str | None = None
    errorDetails: _ErrorDetails | None = None
    error: _ErrorDetails | None = None


class SoftwarePatchProperties(msgspec.Struct):
    """`…/softwarepatches` rows of either table (DOMAIN.md 3.4 and 3.6)."""

    patchName: str | None = None
    name: str | None = None
    kbId: str | None = None
    Kbid: str | None = None
    version: str | None = None
    classifications: list[str] | None = None
    rebootRequired: Flag = None
    rebootBehavior: str | None = None
    publishedDateTime: Time = None
    publishedDate: Time = None
    lastModifiedDateTime: Time = None
    installationState: InstallationState = None
    assessmentState: str | None = None


class _MaintenanceWindow(msgspec.Struct):
    startDateTime: str | None = None
    expirationDateTime: str | None = None
    duration: str | None = None
    timeZone: str | None = None
    recurEvery: str | None = None


class _PlatformParameters(msgspec.Struct):
    classificationsToInclude: list[str] | None = None


class _InstallPatches(msgspec.Struct):
    rebootSetting: str | None = None
    windowsParameters: _PlatformParameters | None = None
    linuxParameters: _PlatformParameters | None = None


class ConfigurationProperties(msgspec.Struct):
    """`microsoft.maintenance/maintenanceconfigurations` (DOMAIN.md 4.1)."""

    maintenanceScope: str | None = None
    visibility: str | None = None
    extensionProperties: dict[str, str] | None = None
    maintenanceWindow: _MaintenanceWindow | None = None
    installPatches: _InstallPatches | None = None


class _TagSettings(msgspec.Struct):
    tags: dict[str, list[str]] | None = None
    filterOperator: FilterOperator = None


class _Filter(msgspec.Struct):
    resourceTypes: list[str] | None = None
    resourceGroups: list[str] | None = None
    osTypes: list[str] | None = None
    locations: list[str] | None = None
    tagSettings: _TagSettings | None = None


class AssignmentProperties(msgspec.Struct):
    """`microsoft.maintenance/configurationassignments` (DOMAIN.md 4.2)."""

    maintenanceConfigurationId: str | None = None
    resourceId: str | None = None
    filter: _Filter | None = None


PROPERTY_KINDS = (MachineProperties, AssessmentProperties, InstallationProperties,
                  SoftwarePatchProperties, ConfigurationProperties, AssignmentProperties)


def _merged() -> tuple[type[msgspec.Struct], dict[type[msgspec.Struct], frozenset[str | None]]]:
    """One struct with the fields of every property kind, so that a row and its properties
    decode in one pass before its type is known. The kinds agree on every shared field's type
    but `status` (Arc's connection states, the patch operations' states): merged it is text,
    and each kind's own values are returned for checking."""
    fields: dict[str, tuple[str, Any, Any]] = {}
    statuses: dict[type[msgspec.Struct], frozenset[str | None]] = {}
    for kind in PROPERTY_KINDS:
        for info in msgspec.structs.fields(kind):
            if info.name == "status":
                literal, _ = typing.get_args(info.type)
                statuses[kind] = frozenset([*typing.get_args(literal), None])
                fields[info.name] = (info.name, str | None, None)
            elif fields.setdefault(info.name, (info.name, info.type, info.default))[1] \
                    != info.type:
                raise TypeError(f"property kinds disagree on the type of {info.name}")
    return msgspec.defstruct("AnyProperties", sorted(fields.values())), statuses  # as _Columns


AnyProperties, STATUSES = _merged()


class TypedRow(_Columns):
    """A row decoded with its properties in one pass (faster than `Row` and a second decode).
    A row the merged types refuse, or whose status is not its kind's, is read as a `Row`."""

    properties: AnyProperties | None = None  # type: ignore[valid-type]


AnyRow = Row | TypedRow
