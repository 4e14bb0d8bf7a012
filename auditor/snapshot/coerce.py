"""Coercions for values real exports spell in more than one way."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

# Canonical spellings of the closed sets the model reads (DOMAIN.md sections 1 to 4).
PATCH_MODES = ("AutomaticByPlatform", "AutomaticByOS", "Manual", "ImageDefault")
ASSESSMENT_MODES = ("AutomaticByPlatform", "ImageDefault")
REBOOT_SETTINGS = ("Unknown", "IfRequired", "Never", "Always")
ASSESSMENT_STATUSES = ("Unknown", "InProgress", "Failed", "Succeeded", "CompletedWithWarnings")
INSTALLATION_STATUSES = (*ASSESSMENT_STATUSES, "NotStarted")
REBOOT_STATUSES = ("Unknown", "NotNeeded", "Required", "Started", "Failed", "Completed")
STARTED_BY = ("User", "Platform")
PATCH_SERVICES = ("Unknown", "WU", "WU_WSUS", "YUM", "APT", "Zypper")
ARC_STATUSES = ("Connected", "Disconnected", "Error", "AwaitingConnection")
INSTALLATION_STATES = ("Unknown", "Installed", "Failed", "Pending", "NotSelected", "Excluded")

_CLASSIFICATIONS = {
    "critical": "Critical",
    "security": "Security",
    "definition": "Definition",
    "updaterollup": "UpdateRollup",
    "featurepack": "FeaturePack",
    "servicepack": "ServicePack",
    "tool": "Tools",
    "": "Updates",
    "update": "Updates",
    "other": "Other",
}
# The keys of availablePatchCountByClassification, in their camelCase spelling.
_COUNT_KEYS = {
    "Critical": "critical",
    "Security": "security",
    "Definition": "definition",
    "UpdateRollup": "updateRollup",
    "FeaturePack": "featurePack",
    "ServicePack": "servicePack",
    "Tools": "tools",
    "Updates": "updates",
    "Other": "other",
}


def canonical(value: str | None, allowed: tuple[str, ...]) -> tuple[str | None, bool]:
    """Return the canonical spelling of a closed-set value and whether it is a known one.

    Case is not trusted (Resource Graph's value casing is undocumented), so the match
    ignores case and `-` versus `_` (`WU-WSUS`). An unknown value is returned as it came.
    """
    if value is None:
        return None, True
    folded = value.strip().lower().replace("-", "_")
    for candidate in allowed:
        if candidate.lower() == folded:
            return candidate, True
    return value, False


def to_bool(value: bool | str | int | None) -> bool | None:
    """Accept JSON booleans and the "True"/"False" strings that tostring() exports produce."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    folded = value.strip().lower()
    if folded in ("true", "1", "yes"):
        return True
    if folded in ("false", "0", "no", ""):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def to_int(value: int | str | float | None) -> int | None:
    """Accept counts as numbers or as the strings sample KQL's tostring() writes."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if text.lstrip("-").isdigit():
            return int(text)
    raise ValueError(f"expected a whole number, got {value!r}")


def to_time(value: str | None) -> datetime | None:
    """Parse an ISO 8601 timestamp into an aware UTC datetime. Azure's 7-digit fractions are
    truncated to the microsecond, never rounded; a time without a zone is taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = datetime.fromisoformat(_trim_fraction(value.strip()))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)


def _trim_fraction(text: str) -> str:
    """Older Pythons and odd writers: keep at most 6 fractional digits."""
    if "." not in text:
        return text
    head, _, tail = text.partition(".")
    digits = len(tail) - len(tail.lstrip("0123456789"))
    return f"{head}.{tail[:min(digits, 6)]}{tail[digits:]}"


@cache  # a handful of spellings, met hundreds of thousands of times
def classification(value: str) -> str | None:
    """Map any of the surfaces' spellings (`Definition Updates`, `UpdateRollup`, `Others`)."""
    folded = value.lower().replace(" ", "").replace("_", "")
    if folded.endswith("s") and folded[:-1] in _CLASSIFICATIONS:
        folded = folded[:-1]
    if folded.endswith("updates"):
        folded = folded[: -len("updates")]
    elif folded.endswith("update") and folded != "update":
        folded = folded[: -len("update")]
    return _CLASSIFICATIONS.get(folded)


@cache
def count_key(value: str) -> str | None:
    """The camelCase count key (`updateRollup`) for a classification in any spelling."""
    name = classification(value)
    return None if name is None else _COUNT_KEYS[name]


def location(value: str | None) -> str:
    """`West Europe` and `westeurope` name the same region."""
    return "" if value is None else value.replace(" ", "").lower()
