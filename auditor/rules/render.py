"""How an observed value reads in a message, in evidence and in the inventory."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import msgspec


def render(value: Any) -> str:
    """How an observed value reads in a message."""
    # The common types first, by exact type (an enum or a bool is a subclass, tested below).
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(render(item) for item in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{key}={render(item)}" for key, item in sorted(value.items())) \
            if value else "none"
    if isinstance(value, msgspec.Struct):  # a record (`field: configuration`): its id, never
        return getattr(value, "id", None) or "present"  # its repr (memory addresses, raw rows)
    return str(value)
