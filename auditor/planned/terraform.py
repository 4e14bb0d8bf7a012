"""Terraform plan JSON (`terraform show -json PLAN`): every planned resource instance, through
nested modules, with the values Terraform will only know after apply.

`planned_values` (walked through `child_modules`) and `resource_changes` give each instance's
values, actions and `after_unknown`; `configuration` gives the references between resources,
which link a maintenance assignment to a VM created in the same plan (its id is unknown).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from auditor.errors import Location, UserError
from auditor.planned.context import PlannedContext
from auditor.planned.rows import Planned

_MODULE = re.compile(r'module\.([A-Za-z_][\w-]*)(\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.')
_RESOURCE = re.compile(r'(data\.)?([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)'
                       r'(\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?(?:\.(.*))?$')


def is_plan(document: dict[str, Any]) -> bool:
    return "format_version" in document and ("planned_values" in document
                                             or "resource_changes" in document)


@dataclass
class Instance:
    """One resource instance in the plan."""

    address: str
    module: str  # the module instance address ("" at the root), e.g. module.app["web"]
    modules: tuple[str, ...]  # the module call names, e.g. ("app",)
    type: str
    name: str
    index: Any
    mode: str
    provider: str
    values: dict[str, Any]
    unknown: Any = field(default_factory=dict)  # after_unknown: true, or a mirror of values
    actions: tuple[str, ...] = ("no-op",)
    before: dict[str, Any] | None = None
    problem: str = ""  # why the plan's entry for it cannot be read

    @property
    def local(self) -> str:
        """The address inside its module, without the instance key: azurerm_x.vm."""
        return f"{self.type}.{self.name}"


def split_address(address: str) -> tuple[str, tuple[str, ...], str, str, Any, str]:
    """(module instance, module names, type, name, index, rest) of an absolute address or a
    reference such as `module.app.azurerm_linux_virtual_machine.vm[0].id`."""
    position, names = 0, []
    while (match := _MODULE.match(address, position)) is not None:
        names.append(match.group(1))
        position = match.end()
    module = address[:position].rstrip(".")
    match = _RESOURCE.match(address, position)
    if match is None:
        raise ValueError(f"not a resource address: {address!r}")
    kind = ("data." if match.group(1) else "") + match.group(2)
    index = json.loads(match.group(4)[1:-1]) if match.group(4) else None
    return module, tuple(names), kind, match.group(3), index, match.group(5) or ""


def _walk(module: dict[str, Any], found: dict[str, dict[str, Any]]) -> None:
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and isinstance(resource.get("address"), str):
            found[resource["address"]] = resource
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            _walk(child, found)


def instances(path: str, document: dict[str, Any]) -> dict[str, Instance]:
    """Every managed resource instance, keyed by absolute address."""
    version = str(document.get("format_version", ""))
    if version.split(".")[0] != "1":
        raise UserError(f"format_version {version!r} is not supported: this auditor reads the "
                        "plan JSON of terraform show -json, format 1.x", Location(path))
    values: dict[str, dict[str, Any]] = {}
    _walk((document.get("planned_values") or {}).get("root_module") or {}, values)
    changes = {c["address"]: c for c in document.get("resource_changes") or []
               if isinstance(c, dict) and isinstance(c.get("address"), str)}
    found: dict[str, Instance] = {}
    for address in sorted(set(values) | set(changes)):
        planned, change = values.get(address, {}), changes.get(address, {})
        if not isinstance(change.get("change", {}), dict):
            change = {**change, "change": {"problem": "its change is not an object"}}
        if "deposed" in change:
            continue  # an old object Terraform destroys after the replacement is created
        delta = change.get("change") or {}
        try:
            module, modules, kind, name, index, _ = split_address(address)
        except ValueError:
            continue
        after = delta.get("after") if delta.get("after") is not None else planned.get("values")
        problem = delta.get("problem") or ("" if isinstance(after, dict) or after is None
                                           else "its planned values are not an object")
        found[address] = Instance(
            address=address, module=module, modules=modules, type=kind, name=name,
            index=index, mode=str(change.get("mode") or planned.get("mode") or "managed"),
            provider=str(change.get("provider_name") or planned.get("provider_name") or ""),
            values=after if isinstance(after, dict) else {},
            unknown=delta.get("after_unknown") or {},
            actions=tuple(delta.get("actions") or ("no-op",)),
            before=delta.get("before") if isinstance(delta.get("before"), dict) else None,
            problem=problem)
    return found


class Configuration:
    """The plan's `configuration`: each resource's expressions, by module path and address."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.resources: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
        self.providers = document.get("provider_config") or {}
        self._walk(document.get("root_module") or {}, ())

    def _walk(self, module: dict[str, Any], path: tuple[str, ...]) -> None:
        for resource in module.get("resources") or []:
            if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                self.resources[(path, resource["address"])] = resource
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict):
                self._walk(call.get("module") or {}, (*path, name))

    def references(self, instance: Instance, attribute: str) -> tuple[list[str], list[str]]:
        """(the attribute's references, the resource's for_each references)."""
        resource = self.resources.get((instance.modules, instance.local)) or {}
        expression = (resource.get("expressions") or {}).get(attribute) or {}
        each = (resource.get("for_each_expression") or {}).get("references") or []
        refs = expression.get("references") if isinstance(expression, dict) else None
        return list(refs or []), list(each)

    def subscription(self) -> str | None:
        """An explicit `subscription_id` constant in an azurerm provider block, if any."""
        for _, provider in sorted(self.providers.items()):
            if isinstance(provider, dict) and provider.get("name") == "azurerm":
                value = ((provider.get("expressions") or {}).get("subscription_id") or {})
                if isinstance(value, dict) and isinstance(value.get("constant_value"), str):
                    return str(value["constant_value"])
        return None


