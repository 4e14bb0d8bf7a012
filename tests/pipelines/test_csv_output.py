"""findings.csv: one row per finding for spreadsheets, and no cell from Azure data can run as a
formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import msgspec
import pytest

from auditor.engine.results import AuditResult, Outcome, Waiver
from auditor.report import RENDERERS, csv_findings


def rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_csv_of_the_example(example_result: AuditResult,
                                golden: Callable[[str, bytes], None]) -> None:
    golden("findings.csv", csv_findings.render(example_result))


def test_it_is_registered() -> None:
    assert RENDERERS["csv"] == (csv_findings.render, "findings.csv")


def test_one_row_per_finding_in_results_order(example_result: AuditResult) -> None:
    data = csv_findings.render(example_result)
    assert data.split(b"\r\n", 1)[0] == b"\xef\xbb\xbf" + ",".join(
        csv_findings.COLUMNS).encode()
    table = rows(data)
    assert [(r["ruleId"], r["resourceId"], r["outcome"], r["fingerprint"]) for r in table] == [
        (f.rule_id, f.resource_id, f.outcome.value, f.fingerprint)
        for f in example_result.findings]
    failing = next(r for r in table if r["outcome"] == "fail" and r["ruleId"] == "AUM001")
    assert failing == failing | {
        "ruleName": "periodic-assessment-enabled", "severity": "medium",
        "message": "assessmentMode=ImageDefault; expected AutomaticByPlatform",
        "evidence": "patch.assessmentMode=ImageDefault; patch.assessmentModeExplicit=true"}


def test_waivers_and_baseline_states_have_columns(example_result: AuditResult) -> None:
    waiver = Waiver(rule="AUM001", resource="*", reason="Vendor patches it.",
                    owner="ops@example.com", expires="2027-03-31")
    finding = msgspec.structs.replace(example_result.findings[0], outcome=Outcome.WAIVED,
                                      waiver=waiver, waived_outcome=Outcome.FAIL,
                                      baseline_state="unchanged")
    (row,) = rows(csv_findings.render(msgspec.structs.replace(example_result,
                                                              findings=(finding,))))
    assert {k: row[k] for k in ("outcome", "baselineState", "waiverReason", "waiverOwner",
                                "waiverExpires", "waivedOutcome")} == {
        "outcome": "waived", "baselineState": "unchanged", "waiverReason": "Vendor patches it.",
        "waiverOwner": "ops@example.com", "waiverExpires": "2027-03-31",
        "waivedOutcome": "fail"}


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3",
                                  "@SUM(A1:A2)", "\t=1+1", "\r=1+1"])
def test_a_cell_that_could_run_as_a_formula_is_made_text(example_result: AuditResult,
                                                          text: str) -> None:
    finding = msgspec.structs.replace(
        example_result.findings[0], resource_name=text, resource_group=text, message=text,
        evidence={"tags.owner": text})
    (row,) = rows(csv_findings.render(msgspec.structs.replace(example_result,
                                                              findings=(finding,))))
    assert (row["resourceName"], row["resourceGroup"], row["message"]) == (f"'{text}",) * 3
    assert row["evidence"] == f"tags.owner={text}"  # starts with the field path: inert


@pytest.mark.parametrize("text", ["vm-web-01", "a=b", "1-2", "", "'quoted", " =1"])
def test_other_cells_are_left_alone(text: str) -> None:
    assert csv_findings.cell(text) == text
