"""The template functions evaluated offline; any other function's value is unknown.

Each function takes the scope and its unevaluated arguments, so `if`, `and`, `or` and
`coalesce` evaluate only what they need, and an unknown argument makes the result unknown
unless the known ones decide it (`and(false, x)` is false whatever x is).
"""

from __future__ import annotations

import json
import operator
import re
from typing import Any

from auditor.planned.expressions import (
    Function,
    Node,
    Scope,
    Unknown,
    first_unknown,
    member,
)


def _values(scope: Scope, args: tuple[Node, ...]) -> list[Any]:
    return [scope.value(arg) for arg in args]


def _strict(function: Any) -> Function:
    """A function of evaluated arguments; any unknown argument makes the result unknown."""
    def call(scope: Scope, args: tuple[Node, ...]) -> Any:
        values = _values(scope, args)
        unknown = first_unknown(values)
        if unknown is not None:
            return unknown
        try:
            return function(*values)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as error:
            return Unknown(f"{function.__name__.strip('_')}() failed: {error}")
    return call


def _parameters(scope: Scope, args: tuple[Node, ...]) -> Any:
    name = scope.value(args[0]) if args else None
    if not isinstance(name, str):
        return Unknown("parameters() needs a name")
    found = next((k for k in scope.parameters if k.lower() == name.lower()), None)
    return scope.parameters[found] if found is not None else \
        Unknown(f"parameter '{name}' is not declared")


def _variables(scope: Scope, args: tuple[Node, ...]) -> Any:
    name = scope.value(args[0]) if args else None
    return scope.variable(name) if isinstance(name, str) else Unknown("variables() needs a name")


def _if(scope: Scope, args: tuple[Node, ...]) -> Any:
    condition = scope.value(args[0])
    if isinstance(condition, Unknown):
        return condition
    return scope.value(args[1] if condition else args[2])


def _and(scope: Scope, args: tuple[Node, ...]) -> Any:
    unknown = None
    for value in _values(scope, args):
        if isinstance(value, Unknown):
            unknown = value
        elif not value:
            return False
    return unknown if unknown is not None else True


def _or(scope: Scope, args: tuple[Node, ...]) -> Any:
    unknown = None
    for value in _values(scope, args):
        if isinstance(value, Unknown):
            unknown = value
        elif value:
            return True
    return unknown if unknown is not None else False


def _coalesce(scope: Scope, args: tuple[Node, ...]) -> Any:
    for arg in args:
        value = scope.value(arg)
        if value is not None:
            return value  # an unknown before any known value leaves the result unknown
    return None


def _copy_index(scope: Scope, args: tuple[Node, ...]) -> Any:
    values = _values(scope, args)
    name = next((v for v in values if isinstance(v, str)), None)
    offset = next((v for v in values if isinstance(v, int) and not isinstance(v, bool)), 0)
    key = name.lower() if name else next(iter(scope.copy_index), None)
    if key is None or key not in scope.copy_index:
        return Unknown("copyIndex() is used outside a copy loop")
    return scope.copy_index[key] + offset


def _resource_group(scope: Scope, args: tuple[Node, ...]) -> Any:
    return {"id": f"/subscriptions/{scope.subscription}/resourceGroups/{scope.resource_group}",
            "name": scope.resource_group, "location": scope.location,
            "type": "Microsoft.Resources/resourceGroups"}


def _subscription(scope: Scope, args: tuple[Node, ...]) -> Any:
    return {"id": f"/subscriptions/{scope.subscription}",
            "subscriptionId": scope.subscription,
            "tenantId": Unknown("the tenant is not known offline"),
            "displayName": Unknown("the subscription's name is not known offline")}


def _type_and_names(values: list[Any]) -> tuple[list[Any], str, list[str]]:
    at = next((i for i, v in enumerate(values) if isinstance(v, str) and "/" in v
               and "." in v.split("/")[0]), None)
    if at is None:
        raise ValueError("no resource type such as Microsoft.Compute/virtualMachines")
    kind = values[at].strip("/")
    names = [str(v) for v in values[at + 1:]]
    segments = kind.split("/")
    if len(segments) - 1 != len(names):
        raise ValueError(f"{kind} takes {len(segments) - 1} name(s), got {len(names)}")
    return values[:at], kind, names


def provider_path(kind: str, names: list[str]) -> str:
    """`Microsoft.Compute/virtualMachines`, [`vm`] → `/providers/Microsoft.Compute/...s/vm`."""
    segments = kind.split("/")
    parts = [segments[0]]
    for child, name in zip(segments[1:], names, strict=True):
        parts += [child, name]
    return "/providers/" + "/".join(parts)


def _id_parts(scope: Scope, args: tuple[Node, ...],
              function: str) -> tuple[list[Any], str, list[str]] | Unknown:
    """The leading scope values, the type and the names of a resourceId-style call."""
    values = _values(scope, args)
    unknown = first_unknown(values)
    if unknown is not None:
        return unknown
    try:
        return _type_and_names(values)
    except ValueError as error:
        return Unknown(f"{function}() failed: {error}")


def _resource_id(scope: Scope, args: tuple[Node, ...]) -> Any:
    parts = _id_parts(scope, args, "resourceId")
    if isinstance(parts, Unknown):
        return parts
    before, kind, names = parts
    subscription, group = scope.subscription, scope.resource_group
    if len(before) == 1:
        group = str(before[0])
    elif len(before) >= 2:
        subscription, group = str(before[0]), str(before[1])
    return f"/subscriptions/{subscription}/resourceGroups/{group}{provider_path(kind, names)}"


