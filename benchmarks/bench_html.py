"""Measure the HTML report at scale: file size, first screen and filter response in Chromium.

    python benchmarks/bench_html.py [--machines N] [--workdir DIR] [--results FILE] [--repeat R]

Generates a synthetic estate of N machines with generate_estate.py (default 100,000; reused when
it is already in --workdir), audits it in-process, writes report.html and summary.md, then opens
the report from disk in headless Chromium (Playwright for Python, the system browser) R times
and measures:

- first paint: the browser's first-contentful-paint (the summary, which is plain HTML);
- ready: the moment the page's script has drawn every table (its `report-ready` mark);
- each filter: from the change to the next painted frame after the tables are redrawn;
- sorting the resource list (every machine) by a column.

The targets (issue 5): under 30 MB, first screen under 3 s, every filter under 1 s.
--results FILE skips generation and auditing and renders an existing results.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the auditor of this checkout
CHROMIUM = os.environ.get("AUDITOR_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LIMITS = {"size MB": 30.0, "ready s": 3.0, "filter s": 1.0}

# Sets a filter control and resolves after the redraw has been painted.
CHANGE = """async ([id, value]) => {
  const control = document.getElementById(id);
  const t0 = performance.now();
  control.value = value;
  control.dispatchEvent(new Event(id === "f-q" ? "input" : "change"));
  if (id === "f-q") {  // the search waits for typing to pause; wait for its answer
    const before = document.getElementById("f-count").textContent;
    while (document.getElementById("f-count").textContent === before) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
}"""
# Sorts the resource list by a column (the first sort of a column ranks every resource).
SORT = """async (column) => {
  const t0 = performance.now();
  document.querySelector(`#t-resources th:nth-child(${column}) button`).click();
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
}"""
RESET = """async () => {
  const t0 = performance.now();
  document.getElementById("filters").reset();
  await new Promise((r) => setTimeout(r, 0));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
}"""


def result_for(args: argparse.Namespace) -> Any:
    import msgspec

    from auditor.audit import AuditRequest, run_audit
    from auditor.engine.results import AuditResult
    if args.results:
        return msgspec.json.decode(args.results.read_bytes(), type=AuditResult)
    bundle = args.workdir / f"estate-{args.machines}"
    if not (bundle / "manifest.json").exists():
        subprocess.run([sys.executable, str(HERE / "generate_estate.py"), str(args.machines),
                        str(bundle), "--format", "bundle"], check=True)
    started = time.perf_counter()
    result = run_audit(AuditRequest(inputs=[bundle]), datetime.now(UTC))
    print(f"audit: {time.perf_counter() - started:.1f} s, {len(result.machines):,} machines, "
          f"{len(result.findings):,} findings")
    return result


def render(result: Any, workdir: Path) -> tuple[Path, dict[str, float]]:
    from auditor.report import html, markdown
    figures: dict[str, float] = {}
    started = time.perf_counter()
    page = html.render(result)
    figures["render s"] = time.perf_counter() - started
    started = time.perf_counter()
    summary = markdown.render(result)
    figures["markdown s"] = time.perf_counter() - started
    figures["markdown chars"] = len(summary.decode("utf-8"))
    path = workdir / "report.html"
    path.write_bytes(page)
    (workdir / "summary.md").write_bytes(summary)
    figures["size MB"] = len(page) / 1e6
    return path, figures


def measure(path: Path, repeat: int) -> dict[str, list[float]]:
    from playwright.sync_api import ConsoleMessage, Error, sync_playwright
    times: dict[str, list[float]] = {}

    def note(name: str, seconds: float) -> None:
        times.setdefault(name, []).append(seconds)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeat):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            errors: list[str] = []

            def console(message: ConsoleMessage, errors: list[str] = errors) -> None:
                if message.type == "error":
                    errors.append(message.text)

            def failed(error: Error, errors: list[str] = errors) -> None:
                errors.append(str(error))

            page.on("console", console)
            page.on("pageerror", failed)
            page.goto(path.as_uri(), wait_until="commit", timeout=120_000)
            page.wait_for_selector("html[data-ready]", timeout=120_000)
            if page.get_attribute("html", "data-ready") != "true" or errors:
                raise SystemExit(f"the report did not start: {errors}")
            paint = page.evaluate("() => performance.getEntriesByName("
                                  "'first-contentful-paint')[0].startTime")
            ready = page.evaluate("() => performance.getEntriesByName('report-ready')[0]"
                                  ".startTime")
            note("first paint s", paint / 1000)
            note("ready s", ready / 1000)
            # Each filter alone, on the whole estate, then cleared again (also timed).
            for name, control, value in (
                    ("filter: subscription", "f-sub",
                     page.eval_on_selector("#f-sub", "s => s.options[3].value")),
                    ("filter: resource group", "f-rg",
                     page.eval_on_selector("#f-rg", "s => s.options[5].value")),
                    ("filter: rule", "f-rule", "3"), ("filter: severity", "f-sev", "high"),
                    ("filter: outcome", "f-out", "fail"),
                    ("filter: search", "f-q", "vm-app-000420")):
                note(name, page.evaluate(CHANGE, [control, value]) / 1000)
                note("filter: clear", page.evaluate(RESET) / 1000)
            # Filters combined: subscription, then rule, then outcome.
            started = 0.0
            for control, value in (("f-sub", page.eval_on_selector(
                    "#f-sub", "s => s.options[3].value")), ("f-rule", "3"), ("f-out", "fail")):
                started += page.evaluate(CHANGE, [control, value])
            note("filters combined (3)", started / 1000)
            page.evaluate(RESET)
            for name, column in (("sort: resources by name", 1),
                                 ("sort: resources by group", 4)):
                note(name, page.evaluate(SORT, column) / 1000)
            context.close()
        browser.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--machines", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=HERE / "data")
    parser.add_argument("--results", type=Path, help="render this results.json instead")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path, figures = render(result_for(args), args.workdir)
    times = measure(path, args.repeat)
    print(f"\nreport.html {figures['size MB']:.1f} MB (rendered in {figures['render s']:.1f} s); "
          f"summary.md {figures['markdown chars']:,.0f} characters "
          f"({figures['markdown s']:.1f} s)")
    print(f"Chromium, {args.repeat} run(s): median (worst)\n")
    print(f"{'measure':<24}{'median s':>10}{'worst s':>10}")
    for name, values in times.items():
        print(f"{name:<24}{statistics.median(values):>10.3f}{max(values):>10.3f}")
    worst_filter = max(max(v) for k, v in times.items() if k.startswith("filter"))
    checks = {"size MB": figures["size MB"], "ready s": max(times["ready s"]),
              "filter s": worst_filter}
    print()
    missed = 0
    for name, value in checks.items():
        ok = value < LIMITS[name]
        missed += not ok
        print(f"{'ok  ' if ok else 'MISS'} {name}: {value:.3f} (target < {LIMITS[name]})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
