"""The trend: earlier results read with --history become points of inline SVG charts, computed
in Python; the HTML report draws them and makes no request."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from auditor.engine.results import AuditResult, HistoryPoint
from auditor.report import html, json_results, trend

RULE_COUNTS = {"pass": 6, "fail": 2, "not_applicable": 3, "waived": 0, "error": 0, "unknown": 0}


def point(as_of: str, compliant: int, judged: int = 44,
          by_rule: dict[str, dict[str, int]] | None = None) -> HistoryPoint:
    return HistoryPoint(as_of=as_of, path=f"history/{as_of[:10]}.json", sha256="0" * 64,
                        machines_judged=judged, compliant_machines=compliant,
                        by_rule=by_rule if by_rule is not None else {"AUM001": RULE_COUNTS})


def with_history(example: AuditResult, *points: HistoryPoint) -> AuditResult:
    return msgspec.structs.replace(example, history=points)


def test_no_history_no_trend(example_result: AuditResult) -> None:
    assert trend.build(example_result) is None
    assert 'id="trend"' not in html.render(example_result).decode("utf-8")


def test_points_are_placed_by_time_and_share(example_result: AuditResult) -> None:
    result = with_history(example_result, point("2026-11-02T06:00:00Z", 11),
                          point("2026-11-09T06:00:00Z", 0))
    built = trend.build(result)
    assert built is not None
    overall = built.charts[0]
    assert (overall.key, overall.title, overall.width, overall.height) == (
        "all", "Compliant machines", 1200, 220)
    left, right = trend.PAD_LEFT, 1200 - trend.PAD_RIGHT
    top, bottom = trend.PAD_TOP, 220 - trend.PAD_BOTTOM
    xs = [p.x for p in overall.points]
    assert xs[0] == left and xs[-1] == right and xs[1] == round((left + right) / 2, 1)
    assert [p.y for p in overall.points] == [
        round(bottom - (bottom - top) * 11 / 44, 1), bottom,
        round(bottom - (bottom - top) * 12 / 44, 1)]
    assert overall.path.startswith(f"M{float(left)},") and overall.path.count("L") == 2
    assert [p.title for p in overall.points] == [
        "2026-11-02: 25.0% (11 of 44)", "2026-11-09: 0.0% (0 of 44)",
        "2026-11-16: 27.2% (12 of 44)"]
    assert (overall.latest, overall.change) == ("27.2%", "+2.3 points since 2026-11-02")
    assert [t.label for t in overall.y_ticks] == ["0%", "50%", "100%"]
    assert built.span == "3 runs from 2026-11-02 to 2026-11-16"
    assert [c.key for c in built.charts] == ["all"] + [r.id for r in example_result.rules]


def test_a_run_that_judged_nothing_breaks_the_line(example_result: AuditResult) -> None:
    result = with_history(example_result, point("2026-11-01T06:00:00Z", 10),
                          point("2026-11-05T06:00:00Z", 0, by_rule={}),
                          point("2026-11-09T06:00:00Z", 10))
    built = trend.build(result)
    assert built is not None
    aum001 = next(c for c in built.charts if c.key == "AUM001")
    assert len(aum001.points) == 3  # the run without AUM001 has no point
    assert aum001.path.split(" ")[1].startswith("M")  # ... and the line starts anew after it
    assert built.runs[1].shares[1] == "n/a"
    assert aum001.points[0].title == "2026-11-01: 75.0% (6 of 8)"


def test_a_rule_share_counts_waived_as_compliant_and_not_applicable_as_not_judged() -> None:
    assert trend.rule_share({"pass": 3, "waived": 1, "fail": 2, "error": 1, "unknown": 1,
                             "not_applicable": 50}) == (4, 8)
    assert trend.rule_share({"not_applicable": 5}) is None
    assert trend.rule_share(None) is None


def test_many_runs_label_a_few_dates(example_result: AuditResult) -> None:
    points = [point(f"2026-{month:02d}-{day:02d}T06:00:00Z", 10)
              for month in (8, 9, 10) for day in (3, 10, 17, 24)]
    built = trend.build(with_history(example_result, *points))
    assert built is not None
    assert len(built.charts[0].x_ticks) == 8
    assert [t.label for t in built.charts[1].x_ticks] == ["2026-08-03", "2026-11-16"]


def test_the_html_report_draws_the_trend(example_result: AuditResult) -> None:
    result = with_history(example_result, point("2026-11-02T06:00:00Z", 10),
                          point("2026-11-09T06:00:00Z", 11))
    page = html.render(result).decode("utf-8")
    section = page.split('<div class="card stacked" id="trend"', 1)[1].split("</details>")[0]
    assert "3 runs from 2026-11-02 to 2026-11-16" in section
    assert len(re.findall(r'<figure class="trend-chart" id="trend-(\w+)">', section)) == 15
    assert re.search(r'<svg class="trend-svg" viewBox="0 0 1200 220" role="img" '
                     r'aria-labelledby="trend-all-title">', section)
    assert section.count('<path d="M') == 15
    assert "<title>2026-11-09: 25.0% (11 of 44)</title>" in section
    assert ".trend-line" in page  # the extra stylesheet is only in a report that needs it
    assert "http" not in section  # nothing to fetch


def test_the_cli_reads_a_history_folder(auditor: Callable[..., Any], tmp_path: Path,
                                        example_result: AuditResult) -> None:
    history = tmp_path / "history"
    history.mkdir()
    for as_of in ("2026-11-02T06:00:00Z", "2026-11-09T06:00:00Z"):
        document = json.loads(json_results.render(example_result)) | {"asOf": as_of}
        (history / f"results-{as_of[:10]}.json").write_text(json.dumps(document), "utf-8")
    run = auditor("audit", "--example", "--history", "history", "--format", "json,html",
                  "--output-dir", "out")
    assert run.code == 1, run.stderr
    document = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert [(p["asOf"], p["path"]) for p in document["history"]] == [
        ("2026-11-02T06:00:00Z", str(Path("history/results-2026-11-02.json"))),
        ("2026-11-09T06:00:00Z", str(Path("history/results-2026-11-09.json")))]
    assert "Compliance over time" in (tmp_path / "out" / "report.html").read_text("utf-8")
