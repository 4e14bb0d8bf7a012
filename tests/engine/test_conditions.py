"""Whole rules: combinators, counts, field and parameter references, messages, outcomes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import msgspec
import pytest

from auditor.config import Config, parameters_for
from auditor.engine.evaluate import judge
from auditor.engine.examples import judge_rows
from auditor.engine.results import Outcome
from auditor.errors import UserError
from auditor.rules.compile import Compiler
from auditor.rules.fields import Context
from auditor.rules.render import render
from auditor.rules.spec import Severity
from auditor.snapshot import load_rows

AS_OF = "2026-11-16T06:00:00Z"


def outcome(rule: Any, rows: list[dict[str, Any]], **kwargs: Any) -> str:
    return judge_rows(rule, rows, AS_OF, **kwargs).outcome.value


# ----- allOf, anyOf, not ----------------------------------------------------------------------

NESTED = """
    check:
      anyOf:
        - allOf:
            - field: tags.env
              equals: prod
            - not:
                field: tags.owner
                exists: false
        - allOf:
            - field: tags.env
              in: [dev, test]
            - not:
                anyOf:
                  - field: tags.critical
                    equals: "true"
                  - field: tags.tier
                    equals: "0"
    message: env={{ tags.env }} owner={{ tags.owner }}
"""


@pytest.mark.parametrize(("tags", "expected"), [
    ({"env": "prod", "owner": "team-web"}, "pass"),
    ({"env": "PROD", "owner": "team-web"}, "pass"),
    ({"env": "prod"}, "fail"),                              # not(exists false) needs the owner
    ({"env": "dev"}, "pass"),
    ({"env": "test", "tier": "1"}, "pass"),
    ({"env": "dev", "critical": "TRUE"}, "fail"),
    ({"env": "dev", "tier": "0"}, "fail"),
    ({"env": "staging", "owner": "x"}, "fail"),
    ({}, "fail"),
])
def test_nested_combinators(make_rule: Any, rows: Any, tags: dict[str, str],
                            expected: str) -> None:
    assert outcome(make_rule(NESTED), [rows.vm(tags=tags)]) == expected


def test_not_turns_a_missing_field_into_a_pass(make_rule: Any, rows: Any) -> None:
    plain = make_rule("""
        check: {field: tags.frozen, notEquals: "yes"}
        message: frozen={{ tags.frozen }}
    """)
    negated = make_rule("""
        check:
          not: {field: tags.frozen, equals: "yes"}
        message: frozen={{ tags.frozen }}
    """)
    untagged = rows.vm()
    finding = judge_rows(plain, [untagged], AS_OF)
    assert (finding.outcome.value, finding.message) == ("fail", "frozen=absent")
    assert outcome(negated, [untagged]) == "pass"
    assert outcome(plain, [rows.vm(tags={"frozen": "no"})]) == "pass"
    assert outcome(negated, [rows.vm(tags={"frozen": "YES"})]) == "fail"


# ----- count --------------------------------------------------------------------------------

def _two_failed_one_succeeded(rows: Any) -> list[dict[str, Any]]:
    machine = rows.vm()
    return [machine, rows.run(machine, 1, "Failed", "2026-11-10T00:00:00Z"),
            rows.run(machine, 2, "Failed", "2026-11-11T00:00:00Z"),
            rows.run(machine, 3, "Succeeded", "2026-11-12T00:00:00Z")]


@pytest.mark.parametrize(("comparison", "expected"), [
    ("equals: 2", "pass"), ("equals: 3", "fail"),
    ("notEquals: 3", "pass"), ("notEquals: 2", "fail"),
    ("greater: 1", "pass"), ("greater: 2", "fail"),
    ("greaterOrEquals: 2", "pass"), ("greaterOrEquals: 3", "fail"),
    ("less: 3", "pass"), ("less: 2", "fail"),
    ("lessOrEquals: 2", "pass"), ("lessOrEquals: 1", "fail"),
])
def test_count_comparisons(make_rule: Any, rows: Any, comparison: str, expected: str) -> None:
    rule = make_rule(f"""
        check:
          count: installations
          where: {{field: status, equals: failed}}
          {comparison}
        message: "{{{{ count }}}} failed"
    """)
    finding = judge_rows(rule, _two_failed_one_succeeded(rows), AS_OF)
    assert finding.outcome.value == expected
    if expected == "fail":
        assert finding.message == "2 failed"


def test_count_without_where_counts_every_row(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check: {count: installations, equals: 0}
        message: "{{ count }} run(s)"
    """)
    finding = judge_rows(rule, _two_failed_one_succeeded(rows), AS_OF)
    assert (finding.outcome.value, finding.message) == ("fail", "3 run(s)")
    assert outcome(rule, [rows.vm()]) == "pass"  # no runs at all: zero rows


