"""Planned rows over live ones: a planned resource replaces the live resource with its id, a
deleted one goes, and a partial update (azapi_update_resource) is merged into the live row."""

from __future__ import annotations

from typing import Any

import msgspec

from auditor.model import Machine
from auditor.snapshot.rows import Row


def merge(live: Any, update: Any) -> Any:
    """The live value with the update's keys laid over it, objects merged key by key."""
    if not isinstance(live, dict) or not isinstance(update, dict):
        return update
    merged = dict(live)
    for key, value in update.items():
        found = next((k for k in merged if k.lower() == key.lower()), key)
        merged[found] = merge(merged.get(found), value)
    return merged


def partial_row(row: Row, live: Machine) -> Row | None:
    """The row a partial update makes of a live machine (None when the live machine was
    loaded without its properties, so nothing can be merged)."""
    if live.raw is None:
        return None
    properties = merge(msgspec.json.decode(live.raw),
                       msgspec.json.decode(row.properties) if row.properties else {})
    return Row(id=live.id, type=row.type, name=live.name, subscriptionId=live.subscription_id,
               resourceGroup=live.resource_group, location=live.location,
               tags={**live.tags, **(row.tags or {})},
               properties=msgspec.Raw(msgspec.json.encode(properties)), planned=row.planned,
               unknown=row.unknown)


def pick(first: Machine, second: Machine) -> tuple[Machine, Machine] | None:
    """(planned, live) when one of two machines with the same key is planned, else None."""
    if (first.planned is None) == (second.planned is None):
        return None
    return (first, second) if first.planned is not None else (second, first)
