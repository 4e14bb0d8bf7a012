"""The HTML governance report: one self-contained file, summary in HTML, tables from inline data.

The summary, the rule documentation and the waivers are rendered here as HTML (Jinja2,
autoescaped). The per-resource tables are drawn in the browser from a data block in the same
file, so that an estate of 100,000 machines stays a file of about 10 MB: strings that repeat
are stored once, and a data block longer than COMPRESS_ABOVE characters is deflated and base64
encoded (the browser inflates it with DecompressionStream). The page makes no request at all;
its Content-Security-Policy forbids any.

The data block (`<script type="application/json" id="report-data">`):

- `strings`: every string stored once; other fields hold indexes into it (`-1`: none).
- `rules`: `[id, name, severity]`, in the order of the characters of `res.out`.
- `na`: the most frequent reasons given for `not_applicable`; the character `codes[i]`
  (NA_CODES) stands for `na[i]`. `statuses` is STATUSES.
- `res`: one column per field, one row per resource (the machines by id, then every other
  resource a rule judged, by id):
  `id`, `name` (strings), `parent` (what an extension resource such as an assignment hangs
  off), `kind`, `sub`, `rg` (index into `rgs`), `loc`, `os`, `mode`,
  `status` (index into STATUSES), `tags` (`[key, value, ...]`), `out`, the outcomes of the
  resource, one character per rule: `.` none, an outcome's character (`outcomes`: `P` pass,
  `F` fail, `E` error, `W` waived, `N` not applicable with its reason in `details`, a spare
  capital for any other), or an NA_CODES character; `failing`, how many rules fail or error
  on it.
- `outcomes`: `[character, outcome]`, in the order reports list them.
- `subs`, `rgs`: `[subscription, resource group, machines, judged, compliant, share,
  failing]`; a resource group row ends with the index of its subscription in `subs`.
- `details`: per rule, `[resource, code, message, [key, value, ...], waiver]` for every
  outcome that has a message not coded in `out`.
- `waivers`: `[rule, resource, reason, owner, expires, expires within 14 days]`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections import Counter
from typing import Any

from markupsafe import Markup

from auditor.engine.results import AuditResult, Finding, Outcome, Waiver
from auditor.report import changes, trend, view

COMPRESS_ABOVE = 2_000_000
CODES = {"pass": "P", "fail": "F", "error": "E", "waived": "W", "not_applicable": "N"}
"""Outcome characters; any other outcome gets a spare capital (SPARE_CODES)."""
SPARE_CODES = "UXYZQRSTVGHIJKLMOABCD"
NA_CODES = "abcdefghijklmnopqrstuvwxyz0123456789"
STATUSES = (*view.STATUSES, "not_a_machine")


class Strings:
    """A string table: each distinct string stored once, in order of first use."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str | None) -> int:
        if not text:
            return -1
        return self.index.setdefault(text, len(self.index))

    def table(self) -> list[str]:
        return list(self.index)


def data(report: view.Report) -> dict[str, Any]:
    """The inline data block the page's tables are drawn from."""
    result = report.result
    s = Strings()
    subs = {g.subscription.lower(): i for i, g in enumerate(report.subscriptions)}
    rgs = {(g.subscription.lower(), g.name.lower()): i
           for i, g in enumerate(report.resource_groups)}
    res: dict[str, list[Any]] = {k: [] for k in (
        "id", "name", "parent", "kind", "sub", "rg", "loc", "os", "mode", "status", "tags")}
    columns = list(res.values())
    position: dict[str, int] = {}

    def add(rid: str, name: str, kind: str, sub: str, rg: str, loc: str, os: str, mode: str,
            status: str, tags: list[int]) -> None:
        position[rid.lower()] = len(res["id"])
        values = (rid, name, s(view.parent_name(rid)), s(kind), subs[sub.lower()],
                  rgs[sub.lower(), rg.lower()], s(loc), s(os), s(mode), STATUSES.index(status),
                  tags)
        for column, value in zip(columns, values, strict=True):
            column.append(value)

    for m in sorted(result.machines, key=lambda m: m.id.lower()):
        add(m.id, m.name, view.kind_label(m.kind, m.type), m.subscription_id, m.resource_group,
            m.location, m.os_type, m.orchestration_mode, report.machine_status[m.id.lower()],
            [s(x) for k, v in sorted(m.tags.items()) for x in (k, v)])
    lowered = view.lowered_ids(result)
    others: dict[str, Finding] = {}
    for f in result.findings:
        if lowered[f.resource_id] not in position:
            others.setdefault(lowered[f.resource_id], f)
    for _, f in sorted(others.items()):
        add(f.resource_id, f.resource_name, view.kind_label("", f.resource_type),
            f.subscription_id, f.resource_group, "", "", "", "not_a_machine", [])

    na = not_applicable_reasons(result)
    codes = outcome_codes(report.outcomes)
    outcomes, details, waivers = findings(result, {k: position[v] for k, v in lowered.items()},
                                          codes, {r: NA_CODES[i] for i, r in enumerate(na)}, s)
    res["out"] = ["".join(o) for o in outcomes]
    res["failing"] = [o.count("F") + o.count("E") for o in outcomes]
    return {
        "strings": s.table(),
        "rules": [[r.id, r.name, r.severity] for r in result.rules],
        "outcomes": [[codes[o], o] for o in report.outcomes],
        "na": na, "codes": NA_CODES, "statuses": list(STATUSES),
        "res": res,
        "subs": [group_row(g) for g in report.subscriptions],
        "rgs": [[*group_row(g), subs[g.subscription.lower()]] for g in report.resource_groups],
        "details": details,
        "waivers": [[w.rule, w.resource, w.reason, w.owner, w.expires, int(w in report.soon)]
                    for w in waivers],
    }


