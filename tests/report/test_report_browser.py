"""The HTML report in a real browser: headless Chromium driven by Playwright, fully offline.

Every page is opened with all requests routed: anything that is not file:, data: or about:
is blocked and fails the test, and so does any console error or JavaScript dialog. The
browser is the system's Chromium (AUDITOR_CHROMIUM, default /usr/bin/chromium); when it or
Playwright is missing these tests fail, unless AUDITOR_SKIP_BROWSER_TESTS=1 opts out.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from auditor.engine.results import AuditResult
from auditor.report import html

CHROMIUM = os.environ.get("AUDITOR_CHROMIUM", "/usr/bin/chromium")
OPT_OUT = "AUDITOR_SKIP_BROWSER_TESTS"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
LOCAL = ("file:", "data:", "about:")
NAME = "<img src=x onerror=alert(1)>"
TAG = "</script><script>alert(2)</script>"
DASH = "\u2013"  # as in "Showing 1-25 of 78"


def unavailable(reason: str) -> None:
    if os.environ.get(OPT_OUT) == "1":
        pytest.skip(f"{reason} ({OPT_OUT}=1)")
    pytest.fail(f"{reason}: scripts/test installs it; set {OPT_OUT}=1 to skip the browser tests "
                "on purpose", pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (it is in the `test` extra)")
    if not Path(CHROMIUM).is_file():
        unavailable(f"no Chromium at {CHROMIUM} (set AUDITOR_CHROMIUM to another binary)")
    with sync_playwright() as playwright:
        # launch() gives every browser a fresh, temporary profile (user-data-dir).
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Session:
    page: Any
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert self.blocked == [], f"requests left the page: {self.blocked}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"

    def text(self, selector: str) -> str:
        return str(self.page.text_content(selector)).strip()

    def number(self, selector: str) -> int:
        return int(self.text(selector).replace(",", ""))

    def select(self, selector: str, label: str) -> None:
        self.page.select_option(selector, label=label)

    def total(self, table: str) -> int:
        """The row count a table's pager states ("Showing 1-25 of 78 resources"); 0 if empty."""
        if self.page.locator(f"#{table} .pager-status").count() == 0:
            return 0
        match = re.search(r"of ([\d,]+) ", self.text(f"#{table} .pager-status"))
        assert match
        return int(match.group(1).replace(",", ""))

    def names(self, table: str) -> list[str]:
        """The resource names a table shows on its current page."""
        return [str(text) for text in
                self.page.locator(f"#{table} tbody a.res-link").all_text_contents()]

    def column(self, table: str, index: int) -> list[str]:
        cells = self.page.locator(f"#{table} tbody tr td:nth-child({index})")
        return [str(text).strip() for text in cells.all_text_contents()]


@pytest.fixture
def open_report(browser: Any) -> Iterator[Callable[[Path], Session]]:
    sessions: list[tuple[Any, Session]] = []

    def open_page(path: Path) -> Session:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(20_000)
        page = context.new_page()
        session = Session(page)

        def route(route: Any) -> None:
            url = route.request.url
            session.requests.append(url)
            if url.startswith(LOCAL):
                route.continue_()
            else:
                session.blocked.append(url)
                route.abort()
        context.route("**/*", route)
        page.on("console", lambda m: session.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: session.errors.append(str(error)))
        page.on("dialog", lambda dialog: (session.dialogs.append(dialog.message),
                                          dialog.dismiss()))
        sessions.append((context, session))
        page.goto(path.as_uri())
        page.wait_for_selector("html[data-ready]")
        assert page.get_attribute("html", "data-ready") == "true", session.text("#load-error")
        return session

    yield open_page
    for context, session in sessions:
        context.close()
        session.clean()


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory,
            example_result: AuditResult) -> tuple[Path, dict[str, Any]]:
    """The example's report.html and its results as JSON, from the same result."""
    folder = tmp_path_factory.mktemp("example")
    (folder / "report.html").write_bytes(html.render(example_result))
    from auditor.report import json_results
    return folder / "report.html", json.loads(json_results.render(example_result))


