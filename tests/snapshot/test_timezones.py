"""Windows time zone names map to IANA zones, whatever their case."""

from __future__ import annotations

import zoneinfo

import pytest

from auditor.snapshot.timezones import WINDOWS_TO_IANA, to_iana, to_zoneinfo


@pytest.mark.parametrize(
    ("windows_name", "iana"),
    [
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("UTC", "Etc/UTC"),
        ("India Standard Time", "Asia/Kolkata"),
        ("GMT Standard Time", "Europe/London"),
        ("AUS Eastern Standard Time", "Australia/Sydney"),
        ("Tokyo Standard Time", "Asia/Tokyo"),
        ("Central European Standard Time", "Europe/Warsaw"),
        ("UTC-11", "Etc/GMT+11"),
        ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ],
)
def test_windows_names_map_to_iana(windows_name: str, iana: str) -> None:
    assert to_zoneinfo(windows_name) == zoneinfo.ZoneInfo(iana)


@pytest.mark.parametrize(
    "spelling",
    ["pacific standard time", "PACIFIC STANDARD TIME", "  Pacific standard Time "],
)
def test_lookup_ignores_case_and_surrounding_spaces(spelling: str) -> None:
    assert to_iana(spelling) == "America/Los_Angeles"


@pytest.mark.parametrize(
    ("name", "iana"),
    [("Europe/Paris", "Europe/Paris"), ("europe/paris", "Europe/Paris"), ("Etc/UTC", "Etc/UTC")],
)
def test_iana_names_are_accepted(name: str, iana: str) -> None:
    assert to_iana(name) == iana
    assert to_zoneinfo(name) == zoneinfo.ZoneInfo(iana)


@pytest.mark.parametrize("name", ["Mars Standard Time", "", "Pacific", "../etc/passwd"])
def test_unknown_names_give_none(name: str) -> None:
    assert to_zoneinfo(name) is None


def test_the_table_covers_cldr_and_every_zone_loads() -> None:
    assert len(WINDOWS_TO_IANA) == 139
    assert all(to_zoneinfo(name) is not None for name in WINDOWS_TO_IANA)
