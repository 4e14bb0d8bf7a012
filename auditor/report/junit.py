"""JUnit XML for CI test tabs: one test suite per rule, one test case per judged resource.

A failing finding is a `<failure>`, an erroring one an `<error>`; not applicable, waived and
unknown findings are `<skipped>` with the reason; a pass is a bare test case. The file is valid
against the widely used Ant JUnit schema (windyroad's JUnit.xsd), which requires on every suite
a timestamp without a time zone, a host name, a time, `<properties>`, `<system-out>` and
`<system-err>`, and in `<testsuites>` a `package` and an `id`. They are filled
deterministically: the timestamp is the as-of time (UTC), the host name the tool's name, every
time 0, so the same inputs give the same bytes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime

from auditor.engine.results import AuditResult, Finding, Outcome, RuleInfo

_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                            "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})
SKIPPED = (Outcome.NOT_APPLICABLE, Outcome.WAIVED, Outcome.UNKNOWN)


def text(value: str) -> str:
    """Character data: characters XML 1.0 cannot hold become U+FFFD."""
    return _INVALID.sub("\ufffd", value).translate(_TEXT)


def attribute(value: str) -> str:
    """An attribute value in double quotes; line breaks and tabs survive as references."""
    return _INVALID.sub("\ufffd", value).translate(_ATTRIBUTE)


def timestamp(as_of: str) -> str:
    """The as-of time in UTC as YYYY-MM-DDTHH:MM:SS (the schema allows no zone or fraction)."""
    try:
        moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    except ValueError:
        return "1970-01-01T00:00:00"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def details(finding: Finding) -> str:
    """The body of a failure or error: where, what, and what was observed."""
    lines = [f"{finding.resource_name or finding.resource_id} in resource group "
             f"{finding.resource_group or '-'}, subscription {finding.subscription_id or '-'}",
             f"resource: {finding.resource_id}", finding.message]
    lines += [f"observed: {key} = {value}" for key, value in sorted(finding.evidence.items())]
    if finding.baseline_state is not None:
        lines.append(f"since the baseline: {finding.baseline_state}")
    return "\n".join(lines)


def skip_reason(finding: Finding) -> str:
    if finding.outcome is Outcome.WAIVED and finding.waiver is not None:
        waiver = finding.waiver
        underlying = finding.waived_outcome.value if finding.waived_outcome else "fail"
        return (f"waived until {waiver.expires} by {waiver.owner}: {waiver.reason} "
                f"(the finding would {underlying}: {finding.message})")
    if finding.outcome is Outcome.UNKNOWN:
        return f"unknown until deployment: {finding.message}"
    return f"not applicable: {finding.message}" if finding.message else "not applicable"


def case(finding: Finding, classname: str) -> str:
    opening = (f'    <testcase name="{attribute(finding.resource_id)}" '
               f'classname="{attribute(classname)}" time="0"')
    if finding.outcome is Outcome.FAIL:
        return (f'{opening}><failure message="{attribute(finding.message)}" '
                f'type="{attribute(finding.severity)}">{text(details(finding))}</failure>'
                "</testcase>\n")
    if finding.outcome is Outcome.ERROR:
        return (f'{opening}><error message="{attribute(finding.message)}" '
                f'type="rule-error">{text(details(finding))}</error></testcase>\n')
    if finding.outcome in SKIPPED:
        return f'{opening}><skipped message="{attribute(skip_reason(finding))}"/></testcase>\n'
    return f"{opening}/>\n"


def suite(number: int, rule: RuleInfo, findings: list[Finding], result: AuditResult) -> str:
    outcomes = [f.outcome for f in findings]
    classname = f"{rule.id}.{rule.name}"
    properties = [("rule", rule.id), ("name", rule.name), ("severity", rule.severity),
                  ("summary", rule.summary), ("asOf", result.as_of),
                  ("tool", f"{result.tool.name} {result.tool.version}"), ("file", rule.file),
                  *(("link", link) for link in rule.links)]
    docs = f"{rule.id} {rule.name} ({rule.severity})\n{rule.summary}\n\nWhy it matters: " \
           f"{rule.why}\n\nHow to fix: {rule.fix}\n"
    parts = [
        f'  <testsuite name="{attribute(f"{rule.id} {rule.name}")}" '
        f'package="{attribute(result.tool.name)}" id="{number}" '
        f'timestamp="{timestamp(result.as_of)}" hostname="{attribute(result.tool.name)}" '
        f'tests="{len(findings)}" failures="{outcomes.count(Outcome.FAIL)}" '
        f'errors="{outcomes.count(Outcome.ERROR)}" '
        f'skipped="{sum(o in SKIPPED for o in outcomes)}" time="0">\n',
        "    <properties>\n",
        *(f'      <property name="{attribute(key)}" value="{attribute(value)}"/>\n'
          for key, value in properties),
        "    </properties>\n",
        *(case(finding, classname) for finding in findings),
        f"    <system-out>{text(docs)}</system-out>\n",
        "    <system-err></system-err>\n",
        "  </testsuite>\n",
    ]
    return "".join(parts)


def render(result: AuditResult) -> bytes:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_rule[finding.rule_id].append(finding)
    suites = [suite(number, rule, by_rule.get(rule.id, []), result)
              for number, rule in enumerate(result.rules)]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n' + "".join(suites)
            + "</testsuites>\n").encode("utf-8")
