"""The estate model every stage shares: machines, schedules, assignments and patch results.

Records are frozen `msgspec.Struct`s: they behave like frozen slotted dataclasses (typed,
immutable, compared by value) but cost a tenth as much to build, which matters at 700,000
rows. Field names are snake_case in Python and camelCase in the rule vocabulary
(`patch.assessmentMode`), through `rename="camel"`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import msgspec


class MachineKind(enum.StrEnum):
    AZURE_VM = "azureVm"
    ARC = "arcMachine"


class OsType(enum.StrEnum):
    WINDOWS = "Windows"
    LINUX = "Linux"
    UNKNOWN = "Unknown"


class OrchestrationMode(enum.StrEnum):
    """The patch orchestration options as the Azure portal names them (DOMAIN.md section 2)."""

    CUSTOMER_MANAGED = "Customer Managed Schedules"
    AZURE_MANAGED = "Azure Managed - Safe Deployment"
    WINDOWS_AUTOMATIC = "Windows Automatic Updates"
    MANUAL = "Manual updates"
    IMAGE_DEFAULT = "Image Default"
    NOT_VALID = "Not valid for this OS"
    UNKNOWN = "Unknown"


class CoverageKind(enum.StrEnum):
    STATIC = "static"
    DYNAMIC = "dynamic"


class Record(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False,
             array_like=True):
    """Base of every model record. Subclasses say `frozen=True` again, though msgspec inherits
    it: type checkers read a dataclass-like class's options from its own header. Encoded, a
    record is the array of its field values, not an object: the loader's helper process
    sends records that way (snapshot/parallel.py): a third smaller, and quicker to decode."""


class Source(Record, frozen=True):
    """Where a row came from: the input file and the row's index in it."""

    file: str
    row: int


class PatchSettings(Record, frozen=True):
    """A machine's patch settings, with documented defaults filled in and marked implicit."""

    mode: str | None
    mode_explicit: bool
    assessment_mode: str
    assessment_mode_explicit: bool
    bypass_platform_safety_checks_on_user_schedule: bool
    bypass_explicit: bool
    reboot_setting: str | None
    enable_hotpatching: bool
    enable_automatic_updates: bool | None
    provision_vm_agent: bool | None
    orchestration_mode: OrchestrationMode


class ImageReference(Record, frozen=True):
    publisher: str | None = None
    offer: str | None = None
    sku: str | None = None
    version: str | None = None
    id: str | None = None


class Machine(Record, frozen=True):
    """An Azure VM or an Azure Arc-enabled server."""

    id: str
    key: str
    name: str
    type: str
    kind: MachineKind
    subscription_id: str
    resource_group: str
    location: str
    tags: dict[str, str]
    os_type: OsType
    os_name: str | None
    patch: PatchSettings
    image: ImageReference | None
    power_state: str | None
    agent_status: str | None
    last_status_change: datetime | None
    allow_extension_operations: bool | None
    source: Source
    raw: msgspec.Raw | None = None
    # Planned state (docs/planned-state.md). `planned` names where a planned machine comes
    # from ("arm-template", "what-if", "terraform"); None for the live estate. `replaces_live`:
    # it overlays a machine of the live snapshot. `unknown`: the lowercased rule paths (and
    # ARM paths) whose values are not known until deployment.
    planned: str | None = None
    replaces_live: bool = False
    unknown: frozenset[str] = frozenset()


class Assessment(Record, frozen=True):
    """A machine's latest patch assessment (`…/patchAssessmentResults/latest`)."""

    id: str
    machine_key: str
    status: str | None
    reboot_pending: bool | None
    patch_service_used: str | None
    os_type: str | None
    start_date_time: datetime | None
    last_modified_date_time: datetime | None
    started_by: str | None
    error_message: str | None
    available_patch_count_by_classification: dict[str, int]
    critical_and_security_count: int | None
    source: Source


class InstallationRun(Record, frozen=True):
    """One patch installation run (`…/patchInstallationResults/<run>`)."""

    id: str
    machine_key: str
    name: str
    status: str | None
    start_date_time: datetime | None
    last_modified_date_time: datetime | None
    started_by: str | None
    maintenance_window_exceeded: bool | None
    reboot_status: str | None
    maintenance_run_id: str | None
    installed_patch_count: int | None
    failed_patch_count: int | None
    pending_patch_count: int | None
    excluded_patch_count: int | None
    not_selected_patch_count: int | None
    patch_service_used: str | None
    os_type: str | None
    error_message: str | None
    source: Source


class SoftwarePatch(Record, frozen=True):
    """One update in an assessment or an installation run (`…/softwarePatches/<patch>`)."""

    id: str
    machine_key: str
    run_key: str | None
    patch_name: str | None
    kb_id: str | None
    version: str | None
    classifications: tuple[str, ...]
    reboot_required: bool | None
    reboot_behavior: str | None
    published_date_time: datetime | None
    last_modified_date_time: datetime | None
    installation_state: str | None
    assessment_state: str | None
    source: Source


