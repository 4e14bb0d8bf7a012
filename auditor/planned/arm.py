"""ARM templates and compiled Bicep: the resources a deployment would create, as rows.

Classic templates (`resources` an array) and languageVersion 2.0 (an object keyed by symbolic
name, where `existing` entries are references, not deployments); `condition`, `copy` loops,
nested child resources, inline nested deployments (compiled Bicep modules), and the four forms
of a configuration assignment (docs/planned-state.md).
"""

from __future__ import annotations

from typing import Any

from auditor.errors import Location, UserError
from auditor.planned.context import PlannedContext
from auditor.planned.expressions import Scope, Unknown, evaluate
from auditor.planned.functions import FUNCTIONS, provider_path
from auditor.planned.rows import Planned, make_row

_SCOPES = {"deploymenttemplate.json": "resourceGroup",
           "subscriptiondeploymenttemplate.json": "subscription",
           "managementgroupdeploymenttemplate.json": "managementGroup",
           "tenantdeploymenttemplate.json": "tenant"}
_SECURE = ("securestring", "secureobject")
PROVENANCE = "arm-template"


def template_scope(document: dict[str, Any]) -> str | None:
    """The deployment scope a template's `$schema` names, or None when it is no template."""
    schema = document.get("$schema")
    if not isinstance(schema, str) or "resources" not in document:
        return None
    name = schema.lower().rstrip("#").rsplit("/", 1)[-1]
    return _SCOPES.get(name)


def read_template(path: str, document: dict[str, Any], context: PlannedContext) -> Planned:
    scope_kind = template_scope(document) or "resourceGroup"
    generator = ((document.get("metadata") or {}).get("_generator") or {}).get("name")
    planned = Planned("compiled Bicep template" if generator == "bicep" else "ARM template")
    if scope_kind in ("managementGroup", "tenant"):
        planned.warn(path, "planned-unreadable", f"a {scope_kind} deployment template deploys "
                     "no machines or schedules the auditor can place; nothing in it is judged")
        return planned
    missing = [flag for flag, value in (("--subscription", context.subscription),
                                        ("--resource-group", context.resource_group))
               if value is None and (flag == "--subscription" or scope_kind == "resourceGroup")]
    if missing:
        planned.warn(path, "planned-placeholder-ids",
                     f"{' and '.join(missing)} not given: planned ids use "
                     f"{context.subscription_or_placeholder} and "
                     f"{context.resource_group_or_placeholder}, which match no live resource")
    location: Any = context.location or Unknown(
        "the resource group's location is not known offline; give --location")
    base = Scope({}, {}, context.subscription_or_placeholder,
                 context.resource_group_or_placeholder, location, FUNCTIONS)
    parameters = _parameters(path, document, context.parameters, base, top=True)
    scope = base.child(parameters=parameters, variables=document.get("variables") or {})
    _Walker(planned, path).template(document, scope, scope_kind == "subscription")
    return planned


def _parameters(path: str, template: dict[str, Any], given: dict[str, Any], scope: Scope,
                top: bool) -> dict[str, Any]:
    """Values of the declared parameters: given (literal), else the default (an expression may
    use other parameters), else null when nullable. A missing required one is a user error."""
    declared = template.get("parameters") or {}
    folded = {name.lower(): name for name in declared}
    if top:
        extra = sorted(name for name in given if name.lower() not in folded)
        if extra:
            raise UserError(f"the parameters file gives {', '.join(extra)}, which the template "
                            f"does not declare (it declares {', '.join(declared) or 'none'})",
                            Location(path))
    values: dict[str, Any] = {}
    pending, missing = [], []
    by_name = {name.lower(): entry for name, entry in given.items()}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        entry = by_name.get(name.lower())
        if entry is not None:
            values[name] = entry["value"] if "value" in entry else \
                Unknown("a Key Vault reference is read at deployment")
        elif "defaultValue" in spec:
            pending.append(name)
        elif spec.get("nullable") is True:
            values[name] = None
        elif top and str(spec.get("type", "")).lower() not in _SECURE:  # secrets are never read
            missing.append(name)
        else:
            values[name] = Unknown(f"the module parameter '{name}' is not given")
    if missing:
        raise UserError(f"the template needs a value for {', '.join(missing)}; give "
                        "--parameters FILE (a deployment parameters file)", Location(path))
    defaults = scope.child(parameters=values, variables={})
    for name in pending:
        values[name] = evaluate(declared[name]["defaultValue"], defaults)
    for name, spec in declared.items():
        if isinstance(spec, dict) and str(spec.get("type", "")).lower() in _SECURE:
            values[name] = Unknown("a secure parameter is never read")
    return values