def test_the_summary_numbers_match_the_json_results(
        example: tuple[Path, dict[str, Any]], open_report: Callable[[Path], Session]) -> None:
    path, results = example
    session = open_report(path)
    summary = results["summary"]
    assert session.number("#kpi-compliant") == summary["compliantMachines"]
    assert session.number("#kpi-judged") == summary["machinesJudged"]
    assert session.number("#kpi-machines") == summary["machines"]
    for outcome, count in summary["byOutcome"].items():
        if count or outcome in ("fail", "error", "waived", "pass", "not_applicable"):
            assert session.number(f"#count-{outcome}") == count, outcome
    share = 100 * summary["compliantMachines"] / summary["machinesJudged"]
    assert session.text("#kpi-share") == f"{int(share * 10) / 10:.1f}%"
    rules = {rule.split()[0]: int(fails) for rule, fails in zip(
        session.column("rule-overview", 1), session.column("rule-overview", 3), strict=True)}
    assert rules == {rule: counts["fail"] for rule, counts in summary["byRule"].items()}
    machines = Counter(m["subscriptionId"] for m in results["machines"])
    assert dict(zip(session.column("t-subs", 1), map(int, session.column("t-subs", 2)),
                    strict=True)) == machines
    assert session.total("t-resources") == len(
        {f["resourceId"] for f in results["findings"]} | {m["id"] for m in results["machines"]})


def test_the_first_screen_looks_right(example: tuple[Path, dict[str, Any]],
                                      open_report: Callable[[Path], Session]) -> None:
    session = open_report(example[0])
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.screenshot(path=str(ARTIFACTS / "report-first-screen.png"))
    assert session.page.is_visible("#verdict") and session.page.is_visible("#modes-chart")
    assert session.text("#verdict") == "Not compliant"
    session.page.click("#t-rule-3 tbody tr:first-child a.res-link")
    session.page.screenshot(path=str(ARTIFACTS / "report-machine-panel.png"))
    assert (ARTIFACTS / "report-first-screen.png").stat().st_size > 10_000


def test_filtering_by_rule(example: tuple[Path, dict[str, Any]],
                           open_report: Callable[[Path], Session]) -> None:
    path, results = example
    session = open_report(path)
    assert session.page.locator("article.rule:visible").count() == 14
    session.select("#f-rule", "AUM004 no-failed-installations")
    visible = session.page.locator("article.rule:visible")
    assert visible.count() == 1 and visible.get_attribute("id") == "rule-AUM004"
    failing = sorted(f["resourceName"] for f in results["findings"]
                     if f["ruleId"] == "AUM004" and f["outcome"] == "fail")
    assert sorted(session.names("t-rule-3")) == failing
    judged = {f["resourceId"] for f in results["findings"] if f["ruleId"] == "AUM004"}
    assert session.total("t-resources") == len(judged)
    session.select("#f-out", "Fail")
    assert session.total("t-resources") == len(failing)
    assert session.page.locator("#rule-overview tbody tr:visible").count() == 1


def test_filtering_by_subscription(example: tuple[Path, dict[str, Any]],
                                   open_report: Callable[[Path], Session]) -> None:
    path, results = example
    session = open_report(path)
    second = "00000000-0000-0000-0000-000000000002"
    session.select("#f-sub", second)
    resources = {f["resourceId"]: f["subscriptionId"] for f in results["findings"]}
    resources.update({m["id"]: m["subscriptionId"] for m in results["machines"]})
    assert session.total("t-resources") == sum(s == second for s in resources.values())
    session.page.select_option("#t-resources .pager select", "500")
    assert set(session.column("t-resources", 3)) == {second}
    failing = [f for f in results["findings"] if f["ruleId"] == "AUM001"
               and f["outcome"] == "fail" and f["subscriptionId"] == second]
    assert session.total("t-rule-0") == len(failing) > 0
    groups = {f["resourceGroup"] or "(subscription scope)" for f in results["findings"]
              if f["subscriptionId"] == second}
    assert set(session.page.locator("#f-rg option").all_text_contents()[1:]) == groups
    session.page.click("#f-reset")
    session.page.wait_for_function("() => !document.getElementById('f-sub').value")
    session.page.wait_for_function(
        "() => document.querySelector('#t-resources .pager-status').textContent.includes('of 78')")


def test_search_finds_a_machine_by_name_and_shows_every_rule(
        example: tuple[Path, dict[str, Any]], open_report: Callable[[Path], Session]) -> None:
    path, results = example
    session = open_report(path)
    session.page.fill("#f-q", "SQL-PRD-02")
    session.page.wait_for_function(
        "() => !document.querySelector('#t-resources .pager-status')?.textContent"
        ".includes('of 78 ')")
    hits = {f["resourceName"] for f in results["findings"]
            if "sql-prd-02" in f["resourceId"].lower()}  # the VM, and assignments on it
    assert sorted(session.names("t-resources")) == sorted(hits) and "vm-sql-prd-02" in hits
    session.page.click("#t-resources a.res-link:text-is('vm-sql-prd-02')")
    assert session.page.is_visible("#panel")
    assert session.text("#panel-title") == "vm-sql-prd-02"
    assert session.page.url.endswith(f"#resource-{session.page.url.split('-')[-1]}")
    own = {f["ruleId"]: (f["outcome"], f["message"]) for f in results["findings"]
           if f["resourceName"] == "vm-sql-prd-02"}
    rows = session.page.locator("#panel-body tbody tr")
    shown = {row.locator("td").nth(0).locator("a").text_content():
             (str(row.locator("td").nth(2).text_content()).replace(" ", "_"),
              str(row.locator("td").nth(3).text_content()))
             for row in rows.all()}
    assert shown == own
    session.page.keyboard.press("Escape")
    assert not session.page.is_visible("#panel")