class Recurrence(Record, frozen=True):
    """A parsed `recurEvery`: every `interval` units, optionally on given days."""

    unit: str  # "Hour" | "Day" | "Week" | "Month"
    interval: int
    week_days: tuple[str, ...] = ()
    month_days: tuple[int, ...] = ()
    week_ordinal: str | None = None  # First | Second | Third | Fourth | Last
    ordinal_week_day: str | None = None
    offset_days: int = 0

    def period(self) -> timedelta:
        """The longest gap between two runs: a month counts 31 days, or 35 for a weekday
        such as `Last Sunday`, which can fall five weeks after the month before's."""
        if self.unit == "Hour":
            return timedelta(hours=self.interval)
        days = {"Day": 1, "Week": 7, "Month": 31}[self.unit] * self.interval
        return timedelta(days=days + (4 if self.week_ordinal else 0))


class MaintenanceWindow(Record, frozen=True):
    """A schedule's window; each raw string is kept, and what did not parse is listed."""

    start_date_time: str | None
    expiration_date_time: str | None
    duration: str | None
    time_zone: str | None
    recur_every: str | None
    start: datetime | None  # local to time_zone, naive
    expiration: datetime | None  # local to time_zone, naive; None: absent, so never expires
    expiration_utc: datetime | None  # None when it never expires (absent or year 9999) or
    # cannot be placed in time (unknown zone: `problems` says so)
    duration_minutes: int | None
    recurrence: Recurrence | None
    problems: tuple[str, ...]


class MaintenanceConfiguration(Record, frozen=True):
    """A maintenance configuration; the InGuestPatch ones are Update Manager schedules."""

    id: str
    key: str
    name: str
    subscription_id: str
    resource_group: str
    location: str
    maintenance_scope: str | None
    in_guest_patch_mode: str | None
    visibility: str | None
    window: MaintenanceWindow
    reboot_setting: str | None
    windows_classifications: tuple[str, ...]
    linux_classifications: tuple[str, ...]
    tags: dict[str, str]
    source: Source
    raw: msgspec.Raw | None = None
    planned: str | None = None  # as for Machine
    unknown: frozenset[str] = frozenset()


class DynamicScopeFilter(Record, frozen=True):
    """A dynamic scope's filter; every list is normalised for comparison (lowercase)."""

    resource_types: tuple[str, ...]
    resource_groups: tuple[str, ...]
    os_types: tuple[str, ...]
    locations: tuple[str, ...]
    tags: dict[str, tuple[str, ...]]
    tag_operator: str  # "All" | "Any"


class Assignment(Record, frozen=True):
    """A configuration assignment: static (to one machine) or dynamic (a scope and a filter)."""

    id: str
    key: str
    name: str
    maintenance_configuration_id: str
    configuration_key: str
    resource_id: str
    resource_key: str
    dynamic: bool
    filter: DynamicScopeFilter | None
    source: Source
    planned: str | None = None  # as for Machine
    unknown: frozenset[str] = frozenset()


class Coverage(Record, frozen=True):
    """A schedule that covers a machine, and through which assignment."""

    configuration_key: str
    assignment_key: str
    how: CoverageKind


@dataclass(frozen=True, slots=True)
class LoadWarning:
    """Something the loader kept but a person should know: an odd value, an incomplete export."""

    code: str
    message: str
    file: str = ""
    row: int | None = None
    field: str = ""


@dataclass(frozen=True, slots=True)
class InputFile:
    path: str
    sha256: str
    format: str
    rows: int


@dataclass(frozen=True, slots=True)
class Orphans:
    """Rows kept but not linked: their machine or configuration is not in the snapshot."""

    assessments: tuple[str, ...] = ()
    installations: tuple[str, ...] = ()
    patches: tuple[str, ...] = ()
    assignments_missing_machine: tuple[str, ...] = ()
    assignments_missing_configuration: tuple[str, ...] = ()

    def total(self) -> int:
        return sum(len(getattr(self, name)) for name in self.__slots__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything loaded, normalised and linked; related rows are indexed by machine key."""

    machines: tuple[Machine, ...]
    configurations: dict[str, MaintenanceConfiguration]
    assignments: tuple[Assignment, ...]
    assessments: dict[str, Assessment]
    assessment_patches: dict[str, tuple[SoftwarePatch, ...]]
    installations: dict[str, tuple[InstallationRun, ...]]
    installation_patches: dict[str, tuple[SoftwarePatch, ...]]
    coverage: dict[str, tuple[Coverage, ...]]
    scale_sets: tuple[str, ...]
    orphans: Orphans
    warnings: tuple[LoadWarning, ...]
    inputs: tuple[InputFile, ...]
    row_counts: dict[str, int]
    captured_at: datetime | None = None
    scope: dict[str, list[str]] = field(default_factory=dict)