class _Walker:
    """Walks a template's resources, loops and nested deployments, emitting rows."""

    def __init__(self, planned: Planned, source: str) -> None:
        self.planned, self.source = planned, source

    def warn(self, code: str, message: str) -> None:
        self.planned.warn(self.source, code, message)

    def template(self, template: dict[str, Any], scope: Scope, at_subscription: bool) -> None:
        resources = template.get("resources") or []
        items = list(resources.items()) if isinstance(resources, dict) \
            else [(str(i), r) for i, r in enumerate(resources)]
        for label, resource in items:
            if isinstance(resource, dict) and resource.get("existing") is not True:
                self.resource(resource, scope, None, f"resource {label}", at_subscription)

    def resource(self, resource: dict[str, Any], scope: Scope, parent: tuple[str, str] | None,
                 label: str, at_subscription: bool) -> None:
        loop = resource.get("copy")
        if not isinstance(loop, dict):
            self.one(resource, scope, parent, label, at_subscription)
            return
        count = evaluate(loop.get("count"), scope)
        if not isinstance(count, int) or isinstance(count, bool):
            reason = count.reason if isinstance(count, Unknown) else f"count is {count!r}"
            self.warn("planned-unreadable", f"{label}: the copy loop's count is not known "
                      f"({reason}); the resources it makes are not judged")
            return
        name = str(loop.get("name", "")).lower()
        for index in range(count):
            self.one(resource, scope.child(copy_index={**scope.copy_index, name: index}),
                     parent, f"{label}[{index}]", at_subscription)

    def one(self, resource: dict[str, Any], scope: Scope, parent: tuple[str, str] | None,
            label: str, at_subscription: bool) -> None:
        condition = evaluate(resource.get("condition", True), scope)
        if isinstance(condition, Unknown):
            self.warn("planned-unknown-condition", f"{label}: whether it is deployed is not "
                      f"known ({condition.reason}); it is not judged")
            return
        if not condition:
            return
        kind = evaluate(resource.get("type"), scope)
        if isinstance(kind, str) and kind.lower() == "microsoft.resources/deployments":
            name = evaluate(resource.get("name"), scope)  # a module's name may be unknown
            label = f"deployment {name}" if isinstance(name, str) else label
            self.deployment(resource, scope, label, at_subscription)
            return
        name = evaluate(resource.get("name"), scope)
        if not isinstance(kind, str) or not isinstance(name, str):
            reason = next((v.reason for v in (kind, name) if isinstance(v, Unknown)),
                          "type or name missing")
            self.warn("planned-unreadable", f"{label}: its name is not known ({reason}); it is "
                      "not judged")
            return
        if parent is not None and "." not in kind.split("/")[0]:
            kind, name = f"{parent[0]}/{kind}", f"{parent[1]}/{name}"
        label = f"{kind} {name}"
        found = self.identify(resource, scope, kind, name, label, at_subscription)
        if found is None:
            return
        resource_id, arm_type = found
        values: dict[str, Any] = {key: evaluate(resource[key], scope)
                  for key in ("location", "tags", "properties", "kind") if key in resource}
        marker = "/providers/microsoft.maintenance/configurationassignments/"
        if marker in resource_id.lower() and isinstance(values.get("properties"), dict):
            # ARM fills in the target of an assignment declared without it (forms A, C, D).
            values["properties"].setdefault(
                "resourceId", resource_id[:resource_id.lower().rindex(marker)])
        make_row(self.planned, self.source, resource_id, arm_type, resource_id.rsplit("/", 1)[-1],
                 values, PROVENANCE)
        for child in resource.get("resources") or []:
            if isinstance(child, dict):
                self.resource(child, scope, (kind, name), label, at_subscription)

    def identify(self, resource: dict[str, Any], scope: Scope, kind: str, name: str,
                 label: str, at_subscription: bool) -> tuple[str, str] | None:
        """The resource's id and ARM type, or None (with a warning) when they cannot be told."""
        base = f"/subscriptions/{scope.subscription}"
        if not at_subscription:
            base += f"/resourceGroups/{scope.resource_group}"
        names = name.split("/")
        if "/providers/" in kind.lower():  # form C: Microsoft.Compute/virtualMachines/providers/…
            target, _, extension = kind.partition("/providers/")
            count = len(target.split("/")) - 1
            if len(names) != count + 1 + len(extension.split("/")):
                self.warn("planned-unreadable", f"{label}: the name does not fit the type "
                          "(expected target name/namespace/name); it is not judged")
                return None
            namespace = names[count]
            arm_type = f"{namespace}/{extension}"
            return (base + provider_path(target, names[:count])
                    + provider_path(arm_type, names[count + 1:]), arm_type)
        if len(names) != len(kind.split("/")) - 1:
            self.warn("planned-unreadable", f"{label}: the name has {len(names)} segment(s) but "
                      f"the type needs {len(kind.split('/')) - 1}; it is not judged")
            return None
        own = provider_path(kind, names)
        if "scope" not in resource:
            return base + own, kind
        target = evaluate(resource["scope"], scope)
        if isinstance(target, Unknown):
            self.warn("planned-unreadable", f"{label}: the resource it extends is not known "
                      f"({target.reason}); it is not judged")
            return None
        if not isinstance(target, str):
            self.warn("planned-unreadable", f"{label}: scope is not a string; it is not judged")
            return None
        if target.startswith("/"):  # form B: a full resource id
            return target.rstrip("/") + own, kind
        parts = target.strip("/").split("/")  # form A: Microsoft.Compute/virtualMachines/NAME
        if len(parts) < 3 or len(parts) % 2 == 0 or "." not in parts[0]:
            self.warn("planned-unreadable", f"{label}: scope {target!r} is not a resource "
                      "name such as Microsoft.Compute/virtualMachines/NAME; it is not judged")
            return None
        return f"{base}/providers/{target.strip('/')}{own}", kind

    def deployment(self, resource: dict[str, Any], scope: Scope, label: str,
                   at_subscription: bool) -> None:
        """An inline nested deployment (a compiled Bicep module); linked ones are listed."""
        properties = resource.get("properties") or {}
        template = properties.get("template")
        if not isinstance(template, dict):
            link = (properties.get("templateLink") or {}).get("uri") or \
                (properties.get("templateLink") or {}).get("id") or "a linked template"
            self.warn("planned-linked-template", f"{label}: {link} is not expanded offline; "
                      "the resources it deploys are not judged")
            return
        target = {key: evaluate(resource[key], scope) if key in resource else default
                  for key, default in (("subscriptionId", scope.subscription),
                                       ("resourceGroup", scope.resource_group))}
        if any(isinstance(v, Unknown) for v in target.values()):
            self.warn("planned-unreadable", f"{label}: its target subscription or resource "
                      "group is not known; the resources it deploys are not judged")
            return
        placed = scope.child(subscription=str(target["subscriptionId"]),
                             resource_group=str(target["resourceGroup"]))
        options = properties.get("expressionEvaluationOptions") or {}
        if str(options.get("scope", "outer")).lower() == "inner":
            given = {}
            for name, entry in (properties.get("parameters") or {}).items():
                if isinstance(entry, dict):
                    given[name] = {"value": evaluate(entry.get("value"), scope)} \
                        if "value" in entry else {"reference": entry.get("reference")}
            parameters = _parameters(self.source, template, given, placed, top=False)
            placed = placed.child(parameters=parameters,
                                  variables=template.get("variables") or {})
        self.template(template, placed, at_subscription and "resourceGroup" not in resource)