def referenced(config: Configuration, found: dict[str, Instance], instance: Instance,
               attribute: str, types: tuple[str, ...]) -> Instance | str:
    """The instance an attribute refers to, among `types`; or why it cannot be told."""
    refs, each = config.references(instance, attribute)
    targets: list[tuple[str, str, Any]] = []
    for ref in refs:
        if ref.startswith("each."):
            targets += [(t, n, instance.index) for t, n, _ in _parse(each, types)]
        else:
            targets += _parse([ref], types)
    if not targets:
        return f"refers to no {' or '.join(types)} in the same module"
    kind, name, index = targets[0]
    prefix = f"{instance.module}." if instance.module else ""
    base = f"{prefix}{kind}.{name}"
    candidates = [i for i in found.values() if f"{i.module}.{i.local}".lstrip(".") == base]
    if index is not None:
        candidates = [i for i in candidates if i.index == index]
    elif len(candidates) > 1:
        same = [i for i in candidates if i.index == instance.index]
        candidates = same if len(same) == 1 else candidates
    if len(candidates) != 1:
        what = "nothing" if not candidates else f"{len(candidates)} instances"
        return f"refers to {base}, which matches {what} in the plan"
    return candidates[0]


def _parse(refs: list[str], types: tuple[str, ...]) -> list[tuple[str, str, Any]]:
    result = []
    for ref in refs:
        try:
            module, _, kind, name, index, _ = split_address(ref)
        except ValueError:
            continue
        if kind in types and not module:
            result.append((kind, name, index))
    # The most specific reference first (`vm[0].id` before `vm`).
    return sorted(result, key=lambda t: t[2] is None)


def read_plan(path: str, document: dict[str, Any], context: PlannedContext) -> Planned:
    from auditor.planned.azurerm import Mapper
    found = instances(path, document)
    config = Configuration(document.get("configuration") or {})
    planned = Planned("Terraform plan")
    mapper = Mapper(planned, path, found, config,
                    config.subscription() or context.subscription, context)
    mapper.run()
    if mapper.placeholder:
        planned.warn(path, "planned-placeholder-ids",
                     "the plan names no subscription and --subscription is not given: ids of "
                     f"resources the plan creates use {context.subscription_or_placeholder}, "
                     "which matches no live resource")
    return planned
