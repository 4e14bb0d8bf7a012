"""Planned resources as Resource Graph-shaped rows, with their unknown values listed.

Every planned input becomes rows like an export's (lowercase `type`, ARM id, `properties` in
ARM layout), so the normaliser and every rule treat them as they treat the live estate. Three
keys no Resource Graph row can have (KQL names cannot start with `$`) carry what is special:
`$planned` (where the row comes from), `$unknown` (the ARM paths whose values are not known
until deployment; they are left out of the row) and `$change: delete` (a resource the change
removes, which an overlay takes out of the live snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.model import LoadWarning
from auditor.planned.expressions import Unknown, is_expression
from auditor.snapshot import unknown as unknown_paths
from auditor.snapshot.ids import ARC, VM, id_part
from auditor.snapshot.reader import ASSIGNMENT, CONFIGURATION

PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_RESOURCE_GROUP = "rg-planned"
RECORDS = {VM: "machine", ARC: "machine", CONFIGURATION: "configuration",
           ASSIGNMENT: "assignment"}
_WINDOWS_PUBLISHERS = ("microsoftwindowsserver", "microsoftwindowsdesktop", "microsoftsqlserver",
                       "microsoftvisualstudio", "microsoftdynamicsax", "microsoftbiztalkserver")
_LINUX_PUBLISHERS = ("canonical", "redhat", "suse", "openlogic", "debian", "credativ", "oracle",
                     "almalinux", "kinvolk", "resf", "microsoftcblmariner", "erockyenterprise")


@dataclass
class Planned:
    """What one planned input holds: rows, and what the loader could not read, with why."""

    format: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[LoadWarning] = field(default_factory=list)

    def warn(self, path: str, code: str, message: str, where: str = "") -> None:
        self.warnings.append(LoadWarning(code, message, path, None, where))


def strip_unknown(value: Any, path: str, found: dict[str, str],
                  unresolved_text: bool = False) -> Any:
    """The value with unknown parts left out; each one's ARM path and reason go in `found`.

    With `unresolved_text`, a string that still reads `[...]` is unknown too (what-if output
    keeps expressions it could not evaluate). A list with an unknown item is unknown whole."""
    if isinstance(value, Unknown):
        found[path] = value.reason
        return None
    if unresolved_text and is_expression(value):
        found[path] = f"{value[:60]} is not evaluated"
        return None
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            clean = strip_unknown(item, f"{path}.{key}" if path else key, found, unresolved_text)
            if clean is not None or (item is None):
                result[key] = clean
        return result
    if isinstance(value, list):
        inner: dict[str, str] = {}
        items = [strip_unknown(item, path, inner, unresolved_text) for item in value]
        if inner:
            found[path] = next(iter(inner.values()))
            return None
        return items
    return value


def os_type(arm_type: str, properties: dict[str, Any]) -> str | None:
    """The OS of a planned machine: the disk's osType, else the configuration block present,
    else the image publisher (docs/planned-state.md)."""
    profile = properties.get("virtualMachineProfile", properties) if arm_type != ARC \
        else properties
    disk = ((profile.get("storageProfile") or {}).get("osDisk") or {})
    if isinstance(disk.get("osType"), str):
        return str(disk["osType"])
    os_profile = profile.get("osProfile") or {}
    if os_profile.get("windowsConfiguration") is not None:
        return "Windows"
    if os_profile.get("linuxConfiguration") is not None:
        return "Linux"
    image = (profile.get("storageProfile") or {}).get("imageReference") or {}
    publisher = str(image.get("publisher") or "").lower()
    if publisher in _WINDOWS_PUBLISHERS:
        return "Windows"
    if publisher in _LINUX_PUBLISHERS:
        return "Linux"
    return None


def make_row(planned: Planned, source: str, resource_id: str, arm_type: str, name: str,
             resource: dict[str, Any], provenance: str,
             unknown: dict[str, str] | None = None) -> dict[str, Any]:
    """Append a row built from an ARM-shaped resource (`location`, `tags`, `properties`, ...,
    with Unknown values still inside) and warn about every unknown value a rule could read."""
    unknown = dict(unknown or {})
    clean = strip_unknown({k: resource.get(k) for k in ("location", "tags", "properties", "kind")
                           if k in resource}, "", unknown)
    kind = arm_type.lower()
    properties = clean.get("properties") or {}
    if kind in (VM, ARC) and isinstance(properties, dict) \
            and not any(p.startswith("properties.storageProfile.osDisk.osType") for p in unknown):
        os = os_type(kind, properties)
        if os is not None and kind == VM:
            disk = properties.setdefault("storageProfile", {}).setdefault("osDisk", {})
            disk.setdefault("osType", os)
        elif os is not None:
            properties.setdefault("osType", os.lower())
        elif kind == VM:
            unknown["properties.storageProfile.osDisk.osType"] = (
                "the OS is not stated and neither an OS configuration block nor a known image "
                "publisher tells it")
    row = {"id": resource_id, "type": kind, "name": name,
           "subscriptionId": id_part(resource_id, "subscriptions"),
           "resourceGroup": id_part(resource_id, "resourcegroups"),
           "location": clean.get("location"), "tags": clean.get("tags") or {},
           "properties": properties, "$planned": provenance}
    if unknown:
        row["$unknown"] = sorted(unknown)
    planned.rows.append(row)
    record = RECORDS.get(kind)
    if record is not None:
        for path, reason in sorted(unknown.items()):
            if unknown_paths.relevant(record, path):
                planned.warn(source, "planned-unknown-value",
                             f"{name}: the value is not known until deployment ({reason}); "
                             "rules that read it give unknown", path)
    return row


def deleted(planned: Planned, resource_id: str, arm_type: str, provenance: str) -> None:
    """A resource the change removes: an overlay takes it out of the live snapshot."""
    planned.rows.append({"id": resource_id, "type": arm_type.lower(),
                         "name": resource_id.rsplit("/", 1)[-1], "$planned": provenance,
                         "$change": "delete"})
