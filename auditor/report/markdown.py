"""The Markdown summary for a pull request or a CI job summary: verdict, failing rules, resources.

GitHub-flavoured, and readable in Azure DevOps. Only what needs action is listed; rules with
nothing failing are counted. The text never exceeds a hard size cap: the per-rule resource
lists shrink first, then whole sections go, and every cut says how much was left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import markupsafe

from auditor.engine.results import AuditResult, Finding, Outcome
from auditor.report import changes, view

LIMIT = 60_000
"""Characters; a GitHub comment holds 65,536."""
PER_RULE = (10, 5, 3, 1)
CELL = 300
"""Longest message shown in a table cell, in characters; longer ones end in an ellipsis."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_ESCAPES = str.maketrans({
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|",
    "~": "\\~", "$": "\\$", "<": "&lt;", ">": "&gt;", "&": "&amp;",
    "@": "@\u2060",  # a word joiner after @: shown as @, but no one is mentioned
})


def escape(text: str, limit: int | None = None) -> str:
    """Text from Azure data as inert Markdown: it cannot break a table row or a code span,
    open a tag, format, link or mention anyone. Line breaks become spaces."""
    text = _CONTROL.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return text.translate(_ESCAPES)


@dataclass(frozen=True, slots=True)
class Row:
    resource: str
    group: str
    message: str


@dataclass(frozen=True, slots=True)
class Section:
    rule: view.RuleView
    summary: str  # HTML for <summary>: escaped
    rows: tuple[Row, ...]
    more: int  # failing resources not shown


def rows_of(findings: Sequence[Finding]) -> tuple[Row, ...]:
    return tuple(Row(resource=escape(f.resource_name or f.resource_id),
                     group=escape(f.resource_group),
                     message=("**error:** " if f.outcome is Outcome.ERROR else "")
                     + escape(f.message, CELL)) for f in findings)


def sections(report: view.Report, failing: dict[str, list[Finding]], per_rule: int,
             rules: int) -> tuple[Section, ...]:
    chosen = []
    for rule in report.failing_rules[:rules]:
        items = failing.get(rule.info.id, [])
        summary = markupsafe.escape(f"{rule.info.id} {rule.info.name} · {rule.info.severity} · "
                                    f"{view.count(rule.failing)} failing")
        chosen.append(Section(rule=rule, summary=str(summary), rows=rows_of(items[:per_rule]),
                              more=max(0, len(items) - per_rule)))
    return tuple(chosen)


@dataclass(frozen=True, slots=True)
class ChangeList:
    """Resources newly failing, or no longer failing, a rule since the baseline."""

    summary: str  # HTML for <summary>: escaped
    column: str  # the heading of the message column
    rows: tuple[Row, ...]
    more: int


def change_lists(delta: changes.Delta | None, per_rule: int) -> tuple[ChangeList, ...]:
    lists = []
    for rule in delta.rules if delta else ():
        for mark, items, sentence, column in (
                ("🆕", rule.new, rule.new_text, "Message"),
                ("✅", rule.resolved, rule.resolved_text, "Message in the baseline")):
            if items:
                lists.append(ChangeList(summary=str(markupsafe.escape(f"{mark} {sentence}")),
                                        column=column,
                                        rows=rows_of(items[:per_rule]),
                                        more=max(0, len(items) - per_rule)))
    return tuple(lists)


def render(result: AuditResult, limit: int = LIMIT, report_link: str = "") -> bytes:
    """The summary, at most `limit` characters; `report_link` (a URL or path) replaces the
    default pointer to report.html."""
    report = view.build(result)
    failing = view.failing_findings(result)
    template = view.environment(autoescape=False).get_template("summary.md.j2")
    total = len(report.failing_rules)
    standard = {o.value for o in view.STANDARD}
    extra = [(view.label(o).lower(), result.summary.by_outcome[o]) for o in report.outcomes
             if o not in standard]
    delta = changes.build(result)
    headline = escape(f"{delta.headline} ({delta.path}).") if delta else ""

    def attempt(per_rule: int, table_rows: int, detailed: int) -> str:
        return template.render(
            report=report, result=result, summary=result.summary,
            table=report.failing_rules[:table_rows], table_more=total - table_rows,
            passing_rules=len(report.rules) - total,
            sections=sections(report, failing, per_rule, detailed),
            sections_more=total - detailed, link=report_link, extra=extra,
            baseline=headline, changes=change_lists(delta, per_rule))

    for per_rule in PER_RULE:
        text = attempt(per_rule, total, total)
        if len(text) <= limit:
            return text.encode("utf-8")
    # Still too long: fewer sections (one resource each), then fewer table rows.
    low, high = 0, total
    while low < high:  # the most sections that fit
        middle = (low + high + 1) // 2
        if len(attempt(1, total, middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    text = attempt(1, total, low)
    if len(text) <= limit:
        return text.encode("utf-8")
    low, high = 0, total
    while low < high:  # the most table rows that fit
        middle = (low + high + 1) // 2
        if len(attempt(1, middle, 0)) <= limit:
            low = middle
        else:
            high = middle - 1
    text = attempt(1, low, 0)
    if len(text) > limit:  # only when the limit is tiny: whole paragraphs, then say so
        note = "… the rest is not shown.\n"
        kept = text[:max(0, limit - len(note))]
        kept = kept[:kept.rfind("\n\n") + 2] if "\n\n" in kept else ""
        text = (kept + note)[:limit]
    return text.encode("utf-8")