def test_count_of_patches_by_classification(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          count: assessment.patches
          where:
            anyOf:
              - {field: classifications, contains: critical}
              - {field: classifications, contains: security}
          equals: 0
        message: "{{ count }} critical or security update(s) missing"
    """)
    machine = rows.vm()
    finding = judge_rows(rule, [machine, rows.assessment(machine),
                                rows.patch(machine, 1, ["Critical"]),
                                rows.patch(machine, 2, ["Security Updates"]),
                                rows.patch(machine, 3, ["Definition Updates"])], AS_OF)
    assert (finding.outcome.value, finding.message) == \
        ("fail", "2 critical or security update(s) missing")


def test_count_compared_with_a_field(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          count: installations
          where: {field: status, equals: Failed}
          lessOrEquals: {field: tags.allowedFailures, otherwise: 0}
        message: "{{ count }} failed; allowed {{ tags.allowedFailures }}"
    """)
    data = _two_failed_one_succeeded(rows)
    assert outcome(rule, data) == "fail"
    data[0] = rows.vm(tags={"allowedFailures": "2"})
    assert outcome(rule, data) == "pass"
    data[0] = rows.vm(tags={"allowedFailures": "1"})
    assert judge_rows(rule, data, AS_OF).message == "2 failed; allowed 1"


# ----- field references ---------------------------------------------------------------------

def test_field_reference_with_plus(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          field: installations.latest.installedPatchCount
          greaterOrEquals: {field: installations.latest.failedPatchCount, plus: 2}
        message: installed {{ installations.latest.installedPatchCount }}
    """)
    machine = rows.vm()

    def with_counts(installed: int, failed: int) -> str:
        return outcome(rule, [machine, rows.run(machine, 1, installedPatchCount=installed,
                                                failedPatchCount=failed)])
    assert with_counts(3, 1) == "pass"
    assert with_counts(2, 1) == "fail"


def test_field_reference_otherwise(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          field: patch.mode
          equals: {field: tags.expectedPatchMode, otherwise: AutomaticByPlatform}
        message: patchMode={{ patch.mode }}; expected {{ tags.expectedPatchMode }}
    """)
    assert outcome(rule, [rows.vm(patch_mode="AutomaticByPlatform")]) == "pass"
    assert outcome(rule, [rows.vm(patch_mode="AutomaticByOS")]) == "fail"
    assert outcome(rule, [rows.vm(patch_mode="AutomaticByOS",
                                  tags={"expectedPatchMode": "automaticbyos"})]) == "pass"
    finding = judge_rows(rule, [rows.vm(patch_mode="Manual",
                                        tags={"expectedPatchMode": "AutomaticByOS"})], AS_OF)
    assert finding.message == "patchMode=Manual; expected AutomaticByOS"


@pytest.mark.parametrize("operator", ["equals", "notEquals", "like", "match", "contains",
                                      "greater", "less"])
def test_a_missing_reference_without_otherwise_is_false(make_rule: Any, rows: Any,
                                                         operator: str) -> None:
    """Neither `notEquals` nor `match` may pass because the field they compare with is absent."""
    rule = make_rule(f"""
        check:
          field: name
          {operator}: {{field: tags.expected}}
        message: name={{{{ name }}}}
    """)
    assert outcome(rule, [rows.vm(name="None")]) == "fail"


def test_a_reference_to_the_judged_resource_inside_where(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          count: installations
          where:
            field: failedPatchCount
            greater: {field: tags.maxFailed, of: resource, otherwise: 0}
          equals: 0
        message: "{{ count }} run(s) above the limit"
    """)
    machine = rows.vm(tags={"maxFailed": "1"})
    data = [machine, rows.run(machine, 1, failedPatchCount=1),
            rows.run(machine, 2, failedPatchCount=2), rows.run(machine, 3, failedPatchCount=3)]
    assert judge_rows(rule, data, AS_OF).message == "2 run(s) above the limit"
    data[0] = rows.vm()
    assert judge_rows(rule, data, AS_OF).message == "3 run(s) above the limit"


def test_a_parameter_in_plus_and_otherwise(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        parameters:
          slack: {type: integer, default: 1}
          fallback: {type: integer, default: 5}
        check:
          field: installations.latest.failedPatchCount
          lessOrEquals: {field: tags.maxFailed, plus: "${slack}", otherwise: "${fallback}"}
        message: failed {{ installations.latest.failedPatchCount }}
    """)
    machine = rows.vm(tags={"maxFailed": "2"})

    def failing(count: int, machine: dict[str, Any], **parameters: Any) -> str:
        return outcome(rule, [machine, rows.run(machine, 1, failedPatchCount=count)],
                       parameters=parameters)
    assert failing(3, machine) == "pass"        # the tag's text read as a number, plus 1
    assert failing(4, machine) == "fail"
    assert failing(5, rows.vm()) == "pass"
    assert failing(6, rows.vm()) == "fail"
    assert failing(6, rows.vm(), fallback=6) == "pass"


