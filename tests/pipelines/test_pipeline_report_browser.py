"""The report's baseline and trend sections in headless Chromium: drawn, within the page's
Content-Security-Policy, and making no request. (Same browser and opt-out as
tests/report/test_report_browser.py: AUDITOR_CHROMIUM, AUDITOR_SKIP_BROWSER_TESTS=1.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec
import pytest

from auditor.engine.baseline import compare
from auditor.engine.results import AuditResult, HistoryPoint, Outcome
from auditor.report import html

CHROMIUM = os.environ.get("AUDITOR_CHROMIUM", "/usr/bin/chromium")
OPT_OUT = "AUDITOR_SKIP_BROWSER_TESTS"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def unavailable(reason: str) -> None:
    if os.environ.get(OPT_OUT) == "1":
        pytest.skip(f"{reason} ({OPT_OUT}=1)")
    pytest.fail(f"{reason}: scripts/test installs it; set {OPT_OUT}=1 to skip the browser tests "
                "on purpose", pytrace=False)


def report(example: AuditResult, folder: Path) -> Path:
    failing = [f for f in example.findings if f.outcome is Outcome.FAIL]
    result = compare(example, failing[2:], path="last-week/results.json", sha256="0" * 64,
                     as_of="2026-11-09T06:00:00Z")
    history = tuple(HistoryPoint(as_of=f"2026-{month}T06:00:00Z", path=f"h/{month}.json",
                                 sha256="0" * 64, machines_judged=44, compliant_machines=share,
                                 by_rule=example.summary.by_rule)
                    for month, share in (("10-26", 8), ("11-02", 10), ("11-09", 11)))
    path = folder / "report.html"
    path.write_bytes(html.render(msgspec.structs.replace(result, history=history)))
    return path


def test_the_sections_are_drawn_offline(example_result: AuditResult, tmp_path: Path) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (it is in the `test` extra)")
    if not Path(CHROMIUM).is_file():
        unavailable(f"no Chromium at {CHROMIUM} (set AUDITOR_CHROMIUM to another binary)")
    path = report(example_result, tmp_path)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page: Any = browser.new_page(viewport={"width": 1440, "height": 900})

        def route(request: Any) -> None:
            if request.request.url.startswith(("file:", "data:", "about:")):
                request.continue_()
            else:
                problems.append(f"request: {request.request.url}")
                request.abort()
        page.route("**/*", route)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(path.as_uri())
        page.wait_for_selector("#trend-all svg")
        assert page.text_content("#baseline-new") == "2"
        box = page.locator("#trend-all svg").bounding_box()
        assert box is not None and box["width"] > 800 and box["height"] > 100
        assert page.locator("#trend .trend-chart").count() == 15
        line = page.locator("#trend-all path.trend-line")
        assert line.evaluate("e => getComputedStyle(e).stroke") != "none"  # the stylesheet
        page.click("#baseline details.delta-list-new summary")
        assert page.locator("#baseline details.delta-list-new table").is_visible()
        browser.close()
    assert problems == []
