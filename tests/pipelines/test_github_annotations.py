"""GitHub Actions annotations: failing findings as workflow commands, escaped as the runner
requires, capped so that a large estate does not flood the log, printed only inside Actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from auditor.engine.baseline import compare
from auditor.engine.results import AuditResult, Outcome
from auditor.report import github_annotations


def test_the_annotations_of_the_example(example_result: AuditResult,
                                        golden: Callable[[str, bytes], None]) -> None:
    text = github_annotations.render(example_result)
    lines = text.splitlines()
    kinds = [line.split(" ", 1)[0] for line in lines]
    assert kinds == ["::error"] * 10 + ["::warning"] * 10 + ["::notice"]  # 19 high, 37 lower
    assert lines[-1] == ("::notice title=aum-auditor%3A annotations capped::36 more failing "
                         "findings not annotated (GitHub shows 10 errors and 10 warnings of a "
                         "step); the reports list every one")
    golden("annotations.txt", text.encode("utf-8"))


def test_one_annotation_word_for_word(example_result: AuditResult) -> None:
    finding = next(f for f in example_result.findings
                   if f.outcome is Outcome.FAIL and f.rule_id == "AUM001")
    result = msgspec.structs.replace(example_result, findings=(finding,))
    assert github_annotations.render(result) == (
        "::warning title=AUM001 periodic-assessment-enabled (medium)::vm-app-prd-06 fails: "
        "assessmentMode=ImageDefault; expected AutomaticByPlatform [/subscriptions/"
        "00000000-0000-0000-0000-000000000001/resourceGroups/rg-app-prd/providers/"
        "Microsoft.Compute/virtualMachines/vm-app-prd-06]\n")


def test_an_erroring_rule_is_an_error_whatever_its_severity(example_result: AuditResult) -> None:
    finding = next(f for f in example_result.findings if f.severity == "low")
    result = msgspec.structs.replace(example_result, findings=(msgspec.structs.replace(
        finding, outcome=Outcome.ERROR, message="the rule could not be evaluated: boom"),))
    text = github_annotations.render(result)
    assert text.startswith("::error title=")
    assert " could not be judged: the rule could not be evaluated: boom [" in text


@pytest.mark.parametrize(("raw", "data", "prop"), [
    ("100%", "100%25", "100%25"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("key: a, b", "key: a, b", "key%3A a%2C b"),
    ("%0A", "%250A", "%250A"),
])
def test_escaping(raw: str, data: str, prop: str) -> None:
    assert github_annotations.escape_data(raw) == data
    assert github_annotations.escape_property(raw) == prop


def test_hostile_names_cannot_start_another_command(example_result: AuditResult) -> None:
    finding = next(f for f in example_result.findings if f.outcome is Outcome.FAIL)
    hostile = msgspec.structs.replace(finding, resource_name="vm\n::error::pwned%0A::x",
                                      message="m\r\n::add-mask::secret")
    rule = msgspec.structs.replace(
        next(r for r in example_result.rules if r.id == finding.rule_id), name="n,a:me\n::x")
    result = msgspec.structs.replace(example_result, findings=(hostile,), rules=(rule,))
    (line,) = github_annotations.render(result).splitlines()  # the runner reads commands
    assert line.startswith("::warning title=")                 # only at the start of a line
    assert "vm%0A::error::pwned%250A::x fails: m%0D%0A::add-mask::secret" in line
    assert "title=" + finding.rule_id + " n%2Ca%3Ame%0A%3A%3Ax (" in line


def test_the_cap_and_its_notice(example_result: AuditResult) -> None:
    lines = github_annotations.render(example_result, per_level=2).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error"] * 2 + ["::warning"] * 2 \
        + ["::notice"]
    assert lines[-1].endswith("::52 more failing findings not annotated (GitHub shows 2 errors "
                              "and 2 warnings of a step); the reports list every one")


def test_no_notice_when_everything_is_annotated(example_result: AuditResult) -> None:
    text = github_annotations.render(example_result, per_level=60)
    assert text.count("\n") == 56 and "::notice" not in text


def test_with_a_baseline_only_new_findings_are_annotated(example_result: AuditResult) -> None:
    failing = [f for f in example_result.findings if f.outcome is Outcome.FAIL]
    result = compare(example_result, failing[1:], path="b.json", sha256="0" * 64,
                     as_of="2026-11-09T06:00:00Z")
    lines = github_annotations.render(result).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"::warning title=New {failing[0].rule_id} ")
    assert " (medium)::" in lines[0]
    assert lines[1] == ("::notice title=aum-auditor%3A since the baseline::55 failing findings "
                        "unchanged since the baseline not annotated; the reports list every one")


def test_printed_by_the_cli_only_inside_github_actions(
        auditor: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    outside = auditor("audit", "--example", "--output-dir", "out")
    assert "::" not in outside.stdout
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    inside = auditor("audit", "--example", "--output-dir", "out")
    assert inside.stdout.startswith("::error title=AUM002 ")
    assert inside.stdout.count("\n::") == 20
    assert inside.stdout.split("\n")[21].startswith("NOT COMPLIANT: ")
    assert inside.code == outside.code == 1