def not_applicable_reasons(result: AuditResult) -> list[str]:
    """The most frequent reasons for not_applicable, one NA_CODES character each."""
    counts = Counter(f.message for f in result.findings if f.outcome is Outcome.NOT_APPLICABLE)
    return sorted(counts, key=lambda m: (-counts[m], m))[:len(NA_CODES)]


def outcome_codes(outcomes: tuple[str, ...]) -> dict[str, str]:
    spare = iter(c for c in SPARE_CODES if c not in CODES.values())
    return {o: CODES.get(o) or next(spare) for o in outcomes}


def findings(result: AuditResult, row_of: dict[str, int], codes: dict[str, str],
             na_code: dict[str, str],
             s: Strings) -> tuple[list[list[str]], list[list[Any]], list[Waiver]]:
    """The outcome characters of each resource, the details of each rule's findings (sorted
    by resource), and the waivers they cite."""
    column = {rule.id: i for i, rule in enumerate(result.rules)}
    outcomes = [["."] * len(column) for _ in range(max(row_of.values(), default=-1) + 1)]
    details: list[list[Any]] = [[] for _ in column]
    waivers: dict[Waiver, int] = {}
    for f in result.findings:
        row, col = row_of[f.resource_id], column[f.rule_id]
        if f.outcome is Outcome.NOT_APPLICABLE and f.message in na_code:
            outcomes[row][col] = na_code[f.message]
            continue
        code = outcomes[row][col] = codes[f.outcome.value]
        if f.outcome is Outcome.PASS and not f.message and not f.evidence:
            continue
        waiver = -1
        if f.waiver is not None:
            waiver = waivers.setdefault(f.waiver, len(waivers))
            code += codes.get(f.waived_outcome.value, "") if f.waived_outcome else ""
        details[col].append([row, code, s(f.message),
                             [s(x) for k, v in sorted(f.evidence.items()) for x in (k, v)],
                             waiver])
    for items in details:
        items.sort(key=lambda item: item[0])
    return outcomes, details, list(waivers)


def group_row(group: view.Group) -> list[Any]:
    return [group.subscription, group.name, group.machines, group.judged, group.compliant,
            group.share, group.failing]


def script_json(value: Any) -> str:
    """JSON that can sit inside a <script> element: no `<`, `>` or `&` appears literally, so
    no `</script>` or `<!--` in the data can end the element early."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def encode(value: Any, compress_above: int) -> tuple[str, str]:
    """The data block's text and its encoding: plain JSON, or deflated and base64 encoded."""
    text = script_json(value)
    if len(text) <= compress_above:
        return "json", text
    packed = zlib.compress(text.encode("utf-8"), 6)
    return "deflate-base64", base64.b64encode(packed).decode("ascii")


def render(result: AuditResult, compress_above: int = COMPRESS_ABOVE) -> bytes:
    report = view.build(result)
    env = view.environment(autoescape=True)
    script = env.get_template("report.js.j2").render()
    if "</script" in script.lower():
        raise ValueError("report.js.j2 must not contain </script>")
    encoding, payload = encode(data(report), compress_above)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    page = env.get_template("report.html.j2").render(
        report=report, result=result, summary=result.summary,
        severities=view.SEVERITIES, outcomes=report.outcomes, label=view.label,
        data_encoding=encoding, data=Markup(payload), script=Markup(script),
        script_hash=f"sha256-{digest}", baseline=changes.build(result),
        trend=trend.build(result), per_rule=changes.HTML_PER_RULE)
    return page.encode("utf-8")