def test_a_finding_leads_to_its_machine(example: tuple[Path, dict[str, Any]],
                                        open_report: Callable[[Path], Session]) -> None:
    path, results = example
    session = open_report(path)
    link = session.page.locator("#rule-AUM002 a.res-link").first
    name = str(link.text_content())
    link.click()
    assert session.text("#panel-title") == name
    rules = sum(f["resourceName"] == name for f in results["findings"])
    assert session.page.locator("#panel-body tbody tr").count() == rules
    session.page.click("#panel-close")
    assert not session.page.is_visible("#panel")


def test_columns_sort_and_long_lists_are_paged(example: tuple[Path, dict[str, Any]],
                                               open_report: Callable[[Path], Session]) -> None:
    session = open_report(example[0])
    assert session.text("#t-resources .pager-status") == f"Showing 1{DASH}25 of 78 resources"
    session.page.click("#t-resources th:first-child button")
    names = session.names("t-resources")
    assert names == sorted(names, key=str.lower) and len(names) == 25
    session.page.click("#t-resources th:first-child button")
    descending = session.names("t-resources")
    assert descending == sorted(descending, key=str.lower, reverse=True)
    session.page.click("#t-resources .pager button:has-text('Next')")
    assert session.text("#t-resources .pager-status") == f"Showing 26{DASH}50 of 78 resources"
    session.page.click("#rule-overview th:nth-child(3) button")
    session.page.click("#rule-overview th:nth-child(3) button")
    fails = [int(n) for n in session.column("rule-overview", 3)]
    assert fails == sorted(fails, reverse=True)


def test_hostile_names_and_tags_are_shown_as_text_and_run_nothing(
        tmp_path: Path, hostile_estate: Path, run_audit_cli: Callable[..., Path],
        open_report: Callable[[Path], Session]) -> None:
    out = run_audit_cli(tmp_path, str(hostile_estate), "--as-of", "2026-11-16T06:00:00Z")
    session = open_report(out / "report.html")
    assert NAME in session.names("t-resources")
    session.page.fill("#f-q", "onerror")
    session.page.wait_for_function(
        "() => document.querySelector('#t-resources .pager-status')?.textContent"
        ".includes('of 1 ')")
    session.page.click("#t-resources a.res-link")
    assert session.text("#panel-title") == NAME
    tags = session.page.locator("#panel-body .tag").all_text_contents()
    assert f"owner = {TAG}" in tags and "note = <b>bold</b> & @octocat" in tags
    assert session.page.locator("img").count() == 0
    assert session.page.locator("script").count() == 2  # the data block and the page's own
    session.page.wait_for_timeout(200)
    assert session.dialogs == []


def test_compressed_data_reads_the_same(tmp_path: Path, example_result: AuditResult,
                                        open_report: Callable[[Path], Session]) -> None:
    path = tmp_path / "report.html"
    path.write_bytes(html.render(example_result, compress_above=0))
    assert b'data-encoding="deflate-base64"' in path.read_bytes()
    session = open_report(path)
    assert session.text("#t-resources .pager-status") == f"Showing 1{DASH}25 of 78 resources"
    assert session.total("t-rule-0") == example_result.summary.by_rule["AUM001"]["fail"]


def test_printing_keeps_the_summary_and_the_rules(example: tuple[Path, dict[str, Any]],
                                                  open_report: Callable[[Path], Session]) -> None:
    session = open_report(example[0])
    session.page.emulate_media(media="print")
    assert session.page.is_visible("#summary") and session.page.is_visible("#rule-AUM001")
    assert session.page.is_visible("#rule-AUM001 tbody tr")
    assert session.page.is_visible("#rule-AUM001 .pager-status")  # what the page leaves out
    assert not session.page.is_visible("#t-rgs .pager button")
    assert not session.page.is_visible("#filters") and not session.page.is_visible("#resources")
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4")
    assert (ARTIFACTS / "report.pdf").stat().st_size > 10_000


def test_no_request_leaves_the_page(example: tuple[Path, dict[str, Any]],
                                    open_report: Callable[[Path], Session]) -> None:
    session = open_report(example[0])
    session.select("#f-sev", "high")
    session.page.locator("a.res-link").first.click()
    session.page.keyboard.press("Escape")
    assert session.requests and all(url.startswith(LOCAL) for url in session.requests)
    session.clean()
