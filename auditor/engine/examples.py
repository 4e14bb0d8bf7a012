"""Run a rule on example rows: the rule docs' examples, and the rule pack's test cases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from auditor.engine.evaluate import judge
from auditor.engine.results import Finding
from auditor.errors import Location, UserError
from auditor.rules.compile import Compiler
from auditor.rules.fields import Context
from auditor.rules.spec import Rule
from auditor.snapshot import load_rows
from auditor.snapshot.coerce import to_time

DEFAULT_AS_OF = "2026-01-01T00:00:00Z"


def judge_rows(rule: Rule, rows: list[dict[str, Any]], as_of: str | None = None,
               parameters: Mapping[str, Any] | None = None,
               resource: str | None = None) -> Finding:
    """The finding for one resource (the first of the rule's kind, or the one named)."""
    snapshot = load_rows(rows, f"{rule.file} example")
    values = {name: p.default for name, p in rule.parameters.items()} | dict(parameters or {})
    compiled = Compiler(rule, values).compile()
    moment = to_time(as_of or DEFAULT_AS_OF)
    assert isinstance(moment, datetime)
    findings = judge(compiled, snapshot, Context(snapshot, moment), rule.severity)
    if resource is not None:
        findings = [f for f in findings if f.resource_id.lower() == resource.lower()]
    if not findings:
        raise UserError(f"the example holds no {rule.resource} to judge"
                        + (f" with id {resource}" if resource else ""),
                        Location(rule.file))
    return findings[0]


def example_problems(rule: Rule) -> list[UserError]:
    """Each example whose outcome (or message, when given) differs from what it promises."""
    problems = []
    for index, example in enumerate(rule.docs.examples):
        where = Location(rule.file, line=example.line, field=f"docs.examples[{index}]")
        try:
            finding = judge_rows(rule, example.rows, example.as_of, example.parameters,
                                 example.resource)
        except UserError as error:
            problems.append(UserError(f"the example's rows do not load: {error}", where))
            continue
        if finding.outcome != example.outcome:
            said = f" ({finding.message})" if finding.message else ""
            problems.append(UserError(f"expected outcome {example.outcome}, got "
                                      f"{finding.outcome.value}{said}", where))
        elif example.message is not None and finding.message != example.message:
            problems.append(UserError(f"expected message {example.message!r}, got "
                                      f"{finding.message!r}", where))
    return problems
