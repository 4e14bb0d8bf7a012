"""Renderers: each turns an AuditResult into one format; none knows anything of Azure."""

from __future__ import annotations

from collections.abc import Callable

from auditor.engine.results import AuditResult
from auditor.report import json_results

Renderer = Callable[[AuditResult], bytes]

RENDERERS: dict[str, tuple[Renderer, str]] = {
    "json": (json_results.render, "results.json"),
}
