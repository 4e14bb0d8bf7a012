"""Ages through whole rules: the cutoff is inclusive, offsets and 7-digit fractions count."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.engine.examples import judge_rows

AS_OF = "2026-11-16T06:00:00Z"

NO_RECENT_FAILURE = """
    parameters:
      days: {type: integer, default: 30}
    check:
      count: installations
      where:
        allOf:
          - field: status
            equals: Failed
          - field: startDateTime
            within: {days: "${days}"}
      equals: 0
    message: "{{ count }} failed run(s) in {{ days }} days; expected none"
"""


@pytest.mark.parametrize(("start", "outcome"), [
    ("2026-10-17T06:00:00Z", "fail"),               # exactly 30 days before: within
    ("2026-10-17T06:00:01Z", "fail"),               # one second inside
    ("2026-10-17T05:59:59Z", "pass"),               # one second outside
    ("2026-10-17T08:00:00+02:00", "fail"),          # the same instant as the cutoff, at +02:00
    ("2026-10-17T07:59:59+02:00", "pass"),          # a second before it, at +02:00
    ("2026-10-17T06:00:00.0000000Z", "fail"),       # 7-digit fraction, exactly at the cutoff
    ("2026-10-17T05:59:59.9999990Z", "pass"),       # 7-digit fraction, a microsecond outside
    ("2026-10-17T06:00:00.0000010Z", "fail"),       # 7-digit fraction, a microsecond inside
    ("2026-10-17T08:00:00.0000000+02:00", "fail"),  # both at once
    ("2026-11-16T06:00:00Z", "fail"),               # at the as-of time
    ("2026-11-20T06:00:00Z", "fail"),               # later than the as-of time is within
])
def test_within_days_at_the_cutoff(make_rule: Any, rows: Any, start: str, outcome: str) -> None:
    rule = make_rule(NO_RECENT_FAILURE)
    machine = rows.vm()
    finding = judge_rows(rule, [machine, rows.run(machine, 1, "Failed", start)], AS_OF)
    assert finding.outcome.value == outcome
    if outcome == "fail":
        assert finding.message == "1 failed run(s) in 30 days; expected none"


def test_a_run_without_a_start_time_is_not_within(make_rule: Any, rows: Any) -> None:
    machine = rows.vm()
    finding = judge_rows(make_rule(NO_RECENT_FAILURE),
                         [machine, rows.run(machine, 1, "Failed", None)], AS_OF)
    assert finding.outcome.value == "pass"


def test_only_failed_runs_within_the_window_count(make_rule: Any, rows: Any) -> None:
    machine = rows.vm()
    finding = judge_rows(make_rule(NO_RECENT_FAILURE), [
        machine,
        rows.run(machine, 1, "Failed", "2026-11-10T00:00:00Z"),
        rows.run(machine, 2, "Failed", "2026-11-01T00:00:00.1234567+01:00"),
        rows.run(machine, 3, "Succeeded", "2026-11-12T00:00:00Z"),
        rows.run(machine, 4, "Failed", "2026-09-01T00:00:00Z"),
    ], AS_OF)
    assert (finding.outcome.value, finding.message) == \
        ("fail", "2 failed run(s) in 30 days; expected none")


@pytest.mark.parametrize(("days", "outcome"), [(7, "pass"), (8, "fail"), (30, "fail")])
def test_the_window_follows_the_parameter(make_rule: Any, rows: Any, days: int,
                                          outcome: str) -> None:
    machine = rows.vm()
    finding = judge_rows(make_rule(NO_RECENT_FAILURE),
                         [machine, rows.run(machine, 1, "Failed", "2026-11-08T06:00:00Z")],
                         AS_OF, parameters={"days": days})
    assert finding.outcome.value == outcome


@pytest.mark.parametrize(("as_of", "outcome"), [
    ("2026-11-16T06:00:00Z", "fail"),
    ("2026-11-16T08:00:00+02:00", "fail"),        # the same moment written at +02:00
    ("2026-11-16T06:00:01Z", "pass"),             # one second later, the run falls out
    ("2026-11-16T06:00:00.0000010Z", "pass"),      # a 7-digit as-of is read to the microsecond
])
def test_the_as_of_time_is_read_with_its_offset(make_rule: Any, rows: Any, as_of: str,
                                                outcome: str) -> None:
    machine = rows.vm()
    finding = judge_rows(make_rule(NO_RECENT_FAILURE),
                         [machine, rows.run(machine, 1, "Failed", "2026-10-17T06:00:00Z")], as_of)
    assert finding.outcome.value == outcome


RECENT_ASSESSMENT = """
    check:
      field: assessment.latest.lastModifiedDateTime
      within: {hours: 72}
    message: "last assessed {{ assessment.latest.lastModifiedDateTime }}; expected within 72 hours"
