"""what-if output: the state ARM predicts after a deployment, one change per resource.

`az deployment group what-if --no-pretty-print` prints `{status, changes}`; the REST body is
`{status, properties: {changes}}`. Create, Modify, Deploy and NoChange give the predicted
resource (`after`); Delete removes one (an overlay takes it out of the live snapshot); Ignore
means a resource the template does not touch, so its live state stands.
"""

from __future__ import annotations

from typing import Any

from auditor.planned.rows import Planned, deleted, make_row, strip_unknown
from auditor.snapshot.ids import type_from_id

PROVENANCE = "what-if"
_KEEP = ("create", "modify", "deploy", "nochange")


def changes_of(document: dict[str, Any]) -> list[Any] | None:
    """The change list of a what-if result, or None when the document is not one."""
    changes = document.get("changes")
    if changes is None and isinstance(document.get("properties"), dict):
        changes = document["properties"].get("changes")
    if isinstance(changes, list) and "id" not in document and "resources" not in document:
        return changes
    return None


def read_whatif(path: str, changes: list[Any]) -> Planned:
    planned = Planned("what-if output")
    for index, change in enumerate(changes):
        if not isinstance(change, dict):
            planned.warn(path, "planned-unreadable", f"changes[{index}] is not an object")
            continue
        resource_id = change.get("resourceId")
        kind = str(change.get("changeType", "")).lower()
        label = resource_id or f"changes[{index}]"
        if kind == "delete":
            if isinstance(resource_id, str):
                deleted(planned, resource_id, type_from_id(resource_id), PROVENANCE)
            continue
        if kind == "ignore":
            continue
        if kind == "unsupported":
            planned.warn(path, "planned-unreadable", f"{label}: what-if cannot predict it "
                         f"({change.get('unsupportedReason') or 'no reason given'}); it is "
                         "not judged")
            continue
        after = change.get("after") if kind != "nochange" else \
            change.get("after") or change.get("before")
        if kind not in _KEEP or not isinstance(after, dict):
            planned.warn(path, "planned-unreadable", f"{label}: changeType {kind or 'absent'} "
                         "comes without the predicted resource (run what-if with the default "
                         "--result-format FullResourcePayloads); it is not judged")
            continue
        resource_id = after.get("id") or resource_id
        if not isinstance(resource_id, str):
            planned.warn(path, "planned-unreadable", f"changes[{index}] has no resourceId")
            continue
        arm_type = str(after.get("type") or type_from_id(resource_id))
        found: dict[str, str] = {}
        values = strip_unknown({k: after[k] for k in ("location", "tags", "properties", "kind")
                                if k in after}, "", found, unresolved_text=True)
        make_row(planned, path, resource_id, arm_type,
                 str(after.get("name") or resource_id.rsplit("/", 1)[-1]).rsplit("/", 1)[-1],
                 values, PROVENANCE, found)
    return planned


