"""Every rule's case file and every example in its docs, each as a test: `pytest -k AUM004`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.engine.examples import judge_rows
from auditor.rules.load import load_rules

CASES = Path(__file__).parent.parent / "fixtures" / "rules"
RULES = {rule.id: rule for rule in load_rules(True)}


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        for case in data["cases"]:
            params.append(pytest.param(data["rule"], case, id=f"{data['rule']}-{case['name']}"))
    return params


def _examples() -> list[Any]:
    return [pytest.param(rule, example, id=f"{rule.id}-example-{index}")
            for rule in RULES.values() for index, example in enumerate(rule.docs.examples)]


@pytest.mark.parametrize(("rule_id", "case"), _cases())
def test_case(rule_id: str, case: dict[str, Any]) -> None:
    finding = judge_rows(RULES[rule_id], case["rows"], str(case.get("asOf") or "") or None,
                         case.get("parameters"), case.get("resource"))
    assert (finding.outcome.value, finding.message if "message" in case else None) == \
        (case["outcome"], case.get("message")), finding.message


@pytest.mark.parametrize(("rule", "example"), _examples())
def test_docs_example(rule: Any, example: Any) -> None:
    finding = judge_rows(rule, example.rows, example.as_of, example.parameters, example.resource)
    assert finding.outcome.value == example.outcome, finding.message
    if example.message is not None:
        assert finding.message == example.message
