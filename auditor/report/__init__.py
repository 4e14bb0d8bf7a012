"""Renderers: each turns an AuditResult into one format; none knows anything of Azure."""

from __future__ import annotations

from collections.abc import Callable

from auditor.engine.results import AuditResult
from auditor.report import csv_findings, html, json_results, junit, markdown, sarif

Renderer = Callable[[AuditResult], bytes]

RENDERERS: dict[str, tuple[Renderer, str]] = {
    "json": (json_results.render, "results.json"),
    "html": (html.render, "report.html"),
    "md": (markdown.render, "summary.md"),
    "sarif": (sarif.render, "results.sarif"),
    "junit": (junit.render, "junit.xml"),
    "csv": (csv_findings.render, "findings.csv"),
}