def _subscription_resource_id(scope: Scope, args: tuple[Node, ...]) -> Any:
    parts = _id_parts(scope, args, "subscriptionResourceId")
    if isinstance(parts, Unknown):
        return parts
    before, kind, names = parts
    subscription = str(before[0]) if before else scope.subscription
    return f"/subscriptions/{subscription}{provider_path(kind, names)}"


def _tenant_resource_id(kind: str, *names: Any) -> str:
    return provider_path(kind.strip("/"), [str(n) for n in names])


def _extension_resource_id(target: str, kind: str, *names: Any) -> str:
    return target.rstrip("/") + provider_path(kind.strip("/"), [str(n) for n in names])


def _format(template: str, *values: Any) -> str:
    """.NET composite formatting: `{0}`, and `{0:D2}` (zero-padded) for integers."""
    def one(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        value, spec = values[int(match.group(1))], match.group(2) or ""
        if spec[:1] in ("D", "d") and isinstance(value, int) and spec[1:].isdigit():
            return str(value).zfill(int(spec[1:]))
        if spec:
            raise ValueError(f"the format {{{match.group(1)}:{spec}}} is not supported")
        return _text(value)
    return re.sub(r"\{\{|\}\}|\{(\d+)(?::([^}]*))?\}", one, template)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def _concat(*values: Any) -> Any:
    if values and all(isinstance(v, list) or v is None for v in values):
        return [item for v in values if v for item in v]
    return "".join(_text(v) for v in values)


def _union(*values: Any) -> Any:
    if all(isinstance(v, dict) or v is None for v in values):
        merged: dict[str, Any] = {}
        for value in values:
            for key, item in (value or {}).items():
                old = merged.get(key)
                merged[key] = _union(old, item) if isinstance(old, dict) \
                    and isinstance(item, dict) else item
        return merged
    result: list[Any] = []
    for value in values:
        for item in value or []:
            if item not in result:
                result.append(item)
    return result


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return _text(item) in container
    if isinstance(container, dict):
        return str(item).lower() in (k.lower() for k in container)
    return item in container


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _create_object(*values: Any) -> dict[str, Any]:
    if len(values) % 2:
        raise ValueError("it needs pairs of key and value")
    return {str(values[i]): values[i + 1] for i in range(0, len(values), 2)}


def _try_get(scope: Scope, args: tuple[Node, ...]) -> Any:
    values = _values(scope, args)
    value = values[0] if values else None
    for key in values[1:]:
        if value is None:
            return None
        if isinstance(value, Unknown) or isinstance(key, Unknown):
            return value if isinstance(value, Unknown) else key
        found = member(value, key)
        value = None if isinstance(found, Unknown) and not isinstance(value, Unknown) else found
    return value


def _json(text: str) -> Any:
    return json.loads(text)


def _to_int(value: Any) -> int:
    return int(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _equals(a: Any, b: Any) -> bool:
    return bool(a == b)


def _compare(name: str) -> Function:
    test = getattr(operator, name)

    def compare(a: Any, b: Any) -> bool:
        return bool(test(a, b))
    compare.__name__ = name
    return _strict(compare)


def _number(name: str, function: Any) -> Function:
    def number(*values: Any) -> Any:
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise ValueError("it takes integers")
        return function(*values)
    number.__name__ = name
    return _strict(number)


def _substring(text: str, start: int, length: int | None = None) -> str:
    return text[start:] if length is None else text[start:start + length]


FUNCTIONS: dict[str, Function] = {
    "parameters": _parameters, "variables": _variables, "if": _if, "and": _and, "or": _or,
    "coalesce": _coalesce, "copyindex": _copy_index, "resourcegroup": _resource_group,
    "subscription": _subscription, "resourceid": _resource_id,
    "subscriptionresourceid": _subscription_resource_id, "trygetproperty": _try_get,
    "tryget": _try_get,
    "tenantresourceid": _strict(_tenant_resource_id),
    "extensionresourceid": _strict(_extension_resource_id),
    "concat": _strict(_concat), "format": _strict(_format), "union": _strict(_union),
    "createobject": _strict(_create_object), "createarray": _strict(lambda *v: list(v)),
    "contains": _strict(_contains), "empty": _strict(_empty), "equals": _strict(_equals),
    "not": _strict(lambda v: not v), "true": _strict(lambda: True),
    "false": _strict(lambda: False), "null": _strict(lambda: None), "json": _strict(_json),
    "string": _strict(_text), "int": _strict(_to_int), "bool": _strict(_to_bool),
    "tolower": _strict(lambda s: s.lower()), "toupper": _strict(lambda s: s.upper()),
    "trim": _strict(lambda s: s.strip()), "length": _strict(len),
    "first": _strict(lambda v: v[0] if v else None), "last": _strict(lambda v: v[-1] if v
                                                                     else None),
    "split": _strict(lambda s, d: s.split(d) if isinstance(d, str)
                     else re.split("|".join(map(re.escape, d)), s)),
    "replace": _strict(lambda s, old, new: s.replace(old, new)),
    "substring": _strict(_substring),
    "startswith": _strict(lambda s, p: s.lower().startswith(p.lower())),
    "endswith": _strict(lambda s, p: s.lower().endswith(p.lower())),
    "add": _number("add", operator.add), "sub": _number("sub", operator.sub),
    "mul": _number("mul", operator.mul), "div": _number("div", operator.floordiv),
    "mod": _number("mod", operator.mod), "min": _number("min", min),
    "max": _number("max", max),
    "less": _compare("lt"), "lessorequals": _compare("le"), "greater": _compare("gt"),
    "greaterorequals": _compare("ge"),
}