# ----- parameters and the configuration -------------------------------------------------------

PARAMETERISED = """
    id: USR002
    name: limited-missing-updates
    severity: medium
    appliesTo: {resource: machine}
    parameters:
      limit:
        type: integer
        default: 0
        description: How many critical or security updates may be missing.
      modes:
        type: list
        default: [AutomaticByPlatform]
    check:
      allOf:
        - field: assessment.latest.criticalAndSecurityCount
          lessOrEquals: "${limit}"
        - field: patch.mode
          in: "${modes}"
    message: "{{ assessment.latest.criticalAndSecurityCount }} missing (limit {{ limit }});
      patchMode={{ patch.mode }}, expected one of {{ modes }}"
"""


def test_parameters_take_defaults_and_config_overrides(make_rule: Any, rows: Any) -> None:
    rule = make_rule(PARAMETERISED)
    machine = rows.vm(patch_mode="AutomaticByOS")
    data = [machine, rows.assessment(machine, criticalAndSecurityPatchCount=2)]
    finding = judge_rows(rule, data, AS_OF)
    assert (finding.outcome.value, finding.message) == \
        ("fail", ("2 missing (limit 0); patchMode=AutomaticByOS, expected one of "
                  "AutomaticByPlatform"))
    config = Config(parameters={"USR002": {"limit": 2,
                                           "modes": ["AutomaticByPlatform", "AutomaticByOS"]}})
    values = parameters_for(rule, config)
    assert values == {"limit": 2, "modes": ["AutomaticByPlatform", "AutomaticByOS"]}
    assert outcome(rule, data, parameters=values) == "pass"
    assert parameters_for(rule, Config(parameters={"USR002": {"limit": 1}})) == \
        {"limit": 1, "modes": ["AutomaticByPlatform"]}
    assert parameters_for(rule, Config()) == {"limit": 0, "modes": ["AutomaticByPlatform"]}


@pytest.mark.parametrize(("override", "message"), [
    ({"limt": 1}, ("auditor.yaml: rules.parameters.USR002.limt: USR002 has no parameter 'limt'; "
                   "it has limit, modes")),
    ({"limit": "1"}, ("auditor.yaml: rules.parameters.USR002.limit: expected a whole number for "
                      "USR002's limit, got '1'")),
    ({"limit": True}, ("auditor.yaml: rules.parameters.USR002.limit: expected a whole number for "
                       "USR002's limit, got True")),
    ({"modes": "AutomaticByOS"}, ("auditor.yaml: rules.parameters.USR002.modes: expected a list "
                                  "for USR002's modes, got 'AutomaticByOS'")),
])
def test_bad_parameter_overrides(make_rule: Any, override: dict[str, Any], message: str) -> None:
    rule = make_rule(PARAMETERISED)
    with pytest.raises(UserError) as raised:
        parameters_for(rule, Config(file="auditor.yaml", parameters={"USR002": override}))
    assert str(raised.value) == message


# ----- messages -----------------------------------------------------------------------------

WHEN_MESSAGES = """
    check: {field: patch.mode, equals: AutomaticByPlatform}
    message:
      - when: {field: patch.modeExplicit, equals: false}
        text: patchMode is not set, so {{ patch.mode }} applies; expected AutomaticByPlatform
      - when: {field: patch.mode, equals: Manual}
        text: patch management is off (patchMode=Manual)
      - text: patchMode={{ patch.mode }}; expected AutomaticByPlatform
"""


@pytest.mark.parametrize(("machine", "message"), [
    ({}, "patchMode is not set, so AutomaticByOS applies; expected AutomaticByPlatform"),
    ({"os": "Linux"},
     "patchMode is not set, so ImageDefault applies; expected AutomaticByPlatform"),
    ({"patch_mode": "Manual"}, "patch management is off (patchMode=Manual)"),
    ({"patch_mode": "AutomaticByOS"}, "patchMode=AutomaticByOS; expected AutomaticByPlatform"),
])
def test_the_first_message_whose_when_holds(make_rule: Any, rows: Any, machine: dict[str, Any],
                                            message: str) -> None:
    finding = judge_rows(make_rule(WHEN_MESSAGES), [rows.vm(**machine)], AS_OF)
    assert (finding.outcome.value, finding.message) == ("fail", message)


