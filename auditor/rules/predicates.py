"""The callables a compiled condition is made of: combinators, and fast forms of the
comparisons rules make most. They run once per resource (or related row) and rule."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from auditor.rules import operators
from auditor.rules.fields import Context, plain_attribute

Predicate = Callable[[Any, Context], bool]
Operand = Callable[[Any, Context], Any]


def compare(name: str, test: operators.Operator, get: Operand, operand: Any) -> Predicate:
    """A field compared with a constant: the operator, or for `equals` with text or a flag,
    the common case first, without the operator's dispatch (it runs for every resource)."""
    attribute = plain_attribute(get)
    if name == "equals" and isinstance(operand, bool) and attribute is not None:
        def equals_flag_attribute(resource: Any, ctx: Context) -> bool:
            # equals_flag below with the getter's attribute read inlined: one call less
            try:
                value = attribute(resource)
            except AttributeError:
                value = None
            if isinstance(value, bool):
                return value is operand
            return value is not None and test(value, operand)
        return equals_flag_attribute
    if name == "equals" and isinstance(operand, bool):
        def equals_flag(resource: Any, ctx: Context) -> bool:
            value = get(resource, ctx)
            if isinstance(value, bool):  # the common case, without the operator's dispatch
                return value is operand
            return value is not None and test(value, operand)
        return equals_flag
    if name == "equals" and isinstance(operand, str) and attribute is not None:
        folded = operand.casefold()

        def equals_text_attribute(resource: Any, ctx: Context) -> bool:
            # equals_text below with the getter's attribute read inlined: one call less
            try:
                value = attribute(resource)
            except AttributeError:
                value = None
            if isinstance(value, str):
                return value == operand or value.casefold() == folded
            return test(value, operand)
        return equals_text_attribute
    if name == "equals" and isinstance(operand, str):
        folded = operand.casefold()

        def equals_text(resource: Any, ctx: Context) -> bool:
            value = get(resource, ctx)
            if isinstance(value, str):  # the common case, without the operator's dispatch
                return value == operand or value.casefold() == folded
            return test(value, operand)  # a time or a number against its text
        return equals_text
    return lambda resource, ctx: test(get(resource, ctx), operand)


def age(get: Operand, test: operators.Operator, span: timedelta) -> Predicate:
    """A time compared with the as-of time less `span` (`within`, `olderThan`)."""
    holds = _AGE_COMPARE[test]

    def aged(resource: Any, ctx: Context) -> bool:
        value = get(resource, ctx)
        if isinstance(value, datetime):  # what the operator does, without its calls
            return holds(value, ctx.as_of - span)
        return test(value, ctx.as_of - span)
    return aged


def dynamic(test: operators.Operator, get: Operand, operand: Operand) -> Predicate:
    """Compare with another field; when that field is missing (and has no `otherwise`), the
    condition is false, as for a missing value: `notEquals` and `match` never pass on absence."""
    def against_field(resource: Any, ctx: Context) -> bool:
        other = operand(resource, ctx)
        return other is not None and test(get(resource, ctx), other)
    return against_field


# For a count compared with a number and a time compared with a cutoff: what the general
# operators (operators.equals, _ordered, within, older_than) return for these types.
NUMBER_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "equals": operator.eq, "notEquals": operator.ne, "greater": operator.gt,
    "greaterOrEquals": operator.ge, "less": operator.lt, "lessOrEquals": operator.le}
_AGE_COMPARE: dict[operators.Operator, Callable[[Any, Any], bool]] = {
    operators.within: operator.ge, operators.older_than: operator.lt}


def never(resource: Any, ctx: Context) -> bool:
    return False


# `all_of` and `any_of` loop rather than call all()/any() on a generator: they run for every
# resource and condition, and the loop is about twice as fast.
def all_of(parts: list[Predicate]) -> Predicate:
    # Two or three parts, the usual shapes: unrolled, without the loop's overhead. Every
    # condition returns a bool, so `and` / `or` of them is a bool too, as the loop returns.
    if len(parts) == 2:
        first, second = parts
        return lambda resource, ctx: first(resource, ctx) and second(resource, ctx)
    if len(parts) == 3:
        first, second, third = parts
        return lambda resource, ctx: (first(resource, ctx) and second(resource, ctx)
                                      and third(resource, ctx))

    def every(resource: Any, ctx: Context) -> bool:
        for part in parts:  # noqa: SIM110
            if not part(resource, ctx):
                return False
        return True
    return every


def any_of(parts: list[Predicate]) -> Predicate:
    if len(parts) == 2:  # unrolled, as in all_of
        first, second = parts
        return lambda resource, ctx: first(resource, ctx) or second(resource, ctx)
    if len(parts) == 3:
        first, second, third = parts
        return lambda resource, ctx: (first(resource, ctx) or second(resource, ctx)
                                      or third(resource, ctx))

    def some(resource: Any, ctx: Context) -> bool:
        for part in parts:  # noqa: SIM110
            if part(resource, ctx):
                return True
        return False
    return some
