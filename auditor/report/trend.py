"""Compliance over time, from `--history`: the points and axes of the report's inline SVG charts.

Resource Graph keeps 7 days of assessments and 30 days of installation runs; the results of
earlier runs are how a governance team sees a quarter. Each chart plots a share of what was
judged (0-100%) against the as-of time of each run, this run last. The template only draws
what is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from auditor.engine.results import AuditResult

OVERALL = (1200, 220)  # about the width it is shown at, so its text keeps its size
SMALL = (300, 120)
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 14, 12, 26
TICKS = {OVERALL: 8, SMALL: 2}  # dates labelled on the time axis, at most
SETTLED = ("pass", "waived")
NOT_JUDGED = ("not_applicable",)


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    title: str  # "2026-11-09: 81.2% (13 of 16)"


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    key: str  # "all" or a rule id: unique, for element ids
    title: str
    width: int
    height: int
    path: str  # SVG path data; a run in which nothing was judged breaks the line
    points: tuple[Point, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]  # 0%, 50%, 100%
    latest: str  # the share in this run
    change: str  # "+12.5 points since 2026-08-24", or "" with a single point

    @property
    def plot_left(self) -> int:
        return PAD_LEFT

    @property
    def plot_right(self) -> int:
        return self.width - PAD_RIGHT


@dataclass(frozen=True, slots=True)
class Run:
    as_of: str
    label: str  # the day
    path: str  # the results file; "this run" for this one
    shares: tuple[str, ...]  # all machines, then each rule, as in Trend.charts


@dataclass(frozen=True, slots=True)
class Trend:
    runs: tuple[Run, ...]  # oldest first, this run last
    charts: tuple[Chart, ...]  # all machines first, then each rule in result order
    span: str  # "13 runs from 2026-08-24 to 2026-11-16"


def moment(iso: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def share_text(part: int, whole: int) -> str:
    if not whole:
        return "n/a"
    tenths = 1000 * part // whole
    return f"{tenths // 10}.{tenths % 10}%"


def shown(value: tuple[int, int] | None) -> str:
    return share_text(*value) if value else "n/a"


def rule_share(counts: dict[str, int] | None) -> tuple[int, int] | None:
    """(compliant, judged) of one rule in one run; None when it judged nothing there."""
    if not counts:
        return None
    judged = sum(n for outcome, n in counts.items() if outcome not in NOT_JUDGED)
    return (sum(counts.get(o, 0) for o in SETTLED), judged) if judged else None


def chart(key: str, title: str, size: tuple[int, int], times: list[float],
          labels: list[str], values: list[tuple[int, int] | None]) -> Chart:
    width, height = size
    left, right, top, bottom = PAD_LEFT, width - PAD_RIGHT, PAD_TOP, height - PAD_BOTTOM
    first, last = times[0], times[-1]

    def x(t: float) -> float:
        return round((left + right) / 2 if last == first
                     else left + (right - left) * (t - first) / (last - first), 1)

    def y(fraction: float) -> float:
        return round(bottom - (bottom - top) * fraction, 1)

    points, path, pen_down = [], [], False
    for t, label, value in zip(times, labels, values, strict=True):
        if value is None:
            pen_down = False
            continue
        part, whole = value
        px, py = x(t), y(part / whole)
        path.append(f"{'L' if pen_down else 'M'}{px},{py}")
        pen_down = True
        points.append(Point(x=px, y=py, title=f"{label}: {share_text(part, whole)} "
                                              f"({part:,} of {whole:,})"))
    most = TICKS.get(size, 2)
    picked = sorted({round(i * (len(times) - 1) / (most - 1))
                     for i in range(most)}) if len(times) > most else range(len(times))
    known = [(label, v) for label, v in zip(labels, values, strict=True) if v is not None]
    change = ""
    if len(known) > 1:
        (start, (p0, w0)), (_, (p1, w1)) = known[0], known[-1]
        points_moved = round(100 * (p1 / w1 - p0 / w0), 1)
        change = f"{points_moved:+.1f} points since {start}" if points_moved \
            else f"unchanged since {start}"
    return Chart(key=key, title=title, width=width, height=height, path=" ".join(path),
                 points=tuple(points),
                 x_ticks=tuple(Tick(position=x(times[i]), label=labels[i]) for i in picked),
                 y_ticks=tuple(Tick(position=y(f), label=f"{round(f * 100)}%")
                               for f in (0.0, 0.5, 1.0)),
                 latest=shown(values[-1]), change=change)


def build(result: AuditResult) -> Trend | None:
    """The trend of this run and the earlier ones; None without earlier runs."""
    if not result.history:
        return None
    runs = [(p.as_of, p.path, p.compliant_machines, p.machines_judged, p.by_rule)
            for p in result.history]
    runs.append((result.as_of, "this run", result.summary.compliant_machines,
                 result.summary.machines_judged, result.summary.by_rule))
    moments = [moment(as_of) for as_of, *_ in runs]
    if any(m is None for m in moments):  # unreadable times: evenly spaced, in the given order
        times = [float(i) for i in range(len(runs))]
    else:
        times = [m.timestamp() for m in moments if m is not None]
    labels = [m.strftime("%Y-%m-%d") if m else as_of
              for m, (as_of, *_) in zip(moments, runs, strict=True)]
    overall = [(c, j) if j else None for _, _, c, j, _ in runs]
    charts = [chart("all", "Compliant machines", OVERALL, times, labels, overall)]
    columns = [overall]
    for rule in result.rules:
        values = [rule_share(by_rule.get(rule.id)) for *_, by_rule in runs]
        columns.append(values)
        charts.append(chart(rule.id, f"{rule.id} {rule.name}", SMALL, times, labels, values))
    table = tuple(
        Run(as_of=as_of, label=label, path=path,
            shares=tuple(shown(column[i]) for column in columns))
        for i, ((as_of, path, *_), label) in enumerate(zip(runs, labels, strict=True)))
    return Trend(runs=table, charts=tuple(charts),
                 span=f"{len(runs)} runs from {labels[0]} to {labels[-1]}")
