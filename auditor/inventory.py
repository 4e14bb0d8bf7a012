"""`auditor inspect`: one line per machine, and a summary of what was loaded."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import datetime, timedelta

from auditor.errors import Location
from auditor.model import Snapshot
from auditor.report.csv_findings import cell  # formula injection: names come from Azure
from auditor.rules.render import render

COLUMNS = ("name", "subscription", "resourceGroup", "kind", "os", "orchestrationMode",
           "assessmentMode", "schedules", "lastAssessment", "assessmentStatus",
           "failedRuns30d")
FAILED_RUN_WINDOW = timedelta(days=30)


def machine_lines(snapshot: Snapshot, as_of: datetime) -> list[dict[str, str]]:
    cutoff = as_of - FAILED_RUN_WINDOW
    lines = []
    for machine in snapshot.machines:
        assessment = snapshot.assessments.get(machine.key)
        schedules = sorted({
            (snapshot.configurations[c.configuration_key].name
             if c.configuration_key in snapshot.configurations
             else c.configuration_key.rsplit("/", 1)[-1] + " (missing)")
            + (" (dynamic)" if c.how == "dynamic" else "")
            for c in snapshot.coverage.get(machine.key, ())})
        failed = sum(1 for run in snapshot.installations.get(machine.key, ())
                     if run.status == "Failed" and run.start_date_time is not None
                     and run.start_date_time >= cutoff)
        mode = machine.patch.assessment_mode + ("" if machine.patch.assessment_mode_explicit
                                                else " (default)")
        lines.append({
            "name": machine.name, "subscription": machine.subscription_id,
            "resourceGroup": machine.resource_group, "kind": machine.kind.value,
            "os": machine.os_type.value,
            "orchestrationMode": machine.patch.orchestration_mode.value
            + ("" if machine.patch.mode_explicit else " (default)"),
            "assessmentMode": mode, "schedules": ", ".join(schedules) or "-",
            "lastAssessment": render(assessment.last_modified_date_time) if assessment else "never",
            "assessmentStatus": (assessment.status or "-") if assessment else "-",
            "failedRuns30d": str(failed)})
    return lines


def as_table(lines: list[dict[str, str]]) -> str:
    headers = {c: c for c in COLUMNS}
    widths = {c: max(len(str(row[c])) for row in [headers, *lines]) for c in COLUMNS}
    out = []
    for row in [headers, *lines]:
        out.append("  ".join(str(row[c]).ljust(widths[c]) for c in COLUMNS).rstrip())
    return "\n".join(out) + "\n"


def as_csv(lines: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: value if value == "-" else cell(value) for key, value in line.items()}
                     for line in lines)
    return buffer.getvalue()


def as_json(lines: list[dict[str, str]], snapshot: Snapshot, as_of: datetime, source: str) -> str:
    return json.dumps({"asOf": render(as_of), "asOfSource": source, "machines": lines,
                       "loaded": loaded(snapshot)}, indent=1, sort_keys=True) + "\n"


def loaded(snapshot: Snapshot) -> dict[str, object]:
    orphans = snapshot.orphans
    return {
        "inputs": [{"path": i.path, "format": i.format, "rows": i.rows, "sha256": i.sha256}
                   for i in snapshot.inputs],
        "rowsByType": snapshot.row_counts,
        "machines": len(snapshot.machines),
        "scaleSetsOutOfScope": len(snapshot.scale_sets),
        "maintenanceConfigurations": len(snapshot.configurations),
        "assignments": len(snapshot.assignments),
        "orphans": {name: len(getattr(orphans, name)) for name in orphans.__slots__},
        "warnings": dict(sorted(Counter(w.code for w in snapshot.warnings).items())),
    }


def summary_text(snapshot: Snapshot, as_of: datetime, source: str) -> str:
    info = loaded(snapshot)
    lines = [f"as of {render(as_of)} ({_SOURCES[source]})"]
    for item in snapshot.inputs:
        lines.append(f"read {item.path}: {item.rows} rows ({item.format})")
    lines.append(f"{info['machines']} machines, {info['maintenanceConfigurations']} maintenance "
                 f"configurations, {info['assignments']} assignments")
    for row_type, count in snapshot.row_counts.items():
        lines.append(f"  {count:>8}  {row_type}")
    if snapshot.scale_sets:
        lines.append(f"{len(snapshot.scale_sets)} scale sets are out of scope and were not judged")
    orphans = {k: v for k, v in info["orphans"].items() if v}  # type: ignore[attr-defined]
    if orphans:
        lines.append("orphans kept but not linked: " + ", ".join(
            f"{count} {_ORPHANS[name]}" for name, count in orphans.items()))
    for warning in snapshot.warnings[:20]:
        where = Location(warning.file, row=warning.row, field=warning.field)
        located = warning.file or warning.row is not None or warning.field
        lines.append(f"warning: {where}: {warning.message}" if located
                     else f"warning: {warning.message}")
    if len(snapshot.warnings) > 20:
        lines.append(f"... and {len(snapshot.warnings) - 20} more warnings (--format json lists "
                     "their counts by kind)")
    return "\n".join(lines) + "\n"


_SOURCES = {"snapshot": "the snapshot's capture time", "flag": "--as-of",
            "clock": "the clock: the inputs do not say when they were captured"}
_ORPHANS = {
    "assessments": "assessments of machines not in the snapshot",
    "installations": "installation runs of machines not in the snapshot",
    "patches": "per-patch rows of machines not in the snapshot",
    "assignments_missing_machine": "assignments to machines not in the snapshot",
    "assignments_missing_configuration": "assignments to configurations not in the snapshot",
}