"""


@pytest.mark.parametrize(("modified", "outcome"), [
    ("2026-11-13T06:00:00Z", "pass"),              # exactly 72 hours before
    ("2026-11-13T06:00:01Z", "pass"),
    ("2026-11-13T05:59:59Z", "fail"),
    ("2026-11-13T07:00:00+01:00", "pass"),
    ("2026-11-13T06:59:59.9999990+01:00", "fail"),
])
def test_within_hours(make_rule: Any, rows: Any, modified: str, outcome: str) -> None:
    machine = rows.vm()
    finding = judge_rows(make_rule(RECENT_ASSESSMENT),
                         [machine, rows.assessment(machine, lastModifiedDateTime=modified)], AS_OF)
    assert finding.outcome.value == outcome


def test_a_time_in_a_message_reads_in_utc_to_the_second(make_rule: Any, rows: Any) -> None:
    machine = rows.vm()
    finding = judge_rows(make_rule(RECENT_ASSESSMENT), [
        machine, rows.assessment(machine, lastModifiedDateTime="2026-11-10T08:30:15.9876543+02:00"),
    ], AS_OF)
    assert finding.message == "last assessed 2026-11-10T06:30:15Z; expected within 72 hours"


def test_a_missing_time_is_neither_within_nor_older(make_rule: Any, rows: Any) -> None:
    machine = rows.vm()
    within = judge_rows(make_rule(RECENT_ASSESSMENT), [machine], AS_OF)
    assert (within.outcome.value, within.message) == \
        ("fail", "last assessed absent; expected within 72 hours")
    older = judge_rows(make_rule("""
        check:
          not:
            field: assessment.latest.lastModifiedDateTime
            olderThan: {hours: 72}
        message: stale
    """), [machine], AS_OF)
    assert older.outcome.value == "pass"  # `not` makes absence compliant, as documented


@pytest.mark.parametrize(("modified", "outcome"), [
    ("2026-11-13T06:00:00Z", "pass"),              # exactly 72 hours: not older than 72 hours
    ("2026-11-13T05:59:59Z", "fail"),
    ("2026-11-13T05:59:59.9999990Z", "fail"),
])
def test_older_than_is_strict(make_rule: Any, rows: Any, modified: str, outcome: str) -> None:
    rule = make_rule("""
        check:
          not:
            field: assessment.latest.lastModifiedDateTime
            olderThan: {hours: 72}
        message: stale
    """)
    machine = rows.vm()
    finding = judge_rows(rule, [machine, rows.assessment(machine, lastModifiedDateTime=modified)],
                         AS_OF)
    assert finding.outcome.value == outcome


def test_fractional_days(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          field: installations.latest.startDateTime
          within: {days: 1.5}
        message: old
    """)
    machine = rows.vm()
    inside = judge_rows(rule, [machine, rows.run(machine, 1, start="2026-11-14T18:00:00Z")], AS_OF)
    outside = judge_rows(rule, [machine, rows.run(machine, 1, start="2026-11-14T17:59:59Z")],
                         AS_OF)
    assert (inside.outcome.value, outside.outcome.value) == ("pass", "fail")


def test_an_age_read_from_another_field(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        parameters:
          days: {type: integer, default: 7}
        check:
          field: installations.latest.startDateTime
          within: {days: {field: tags.patchDays, otherwise: "${days}"}}
        message: old
    """)
    machine = rows.vm(tags={"patchDays": "3"})
    start = "2026-11-12T06:00:00Z"  # 4 days before
    assert judge_rows(rule, [machine, rows.run(machine, 1, start=start)], AS_OF) \
        .outcome.value == "fail"
    untagged = rows.vm()
    assert judge_rows(rule, [untagged, rows.run(untagged, 1, start=start)], AS_OF) \
        .outcome.value == "pass"


def test_a_raw_time_is_read_as_a_time(make_rule: Any, rows: Any) -> None:
    """A raw `properties.` path gives the exported text; ages still apply to it."""
    rule = make_rule("""
        check:
          field: properties.lastStatusChange
          within: {days: 7}
        message: "{{ properties.lastStatusChange }}"
    """)
    recent = rows.arc(lastStatusChange="2026-11-09T06:00:00.0000000Z")
    old = rows.arc(lastStatusChange="2026-11-09T05:59:59Z")
    assert judge_rows(rule, [recent], AS_OF).outcome.value == "pass"
    finding = judge_rows(rule, [old], AS_OF)
    assert (finding.outcome.value, finding.message) == ("fail", "2026-11-09T05:59:59Z")


def test_a_time_equals_its_iso_text_in_any_offset(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          field: installations.latest.startDateTime
          equals: "2026-11-15T00:00:00+02:00"
        message: not then
    """)
    machine = rows.vm()
    run = rows.run(machine, 1, start="2026-11-14T22:00:00.0000000Z")
    finding = judge_rows(rule, [machine, run], AS_OF)
    assert finding.outcome.value == "pass"
