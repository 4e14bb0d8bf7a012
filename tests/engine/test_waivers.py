"""Waivers: glob resources, waived outcomes kept, expiry, unused and soon-to-expire waivers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from auditor.engine.evaluate import evaluate
from auditor.engine.results import Finding, Outcome, Waiver
from auditor.rules.compile import Compiler
from auditor.rules.spec import Severity
from auditor.snapshot import load_rows

AS_OF = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)

OWNER_TAG = """
    check: {field: tags.owner, exists: true}
    message: no owner tag on {{ name }}
"""
BROKEN = """
    id: USR002
    name: pattern-rule
    check:
      field: name
      match: {field: tags.pattern}
    message: "{{ name }}"
"""


def waiver(resource: str, expires: str = "2027-03-31", rule: str = "USR001") -> Waiver:
    return Waiver(rule=rule, resource=resource, reason="Legacy workload, retired in Q1",
                  owner="team-platform", expires=expires)


@pytest.fixture
def estate(rows: Any) -> Any:
    return load_rows([rows.vm("vm-web-01"), rows.vm("vm-web-02"),
                      rows.vm("vm-db-01", group="RG-Data"),
                      rows.vm("vm-app-01", tags={"owner": "team-app", "pattern": "(["})])


def run(make_rule: Any, estate: Any, waivers: list[Waiver], rule: str = OWNER_TAG,
        as_of: datetime = AS_OF) -> tuple[dict[str, Finding], Any]:
    compiled = Compiler(make_rule(rule), {}).compile()
    findings, status = evaluate([(compiled, Severity.HIGH)], estate, as_of, waivers)
    return {f.resource_name: f for f in findings}, status


def test_a_glob_waives_failing_findings_ignoring_case(make_rule: Any, estate: Any) -> None:
    glob = "/SUBSCRIPTIONS/*/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/*"
    findings, status = run(make_rule, estate, [waiver(glob, rule="usr001")])
    assert {name: f.outcome for name, f in findings.items()} == {
        "vm-web-01": Outcome.WAIVED, "vm-web-02": Outcome.WAIVED, "vm-db-01": Outcome.FAIL,
        "vm-app-01": Outcome.PASS}
    waived = findings["vm-web-01"]
    assert waived.waived_outcome is Outcome.FAIL
    assert waived.waiver == waiver(glob, rule="usr001")
    assert waived.message == "no owner tag on vm-web-01"  # what was waived stays visible
    assert findings["vm-db-01"].waiver is None and findings["vm-db-01"].waived_outcome is None
    assert status.unused == () and status.expired == ()


def test_an_exact_resource_id_matches_in_any_case(make_rule: Any, estate: Any, rows: Any) -> None:
    exact = rows.machine_id("vm-db-01", "RG-Data").upper()
    findings, status = run(make_rule, estate, [waiver(exact)])
    assert findings["vm-db-01"].outcome is Outcome.WAIVED
    assert findings["vm-web-01"].outcome is Outcome.FAIL
    assert status.unused == ()


def test_a_waiver_for_another_rule_does_not_apply(make_rule: Any, estate: Any) -> None:
    findings, status = run(make_rule, estate, [waiver("*", rule="USR009")])
    assert Outcome.WAIVED not in {f.outcome for f in findings.values()}
    assert status.unused == (waiver("*", rule="USR009"),)


def test_passing_findings_are_not_waived(make_rule: Any, estate: Any) -> None:
    findings, status = run(make_rule, estate, [waiver("*/vm-app-01")])
    assert findings["vm-app-01"].outcome is Outcome.PASS
    assert status.unused == (waiver("*/vm-app-01"),)


def test_an_error_can_be_waived_and_keeps_its_outcome(make_rule: Any, estate: Any) -> None:
    findings, _ = run(make_rule, estate, [waiver("*/vm-app-01", rule="USR002")], rule=BROKEN)
    waived = findings["vm-app-01"]
    assert (waived.outcome, waived.waived_outcome) == (Outcome.WAIVED, Outcome.ERROR)
    assert waived.message.startswith("the rule could not be evaluated: ")


@pytest.mark.parametrize(("expires", "applies"), [
    ("2026-11-16", True),    # holds through its last day
    ("2026-11-17", True),
    ("2026-11-15", False),   # ended yesterday
    ("2025-01-01", False),
])
def test_an_expired_waiver_no_longer_applies(make_rule: Any, estate: Any, expires: str,
                                             applies: bool) -> None:
    findings, status = run(make_rule, estate, [waiver("*/vm-web-01", expires)])
    assert (findings["vm-web-01"].outcome is Outcome.WAIVED) is applies
    assert status.expired == (() if applies else (waiver("*/vm-web-01", expires),))
    assert status.unused == ()  # an expired waiver is reported as expired, not as unused


def test_the_last_day_is_read_in_utc(make_rule: Any, estate: Any) -> None:
    late = datetime(2026, 11, 16, 23, 59, 59, tzinfo=UTC)
    after = datetime(2026, 11, 17, 0, 0, 0, tzinfo=UTC)
    assert run(make_rule, estate, [waiver("*/vm-web-01", "2026-11-16")], as_of=late)[0][
        "vm-web-01"].outcome is Outcome.WAIVED
    assert run(make_rule, estate, [waiver("*/vm-web-01", "2026-11-16")], as_of=after)[0][
        "vm-web-01"].outcome is Outcome.FAIL


def test_an_unused_waiver_is_listed(make_rule: Any, estate: Any) -> None:
    used, unused = waiver("*/vm-web-01"), waiver("*/vm-gone-01")
    _, status = run(make_rule, estate, [used, unused])
    assert status.unused == (unused,)


@pytest.mark.parametrize(("expires", "soon"), [
    ("2026-11-16", True),    # today
    ("2026-11-30", True),    # in 14 days
    ("2026-12-01", False),   # in 15 days
    ("2027-03-31", False),
    ("2026-11-15", False),   # already expired: listed as expired instead
])
def test_waivers_expiring_within_14_days(make_rule: Any, estate: Any, expires: str,
                                         soon: bool) -> None:
    _, status = run(make_rule, estate, [waiver("*/vm-web-01", expires)])
    assert status.expiring_soon == ((waiver("*/vm-web-01", expires),) if soon else ())


def test_an_unused_waiver_expiring_soon_is_in_both_lists(make_rule: Any, estate: Any) -> None:
    idle = waiver("*/vm-gone-01", "2026-11-20")
    _, status = run(make_rule, estate, [idle])
    assert (status.unused, status.expiring_soon) == ((idle,), (idle,))


def test_findings_are_sorted_and_the_waiver_order_does_not_matter(make_rule: Any,
                                                                  estate: Any) -> None:
    first = [waiver("*/vm-web-01"), waiver("*/vm-db-01")]
    one, _ = run(make_rule, estate, first)
    two, _ = run(make_rule, estate, list(reversed(first)))
    assert list(one) == ["vm-db-01", "vm-app-01", "vm-web-01", "vm-web-02"]  # by resource id
    assert one == two
