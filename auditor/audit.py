"""One audit from end to end: rules and config, the estate, evaluation, the result model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from auditor import TOOL_NAME, __version__
from auditor.config import Config, parameters_for, select_rules
from auditor.engine.change import compare
from auditor.engine.evaluate import evaluate, summarize
from auditor.engine.results import (
    SCHEMA_VERSION,
    AuditResult,
    InputInfo,
    MachineInfo,
    RuleInfo,
    Tool,
    Warning,
)
from auditor.errors import UserError
from auditor.model import Machine, Snapshot
from auditor.planned import PlannedContext
from auditor.rules.compile import CompiledRule, Compiler
from auditor.rules.load import load_rules
from auditor.rules.spec import Rule
from auditor.snapshot import load_estate


@dataclass(frozen=True)
class AuditRequest:
    inputs: Sequence[Path]
    rule_paths: Sequence[Path] = ()
    builtin_rules: bool = True
    config: Config = field(default_factory=Config)
    preset: str | None = None
    select: tuple[str, ...] = ()
    as_of: datetime | None = None
    # Pre-deployment checks (docs/planned-state.md): templates, what-if output or plans laid
    # over the live inputs; where their resources go; whether the flags promised some.
    planned: Sequence[Path] = ()
    context: PlannedContext | None = None
    require_planned: bool = False


def machine_info(machine: Machine) -> MachineInfo:
    return MachineInfo(
        id=machine.id, name=machine.name, type=machine.type, kind=machine.kind.value,
        subscription_id=machine.subscription_id, resource_group=machine.resource_group,
        location=machine.location, os_type=machine.os_type.value,
        orchestration_mode=machine.patch.orchestration_mode.value, tags=machine.tags,
        planned=machine.planned)


def compile_rules(rules: list[Rule], config: Config) -> list[CompiledRule]:
    return [Compiler(rule, parameters_for(rule, config)).compile() for rule in rules]


def as_of_for(snapshot: Snapshot, flag: datetime | None, clock: datetime) -> tuple[datetime, str]:
    """An explicit --as-of wins; else the snapshot's capture time; else the clock."""
    if flag is not None:
        return flag.astimezone(UTC), "flag"
    if snapshot.captured_at is not None:
        return snapshot.captured_at, "snapshot"
    return clock.astimezone(UTC), "clock"


def run_audit(request: AuditRequest, clock: datetime) -> AuditResult:
    rules = select_rules(load_rules(request.builtin_rules, request.rule_paths), request.config,
                         request.preset, request.select)
    if not rules:
        raise UserError("no rules selected: the selection, preset or exclusions leave nothing "
                        "to evaluate")
    compiled = compile_rules(rules, request.config)
    # An overlay keeps the live rows' properties: a partial planned update merges into them.
    keep_raw = any(rule.uses_raw for rule in compiled) or bool(request.planned)
    snapshot = load_estate([*request.inputs, *request.planned], keep_raw=keep_raw,
                           context=request.context)
    planned = any(m.planned for m in snapshot.machines) \
        or any(c.planned for c in snapshot.configurations.values()) \
        or any(a.planned for a in snapshot.assignments) \
        or any(w.code.startswith("planned-") for w in snapshot.warnings)
    if request.require_planned and not planned:
        raise UserError("--resource-group, --location, --parameters and --subscription (without "
                        "--collect) place the resources of a template or plan, but the inputs "
                        "hold none")
    if not snapshot.machines and not snapshot.configurations and not snapshot.assignments:
        raise UserError("the inputs hold no machines, maintenance configurations or "
                        "assignments, so there is nothing to judge; check the export's query"
                        + (" (load warnings list what a template or plan held)"
                           if snapshot.warnings else ""))
    as_of, source = as_of_for(snapshot, request.as_of, clock)
    severities = [request.config.severity.get(rule.rule.id, rule.rule.severity)
                  for rule in compiled]
    findings, waivers = evaluate(zip(compiled, severities, strict=True), snapshot, as_of,
                                 request.config.waivers)
    change = None
    if request.planned and request.inputs:  # what the change does: live alone against overlay
        live = load_estate(request.inputs, keep_raw=keep_raw, context=request.context)
        before, _ = evaluate(zip(compiled, severities, strict=True), live, as_of,
                             request.config.waivers)
        change = compare(before, findings, [str(p) for p in request.planned],
                         {rule.id: rule.resource for rule in rules})
    return AuditResult(
        schema_version=SCHEMA_VERSION, tool=Tool(name=TOOL_NAME, version=__version__),
        as_of=as_of.isoformat().replace("+00:00", "Z"), as_of_source=source,
        scope=snapshot.scope,
        inputs=tuple(InputInfo(path=i.path, sha256=i.sha256, format=i.format, rows=i.rows)
                     for i in snapshot.inputs),
        rules=tuple(RuleInfo(id=r.id, name=r.name, severity=s.value, tags=r.tags,
                             summary=r.docs.summary, why=r.docs.why, fix=r.docs.fix,
                             links=r.docs.links, file=r.file)
                    for r, s in zip(rules, severities, strict=True)),
        findings=tuple(findings), machines=tuple(machine_info(m) for m in snapshot.machines),
        summary=summarize(findings, snapshot), waivers=waivers,
        warnings=tuple(Warning(code=w.code, message=w.message, file=w.file, row=w.row,
                               field=w.field) for w in snapshot.warnings),
        change=change)
