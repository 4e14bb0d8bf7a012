"""The JSON results: keys sorted, so the same inputs give byte-identical output."""

from __future__ import annotations

import msgspec

from auditor.engine.results import AuditResult


def render(result: AuditResult) -> bytes:
    return msgspec.json.format(msgspec.json.encode(result, order="sorted"), indent=1) + b"\n"
