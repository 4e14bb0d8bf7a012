"""ARM template expressions: parse `[...]` strings and evaluate a subset, or say *unknown*.

The grammar (docs/planned-state.md): a call `name(arg, ...)`, a string literal in single quotes
(`''` is a quote), an integer, `true`/`false`/`null`, then any number of `.property` and
`[index]` accessors. A function outside the supported subset (functions.py) is not guessed:
its value is `Unknown`, which carries the reason and spreads through every value built from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value not known until deployment, with the reason in words."""

    reason: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Access:
    target: Node
    key: Node | str  # `.name` gives a str, `[expr]` a node


Node = Call | Access | str | int | bool | None


class ExpressionError(ValueError):
    """An expression that does not parse; its value is unknown, and the reason says why."""


_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*?)(?=\s*\()|(?P<word>[A-Za-z_]\w*)"
                    r"|(?P<punct>[()\[\],.]))")


def is_expression(value: object) -> bool:
    """`[...]` is an expression; `[[...]` is an escaped literal that starts with `[`."""
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") \
        and not value.startswith("[[")


def literal(value: str) -> str:
    """The literal a template string stands for: `[[x]` is `[x]`."""
    return value[1:] if value.startswith("[[") else value


def parse(text: str) -> Node:
    """Parse the inside of an expression string (without the outer brackets)."""
    tokens = list(_tokens(text))
    node, position = _expression(tokens, 0)
    if position != len(tokens):
        raise ExpressionError(f"unexpected {tokens[position][1]!r}")
    return node


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:position + 20]!r}")
        kind = match.lastgroup or ""
        yield kind, match.group(kind)
        position = match.end()


def _expression(tokens: list[tuple[str, str]], at: int) -> tuple[Node, int]:
    if at >= len(tokens):
        raise ExpressionError("the expression ends too early")
    kind, text = tokens[at]
    node: Node
    if kind == "string":
        node, at = text[1:-1].replace("''", "'"), at + 1
    elif kind == "number":
        node, at = int(text), at + 1
    elif kind == "word" and text.lower() in ("true", "false", "null"):
        node, at = {"true": True, "false": False, "null": None}[text.lower()], at + 1
    elif kind == "name":
        node, at = _call(tokens, at)
    else:
        raise ExpressionError(f"unexpected {text!r}")
    while at < len(tokens) and tokens[at][1] in (".", "["):
        if tokens[at][1] == ".":
            if at + 1 >= len(tokens) or tokens[at + 1][0] not in ("word", "name"):
                raise ExpressionError("a property name must follow '.'")
            node, at = Access(node, tokens[at + 1][1]), at + 2
        else:
            index, at = _expression(tokens, at + 1)
            if at >= len(tokens) or tokens[at][1] != "]":
                raise ExpressionError("missing ']'")
            node, at = Access(node, index), at + 1
    return node, at


def _call(tokens: list[tuple[str, str]], at: int) -> tuple[Call, int]:
    name = tokens[at][1]
    at += 2  # the name and "("
    args: list[Node] = []
    if at < len(tokens) and tokens[at][1] == ")":
        return Call(name.lower(), ()), at + 1
    while True:
        arg, at = _expression(tokens, at)
        args.append(arg)
        if at >= len(tokens):
            raise ExpressionError(f"missing ')' after the arguments of {name}")
        if tokens[at][1] == ")":
            return Call(name.lower(), tuple(args)), at + 1
        if tokens[at][1] != ",":
            raise ExpressionError(f"expected ',' or ')' in {name}(...), got {tokens[at][1]!r}")
        at += 1


Function = Callable[["Scope", tuple[Node, ...]], Any]


