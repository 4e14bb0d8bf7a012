"""Compile a rule's conditions and message into Python callables, once, before evaluation.

Every problem found on the way is collected with its place in the rule file, so that
validation reports all of a file's errors at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from auditor.model import Assignment, Machine, MaintenanceConfiguration
from auditor.rules import operators, predicates
from auditor.rules.fields import (
    DICT,
    RAW,
    SCALAR,
    Context,
    PathError,
    Relation,
    resolve,
)
from auditor.rules.predicates import Operand, Predicate
from auditor.rules.render import render
from auditor.rules.spec import Rule
from auditor.yamlfile import Path

SUBJECTS: dict[str, type[Any]] = {
    "machine": Machine,
    "maintenanceConfiguration": MaintenanceConfiguration,
    "assignment": Assignment,
}
_PARAMETER = re.compile(r"^\$\{([A-Za-z][A-Za-z0-9_]*)\}$")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_CONNECTIVES = ("allOf", "anyOf", "not", "field", "count")


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    subject: type[Any]
    applies: Callable[[Any, Context], str | None]
    check: Predicate
    message: Callable[[Any, Context], str]
    evidence: tuple[tuple[str, Operand], ...]
    parameters: dict[str, Any]
    uses_raw: bool
    # The fields appliesTo and check read, per record type (for values unknown until
    # deployment: the engine says `unknown` when a verdict may rest on one).
    applies_reads: frozenset[tuple[type[Any], str]] = frozenset()
    check_reads: frozenset[tuple[type[Any], str]] = frozenset()


class Compiler:
    """Compiles one rule with given parameter values; `problems` holds what is wrong."""

    def __init__(self, rule: Rule, parameters: dict[str, Any]) -> None:
        self.rule = rule
        self.parameters = parameters
        self.problems: list[tuple[Path, str]] = []
        self.uses_raw = False
        self.evidence: dict[str, Operand] = {}
        self.count_of: Operand | None = None
        self.subject = SUBJECTS[rule.resource]
        self._inside_count = False  # within a count's `where`: fields there are not evidence
        self.reads: dict[str, set[tuple[type[Any], str]]] = {"applies": set(), "check": set()}
        self._section = "applies"

    def compile(self) -> CompiledRule:
        rule = self.rule
        subject = self.subject
        self._section = "applies"
        applies = self._applies(subject)
        if rule.kinds:
            self.reads["applies"].add((Machine, "kind"))
        if rule.os:
            self.reads["applies"].add((Machine, "osType"))
        self._section = "check"
        check = self.condition(rule.check, subject, ("check",), top=True)
        self._section = "message"
        message = self._message(subject)
        return CompiledRule(rule, subject, applies, check, message,
                            tuple(sorted(self.evidence.items())), self.parameters, self.uses_raw,
                            frozenset(self.reads["applies"]), frozenset(self.reads["check"]))

    # ----- appliesTo --------------------------------------------------------------------
    def _applies(self, subject: type[Any]) -> Callable[[Any, Context], str | None]:
        """None when the rule applies; otherwise why not, in words."""
        kinds = frozenset(self.rule.kinds)
        systems = frozenset(self.rule.os)
        precondition = None
        if self.rule.precondition is not None:
            precondition = self.condition(self.rule.precondition, subject,
                                          ("appliesTo", "precondition"))
        described = self.rule.applies_to
        kind_reason = f"applies to {described or ' and '.join(sorted(kinds)) + ' only'}"
        os_reason = f"applies to {described or ' and '.join(sorted(systems)) + ' only'}"
        other_reason = f"applies to {described}" if described else "precondition not met"

        def applies(resource: Any, ctx: Context) -> str | None:
            if kinds and resource.kind not in kinds:
                return kind_reason
            if systems and resource.os_type not in systems:
                return os_reason
            if precondition is not None and not precondition(resource, ctx):
                return other_reason
            return None
        return applies

    # ----- conditions -------------------------------------------------------------------
    def condition(self, node: Any, subject: Any, path: Path, top: bool = False) -> Predicate:
        present = [key for key in _CONNECTIVES if key in node]
        if len(present) != 1:
            what = "none" if not present else " and ".join(present)
            self.problems.append((path, "a condition needs exactly one of allOf, anyOf, not, "
                                        f"field or count; found {what}"))
            return predicates.never
        kind = present[0]
        if kind in ("allOf", "anyOf"):
            parts = [self.condition(item, subject, (*path, kind, index))
                     for index, item in enumerate(node[kind])]
            self._only(node, (kind,), path)
            return predicates.all_of(parts) if kind == "allOf" else predicates.any_of(parts)
        if kind == "not":
            self._only(node, ("not",), path)
            inner = self.condition(node["not"], subject, (*path, "not"))
            return lambda resource, ctx: not inner(resource, ctx)
        if kind == "count":
            return self._count(node, subject, path, top)
        return self._field(node, subject, path, top)

    def _only(self, node: dict[str, Any], allowed: tuple[str, ...], path: Path) -> None:
        for key in node:
            if key not in allowed:
                self.problems.append(((*path, key), f"'{key}' does not belong beside "
                                                    f"'{allowed[0]}'"))

    def _operator(self, node: dict[str, Any], allowed: tuple[str, ...], path: Path,
                  lead: str) -> str | None:
        found = [key for key in node if key in operators.FIELD_OPERATORS]
        if len(found) != 1:
            self.problems.append((path, f"'{lead}' needs exactly one operator "
                                        f"({', '.join(allowed)}); found "
                                        f"{' and '.join(found) if found else 'none'}"))
            return None
        if found[0] not in allowed:
            self.problems.append(((*path, found[0]), f"'{found[0]}' cannot compare a count; use "
                                                     f"one of {', '.join(allowed)}"))
            return found[0]  # reported here; the caller does not report it again
        return found[0]

    def _resolve(self, subject: Any, text: Any, path: Path) -> Any:
        try:
            resolved = resolve(subject, str(text))
        except PathError as error:
            self.problems.append((path, str(error)))
            return None
        self.uses_raw = self.uses_raw or resolved.uses_raw
        if self._section in self.reads:
            self.reads[self._section].update(resolved.reads)
        return resolved

    def _field(self, node: dict[str, Any], subject: Any, path: Path, top: bool) -> Predicate:
        name = self._operator(node, tuple(operators.FIELD_OPERATORS), path, "field")
        self._only(node, ("field", *([name] if name else operators.FIELD_OPERATORS)), path)
        resolved = self._resolve(subject, node["field"], (*path, "field"))
        if name is None or resolved is None:
            return predicates.never
        if isinstance(resolved.kind, Relation):
            self.problems.append(((*path, "field"), f"'{node['field']}' is a list of rows; use "
                                                    "count, or a member such as .latest"))
            return predicates.never
        if top or not self._inside_count:
            self.evidence[str(node["field"])] = resolved.getter
        get = resolved.getter
        return self._leaf(get, name, node[name], subject, (*path, name))

    def _leaf(self, get: Operand, name: str, raw_operand: Any, subject: Any,
              path: Path) -> Predicate:
        test = operators.FIELD_OPERATORS[name]
        if name in operators.AGE_OPERATORS:
            return self._age(get, test, raw_operand, subject, path)
        known = len(self.problems)
        constant, operand = self.operand(raw_operand, subject, path)
        if len(self.problems) > known:  # an undeclared parameter or unknown field, said once
            return predicates.never
        if name == "match" and constant:
            try:
                operand = re.compile(str(operand))
            except re.error as error:
                self.problems.append((path, f"the regular expression does not compile: {error}"))
                return predicates.never
        if name in operators.LIST_OPERATORS and constant and not isinstance(operand, list):
            self.problems.append((path, f"'{name}' needs a list"))
            return predicates.never
        if name == "exists" and constant and not isinstance(operand, bool):
            self.problems.append((path, "'exists' needs true or false"))
            return predicates.never
        if not constant:
            return predicates.dynamic(test, get, operand)
        return predicates.compare(name, test, get, operand)

    def _age(self, get: Operand, test: operators.Operator, amount: Any, subject: Any,
             path: Path) -> Predicate:
        unit = next(iter(amount)) if isinstance(amount, dict) and len(amount) == 1 else None
        if unit not in ("days", "hours"):
            self.problems.append((path, "expected {days: N} or {hours: N}"))
            return predicates.never
        known = len(self.problems)
        constant, number = self.operand(amount[unit], subject, (*path, unit))
        if len(self.problems) > known:
            return predicates.never
        scale = timedelta(days=1) if unit == "days" else timedelta(hours=1)
        if constant:
            if not isinstance(number, (int, float)) or isinstance(number, bool):
                self.problems.append(((*path, unit), f"expected a number, got {render(number)}"))
                return predicates.never
            return predicates.age(get, test, scale * number)

        def dynamic(resource: Any, ctx: Context) -> bool:
            value = number(resource, ctx)
            if isinstance(value, str):  # a tag holds a number as text; other text raises
                value = float(value)
            return value is not None and test(get(resource, ctx), ctx.as_of - scale * value)
        return dynamic

    def _count(self, node: dict[str, Any], subject: Any, path: Path, top: bool) -> Predicate:
        name = self._operator(node, operators.COUNT_OPERATORS, path, "count")
        self._only(node, ("count", "where", *([name] if name else operators.COUNT_OPERATORS)),
                   path)
        resolved = self._resolve(subject, node["count"], (*path, "count"))
        if resolved is None or name is None or name not in operators.COUNT_OPERATORS:
            return predicates.never
        if not isinstance(resolved.kind, Relation):
            self.problems.append(((*path, "count"), f"'{node['count']}' is not a list of rows"))
            return predicates.never
        rows = resolved.getter
        where: Predicate | None = None
        if "where" in node:
            outer, self._inside_count = self._inside_count, True
            where = self.condition(node["where"], resolved.kind.item, (*path, "where"))
            self._inside_count = outer

        def count(resource: Any, ctx: Context) -> int:
            items = rows(resource, ctx) or ()
            if where is None:
                return len(items)
            # A failing resource is counted three times over (check, `{{ count }}`, evidence):
            # the context keeps the last total, valid for the same count, row and judged
            # resource (a context judges one snapshot as of one moment).
            last = ctx.last_count
            if last is not None and last[0] is count and last[1] is resource \
                    and last[2] is ctx.resource:
                return last[3]
            total = 0
            for item in items:
                if where(item, ctx):
                    total += 1
            ctx.last_count = (count, resource, ctx.resource, total)
            return total
        if top:
            self.count_of = count
        if not self._inside_count:
            self.evidence[f"count({node['count']})"] = count
        constant, operand = self.operand(node[name], subject, (*path, name))
        test = operators.FIELD_OPERATORS[name]
        if constant and isinstance(operand, (int, float)) and not isinstance(operand, bool):
            # A count against a number: what the operator would return, without its dispatch.
            compare = predicates.NUMBER_COMPARE[name]
            return lambda resource, ctx: compare(count(resource, ctx), operand)
        if constant:
            return lambda resource, ctx: test(count(resource, ctx), operand)
        return predicates.dynamic(test, count, operand)

    # ----- operands ---------------------------------------------------------------------
    def operand(self, raw: Any, subject: Any, path: Path) -> tuple[bool, Any]:
        """(True, value) for a literal or parameter; (False, getter) for a field reference."""
        if isinstance(raw, str) and (found := _PARAMETER.match(raw)):
            name = found.group(1)
            if name not in self.parameters:
                self.problems.append((path, f"parameter '{name}' is referenced but not declared "
                                            "under parameters"))
                return True, None
            return True, self.parameters[name]
        if isinstance(raw, list):
            return True, [self.operand(item, subject, path)[1] for item in raw]
        if isinstance(raw, dict) and "field" in raw:
            outer = raw.get("of") == "resource"  # inside `where`: the judged resource's field
            resolved = self._resolve(self.subject if outer else subject, raw["field"],
                                     (*path, "field"))
            if resolved is None:
                return True, None
            get = resolved.getter
            if outer:
                inner_get = get

                def get(row: Any, ctx: Context) -> Any:
                    return inner_get(ctx.resource, ctx)
            plus = self.operand(raw.get("plus", 0), subject, (*path, "plus"))[1]
            otherwise = self.operand(raw.get("otherwise"), subject, (*path, "otherwise"))[1]

            def reference(resource: Any, ctx: Context) -> Any:
                value = get(resource, ctx)
                if value is None:
                    return otherwise
                if plus and isinstance(value, str):  # a tag holds a number as text
                    value = float(value)
                return value + plus if plus and isinstance(value, (int, float)) else value
            return False, reference
        return True, raw

    # ----- message ----------------------------------------------------------------------
    def _message(self, subject: Any) -> Callable[[Any, Context], str]:
        message = self.rule.message
        if isinstance(message, str):
            return self._template(message, subject, ("message",))
        choices: list[tuple[Predicate | None, Callable[[Any, Context], str]]] = []
        for index, entry in enumerate(message):
            when = entry.get("when")
            condition = None if when is None else self.condition(
                when, subject, ("message", index, "when"))
            choices.append((condition, self._template(entry["text"], subject,
                                                      ("message", index, "text"))))
        if choices and choices[-1][0] is not None:
            self.problems.append((("message",), "the last message needs no 'when', so that "
                                                "every finding has a message"))

        def choose(resource: Any, ctx: Context) -> str:
            for condition, text in choices:
                if condition is None or condition(resource, ctx):
                    return text(resource, ctx)
            return ""
        return choose

    def _template(self, text: str, subject: Any, path: Path) -> Callable[[Any, Context], str]:
        pieces: list[str | Operand] = []
        position = 0
        for found in _PLACEHOLDER.finditer(text):
            pieces.append(text[position:found.start()])
            name = found.group(1)
            position = found.end()
            if name in self.parameters:
                pieces.append(render(self.parameters[name]))
            elif name == "count":
                if self.count_of is None:
                    self.problems.append((path, "'{{ count }}' needs a check that is a count "
                                                "(check: {count: RELATION, ...})"))
                pieces.append(lambda resource, ctx: self.count_of(resource, ctx)
                              if self.count_of else None)
            else:
                resolved = self._resolve(subject, name, path)
                if resolved is not None and resolved.kind not in (SCALAR, DICT, RAW) \
                        and not isinstance(resolved.kind, type):
                    self.problems.append((path, f"'{name}' is a list; count it instead"))
                pieces.append(resolved.getter if resolved else (lambda r, c: None))
        pieces.append(text[position:])
        if all(isinstance(piece, str) for piece in pieces):
            # Squashed once, here, as _squash would on every call.
            constant = " ".join("".join(p for p in pieces if isinstance(p, str)).split())
            return lambda resource, ctx: constant

        def fill(resource: Any, ctx: Context) -> str:
            return "".join([piece if isinstance(piece, str) else render(piece(resource, ctx))
                            for piece in pieces])
        return _squash(fill)


def _squash(fill: Callable[[Any, Context], str]) -> Callable[[Any, Context], str]:
    """Messages are folded YAML; keep them on one line with single spaces."""
    return lambda resource, ctx: " ".join(fill(resource, ctx).split())
