"""Helpers for the pre-deployment tests: fixture paths, a fixed clock, a one-call audit, and a
builder of small Terraform plans."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.audit import AuditRequest, run_audit
from auditor.engine.results import AuditResult
from auditor.planned import PlannedContext
from auditor.planned.context import read_parameters

PLANNED = Path(__file__).resolve().parents[1] / "fixtures" / "planned"
AS_OF = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
SUB = "00000000-0000-0000-0000-000000000001"
AZURERM = "registry.terraform.io/hashicorp/azurerm"


def audit(*inputs: str | Path, planned: Sequence[str | Path] = (),
          parameters: str | None = None, preset: str | None = "pre-deployment",
          **context: Any) -> AuditResult:
    """The result of an audit as of 2026-11-16T06:00Z; inputs are names in
    tests/fixtures/planned, or paths."""
    given = read_parameters(PLANNED / parameters) if parameters else {}
    request = AuditRequest(
        inputs=[_path(i) for i in inputs], planned=[_path(p) for p in planned],
        preset=preset, as_of=AS_OF, context=PlannedContext(parameters=given, **context))
    return run_audit(request, AS_OF)


def _path(name: str | Path) -> Path:
    return name if isinstance(name, Path) else PLANNED / name


def verdicts(result: AuditResult) -> dict[tuple[str, str], str]:
    """{(rule, resource name): outcome}."""
    return {(f.rule_id, f.resource_name): f.outcome.value for f in result.findings}


def resource(kind: str, name: str, values: dict[str, Any], *, actions: Sequence[str] = ("create",),
             unknown: dict[str, Any] | None = None, index: Any = None, module: str = "",
             provider: str = AZURERM, expressions: dict[str, Any] | None = None,
             before: dict[str, Any] | None = None) -> dict[str, Any]:
    """One resource instance of a plan: its planned values, change and configuration."""
    key = "" if index is None else f"[{json.dumps(index)}]"
    address = f"{module + '.' if module else ''}{kind}.{name}{key}"
    return {"address": address, "module": module, "type": kind, "name": name, "index": index,
            "provider": provider, "values": values, "actions": list(actions),
            "unknown": unknown or {}, "expressions": expressions or {}, "before": before}


def write_plan(directory: Path, *resources: dict[str, Any], name: str = "plan.json",
               **top: Any) -> Path:
    """A `terraform show -json` document of these resources, written to a file (modules nest
    by their address; every resource's configuration sits at the root)."""
    modules: dict[str, list[dict[str, Any]]] = {}
    changes, config = [], {"resources": []}
    for r in resources:
        entry = {"address": r["address"], "mode": "managed", "type": r["type"],
                 "name": r["name"], "provider_name": r["provider"], "schema_version": 0,
                 "values": r["values"], "sensitive_values": {}}
        if r["index"] is not None:
            entry["index"] = r["index"]
        modules.setdefault(r["module"], []).append(entry)
        change = {"address": r["address"], "mode": "managed", "type": r["type"],
                  "name": r["name"], "provider_name": r["provider"],
                  "change": {"actions": r["actions"], "before": r["before"],
                             "after": r["values"], "after_unknown": r["unknown"]}}
        if r["module"]:
            change["module_address"] = r["module"]
        changes.append(change)
        config["resources"].append({"address": f"{r['type']}.{r['name']}",
                                    "mode": "managed", "type": r["type"],
                                    "name": r["name"], "expressions": r["expressions"]})
    root = {"resources": modules.pop("", [])}
    if modules:
        root["child_modules"] = [{"address": a, "resources": rs}
                                 for a, rs in sorted(modules.items())]
    document = {"format_version": "1.2", "terraform_version": "1.9.5",
                "planned_values": {"root_module": root}, "resource_changes": changes,
                "configuration": {"root_module": config}, **top}
    path = directory / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
