"""JUnit XML: valid against windyroad's JUnit.xsd; a suite per rule, a test case per judged
resource; failures, errors and skips (with their reasons) as CI test tabs count them."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Callable

import msgspec

from auditor.engine.results import AuditResult, Outcome, Waiver
from auditor.report import RENDERERS, junit

Junit = Callable[[bytes], ElementTree.Element]


def test_the_junit_of_the_example(example_result: AuditResult, junit_of: Junit,
                                  golden: Callable[[str, bytes], None]) -> None:
    data = junit.render(example_result)
    junit_of(data)
    golden("junit.xml", data)


def test_it_is_registered() -> None:
    assert RENDERERS["junit"] == (junit.render, "junit.xml")


def test_a_suite_per_rule_and_a_case_per_finding(example_result: AuditResult,
                                                 junit_of: Junit) -> None:
    root = junit_of(junit.render(example_result))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [f"{r.id} {r.name}" for r in example_result.rules]
    for number, (suite, rule) in enumerate(zip(suites, example_result.rules, strict=True)):
        findings = [f for f in example_result.findings if f.rule_id == rule.id]
        outcomes = Counter(f.outcome for f in findings)
        assert {k: suite.get(k) for k in ("package", "id", "timestamp", "hostname", "tests",
                                          "failures", "errors", "skipped", "time")} == {
            "package": "aum-auditor", "id": str(number), "timestamp": "2026-11-16T06:00:00",
            "hostname": "aum-auditor", "tests": str(len(findings)),
            "failures": str(outcomes[Outcome.FAIL]), "errors": "0",
            "skipped": str(outcomes[Outcome.NOT_APPLICABLE]), "time": "0"}
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == [f.resource_id for f in findings]
        assert {c.get("classname") for c in cases} == {f"{rule.id}.{rule.name}"}
        for case, finding in zip(cases, findings, strict=True):
            children = [child.tag for child in case]
            if finding.outcome is Outcome.FAIL:
                (failure,) = case
                assert (failure.tag, failure.get("message"), failure.get("type")) == (
                    "failure", finding.message, finding.severity)
                assert failure.text is not None and f"resource: {finding.resource_id}" \
                    in failure.text
            elif finding.outcome is Outcome.NOT_APPLICABLE:
                assert children == ["skipped"]
                assert case[0].get("message") == f"not applicable: {finding.message}"
            else:
                assert children == []
        properties = {p.get("name"): p.get("value") for p in suite.find("properties") or []}
        assert properties["rule"] == rule.id and properties["severity"] == rule.severity
        assert rule.fix in (suite.findtext("system-out") or "")


def test_errors_waivers_and_unknowns(example_result: AuditResult, junit_of: Junit) -> None:
    waiver = Waiver(rule="AUM001", resource="*", reason="Vendor patches it.",
                    owner="ops@example.com", expires="2027-03-31")
    first, second, third, *rest = [f for f in example_result.findings if f.rule_id == "AUM001"]
    replace = msgspec.structs.replace
    findings = (
        replace(first, outcome=Outcome.ERROR, message="the rule could not be evaluated: boom"),
        replace(second, outcome=Outcome.WAIVED, message="assessmentMode=ImageDefault",
                waiver=waiver, waived_outcome=Outcome.FAIL),
        replace(third, outcome=Outcome.UNKNOWN, message="patchMode is not known yet"),
        *rest)
    rules = tuple(r for r in example_result.rules if r.id == "AUM001")
    root = junit_of(junit.render(replace(example_result, findings=findings, rules=rules)))
    (suite,) = root
    cases = suite.findall("testcase")
    assert (cases[0][0].tag, cases[0][0].get("type"), cases[0][0].get("message")) == (
        "error", "rule-error", "the rule could not be evaluated: boom")
    assert (cases[1][0].tag, cases[1][0].get("message")) == (
        "skipped", "waived until 2027-03-31 by ops@example.com: Vendor patches it. (the "
                   "finding would fail: assessmentMode=ImageDefault)")
    assert (cases[2][0].tag, cases[2][0].get("message")) == (
        "skipped", "unknown until deployment: patchMode is not known yet")
    assert suite.get("errors") == "1"
    assert int(suite.get("skipped") or 0) >= 2


def test_hostile_text_stays_valid_xml(example_result: AuditResult, junit_of: Junit) -> None:
    nasty = 'a"b<c>&d]]>\x00e\x1bf\nline\ttab\r\ud800g'
    finding = next(f for f in example_result.findings if f.outcome is Outcome.FAIL)
    result = msgspec.structs.replace(
        example_result, findings=(msgspec.structs.replace(
            finding, message=nasty, resource_id=finding.resource_id + nasty),),
        rules=tuple(r for r in example_result.rules if r.id == finding.rule_id))
    root = junit_of(junit.render(result))
    case = root.find("testsuite/testcase")
    assert case is not None
    expected = 'a"b<c>&d]]>\ufffde\ufffdf\nline\ttab\r\ufffdg'
    assert case[0].get("message") == expected
    assert (case.get("name") or "").endswith(expected)


def test_timestamps_have_no_zone_or_fraction() -> None:
    assert junit.timestamp("2026-11-16T06:00:00Z") == "2026-11-16T06:00:00"
    assert junit.timestamp("2026-11-16T07:30:00.123456+01:00") == "2026-11-16T06:30:00"