@dataclass
class Scope:
    """What an expression can see: parameters, variables, the deployment and the loop."""

    parameters: dict[str, Any]
    variables: dict[str, Any]
    subscription: str
    resource_group: str
    location: Any  # a string, or Unknown when --location was not given
    functions: dict[str, Function]
    copy_index: dict[str, int] = field(default_factory=dict)
    _resolved: dict[str, Any] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)

    def value(self, node: Node) -> Any:
        """Evaluate a parsed node."""
        if isinstance(node, Call):
            function = self.functions.get(node.name)
            if function is None:
                return Unknown(_unsupported(node.name))
            return function(self, node.args)
        if isinstance(node, Access):
            target = self.value(node.target)
            key = node.key if isinstance(node.key, str) else self.value(node.key)
            return member(target, key)
        return node

    def variable(self, name: str) -> Any:
        """A variable's value, evaluated once, on first use (variables may use each other)."""
        key = name.lower()
        if key in self._resolved:
            return self._resolved[key]
        found = next((k for k in self.variables if k.lower() == key), None)
        loops = self.variables.get("copy")
        if found is None and isinstance(loops, list) and any(
                isinstance(loop, dict) and str(loop.get("name", "")).lower() == key
                for loop in loops):  # a variable loop: {"copy": [{name, count, input}]}
            copies = _property_copies(loops, self)
            return next((v for k, v in copies.items() if k.lower() == key), None)
        if found is None:
            return Unknown(f"variable '{name}' is not defined")
        if key in self._resolving:
            return Unknown(f"variable '{name}' refers to itself")
        self._resolving.add(key)
        try:
            value = evaluate(self.variables[found], self)
        finally:
            self._resolving.discard(key)
        self._resolved[key] = value
        return value

    def child(self, **changes: Any) -> Scope:
        """The same scope inside a copy loop or a nested deployment."""
        values = {"parameters": self.parameters, "variables": self.variables,
                  "subscription": self.subscription, "resource_group": self.resource_group,
                  "location": self.location, "functions": self.functions,
                  "copy_index": dict(self.copy_index)}
        values.update(changes)
        scope = Scope(**values)
        if scope.variables is self.variables:
            scope._resolved = self._resolved
        return scope


def _unsupported(name: str) -> str:
    if name == "reference" or name.startswith("list"):
        return f"{name}() reads the deployed resource"
    if name in ("newguid", "utcnow"):
        return f"{name}() changes with every deployment"
    if "." in name:
        return f"the user-defined function {name}() is not evaluated offline"
    return f"the function {name}() is not evaluated offline"


def member(target: Any, key: Any) -> Any:
    """`target.key` or `target[key]`: object keys ignore case, as ARM's do."""
    if isinstance(target, Unknown):
        return target
    if isinstance(key, Unknown):
        return key
    if isinstance(target, dict) and isinstance(key, str):
        if key in target:
            return target[key]
        found = next((k for k in target if k.lower() == key.lower()), None)
        if found is None:
            return Unknown(f"the object has no property '{key}'")
        return target[found]
    if isinstance(target, list) and isinstance(key, int) and not isinstance(key, bool):
        if -len(target) <= key < len(target):
            return target[key]
        return Unknown(f"index {key} is outside the array")
    return Unknown(f"cannot read [{key!r}] of {type(target).__name__}")


def evaluate(value: Any, scope: Scope) -> Any:
    """Evaluate every expression inside a template value (strings, objects, arrays).

    A property-level `copy` array inside an object is expanded, as ARM does."""
    if isinstance(value, str):
        if not is_expression(value):
            return literal(value)
        try:
            node = parse(value[1:-1])
        except ExpressionError as error:
            return Unknown(f"the expression {value[:80]!r} does not parse: {error}")
        return scope.value(node)
    if isinstance(value, list):
        return [evaluate(item, scope) for item in value]
    if isinstance(value, dict):
        result = {key: evaluate(item, scope) for key, item in value.items() if key != "copy"}
        if isinstance(value.get("copy"), list):
            result.update(_property_copies(value["copy"], scope))
        elif "copy" in value:
            result["copy"] = evaluate(value["copy"], scope)
        return result
    return value


def _property_copies(loops: list[Any], scope: Scope) -> dict[str, Any]:
    copies: dict[str, Any] = {}
    for loop in loops:
        if not isinstance(loop, dict) or not isinstance(loop.get("name"), str):
            continue
        count = evaluate(loop.get("count"), scope)
        if not isinstance(count, int) or isinstance(count, bool):
            copies[loop["name"]] = Unknown("the copy count is not known")
            continue
        copies[loop["name"]] = [
            evaluate(loop.get("input"), scope.child(copy_index={**scope.copy_index,
                                                                  loop["name"].lower(): i}))
            for i in range(count)]
    return copies


def contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def first_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) \
        else ()
    for item in items:
        found = first_unknown(item)
        if found is not None:
            return found
    return None