def test_a_passing_finding_has_no_message_and_no_evidence(make_rule: Any, rows: Any) -> None:
    finding = judge_rows(make_rule(WHEN_MESSAGES), [rows.vm(patch_mode="AutomaticByPlatform")],
                         AS_OF)
    assert (finding.outcome.value, finding.message, finding.evidence) == ("pass", "", {})


def test_placeholders_render_values(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        parameters:
          owners: {type: list, default: [team-web, team-data]}
          strict: {type: boolean, default: true}
          ratio: {type: number, default: 2.5}
        check: {field: tags.owner, in: "${owners}"}
        message: >-
          owner={{tags.owner}} reboot={{ assessment.latest.rebootPending }}
          hotpatch={{ patch.enableHotpatching }} started={{ installations.latest.startDateTime }}
          os={{ osType }} kind={{ kind }} owners={{ owners }} strict={{ strict }}
          ratio={{ ratio }}
          critical={{ assessment.latest.availablePatchCountByClassification.critical }}
          window={{ installations.latest.maintenanceWindowExceeded }}
    """)
    machine = rows.vm(tags={"owner": "nobody"})
    finding = judge_rows(rule, [
        machine, rows.assessment(machine, rebootPending=True,
                                 availablePatchCountByClassification={"Critical": 3}),
        rows.run(machine, 1, start="2026-11-14T23:00:00.1234567+01:00",
                 maintenanceWindowExceeded=False),
    ], AS_OF)
    assert finding.message == (
        "owner=nobody reboot=true hotpatch=false started=2026-11-14T22:00:00Z os=Windows "
        "kind=azureVm owners=team-web, team-data strict=true ratio=2.5 critical=3 window=false")


def test_placeholders_of_missing_values_read_absent(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check: {field: tags.owner, exists: true}
        message: owner={{ tags.owner }} latest={{ installations.latest.status }}
          assessed={{ assessment.latest.startDateTime }} power={{ powerState }}
    """)
    finding = judge_rows(rule, [rows.vm()], AS_OF)
    assert finding.message == "owner=absent latest=absent assessed=absent power=absent"


@pytest.mark.parametrize(("value", "text"), [
    (None, "absent"),
    (True, "true"),
    (False, "false"),
    (0, "0"),
    (30.0, "30"),
    (2.5, "2.5"),
    ("text", "text"),
    ([], "none"),
    (["Critical", "Security"], "Critical, Security"),
    ((True, None), "true, absent"),
    (datetime(2026, 11, 14, 22, 0, 5, 123456, tzinfo=UTC), "2026-11-14T22:00:05Z"),
    (datetime.fromisoformat("2026-11-15T00:00:05+02:00"), "2026-11-14T22:00:05Z"),
])
def test_render(value: Any, text: str) -> None:
    assert render(value) == text


class _Record(msgspec.Struct, frozen=True):
    id: str | None
    secret: str = "internal"


@pytest.mark.parametrize(("value", "text"), [
    ({}, "none"),
    ({"security": 2, "critical": 1}, "critical=1, security=2"),
    ({"when": datetime(2026, 1, 1, tzinfo=UTC), "flag": None},
     "flag=absent, when=2026-01-01T00:00:00Z"),
    (_Record(id="/subscriptions/x/y"), "/subscriptions/x/y"),   # a record reads as its id
    (_Record(id=None), "present"),                               # never as its repr
])
def test_render_mappings_and_records(value: Any, text: str) -> None:
    assert render(value) == text


def test_evidence_of_a_record_is_its_id(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        appliesTo: {resource: assignment}
        check:
          allOf:
            - {field: configuration, exists: true}
            - {field: machine, exists: false}
        message: "{{ machine }}"
    """)
    machine, schedule = rows.vm(), rows.configuration()
    finding = judge_rows(rule, [rows.assignment(machine, schedule), machine, schedule], AS_OF)
    assert finding.evidence == {"configuration": schedule["id"], "machine": machine["id"]}
    assert finding.message == machine["id"]


def test_render_an_enum_by_its_value() -> None:
    class Mode(Enum):
        AUTO = "AutomaticByPlatform"
    assert render(Mode.AUTO) == "AutomaticByPlatform"


def test_folded_messages_are_one_line(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check: {field: tags.owner, exists: true}
        message: "no owner tag
          on {{ name }};    expected
          one"
    """)
    assert judge_rows(rule, [rows.vm()], AS_OF).message == "no owner tag on vm-web-01; expected one"


