"""Turn decoded rows into model records, one row at a time, noting every odd value kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec

from auditor.errors import Location, UserError
from auditor.model import (
    Assessment,
    Assignment,
    DynamicScopeFilter,
    ImageReference,
    InstallationRun,
    LoadWarning,
    Machine,
    MachineKind,
    MaintenanceConfiguration,
    OsType,
    SoftwarePatch,
    Source,
)
from auditor.snapshot import coerce, lenient, orchestration, schedule, unknown
from auditor.snapshot.ids import MACHINE_KINDS, id_part, machine_key, run_key, type_from_id
from auditor.snapshot.json_errors import validation_message
from auditor.snapshot.rows import (
    STATUSES,
    AnyProperties,
    AnyRow,
    AssessmentProperties,
    AssignmentProperties,
    ConfigurationProperties,
    InstallationProperties,
    MachineProperties,
    SoftwarePatchProperties,
)

T = TypeVar("T", bound=msgspec.Struct)
_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}

class Normalizer:
    """Builds records from rows; collects warnings instead of dropping odd values."""

    def __init__(self, keep_raw: bool) -> None:
        self.keep_raw = keep_raw
        self.warnings: list[LoadWarning] = []
        self._keys: dict[str, str] = {}
        self.path = ""  # where the row being normalised is: set by the loader for each row
        self.index = 0

    def warn(self, code: str, message: str, field: str = "") -> None:
        self.warnings.append(LoadWarning(code, message, self.path, self.index, field))

    def properties(self, row: AnyRow, kind: type[T]) -> T:
        """Decode `properties` strictly; if real-world spellings refuse that, leniently."""
        raw = row.properties
        if isinstance(raw, AnyProperties):  # decoded with the row: every field of `kind`,
            allowed = STATUSES.get(kind)    # with its types, but `status` is any text
            if allowed is None or raw.status in allowed:
                return raw
            raw = msgspec.Raw(msgspec.json.encode(raw))  # decoded again, with the kind's types
        if not raw or (len(raw) == 4 and bytes(raw) == b"null"):
            return kind()
        decoder = _decoders.get(kind)
        if decoder is None:
            decoder = _decoders[kind] = msgspec.json.Decoder(kind)
        try:
            return decoder.decode(raw)  # type: ignore[no-any-return]
        except msgspec.ValidationError:
            pass
        try:
            loose = lenient.decoder(kind).decode(raw)
        except msgspec.ValidationError as error:
            what, where = validation_message(error)
            raise UserError(what, Location(self.path, row=self.index,
                                           field=f"properties.{where}".rstrip("."))) from None
        return lenient.coerce_struct(  # type: ignore[no-any-return]
            loose, kind, "properties",
            lambda field, message: self.warn("unexpected-value", message, field))

    def machine_key(self, row_id: str) -> str:
        """The machine key of a result row, one shared string per machine (a machine has
        many rows: sharing the key saves a string per row)."""
        key = machine_key(row_id)
        return self._keys.setdefault(key, key)

    def time(self, value: str | None, field: str) -> datetime | None:
        """A timestamp; an unreadable one is reported and treated as absent."""
        if value:  # the common case, a well-formed UTC time, without the general parser
            try:
                parsed = datetime.fromisoformat(value)
                if parsed.tzinfo is UTC:
                    return parsed
            except ValueError:
                pass
        try:
            return coerce.to_time(value)
        except ValueError:
            self.warn("unexpected-value", f"{value!r} is not an ISO 8601 time; treated as absent",
                      field)
            return None

    def source(self) -> Source:
        return Source(file=self.path, row=self.index)

    # ----- records ----------------------------------------------------------------------
    # Each record builder takes (row, row_id, row_type), so the reader calls them from one table.
    def machine(self, row: AnyRow, row_id: str, row_type: str) -> Machine:
        props = self.properties(row, MachineProperties)
        kind = MACHINE_KINDS[row_type]
        os_profile = props.osProfile
        disk = props.storageProfile.osDisk if props.storageProfile else None
        os_text = (disk.osType if disk else None) or props.osType
        os_type = OsType.UNKNOWN
        if os_text:
            os_type = {"windows": OsType.WINDOWS, "linux": OsType.LINUX}.get(os_text.lower(),
                                                                              OsType.UNKNOWN)
            if os_type is OsType.UNKNOWN:
                self.warn("unexpected-value", f"OS type {os_text!r} is neither Windows nor Linux",
                          "properties.storageProfile.osDisk.osType")
        elif props.osName:  # Arc: Azure Policy tells Windows from Linux by osName
            os_type = {"windows": OsType.WINDOWS, "linux": OsType.LINUX}.get(
                props.osName.strip().lower(), OsType.UNKNOWN)
        config = None
        if os_profile is not None:
            config = os_profile.linuxConfiguration if os_type is OsType.LINUX \
                else os_profile.windowsConfiguration or os_profile.linuxConfiguration
        image = props.storageProfile.imageReference if props.storageProfile else None
        patch = orchestration.patch_settings(kind, os_type, config)
        power = None
        view = props.extended.instanceView if props.extended else None
        if view and view.powerState:
            code = view.powerState.code
            power = code.split("/", 1)[-1].lower() if code else None
        return Machine(
            id=row_id, key=row_id.lower(), name=row.name or row_id.rsplit("/", 1)[-1],
            type=row_type, kind=kind,
            subscription_id=row.subscriptionId or id_part(row_id, "subscriptions"),
            resource_group=row.resourceGroup or id_part(row_id, "resourcegroups"),
            location=coerce.location(row.location), tags=_tags(row.tags), os_type=os_type,
            os_name=props.osName, patch=patch,
            image=ImageReference(publisher=image.publisher, offer=image.offer, sku=image.sku,
                                 version=image.version, id=image.id) if image else None,
            power_state=power, agent_status=props.status if kind is MachineKind.ARC else None,
            last_status_change=self.time(props.lastStatusChange, "properties.lastStatusChange"),
            allow_extension_operations=os_profile.allowExtensionOperations if os_profile else None,
            source=self.source(), raw=row.properties if self.keep_raw else None,
            planned=row.planned, unknown=_unknown("machine", row, patch.mode_explicit))

    def assessment(self, row: AnyRow, row_id: str, row_type: str = "") -> Assessment:
        props = self.properties(row, AssessmentProperties)
        counts: dict[str, int] = {}
        for name, number in (props.availablePatchCountByClassification or {}).items():
            key = coerce.count_key(name)
            if key is None:
                self.warn("unexpected-value", f"unknown classification {name!r}; counted as other",
                          "properties.availablePatchCountByClassification")
                key = "other"
            if number is not None:
                counts[key] = counts.get(key, 0) + number
        urgent = props.criticalAndSecurityPatchCount
        if urgent is None and ("critical" in counts or "security" in counts):
            urgent = counts.get("critical", 0) + counts.get("security", 0)
        error = props.errorDetails or props.error
        return Assessment(
            id=row_id, machine_key=self.machine_key(row_id), status=props.status,
            reboot_pending=props.rebootPending, patch_service_used=props.patchServiceUsed,
            os_type=props.osType,
            start_date_time=self.time(props.startDateTime, "properties.startDateTime"),
            last_modified_date_time=self.time(props.lastModifiedDateTime,
                                              "properties.lastModifiedDateTime"),
            started_by=props.startedBy, error_message=error.message if error else None,
            available_patch_count_by_classification=counts,
            critical_and_security_count=urgent, source=self.source())

    def installation(self, row: AnyRow, row_id: str, row_type: str = "") -> InstallationRun:
        props = self.properties(row, InstallationProperties)
        error = props.errorDetails or props.error
        # Positional, in InstallationRun's field order: the most numerous record of an estate,
        # built a third faster than with keywords.
        return InstallationRun(
            row_id, self.machine_key(row_id), row.name or row_id.rsplit("/", 1)[-1],
            props.status, self.time(props.startDateTime, "properties.startDateTime"),
            self.time(props.lastModifiedDateTime, "properties.lastModifiedDateTime"),
            props.startedBy, props.maintenanceWindowExceeded, props.rebootStatus,
            props.maintenanceRunId, props.installedPatchCount, props.failedPatchCount,
            props.pendingPatchCount, props.excludedPatchCount, props.notSelectedPatchCount,
            props.patchServiceUsed, props.osType, error.message if error else None,
            Source(self.path, self.index))

    def assessment_patch(self, row: AnyRow, row_id: str, row_type: str = "") -> SoftwarePatch:
        return self._software_patch(row, row_id, installation=False)

    def run_patch(self, row: AnyRow, row_id: str, row_type: str = "") -> SoftwarePatch:
        return self._software_patch(row, row_id, installation=True)

    def _software_patch(self, row: AnyRow, row_id: str, installation: bool) -> SoftwarePatch:
        props = self.properties(row, SoftwarePatchProperties)
        names = []
        for value in props.classifications or []:
            name = coerce.classification(value)
            if name is None:
                self.warn("unexpected-value", f"unknown classification {value!r}; kept as it is",
                          "properties.classifications")
                name = value
            names.append(name)
        return SoftwarePatch(
            id=row_id, machine_key=self.machine_key(row_id),
            run_key=run_key(row_id) if installation else None,
            patch_name=props.patchName or props.name or row.name, kb_id=props.kbId or props.Kbid,
            version=props.version or None, classifications=tuple(names),
            reboot_required=props.rebootRequired, reboot_behavior=props.rebootBehavior,
            published_date_time=self.time(props.publishedDateTime or props.publishedDate,
                                          "properties.publishedDateTime"),
            last_modified_date_time=self.time(props.lastModifiedDateTime,
                                              "properties.lastModifiedDateTime"),
            installation_state=props.installationState if installation else None,
            assessment_state=props.assessmentState, source=self.source())

    def configuration(self, row: AnyRow, row_id: str,
                      row_type: str = "") -> MaintenanceConfiguration:
        props = self.properties(row, ConfigurationProperties)
        window = props.maintenanceWindow
        parsed = schedule.parse_window(
            window.startDateTime if window else None, window.expirationDateTime if window else None,
            window.duration if window else None, window.timeZone if window else None,
            window.recurEvery if window else None)
        for problem in parsed.problems:
            self.warn("unparsed-window", problem, "properties.maintenanceWindow")
        install = props.installPatches
        extension = {k.lower(): v for k, v in (props.extensionProperties or {}).items()}
        return MaintenanceConfiguration(
            id=row_id, key=row_id.lower(), name=row.name or row_id.rsplit("/", 1)[-1],
            subscription_id=row.subscriptionId or id_part(row_id, "subscriptions"),
            resource_group=row.resourceGroup or id_part(row_id, "resourcegroups"),
            location=coerce.location(row.location), maintenance_scope=props.maintenanceScope,
            in_guest_patch_mode=extension.get("inguestpatchmode"), visibility=props.visibility,
            window=parsed, reboot_setting=install.rebootSetting if install else None,
            windows_classifications=_classes(install.windowsParameters if install else None),
            linux_classifications=_classes(install.linuxParameters if install else None),
            tags=_tags(row.tags), source=self.source(),
            raw=row.properties if self.keep_raw else None, planned=row.planned,
            unknown=_unknown("configuration", row))

    def assignment(self, row: AnyRow, row_id: str, row_type: str = "") -> Assignment:
        props = self.properties(row, AssignmentProperties)
        configuration = props.maintenanceConfigurationId
        if not configuration:
            raise UserError("a configuration assignment needs maintenanceConfigurationId",
                            Location(self.path, row=self.index,
                                     field="properties.maintenanceConfigurationId"))
        scope_id = props.resourceId or row_id.lower().split(
            "/providers/microsoft.maintenance/configurationassignments/")[0]
        target_type = type_from_id(scope_id)
        dynamic = target_type == ""  # a subscription or resource group, not a resource
        criteria = None
        if props.filter is not None:
            raw = props.filter
            tags = raw.tagSettings.tags if raw.tagSettings and raw.tagSettings.tags else {}
            operator = (raw.tagSettings.filterOperator if raw.tagSettings else None) or "Any"
            criteria = DynamicScopeFilter(
                resource_types=tuple(t.lower() for t in raw.resourceTypes or ()),
                resource_groups=tuple(g.lower() for g in raw.resourceGroups or ()),
                os_types=tuple(o.lower() for o in raw.osTypes or ()),
                locations=tuple(coerce.location(loc) for loc in raw.locations or ()),
                tags={key: tuple(values) for key, values in tags.items()}, tag_operator=operator)
        elif dynamic:
            self.warn("dynamic-scope-without-filter", "this dynamic scope carries no filter in the "
                      "export, so the machines it covers cannot be resolved; export it with "
                      "properties.filter", "properties.filter")
        return Assignment(
            id=row_id, key=row_id.lower(), name=row.name or row_id.rsplit("/", 1)[-1],
            maintenance_configuration_id=configuration, configuration_key=configuration.lower(),
            resource_id=scope_id, resource_key=scope_id.lower(), dynamic=dynamic,
            filter=criteria, source=self.source(), planned=row.planned,
            unknown=_unknown("assignment", row))


_NOTHING: frozenset[str] = frozenset()


def _unknown(record: str, row: AnyRow, mode_set: bool = True) -> frozenset[str]:
    """A planned row's unknown paths, as the rule paths they make unknown."""
    if row.unknown is None and row.partial is None:
        return _NOTHING
    return unknown.model_paths(record, [*(row.unknown or ()), *(row.partial or ())], mode_set)


def _tags(tags: dict[str, Any] | None) -> dict[str, str]:
    return {key: "" if value is None else str(value) for key, value in (tags or {}).items()}


def _classes(parameters: Any) -> tuple[str, ...]:
    if parameters is None or not parameters.classificationsToInclude:
        return ()
    return tuple(coerce.classification(c) or c for c in parameters.classificationsToInclude)
