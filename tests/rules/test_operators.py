"""The operator table: a truth table for every operator, and properties that must always hold."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from auditor.rules.operators import (
    AGE_OPERATORS,
    COUNT_OPERATORS,
    FIELD_OPERATORS,
    LIST_OPERATORS,
    age,
    equals,
    exists,
    greater,
    greater_or_equals,
    in_,
    less,
    less_or_equals,
    like,
    not_equals,
    not_in,
    older_than,
    within,
)

AS_OF = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
CUTOFF = AS_OF - timedelta(days=30)  # what the compiler passes for `within: {days: 30}`
T = datetime(2026, 11, 14, 22, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))

# (operator, observed value, operand, holds)
TABLE: list[tuple[str, Any, Any, bool]] = [
    # equals: strings ignore case, numbers by value, booleans only with booleans
    ("equals", "AutomaticByPlatform", "automaticbyplatform", True),
    ("equals", "AutomaticByPlatform", "AutomaticByOS", False),
    ("equals", "Straße", "STRASSE", True),
    ("equals", 30, 30, True),
    ("equals", 30, 30.0, True),
    ("equals", 30, "30", True),
    ("equals", 30, "thirty", False),
    ("equals", "30", 30, True),  # tags and raw properties hold numbers as text
    ("equals", "thirty", 30, False),
    ("equals", 0, False, False),
    ("equals", 1, True, False),
    ("equals", True, True, True),
    ("equals", False, False, True),
    ("equals", True, False, False),
    ("equals", True, "true", False),
    ("equals", ["Critical", "Security"], ["critical", "security"], True),
    ("equals", ["Critical", "Security"], ["Security", "Critical"], False),
    ("equals", ["Critical"], ["Critical", "Security"], False),
    ("equals", T, "2026-11-14T22:00:00Z", True),
    ("equals", T, "2026-11-15T00:00:00+02:00", True),
    ("equals", T, "2026-11-14T22:00:00.0000000Z", True),
    ("equals", T, "2026-11-14T22:00:01Z", False),
    ("equals", T, "not a time", False),
    ("equals", None, None, False),
    ("equals", None, "", False),
    # notEquals: present and different
    ("notEquals", "Manual", "AutomaticByPlatform", True),
    ("notEquals", "MANUAL", "manual", False),
    ("notEquals", 1, True, True),
    ("notEquals", None, "Manual", False),
    ("notEquals", None, None, False),
    # in / notIn
    ("in", "westeurope", ["WestEurope", "northeurope"], True),
    ("in", "eastus", ["WestEurope", "northeurope"], False),
    ("in", 3, [1, 2, 3], True),
    ("in", True, [1], False),
    ("in", "x", [], False),
    ("in", None, [None], False),
    ("notIn", "eastus", ["westeurope"], True),
    ("notIn", "WESTEUROPE", ["westeurope"], False),
    ("notIn", "x", [], True),
    ("notIn", None, ["westeurope"], False),
    # exists: present or absent; an empty tuple (no classifications) is absent
    ("exists", "x", True, True),
    ("exists", "", True, True),
    ("exists", 0, True, True),
    ("exists", False, True, True),
    ("exists", None, True, False),
    ("exists", (), True, False),
    ("exists", None, False, True),
    ("exists", "x", False, False),
    ("exists", (), False, True),
    # ordered comparisons: numbers, numbers written as text, strings (case-insensitive), times
    ("greater", 5, 4, True),
    ("greater", 4, 4, False),
    ("greater", 4.5, 4, True),
    ("greater", 5, "4", True),
    ("greater", 5, "four", False),
    ("greater", "5", 4, True),
    ("greater", "five", 4, False),
    ("greater", "b", "A", True),
    ("greater", "B", "a", True),
    ("greater", T, "2026-11-14T21:59:59Z", True),
    ("greater", T, "2026-11-15T00:00:00+02:00", False),
    ("greater", "2026-11-15T00:00:01+02:00", T, True),
    ("greater", T, 5, False),
    ("greater", True, 0, False),
    ("greater", None, 0, False),
    ("greater", 1, None, False),
    ("greaterOrEquals", 4, 4, True),
    ("greaterOrEquals", 3, 4, False),
    ("greaterOrEquals", T, "2026-11-14T22:00:00.0000000Z", True),
    ("greaterOrEquals", None, 0, False),
    ("less", 3, 4, True),
    ("less", 4, 4, False),
    ("less", "a", "B", True),
    ("less", T, "2026-11-14T22:00:01Z", True),
    ("less", None, 4, False),
    ("lessOrEquals", 4, 4, True),
    ("lessOrEquals", 5, 4, False),
    ("lessOrEquals", T, "2026-11-15T00:00:00+02:00", True),
    ("lessOrEquals", None, 4, False),
    # contains: substring ignoring case, or a list item
    ("contains", "Windows Server 2022 Datacenter", "server 2022", True),
    ("contains", "Windows Server 2022 Datacenter", "2019", False),
    ("contains", ["Critical", "Security"], "security", True),
    ("contains", ["Critical", "Security"], "Definition", False),
    ("contains", [1, 2], 2, True),
    ("contains", "abc", 1, False),
    ("contains", 123, "2", False),
    ("contains", None, "x", False),
    # like: a glob, ignoring case
    ("like", "vm-web-prd-01", "VM-WEB-*", True),
    ("like", "vm-web-prd-01", "vm-web-prd-0?", True),
    ("like", "vm-web-prd-01", "vm-web-prd-?", False),
    ("like", "vm-web-prd-01", "*-dev-*", False),
    ("like", "2022-datacenter-azure-edition", "*azure-edition*", True),
    ("like", 5, "*", False),
    ("like", None, "*", False),
    # match: a regular expression, searched, case-sensitive unless (?i)
    ("match", "vm-web-prd-01", r"prd-\d+$", True),
    ("match", "vm-web-PRD-01", r"prd-\d+$", False),
    ("match", "vm-web-PRD-01", r"(?i)prd-\d+$", True),
    ("match", "vm-web-prd-01", re.compile(r"^vm-"), True),
    ("match", "vm-web-prd-01", r"^web", False),
    ("match", 1, r"1", False),
    ("match", None, r".*", False),
    ("match", None, r"([", False),  # a missing value is false before the pattern is read
    # within / olderThan: the operand is the cutoff (the as-of time minus the age)
    ("within", CUTOFF, CUTOFF, True),
    ("within", CUTOFF + timedelta(seconds=1), CUTOFF, True),
    ("within", CUTOFF - timedelta(seconds=1), CUTOFF, False),
    ("within", AS_OF + timedelta(days=1), CUTOFF, True),
    ("within", CUTOFF.astimezone(PLUS_TWO), CUTOFF, True),
    ("within", "2026-10-17T06:00:00Z", CUTOFF, True),
    ("within", "2026-10-17T08:00:00+02:00", CUTOFF, True),
    ("within", "2026-10-17T05:59:59.9999999Z", CUTOFF, False),
    ("within", "not a time", CUTOFF, False),
    ("within", 30, CUTOFF, False),
    ("within", None, CUTOFF, False),
    ("olderThan", CUTOFF, CUTOFF, False),
    ("olderThan", CUTOFF - timedelta(seconds=1), CUTOFF, True),
    ("olderThan", CUTOFF + timedelta(seconds=1), CUTOFF, False),
    ("olderThan", "2026-10-17T07:59:59+02:00", CUTOFF, True),
    ("olderThan", "not a time", CUTOFF, False),
    ("olderThan", None, CUTOFF, False),
]


@pytest.mark.parametrize(("name", "value", "operand", "holds"), TABLE,
                         ids=[f"{row[0]}-{index}" for index, row in enumerate(TABLE)])
def test_truth_table(name: str, value: Any, operand: Any, holds: bool) -> None:
    assert FIELD_OPERATORS[name](value, operand) is holds


def test_the_table_covers_every_operator_both_ways() -> None:
    for name in FIELD_OPERATORS:
        outcomes = {holds for row_name, _, _, holds in TABLE if row_name == name}
        assert outcomes == {True, False}, name


def test_operator_groups_name_only_operators_in_the_table() -> None:
    assert set(COUNT_OPERATORS) <= set(FIELD_OPERATORS)
    assert set(LIST_OPERATORS) <= set(FIELD_OPERATORS)
    assert set(AGE_OPERATORS) <= set(FIELD_OPERATORS)
    assert "like" not in COUNT_OPERATORS and "match" not in COUNT_OPERATORS


def test_every_operator_has_a_docstring() -> None:
    for name, function in FIELD_OPERATORS.items():
        assert function.__doc__, name


@pytest.mark.parametrize("name", sorted(set(FIELD_OPERATORS) - {"exists"}))
@pytest.mark.parametrize("operand", ["x", 0, True, ["x"], CUTOFF])
def test_a_missing_value_fails_every_operator_but_exists(name: str, operand: Any) -> None:
    assert FIELD_OPERATORS[name](None, operand) is False


def test_age_amounts() -> None:
    assert age({"days": 30}) == timedelta(days=30)
    assert age({"hours": 72}) == timedelta(hours=72)
    assert age({"days": 1.5}) == timedelta(hours=36)


# ----- properties ---------------------------------------------------------------------------

ASCII_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-5, 5, allow_nan=False),
                    st.text(max_size=6), st.sampled_from(["Failed", "FAILED", "failed", "5"]))
MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                       timezones=st.just(UTC))


@given(ASCII_TEXT)
def test_equals_ignores_the_case_of_text(text: str) -> None:
    assert equals(text, text.upper())
    assert equals(text.lower(), text)
    assert equals(text.swapcase(), text)
    assert not not_equals(text, text.upper())


@given(st.text(max_size=8), st.text(max_size=8))
def test_equals_is_symmetric_for_text(left: str, right: str) -> None:
    assert equals(left, right) == equals(right, left)


@given(SCALARS, SCALARS)
@example("5", 5)
@example("5", 5.0)
@example(1, True)
def test_equals_is_symmetric_for_scalars(left: Any, right: Any) -> None:
    if left is not None and right is not None:
        assert equals(left, right) == equals(right, left)


@given(SCALARS, st.lists(SCALARS, max_size=5))
def test_in_is_equals_to_any_item(value: Any, items: list[Any]) -> None:
    assert in_(value, items) == any(equals(value, item) for item in items)


@given(SCALARS, st.lists(SCALARS, max_size=5))
def test_not_in_is_present_and_in_none(value: Any, items: list[Any]) -> None:
    assert not_in(value, items) == (value is not None and not in_(value, items))


@given(SCALARS, SCALARS)
def test_not_equals_is_present_and_not_equal(value: Any, operand: Any) -> None:
    assert not_equals(value, operand) == (value is not None and not equals(value, operand))


@given(SCALARS)
def test_exists_true_and_false_are_opposites(value: Any) -> None:
    assert exists(value, True) != exists(value, False)
    assert exists(value, True) == (value is not None)


@given(st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False)),
       st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False)))
def test_ordered_comparisons_of_numbers_agree(left: float, right: float) -> None:
    assert greater(left, right) == less(right, left)
    assert greater_or_equals(left, right) == (greater(left, right) or equals(left, right))
    assert less_or_equals(left, right) == (less(left, right) or equals(left, right))
    assert greater(left, right) + less(left, right) + equals(left, right) == 1


@given(MOMENTS, MOMENTS)
def test_ordered_comparisons_read_iso_text_as_times(left: datetime, right: datetime) -> None:
    text = right.isoformat()
    assert greater(left, text) == (left > right)
    assert less_or_equals(left, text) == (left <= right)
    assert equals(left, right.astimezone(PLUS_TWO).isoformat()) == (left == right)


@given(MOMENTS, MOMENTS, st.integers(0, 400))
def test_within_and_older_than_partition_present_times(moment: datetime, as_of: datetime,
                                                       days: int) -> None:
    cutoff = as_of - timedelta(days=days)
    assert within(moment, cutoff) != older_than(moment, cutoff)
    assert within(moment, cutoff) == (moment >= cutoff)


@given(MOMENTS, st.integers(0, 400), st.sampled_from(["days", "hours"]))
def test_exactly_the_age_ago_is_within_and_not_older(as_of: datetime, amount: int,
                                                     unit: str) -> None:
    cutoff = as_of - age({unit: amount})
    exactly = cutoff
    assert within(exactly, cutoff) and not older_than(exactly, cutoff)
    assert within(exactly.isoformat(), cutoff) and not older_than(exactly.isoformat(), cutoff)
    earlier = exactly - timedelta(seconds=1)
    assert older_than(earlier, cutoff) and not within(earlier, cutoff)


@given(ASCII_TEXT)
def test_like_a_text_without_wildcards_matches_itself_in_any_case(text: str) -> None:
    plain = "".join(c for c in text if c not in "*?[]")
    assert like(plain, plain.upper())
    assert like(text, "*")


@given(ASCII_TEXT, ASCII_TEXT, ASCII_TEXT)
def test_contains_finds_a_part_in_any_case(head: str, part: str, tail: str) -> None:
    assert FIELD_OPERATORS["contains"]((head + part + tail).upper(), part.lower())
