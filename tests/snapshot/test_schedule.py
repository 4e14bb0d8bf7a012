"""recurEvery and maintenance window parsing, against the examples of DOMAIN.md section 4.1."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.model import MaintenanceWindow, Recurrence
from auditor.snapshot.schedule import (
    MAX_INTERVAL,
    ORDINALS,
    WEEKDAYS,
    format_recurrence,
    parse_recurrence,
    parse_window,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Day", Recurrence(unit="Day", interval=1)),
        ("3Days", Recurrence(unit="Day", interval=3)),
        ("5Days", Recurrence(unit="Day", interval=5)),
        ("20days", Recurrence(unit="Day", interval=20)),
        ("6Hours", Recurrence(unit="Hour", interval=6)),
        ("Week", Recurrence(unit="Week", interval=1)),
        ("3Weeks", Recurrence(unit="Week", interval=3)),
        (
            "Week Saturday,Sunday",
            Recurrence(unit="Week", interval=1, week_days=("Saturday", "Sunday")),
        ),
        (
            "2Weeks sun, MON,wed",
            Recurrence(unit="Week", interval=2, week_days=("Monday", "Wednesday", "Sunday")),
        ),
        ("Month", Recurrence(unit="Month", interval=1)),
        ("2Months", Recurrence(unit="Month", interval=2)),
        ("Month day23,day24", Recurrence(unit="Month", interval=1, month_days=(23, 24))),
        ("Month day24, day1,day24", Recurrence(unit="Month", interval=1, month_days=(1, 24))),
        (
            "Month Last Sunday",
            Recurrence(unit="Month", interval=1, week_ordinal="Last", ordinal_week_day="Sunday"),
        ),
        (
            "Month Fourth Monday",
            Recurrence(unit="Month", interval=1, week_ordinal="Fourth", ordinal_week_day="Monday"),
        ),
        (
            "Month Last Sunday Offset-3",
            Recurrence(
                unit="Month",
                interval=1,
                week_ordinal="Last",
                ordinal_week_day="Sunday",
                offset_days=-3,
            ),
        ),
        (
            "Month Third Sunday Offset6",
            Recurrence(
                unit="Month",
                interval=1,
                week_ordinal="Third",
                ordinal_week_day="Sunday",
                offset_days=6,
            ),
        ),
        (
            "  3months   second  tue  offset -1 ",
            Recurrence(
                unit="Month",
                interval=3,
                week_ordinal="Second",
                ordinal_week_day="Tuesday",
                offset_days=-1,
            ),
        ),
    ],
)
def test_parse_recurrence(text: str, expected: Recurrence) -> None:
    assert parse_recurrence(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Fortnightly", "expected [n]Hour(s), [n]Day(s), [n]Week(s) or [n]Month(s) first"),
        ("0Days", "the interval must be at least 1, got 0"),
        ("1000001Days", "the interval must be at most 100000, got 1000001"),
        ("Month day32", "day 32 is outside 1..31"),
        ("Month day0", "day 0 is outside 1..31"),
        ("Month day-1", "'day-1' is not dayNN"),
        ("Month Last Sunday Offset7", "offset 7 is outside -6..6"),
        ("Month Last Sunday Offset-7", "offset -7 is outside -6..6"),
        ("Month Last Sunday Later", "expected OffsetN after Last Sunday, got 'Later'"),
        ("Month Last", "expected a weekday after Last"),
        (
            "Month Fifth Monday",
            "expected dayNN or First, Second, Third, Fourth or Last after Month, got 'Fifth'",
        ),
        ("Week Funday", "'Funday' is not a weekday (Monday to Sunday, or Mon to Sun)"),
        (
            "Week Saturday Sunday",
            "'Saturday Sunday' is not a weekday (Monday to Sunday, or Mon to Sun)",
        ),
        ("3Days Monday", "unexpected 'Monday' after '3Days'"),
        ("Monthly", "expected [n]Hour(s), [n]Day(s), [n]Week(s) or [n]Month(s) first"),
        ("", "it is empty"),
        ("   ", "it is empty"),
    ],
)
def test_parse_recurrence_rejects(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_recurrence(text)
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    ("recurrence", "text"),
    [
        (Recurrence(unit="Day", interval=1), "Day"),
        (Recurrence(unit="Hour", interval=6), "6Hours"),
        (
            Recurrence(unit="Week", interval=1, week_days=("Saturday", "Sunday")),
            "Week Saturday,Sunday",
        ),
        (Recurrence(unit="Month", interval=2, month_days=(23, 24)), "2Months day23,day24"),
        (
            Recurrence(
                unit="Month",
                interval=1,
                week_ordinal="Last",
                ordinal_week_day="Sunday",
                offset_days=-3,
            ),
            "Month Last Sunday Offset-3",
        ),
    ],
)
def test_format_recurrence(recurrence: Recurrence, text: str) -> None:
    assert format_recurrence(recurrence) == text


@st.composite
def recurrences(draw: st.DrawFn) -> Recurrence:
    """Any valid recurrence, with its lists in canonical order."""
    unit = draw(st.sampled_from(["Hour", "Day", "Week", "Month"]))
    interval = draw(st.integers(1, MAX_INTERVAL))
    if unit == "Week":
        days = draw(st.sets(st.sampled_from(WEEKDAYS)))
        week_days = tuple(day for day in WEEKDAYS if day in days)
        return Recurrence(unit=unit, interval=interval, week_days=week_days)
    if unit != "Month":
        return Recurrence(unit=unit, interval=interval)
    form = draw(st.sampled_from(["plain", "days", "ordinal"]))
    if form == "days":
        month_days = tuple(sorted(draw(st.sets(st.integers(1, 31), min_size=1))))
        return Recurrence(unit=unit, interval=interval, month_days=month_days)
    if form == "ordinal":
        return Recurrence(
            unit=unit,
            interval=interval,
            week_ordinal=draw(st.sampled_from(ORDINALS)),
            ordinal_week_day=draw(st.sampled_from(WEEKDAYS)),
            offset_days=draw(st.integers(-6, 6)),
        )
    return Recurrence(unit=unit, interval=interval)


@st.composite
def spellings(draw: st.DrawFn, recurrence: Recurrence) -> str:
    """One of the many ways to write a recurrence: case, plurals, spaces, abbreviations."""

    def word(text: str) -> str:
        return draw(st.sampled_from([text, text.lower(), text.upper()]))

    def weekday(name: str) -> str:
        return word(draw(st.sampled_from([name, name[:3]])))

    space = st.sampled_from([" ", "  "])
    plural = "s" if recurrence.interval > 1 or draw(st.booleans()) else ""
    number = "" if recurrence.interval == 1 and draw(st.booleans()) else str(recurrence.interval)
    text = draw(st.sampled_from(["", " "])) + number + word(recurrence.unit) + plural
    comma = st.sampled_from([",", ", ", " ,"])
    if recurrence.week_days:
        names = [weekday(name) for name in draw(st.permutations(recurrence.week_days))]
        text += draw(space) + "".join(name + draw(comma) for name in names[:-1]) + names[-1]
    if recurrence.month_days:
        days = [word("day") + str(day) for day in draw(st.permutations(recurrence.month_days))]
        text += draw(space) + "".join(day + draw(comma) for day in days[:-1]) + days[-1]
    if recurrence.week_ordinal is not None and recurrence.ordinal_week_day is not None:
        text += draw(space) + word(recurrence.week_ordinal)
        text += draw(space) + weekday(recurrence.ordinal_week_day)
        if recurrence.offset_days or draw(st.booleans()):
            sign = "+" if recurrence.offset_days >= 0 and draw(st.booleans()) else ""
            text += draw(space) + word("Offset") + sign + str(recurrence.offset_days)
    return text + draw(st.sampled_from(["", " "]))


@given(st.data())
def test_any_spelling_of_a_valid_recurrence_round_trips(data: st.DataObject) -> None:
    recurrence = data.draw(recurrences())
    assert parse_recurrence(data.draw(spellings(recurrence))) == recurrence
    assert parse_recurrence(format_recurrence(recurrence)) == recurrence


def _window(**changes: str | None) -> MaintenanceWindow:
    raw: dict[str, str | None] = {
        "start": "2025-01-05 22:00",
        "expiration": "2026-07-15 10:00",
        "duration": "03:55",
        "time_zone": "Pacific Standard Time",
        "recur_every": "Week Saturday,Sunday",
    }
    raw.update(changes)
    return parse_window(**raw)


def test_parse_window_keeps_raw_strings_and_parses_every_field() -> None:
    assert _window() == MaintenanceWindow(
        start_date_time="2025-01-05 22:00",
        expiration_date_time="2026-07-15 10:00",
        duration="03:55",
        time_zone="Pacific Standard Time",
        recur_every="Week Saturday,Sunday",
        start=datetime(2025, 1, 5, 22, 0),
        expiration=datetime(2026, 7, 15, 10, 0),
        expiration_utc=datetime(2026, 7, 15, 17, 0, tzinfo=UTC),
        duration_minutes=235,
        recurrence=Recurrence(unit="Week", interval=1, week_days=("Saturday", "Sunday")),
        problems=(),
    )


@pytest.mark.parametrize(
    ("expiration", "time_zone", "utc"),
    [
        ("2026-07-15 10:00", "Pacific Standard Time", datetime(2026, 7, 15, 17, 0, tzinfo=UTC)),
        ("2026-01-15 10:00", "Pacific Standard Time", datetime(2026, 1, 15, 18, 0, tzinfo=UTC)),
        ("2026-07-01 02:00", "W. Europe Standard Time", datetime(2026, 7, 1, 0, 0, tzinfo=UTC)),
        ("2026-01-01 02:00", "w. europe standard time", datetime(2026, 1, 1, 1, 0, tzinfo=UTC)),
        ("2026-07-01 05:30", "India Standard Time", datetime(2026, 7, 1, 0, 0, tzinfo=UTC)),
        ("2026-07-01 05:30", "UTC", datetime(2026, 7, 1, 5, 30, tzinfo=UTC)),
        ("2026-07-01 05:30", "Asia/Tokyo", datetime(2026, 6, 30, 20, 30, tzinfo=UTC)),
        ("2026-07-01T05:30:45", "UTC", datetime(2026, 7, 1, 5, 30, 45, tzinfo=UTC)),
    ],
)
def test_expiration_is_converted_to_utc_with_daylight_saving(
    expiration: str, time_zone: str, utc: datetime
) -> None:
    window = _window(expiration=expiration, time_zone=time_zone)
    assert (window.expiration_utc, window.problems) == (utc, ())


@pytest.mark.parametrize("expiration", [None, "", "  "])
def test_missing_expiration_never_expires(expiration: str | None) -> None:
    window = _window(expiration=expiration)
    assert (window.expiration_date_time, window.expiration, window.expiration_utc) == (
        expiration,
        None,
        None,
    )
    assert window.problems == ()


@pytest.mark.parametrize(
    "expiration", ["9999-12-31 00:00", "9999-12-31 23:59:59", "9999-01-01 00:00"]
)
def test_year_9999_never_expires(expiration: str) -> None:
    window = _window(expiration=expiration, time_zone="Dateline Standard Time")
    assert window.expiration is not None
    assert (window.expiration.year, window.expiration_utc, window.problems) == (9999, None, ())


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        (
            {"time_zone": "Mars Standard Time"},
            (
                "timeZone 'Mars Standard Time' is not a known Windows time zone",
                (
                    "expirationDateTime '2026-07-15 10:00' cannot be converted to UTC: "
                    "timeZone is unknown"
                ),
            ),
        ),
        (
            {"time_zone": None},
            (
                (
                    "expirationDateTime '2026-07-15 10:00' cannot be converted to UTC: "
                    "timeZone is missing"
                ),
            ),
        ),
        (
            {"time_zone": "Mars Standard Time", "expiration": None},
            ("timeZone 'Mars Standard Time' is not a known Windows time zone",),
        ),
        ({"duration": "5h"}, ("duration '5h' is not HH:mm",)),
        ({"duration": "01:60"}, ("duration '01:60' is not HH:mm",)),
        (
            {"recur_every": "Fortnightly"},
            (
                (
                    "recurEvery 'Fortnightly' does not parse: "
                    "expected [n]Hour(s), [n]Day(s), [n]Week(s) or [n]Month(s) first"
                ),
            ),
        ),
        (
            {"start": "2025/01/05 22:00"},
            ("startDateTime '2025/01/05 22:00' is not YYYY-MM-DD hh:mm",),
        ),
        (
            {"start": "2025-02-30 22:00"},
            (
                (
                    "startDateTime '2025-02-30 22:00' is not a valid date and time: "
                    "day is out of range for month"
                ),
            ),
        ),
        (
            {"expiration": "0001-01-01 00:00", "time_zone": "Tokyo Standard Time"},
            ("expirationDateTime '0001-01-01 00:00' cannot be converted to UTC",),
        ),
    ],
)
def test_window_problems(changes: dict[str, str | None], problems: tuple[str, ...]) -> None:
    assert _window(**changes).problems == problems


def test_a_window_that_does_not_parse_keeps_its_raw_strings() -> None:
    window = parse_window("soon", "later", "long", "Mars Standard Time", "Fortnightly")
    assert window == MaintenanceWindow(
        start_date_time="soon",
        expiration_date_time="later",
        duration="long",
        time_zone="Mars Standard Time",
        recur_every="Fortnightly",
        start=None,
        expiration=None,
        expiration_utc=None,
        duration_minutes=None,
        recurrence=None,
        problems=(
            "startDateTime 'soon' is not YYYY-MM-DD hh:mm",
            "expirationDateTime 'later' is not YYYY-MM-DD hh:mm",
            "timeZone 'Mars Standard Time' is not a known Windows time zone",
            "duration 'long' is not HH:mm",
            (
                "recurEvery 'Fortnightly' does not parse: "
                "expected [n]Hour(s), [n]Day(s), [n]Week(s) or [n]Month(s) first"
            ),
        ),
    )


@pytest.mark.parametrize(("duration", "minutes"), [("03:55", 235), ("1:30", 90), ("00:00", 0)])
def test_duration_minutes(duration: str, minutes: int) -> None:
    assert _window(duration=duration).duration_minutes == minutes


def test_start_tolerates_seconds_and_a_t_separator() -> None:
    assert _window(start="2025-01-05T22:00:30").start == datetime(2025, 1, 5, 22, 0, 30)
