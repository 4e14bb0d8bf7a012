"""The HTML report as a file: self-contained, escaped, complete, and compact at scale."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import textwrap
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from auditor.engine.results import AuditResult, Outcome
from auditor.report import html, markdown, view

STANDARD = ("fail", "error", "waived", "pass", "not_applicable")
"""Outcomes the report always shows; any other only when some finding has it."""
NAME = "<img src=x onerror=alert(1)>"
TAG = "</script><script>alert(2)</script>"


def data_block(page: str) -> Any:
    match = re.search(r'<script type="application/json" id="report-data" '
                      r'data-encoding="([a-z0-9-]+)">(.*?)</script>', page, re.S)
    assert match, "no data block"
    text = match.group(2)
    if match.group(1) == "deflate-base64":
        text = zlib.decompress(base64.b64decode(text)).decode("utf-8")
    return json.loads(text)


@pytest.fixture(scope="module")
def page(example_result: AuditResult) -> str:
    return html.render(example_result).decode("utf-8")


def test_nothing_is_fetched_from_anywhere(page: str) -> None:
    assert "src=" not in page.replace("img-src", "")
    assert not re.search(r"<link[^>]+stylesheet|@import|url\(|@font-face", page)
    hrefs = set(re.findall(r'href="([^"]*)"', page))
    assert {h for h in hrefs if not h.startswith(("#", "https://learn.microsoft.com/"))} == \
        {"data:,"}
    assert "default-src 'none'" in page


def test_the_content_security_policy_allows_exactly_the_inline_script(page: str) -> None:
    policy = re.search(r"script-src '(sha256-[^']+)'", page)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert policy and len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
    assert policy.group(1) == f"sha256-{digest}"


def test_every_resource_and_finding_is_in_the_data(page: str,
                                                   example_result: AuditResult) -> None:
    data = data_block(page)
    machines = {m.id for m in example_result.machines}
    resources = {f.resource_id for f in example_result.findings} | machines
    assert sorted(data["res"]["id"]) == sorted(resources)
    assert len(data["res"]["out"]) == len(resources)
    codes = {"P": "pass", "F": "fail", "E": "error", "W": "waived", "N": "not_applicable"}
    row = {rid: i for i, rid in enumerate(data["res"]["id"])}
    column = {rule.id: i for i, rule in enumerate(example_result.rules)}
    for finding in example_result.findings:
        code = data["res"]["out"][row[finding.resource_id]][column[finding.rule_id]]
        assert codes.get(code, "not_applicable") == finding.outcome.value
    failing = {(data["rules"][c][0], data["res"]["id"][item[0]])
               for c, items in enumerate(data["details"]) for item in items if item[1] == "F"}
    assert failing == {(f.rule_id, f.resource_id) for f in example_result.findings
                       if f.outcome == "fail"}


def test_the_summary_numbers_are_in_the_page(page: str, example_result: AuditResult) -> None:
    summary = example_result.summary
    for element, value in (("kpi-compliant", summary.compliant_machines),
                           ("kpi-judged", summary.machines_judged),
                           ("kpi-machines", summary.machines),
                           *((f"count-{o}", n) for o, n in summary.by_outcome.items()
                             if n or o in STANDARD)):
        assert re.search(rf'id="{element}">{value:,}<', page), element
    assert 'id="kpi-share">27.2%<' in page


PORTAL = ["Customer Managed Schedules", "Azure Managed - Safe Deployment",
          "Windows Automatic Updates", "Manual updates", "Image Default"]


def test_the_orchestration_chart_shows_the_five_portal_modes_then_the_rest(page: str) -> None:
    labels = re.findall(r'class="chart-label">([^<]+)<', page)
    values = re.findall(r'class="chart-value">([0-9,]+)<', page)
    assert labels == [*PORTAL, "Not valid for this OS"]
    assert values == ["20", "7", "6", "2", "8", "1"]


def test_a_portal_mode_no_machine_uses_is_charted_at_zero(
        example_result: AuditResult) -> None:
    few = msgspec.structs.replace(example_result, machines=example_result.machines[:1])
    bars = view.mode_bars(few)
    assert [(bar.label, bar.count) for bar in bars] == [
        (label, int(label == few.machines[0].orchestration_mode)) for label in PORTAL]


def test_azure_strings_cannot_end_the_data_block_or_add_markup(
        tmp_path: Path, hostile_estate: Path, run_audit_cli: Callable[..., Path]) -> None:
    out = run_audit_cli(tmp_path, str(hostile_estate), "--as-of", "2026-11-16T06:00:00Z")
    text = (out / "report.html").read_text("utf-8")
    assert NAME not in text and TAG not in text and "<b>bold</b>" not in text
    assert text.count("</script>") == 2  # the data block's and the script's own
    data = data_block(text)
    assert NAME in data["res"]["name"]
    assert TAG in data["strings"]


def test_large_data_is_deflated_and_reads_back_the_same(example_result: AuditResult) -> None:
    plain = html.render(example_result).decode("utf-8")
    packed = html.render(example_result, compress_above=0).decode("utf-8")
    assert 'data-encoding="json"' in plain and 'data-encoding="deflate-base64"' in packed
    assert data_block(packed) == data_block(plain)


def test_waivers_show_reason_owner_and_expiry_and_flag_the_soon_expiring(
        tmp_path: Path, run_audit_cli: Callable[..., Path]) -> None:
    (tmp_path / "auditor.yaml").write_text(textwrap.dedent("""\
        waivers:
          - rule: AUM004
            resource: "*/RESOURCEGROUPS/rg-data-prd/*"
            reason: The SQL cluster is patched by <its own> team.
            owner: team-data
            expires: 2026-11-20
          - rule: AUM001
            resource: "*/vm-app-prd-06"
            reason: Assessed by the vendor's tooling.
            owner: team-app
            expires: 2027-06-30
        """), encoding="utf-8")
    out = run_audit_cli(tmp_path, "--example")
    page = (out / "report.html").read_text("utf-8")
    table = page[page.index('id="waivers-in-use"'):page.index("</table>",
                                                               page.index('id="waivers-in-use"'))]
    rows = re.findall(r"<tr( class=\"soon\")?><td>(AUM\d+)</td>.*?</tr>", table, re.S)
    assert rows == [(' class="soon"', "AUM004"), ("", "AUM001")]
    assert "The SQL cluster is patched by &lt;its own&gt; team." in table
    assert "team-data" in table and "2026-11-20" in table and "within 14 days" in table
    data = data_block(page)
    assert sorted(data["waivers"]) == [
        ["AUM001", "*/vm-app-prd-06", "Assessed by the vendor's tooling.", "team-app",
         "2027-06-30", 0],
        ["AUM004", "*/RESOURCEGROUPS/rg-data-prd/*",
         "The SQL cluster is patched by <its own> team.", "team-data", "2026-11-20", 1]]


def test_an_outcome_beyond_the_standard_five_is_shown_when_it_occurs(
        example_result: AuditResult) -> None:
    extra = [o for o in Outcome if o.value not in STANDARD]
    if not extra:
        pytest.skip("this version of the engine has only the standard outcomes")
    outcome = extra[0]
    status = view.machine_status(example_result)
    finding = next(f for f in example_result.findings if f.outcome is Outcome.PASS
                   and status[f.resource_id.lower()] == "compliant")
    changed = msgspec.structs.replace(finding, outcome=outcome, message="depends on a value")
    summary = example_result.summary
    result = msgspec.structs.replace(
        example_result,
        findings=tuple(changed if f is finding else f for f in example_result.findings),
        summary=msgspec.structs.replace(
            summary, compliant_machines=summary.compliant_machines - 1,
            by_outcome={**summary.by_outcome, outcome.value: 1,
                        "pass": summary.by_outcome["pass"] - 1}))
    page = html.render(result).decode("utf-8")
    assert f'id="count-{outcome.value}">1<' in page
    data = data_block(page)
    code = dict((o, c) for c, o in data["outcomes"])[outcome.value]
    row = data["res"]["id"].index(finding.resource_id)
    column = [rule[0] for rule in data["rules"]].index(finding.rule_id)
    assert data["res"]["out"][row][column] == code
    assert data["statuses"][data["res"]["status"][row]] == "uncertain"
    assert view.build(result).machine_status[finding.resource_id.lower()] == "uncertain"
    text = markdown.render(result).decode("utf-8")
    assert f"0 waived, 1 {view.label(outcome.value).lower()}." in text
