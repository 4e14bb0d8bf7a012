"""Parse a maintenance window: local start and expiration, duration, time zone, recurEvery."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TypeGuard

from auditor.model import MaintenanceWindow, Recurrence
from auditor.snapshot.timezones import to_zoneinfo

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = ("First", "Second", "Third", "Fourth", "Last")
UNITS = ("Hour", "Day", "Week", "Month")
MAX_OFFSET = 6
# Not an Azure limit: a bound that keeps Recurrence.period() inside timedelta's range.
MAX_INTERVAL = 100_000

_WEEKDAY_BY_NAME = {name.lower(): name for name in WEEKDAYS} | {
    name[:3].lower(): name for name in WEEKDAYS
}
_ORDINAL_BY_NAME = {name.lower(): name for name in ORDINALS}
# `[n]Unit(s)`. The hourly form (`6Hours`) is inferred from the other units: Microsoft says
# hourly recurrence is API-only but documents no syntax for it (DOMAIN.md section 4.1).
_HEAD = re.compile(r"(\d+)?\s*(hour|day|week|month)s?(?=\s|$)", re.IGNORECASE | re.ASCII)
_MONTH_DAY = re.compile(r"day\s*(\d+)", re.IGNORECASE | re.ASCII)
_OFFSET = re.compile(r"offset\s*([+-]?\d+)", re.IGNORECASE | re.ASCII)
_LOCAL_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:\s+|T)(\d{2}):(\d{2})(?::(\d{2}))?", re.IGNORECASE | re.ASCII
)
_DURATION = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)


def parse_recurrence(text: str) -> Recurrence:
    """Parse a `recurEvery` value (`3Days`, `Week Saturday,Sunday`, `Month Last Sunday Offset-3`).

    Raises ValueError with the reason when the text does not follow the grammar.
    """
    words = " ".join(text.split())
    if not words:
        raise ValueError("it is empty")
    head = _HEAD.match(words)
    if head is None:
        raise ValueError("expected [n]Hour(s), [n]Day(s), [n]Week(s) or [n]Month(s) first")
    interval = _interval(head.group(1))
    unit = head.group(2).capitalize()
    rest = words[head.end() :].strip()
    if unit == "Week":
        return Recurrence(unit=unit, interval=interval, week_days=_week_days(rest))
    if unit == "Month":
        return _monthly(interval, rest)
    if rest:
        raise ValueError(f"unexpected {rest!r} after {words[: head.end()]!r}")
    return Recurrence(unit=unit, interval=interval)


def format_recurrence(recurrence: Recurrence) -> str:
    """Write a recurrence back in the canonical `recurEvery` spelling."""
    unit, interval = recurrence.unit, recurrence.interval
    text = unit if interval == 1 else f"{interval}{unit}s"
    if recurrence.week_days:
        text += " " + ",".join(recurrence.week_days)
    if recurrence.month_days:
        text += " " + ",".join(f"day{day}" for day in recurrence.month_days)
    if recurrence.week_ordinal is not None:
        text += f" {recurrence.week_ordinal} {recurrence.ordinal_week_day}"
        if recurrence.offset_days:
            text += f" Offset{recurrence.offset_days}"
    return text


def parse_window(
    start: str | None,
    expiration: str | None,
    duration: str | None,
    time_zone: str | None,
    recur_every: str | None,
) -> MaintenanceWindow:
    """Parse a maintenance window's raw strings; what does not parse is listed in `problems`.

    Never raises. A blank value counts as missing. A missing expiration, or one in the year
    9999, never expires: its `expiration_utc` is None.
    """
    problems: list[str] = []
    start_local = _local_time("startDateTime", start, problems)
    expiration_local = _local_time("expirationDateTime", expiration, problems)
    zone = None
    if _present(time_zone):
        zone = to_zoneinfo(time_zone)
        if zone is None:
            problems.append(f"timeZone {time_zone!r} is not a known Windows time zone")
    expiration_utc = None
    if expiration_local is not None and expiration_local.year < 9999:
        if zone is None:
            reason = "timeZone is unknown" if _present(time_zone) else "timeZone is missing"
            problems.append(
                f"expirationDateTime {expiration!r} cannot be converted to UTC: {reason}"
            )
        else:
            try:
                expiration_utc = expiration_local.replace(tzinfo=zone).astimezone(UTC)
            except OverflowError:
                problems.append(f"expirationDateTime {expiration!r} cannot be converted to UTC")
    duration_minutes = None
    if _present(duration):
        match = _DURATION.fullmatch(duration.strip())
        if match is None or int(match.group(2)) > 59:
            problems.append(f"duration {duration!r} is not HH:mm")
        else:
            duration_minutes = int(match.group(1)) * 60 + int(match.group(2))
    recurrence = None
    if _present(recur_every):
        try:
            recurrence = parse_recurrence(recur_every)
        except ValueError as error:
            problems.append(f"recurEvery {recur_every!r} does not parse: {error}")
    return MaintenanceWindow(
        start_date_time=start,
        expiration_date_time=expiration,
        duration=duration,
        time_zone=time_zone,
        recur_every=recur_every,
        start=start_local,
        expiration=expiration_local,
        expiration_utc=expiration_utc,
        duration_minutes=duration_minutes,
        recurrence=recurrence,
        problems=tuple(problems),
    )


def _interval(digits: str | None) -> int:
    if digits is None:
        return 1
    interval = int(digits)
    if interval < 1:
        raise ValueError(f"the interval must be at least 1, got {interval}")
    if interval > MAX_INTERVAL:
        raise ValueError(f"the interval must be at most {MAX_INTERVAL}, got {interval}")
    return interval


def _weekday(word: str) -> str:
    name = _WEEKDAY_BY_NAME.get(word.lower())
    if name is None:
        raise ValueError(f"{word!r} is not a weekday (Monday to Sunday, or Mon to Sun)")
    return name


def _week_days(rest: str) -> tuple[str, ...]:
    if not rest:
        return ()
    days = {_weekday(word) for word in re.split(r"\s*,\s*", rest)}
    return tuple(name for name in WEEKDAYS if name in days)


def _monthly(interval: int, rest: str) -> Recurrence:
    if not rest:
        return Recurrence(unit="Month", interval=interval)
    if rest.lower().startswith("day"):
        days: set[int] = set()
        for item in re.split(r"\s*,\s*", rest):
            match = _MONTH_DAY.fullmatch(item)
            if match is None:
                raise ValueError(f"{item!r} is not dayNN")
            day = int(match.group(1))
            if not 1 <= day <= 31:
                raise ValueError(f"day {day} is outside 1..31")
            days.add(day)
        return Recurrence(unit="Month", interval=interval, month_days=tuple(sorted(days)))
    words = rest.split(" ", 2)
    ordinal = _ORDINAL_BY_NAME.get(words[0].lower())
    if ordinal is None:
        raise ValueError(
            f"expected dayNN or First, Second, Third, Fourth or Last after Month, got {words[0]!r}"
        )
    if len(words) < 2:
        raise ValueError(f"expected a weekday after {ordinal}")
    weekday = _weekday(words[1])
    offset = 0
    if len(words) == 3:
        match = _OFFSET.fullmatch(words[2])
        if match is None:
            raise ValueError(f"expected OffsetN after {ordinal} {weekday}, got {words[2]!r}")
        offset = int(match.group(1))
        if not -MAX_OFFSET <= offset <= MAX_OFFSET:
            raise ValueError(f"offset {offset} is outside -{MAX_OFFSET}..{MAX_OFFSET}")
    return Recurrence(
        unit="Month",
        interval=interval,
        week_ordinal=ordinal,
        ordinal_week_day=weekday,
        offset_days=offset,
    )


def _present(value: str | None) -> TypeGuard[str]:
    return value is not None and value.strip() != ""


def _local_time(name: str, value: str | None, problems: list[str]) -> datetime | None:
    """Parse `YYYY-MM-DD hh:mm` (seconds and a `T` separator tolerated) as a naive time."""
    if not _present(value):
        return None
    match = _LOCAL_TIME.fullmatch(value.strip())
    if match is None:
        problems.append(f"{name} {value!r} is not YYYY-MM-DD hh:mm")
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups("0"))
        return datetime(year, month, day, hour, minute, second)
    except ValueError as error:
        problems.append(f"{name} {value!r} is not a valid date and time: {error}")
        return None
