"""azurerm (and azapi) resources of a Terraform plan, mapped onto ARM-layout rows.

Ids come from the plan when known, else from name, resource group and subscription; links
between resources created together come from the plan's configuration references. The
attribute map itself is in attributes.py.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.planned.attributes import (
    AFTER_APPLY,
    ARM_TYPES,
    COMMON,
    CONFIGURATION_PAIRS,
    SCALE_SET_TYPES,
    VM_TYPES,
    Pair,
    get,
    is_unknown,
    partial_paths,
    put,
    scale_set_pairs,
    translate,
    vm_pairs,
)
from auditor.planned.context import PlannedContext
from auditor.planned.rows import Planned, deleted, make_row
from auditor.planned.terraform import Configuration, Instance, referenced
from auditor.snapshot.ids import ARC, VM

PROVENANCE = "terraform"


class Mapper:
    """Maps every instance of a plan; what it cannot map is listed as a load warning."""

    def __init__(self, planned: Planned, source: str, found: dict[str, Instance],
                 config: Configuration, subscription: str | None,
                 context: PlannedContext) -> None:
        self.planned, self.source, self.found, self.config = planned, source, found, config
        self.explicit = subscription is not None
        self.subscription = subscription or context.subscription_or_placeholder
        self.placeholder = False  # set when an id was built with the placeholder subscription
        self.skipped: dict[str, int] = {}

    def warn(self, code: str, message: str) -> None:
        self.planned.warn(self.source, code, message)

    def run(self) -> None:
        for instance in self.found.values():
            if instance.mode != "managed":
                continue
            provider = instance.provider.rsplit("/", 1)[-1]
            if provider not in ("azurerm", "azapi"):
                self.warn("planned-unmapped", f"{instance.address}: provider "
                          f"{instance.provider or 'unknown'} is not mapped; it is not judged")
                continue
            if instance.problem:
                self.warn("planned-unreadable", f"{instance.address}: {instance.problem}; it "
                          "is not judged")
                continue
            if set(instance.actions) & {"delete", "forget"} and "create" not in instance.actions:
                self.gone(instance)
                continue
            handler = self.handlers().get(instance.type)
            if handler is None:
                self.skipped[instance.type] = self.skipped.get(instance.type, 0) + 1
                continue
            handler(instance)
        if self.skipped:
            listed = ", ".join(f"{k} ({v})" for k, v in sorted(self.skipped.items()))
            self.warn("planned-not-judged", f"resources that are neither machines, schedules "
                      f"nor assignments are not judged: {listed}")

    def handlers(self) -> dict[str, Any]:
        return {"azurerm_windows_virtual_machine": self.vm,
                "azurerm_linux_virtual_machine": self.vm,
                **dict.fromkeys(SCALE_SET_TYPES, self.scale_set),
                "azurerm_maintenance_configuration": self.configuration,
                "azurerm_maintenance_assignment_virtual_machine": self.assignment,
                "azurerm_maintenance_assignment_virtual_machine_scale_set": self.assignment,
                "azurerm_maintenance_assignment_dynamic_scope": self.dynamic_scope,
                "azurerm_arc_machine": self.arc, "azapi_resource": self.azapi,
                "azapi_update_resource": self.azapi}

    def gone(self, instance: Instance) -> None:
        """A destroyed resource: an overlay takes it out of the live snapshot."""
        before = instance.before or {}
        kind = ARM_TYPES.get(instance.type) or (
            "Microsoft.Maintenance/configurationAssignments"
            if instance.type.startswith("azurerm_maintenance_assignment") else None)
        if isinstance(before.get("id"), str) and kind is not None:
            deleted(self.planned, before["id"], kind, PROVENANCE)

    def id_of(self, instance: Instance) -> str | None:
        """The ARM id: from the plan when known, else built from name and resource group."""
        known = instance.values.get("id")
        if isinstance(known, str) and known:
            return known
        name, group = instance.values.get("name"), instance.values.get("resource_group_name")
        if instance.type not in ARM_TYPES or not isinstance(name, str) \
                or not isinstance(group, str) or is_unknown(instance.unknown, "name") \
                or is_unknown(instance.unknown, "resource_group_name"):
            return None
        segments = ARM_TYPES[instance.type].split("/")
        self.placeholder = self.placeholder or not self.explicit
        return (f"/subscriptions/{self.subscription}/resourceGroups/{group}/providers/"
                f"{segments[0]}/{segments[1]}/{name}")

    def emit(self, instance: Instance, pairs: list[Pair], extra: dict[str, Any] | None = None,
             unknown: dict[str, str] | None = None) -> None:
        resource_id = self.id_of(instance)
        if resource_id is None:
            self.warn("planned-unreadable", f"{instance.address}: its name or resource group "
                      "is not known until apply, so it has no id; it is not judged")
            return
        resource, found = translate(instance, pairs)
        for path, value in (extra or {}).items():
            present = get(resource, path)
            put(resource, path, {**value, **present} if isinstance(value, dict)
                and isinstance(present, dict) else value if present is None else present)
        make_row(self.planned, self.source, resource_id, ARM_TYPES[instance.type],
                 resource_id.rsplit("/", 1)[-1], resource, PROVENANCE,
                 {**found, **(unknown or {})})

    def vm(self, instance: Instance) -> None:
        os = "windows" if instance.type.startswith("azurerm_windows") else "linux"
        extra = {"properties.storageProfile.osDisk.osType": os.capitalize(),
                 f"properties.osProfile.{os}Configuration": {}}
        unknown: dict[str, str] = {}
        if get(instance.values, "os_managed_disk_id") or \
                is_unknown(instance.unknown, "os_managed_disk_id"):
            extra.pop(f"properties.osProfile.{os}Configuration")
            unknown["properties.osProfile"] = ("it boots an existing OS disk "
                                               "(os_managed_disk_id): its OS profile is not set")
            pairs = [p for p in vm_pairs(os) if "osProfile" not in p[1]]
            self.emit(instance, pairs, extra, unknown)
            return
        self.emit(instance, vm_pairs(os), extra)

    def scale_set(self, instance: Instance) -> None:
        orchestrated = "orchestrated" in instance.type
        os = "linux" if "linux" in instance.type or (
            orchestrated and get(instance.values, "os_profile.0.linux_configuration.0")) \
            else "windows"
        self.emit(instance, scale_set_pairs(os, orchestrated))

    def arc(self, instance: Instance) -> None:
        self.emit(instance, COMMON, unknown={"properties.osName": "azurerm_arc_machine has "
                                              "no OS or patch settings; set them with azapi"})

    def configuration(self, instance: Instance) -> None:
        extension = dict(get(instance.values, "properties") or {})
        pairs = CONFIGURATION_PAIRS
        if any(k.lower() == "inguestpatchmode" for k in extension):  # given in the map instead
            pairs = [p for p in pairs if p[0] != "in_guest_user_patch_mode"
                     or get(instance.values, "in_guest_user_patch_mode")]
        unknown = {"properties.extensionProperties": AFTER_APPLY} \
            if is_unknown(instance.unknown, "properties") else {}
        self.emit(instance, pairs, {"properties.namespace": "Microsoft.Maintenance",
                                    "properties.extensionProperties": extension}, unknown)

    def link(self, instance: Instance, attribute: str, types: tuple[str, ...]) -> str | None:
        """An id attribute's value, or the id of the resource it refers to when unknown."""
        value = instance.values.get(attribute)
        if isinstance(value, str) and value and not is_unknown(instance.unknown, attribute):
            return value
        target = referenced(self.config, self.found, instance, attribute, types)
        if isinstance(target, str):
            self.warn("planned-unreadable", f"{instance.address}: {attribute} is not known "
                      f"until apply and {target}; it is not judged")
            return None
        resolved = self.id_of(target)
        if resolved is None:
            self.warn("planned-unreadable", f"{instance.address}: {attribute} refers to "
                      f"{target.address}, whose id cannot be told; it is not judged")
        return resolved

    def assignment(self, instance: Instance) -> None:
        scale_set = instance.type.endswith("scale_set")
        attribute = "virtual_machine_scale_set_id" if scale_set else "virtual_machine_id"
        targets = SCALE_SET_TYPES if scale_set else VM_TYPES
        configuration = self.link(instance, "maintenance_configuration_id",
                                  ("azurerm_maintenance_configuration",))
        machine = self.link(instance, attribute, targets) if configuration else None
        if configuration is None or machine is None:
            return
        resource_id = (f"{machine}/providers/Microsoft.Maintenance/configurationAssignments/"
                       f"{configuration.rstrip('/').rsplit('/', 1)[-1]}")
        values = {"location": instance.values.get("location"), "properties": {
            "maintenanceConfigurationId": configuration, "resourceId": machine}}
        make_row(self.planned, self.source, resource_id,
                 "Microsoft.Maintenance/configurationAssignments",
                 resource_id.rsplit("/", 1)[-1], values, PROVENANCE)

    def dynamic_scope(self, instance: Instance) -> None:
        configuration = self.link(instance, "maintenance_configuration_id",
                                  ("azurerm_maintenance_configuration",))
        name = instance.values.get("name")
        if configuration is None or not isinstance(name, str):
            if configuration is not None:
                self.warn("planned-unreadable", f"{instance.address}: its name is not known "
                          "until apply; it is not judged")
            return
        scope = f"/subscriptions/{self.subscription}"
        self.placeholder = self.placeholder or not self.explicit
        block = get(instance.values, "filter.0") or {}
        tags = {t.get("tag"): list(t.get("values") or []) for t in block.get("tags") or []
                if isinstance(t, dict)}
        criteria: dict[str, Any] = {
            "locations": block.get("locations") or [], "osTypes": block.get("os_types") or [],
            "resourceGroups": block.get("resource_groups") or [],
            "resourceTypes": block.get("resource_types") or []}
        if tags:
            criteria["tagSettings"] = {"tags": tags,
                                       "filterOperator": block.get("tag_filter") or "Any"}
        unknown = {"properties.filter": AFTER_APPLY} if is_unknown(instance.unknown, "filter") \
            else {}
        resource_id = f"{scope}/providers/Microsoft.Maintenance/configurationAssignments/{name}"
        make_row(self.planned, self.source, resource_id,
                 "Microsoft.Maintenance/configurationAssignments", name,
                 {"properties": {"maintenanceConfigurationId": configuration,
                                 "resourceId": scope, "filter": criteria}}, PROVENANCE, unknown)

    def azapi(self, instance: Instance) -> None:
        """azapi bodies: a Dynamic object (azapi 2.x) or a jsonencode string (1.x)."""
        arm_type = str(instance.values.get("type") or "").split("@", 1)[0]
        body = instance.values.get("body")
        if isinstance(body, str):
            try:
                body = json.loads(body) if body else {}
            except ValueError:
                body = None
        if not arm_type or not isinstance(body, dict) or is_unknown(instance.unknown, "body"):
            self.warn("planned-unreadable", f"{instance.address}: its type or body is not "
                      "known until apply; it is not judged")
            return
        update = instance.type == "azapi_update_resource"
        resource_id = self.link(instance, "resource_id", VM_TYPES) if update else \
            instance.values.get("id") if isinstance(instance.values.get("id"), str) else None
        if resource_id is None and not update:
            parent, name = instance.values.get("parent_id"), instance.values.get("name")
            if isinstance(parent, str) and isinstance(name, str):
                resource_id = f"{parent.rstrip('/')}/providers/{arm_type}/{name}"
        if resource_id is None:
            if not update:
                self.warn("planned-unreadable", f"{instance.address}: its id is not known "
                          "until apply; it is not judged")
            return
        values = {k: body.get(k, instance.values.get(k)) for k in ("location", "tags")}
        values["properties"] = body.get("properties") or {}
        row = make_row(self.planned, self.source, resource_id, arm_type,
                       resource_id.rsplit("/", 1)[-1], values, PROVENANCE)
        if update and arm_type.lower() in (ARC, VM):
            row["$partial"] = partial_paths(row)
            self.warn("planned-partial-update", f"{instance.address}: an update of "
                      f"{resource_id.rsplit('/', 1)[-1]}; what its body does not set keeps the "
                      "machine's current value, known only when the live snapshot is given")
