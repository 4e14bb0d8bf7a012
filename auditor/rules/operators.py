"""The operator table: each operator is a small function of the observed value and the operand.

A value of None means the field is missing; every operator but `exists` is then false (see
docs/rule-language.md). Strings compare case-insensitively, as in Azure Policy.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from auditor.snapshot.coerce import to_time

Operator = Callable[[Any, Any], bool]


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _comparable(value: Any, operand: Any) -> tuple[Any, Any]:
    """Bring a time or a number and an operand written as text to one type.

    A boolean compares only with a boolean: `true` is not the number 1."""
    if isinstance(value, datetime) and isinstance(operand, str):
        return value, to_time(operand)
    if isinstance(value, str) and isinstance(operand, datetime):
        return to_time(value), operand
    if isinstance(value, bool) or isinstance(operand, bool):
        if isinstance(value, bool) != isinstance(operand, bool):
            raise TypeError("a boolean compares only with a boolean")
        return value, operand
    if isinstance(value, (int, float)) and isinstance(operand, str):
        return value, float(operand)
    if isinstance(value, str) and isinstance(operand, (int, float)):
        return float(value), operand  # a tag or a raw property holding a number as text
    return _fold(value), _fold(operand)


def equals(value: Any, operand: Any) -> bool:
    """The value equals the operand; strings ignore case; lists compare item by item."""
    if value is None:
        return False
    if isinstance(value, (list, tuple)) and isinstance(operand, (list, tuple)):
        return len(value) == len(operand) and all(
            equals(v, o) for v, o in zip(value, operand, strict=True))
    try:
        left, right = _comparable(value, operand)
    except (TypeError, ValueError):
        return False
    return bool(left == right)


def not_equals(value: Any, operand: Any) -> bool:
    """The value is present and differs from the operand."""
    return value is not None and not equals(value, operand)


def in_(value: Any, operand: Any) -> bool:
    """The value equals one of the operand's items."""
    return value is not None and any(equals(value, item) for item in operand)


def not_in(value: Any, operand: Any) -> bool:
    """The value is present and equals none of the operand's items."""
    return value is not None and not in_(value, operand)


def exists(value: Any, operand: Any) -> bool:
    """`exists: true` holds for a present value, `exists: false` for a missing one."""
    present = value is not None and value != ()
    return present if operand else not present


def _ordered(test: Callable[[Any, Any], bool]) -> Operator:
    def compare(value: Any, operand: Any) -> bool:
        if value is None or operand is None:
            return False
        try:
            left, right = _comparable(value, operand)
            return test(left, right)
        except (TypeError, ValueError):
            return False
    compare.__doc__ = "An ordered comparison of numbers, strings or times."
    return compare


greater = _ordered(lambda a, b: a > b)
greater_or_equals = _ordered(lambda a, b: a >= b)
less = _ordered(lambda a, b: a < b)
less_or_equals = _ordered(lambda a, b: a <= b)


def contains(value: Any, operand: Any) -> bool:
    """A string holds the operand (ignoring case), or a list holds an item equal to it."""
    if isinstance(value, str):
        return isinstance(operand, str) and operand.casefold() in value.casefold()
    if isinstance(value, (list, tuple)):
        return any(equals(item, operand) for item in value)
    return False


def like(value: Any, operand: Any) -> bool:
    """The string matches a glob (`*`, `?`), ignoring case."""
    return isinstance(value, str) and fnmatch.fnmatchcase(value.casefold(), str(operand).casefold())


def match(value: Any, operand: Any) -> bool:
    """The string contains a match of the regular expression (compiled once, at load)."""
    if not isinstance(value, str):
        return False
    pattern = operand if isinstance(operand, re.Pattern) else re.compile(str(operand))
    return pattern.search(value) is not None


def _time(value: Any) -> datetime | None:
    """A time, or an ISO 8601 text (a raw `properties.` path) read as one; else None."""
    if isinstance(value, str):
        try:
            return to_time(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def within(value: Any, operand: Any) -> bool:
    """The time lies at most the operand (a cutoff time) before the as-of time, or later."""
    moment = _time(value)
    return moment is not None and moment >= operand


def older_than(value: Any, operand: Any) -> bool:
    """The time lies more than the operand (a cutoff time) before the as-of time."""
    moment = _time(value)
    return moment is not None and moment < operand


FIELD_OPERATORS: dict[str, Operator] = {
    "equals": equals,
    "notEquals": not_equals,
    "in": in_,
    "notIn": not_in,
    "exists": exists,
    "greater": greater,
    "greaterOrEquals": greater_or_equals,
    "less": less,
    "lessOrEquals": less_or_equals,
    "contains": contains,
    "like": like,
    "match": match,
    "within": within,
    "olderThan": older_than,
}
COUNT_OPERATORS = ("equals", "notEquals", "greater", "greaterOrEquals", "less", "lessOrEquals")
LIST_OPERATORS = ("in", "notIn")
AGE_OPERATORS = ("within", "olderThan")


def age(amount: dict[str, float]) -> timedelta:
    """`{days: 30}` or `{hours: 72}` as a timedelta."""
    return timedelta(days=float(amount.get("days", 0)), hours=float(amount.get("hours", 0)))