def test_evidence_holds_the_fields_the_check_read(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          allOf:
            - {field: patch.mode, equals: AutomaticByPlatform}
            - count: installations
              where: {field: status, equals: Failed}
              equals: 0
        message: not compliant
    """)
    data = _two_failed_one_succeeded(rows)
    finding = judge_rows(rule, data, AS_OF)
    assert finding.evidence == {"count(installations)": "2", "patch.mode": "AutomaticByOS"}


# ----- applicability ----------------------------------------------------------------------------

def test_kinds_os_and_precondition_make_a_rule_not_applicable(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        appliesTo:
          resource: machine
          kinds: [azureVm]
          os: [Linux]
          precondition: {field: powerState, notEquals: deallocated}
        check: {field: patch.mode, equals: AutomaticByPlatform}
        message: patchMode={{ patch.mode }}
    """)
    arc_finding = judge_rows(rule, [rows.arc(os="linux")], AS_OF)
    windows = judge_rows(rule, [rows.vm()], AS_OF)
    stopped = judge_rows(rule, [rows.vm(os="Linux", power="deallocated")], AS_OF)
    unknown_power = judge_rows(rule, [rows.vm(os="Linux")], AS_OF)
    running = judge_rows(rule, [rows.vm(os="Linux", power="running")], AS_OF)
    assert [(f.outcome.value, f.message) for f in
            (arc_finding, windows, stopped, unknown_power, running)] == [
        ("not_applicable", "applies to azureVm only"),
        ("not_applicable", "applies to Linux only"),
        ("not_applicable", "precondition not met"),
        ("not_applicable", "precondition not met"),  # a missing power state is not "not x"
        ("fail", "patchMode=ImageDefault"),
    ]


# ----- a rule that raises -------------------------------------------------------------------

def _snapshot(rows: Any) -> Any:
    return load_rows([rows.vm("vm-a", tags={"pattern": "(["}),
                      rows.vm("vm-b", tags={"pattern": "^vm-"}),
                      rows.vm("vm-c", tags={"pattern": "^web"})])


def test_a_rule_that_raises_on_one_resource_records_an_error(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          field: name
          match: {field: tags.pattern}
        message: "{{ name }} does not match {{ tags.pattern }}"
    """)
    snapshot = _snapshot(rows)
    compiled = Compiler(rule, {}).compile()
    findings = judge(compiled, snapshot, Context(snapshot, datetime(2026, 11, 16, tzinfo=UTC)),
                     Severity.HIGH)
    assert [(f.resource_name, f.outcome) for f in findings] == [
        ("vm-a", Outcome.ERROR), ("vm-b", Outcome.PASS), ("vm-c", Outcome.FAIL)]
    assert findings[0].message.startswith("the rule could not be evaluated: ")
    assert "unterminated character set at position 1" in findings[0].message
    assert findings[2].message == "vm-c does not match ^web"


def test_an_age_from_a_tag_that_is_not_a_number_is_an_error(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check:
          field: installations.latest.startDateTime
          within: {days: {field: tags.patchDays}}
        message: old
    """)
    machine = rows.vm(tags={"patchDays": "weekly"})
    finding = judge_rows(rule, [machine, rows.run(machine, 1)], AS_OF)
    assert (finding.outcome.value, finding.message) == (
        "error", ("the rule could not be evaluated: ValueError: could not convert string to "
                  "float: 'weekly'"))


def test_a_check_that_raises_does_not_stop_the_others(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check: {field: name, exists: true}
        message: m
    """)
    snapshot = _snapshot(rows)
    compiled = Compiler(rule, {}).compile()

    def check(resource: Any, ctx: Context) -> bool:
        if resource.name == "vm-b":
            raise KeyError("osProfile")
        return True
    broken = dataclasses.replace(compiled, check=check)
    findings = judge(broken, snapshot, Context(snapshot, datetime(2026, 11, 16, tzinfo=UTC)),
                     Severity.LOW)
    assert [(f.resource_name, f.outcome.value, f.message) for f in findings] == [
        ("vm-a", "pass", ""),
        ("vm-b", "error", "the rule could not be evaluated: KeyError: 'osProfile'"),
        ("vm-c", "pass", ""),
    ]
    assert all(f.severity == "low" for f in findings)
