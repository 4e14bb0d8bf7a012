"""`auditor.yaml`: loading, selection of rules, overrides and waivers, and its error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.config import Config, find_config, load_config, parameters_for, select_rules
from auditor.engine.results import Waiver
from auditor.errors import UserError
from auditor.rules.spec import Rule, Severity

FULL = """\
failOn: high
rules:
  preset: baseline
  select: [USR001, "tag:history"]
  exclude: [USR003]
  severity:
    USR001: critical
  parameters:
    USR002:
      days: 7
waivers:
  - rule: USR001
    resource: /subscriptions/*/resourceGroups/rg-legacy/*
    reason: Legacy workload, retired in Q1
    owner: team-platform
    expires: 2027-03-31
"""


def write(tmp_path: Path, text: str, name: str = "auditor.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str) -> Config:
    return load_config(write(tmp_path, text))


def error_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(UserError) as raised:
        load_config(write(tmp_path, text))
    return str(raised.value).replace(f"{tmp_path}/", "").splitlines()


def test_a_full_configuration(tmp_path: Path) -> None:
    config = load_text(tmp_path, FULL)
    assert (config.preset, config.select, config.exclude, config.fail_on) == \
        ("baseline", ("USR001", "tag:history"), ("USR003",), Severity.HIGH)
    assert config.severity == {"USR001": Severity.CRITICAL}
    assert config.parameters == {"USR002": {"days": 7}}
    assert config.waivers == (Waiver(rule="USR001",
                                     resource="/subscriptions/*/resourceGroups/rg-legacy/*",
                                     reason="Legacy workload, retired in Q1",
                                     owner="team-platform", expires="2027-03-31"),)


def test_an_empty_configuration_changes_nothing(tmp_path: Path) -> None:
    assert load_text(tmp_path, "# nothing yet\n") == Config(file=str(tmp_path / "auditor.yaml"))


@pytest.mark.parametrize(("text", "expected"), [
    ("waiver: []\n", ["auditor.yaml:1: waiver: unknown key 'waiver'; did you mean 'waivers'?"]),
    ("failon: high\n", ["auditor.yaml:1: failon: unknown key 'failon'; did you mean 'failOn'?"]),
    ("failOn: severe\n", [("auditor.yaml:1: failOn: expected one of critical, high, medium, low, "
                           "info, got 'severe'")]),
    ("rules:\n  selct: [AUM004]\n",
     ["auditor.yaml:2: rules.selct: unknown key 'selct'; did you mean 'select'?"]),
    ("rules:\n  exclude: AUM004\n", [("auditor.yaml:2: rules.exclude: expected a list, got a "
                                      "string")]),
    ("rules:\n  severity:\n    AUM004: urgent\n",
     [("auditor.yaml:3: rules.severity.AUM004: expected one of critical, high, medium, low, info, "
       "got 'urgent'")]),
    ("rules:\n  parameters:\n    AUM004: 7\n",
     ["auditor.yaml:3: rules.parameters.AUM004: expected a mapping, got a number"]),
    ("waivers:\n  - rule: AUM004\n    resource: '*'\n    reason: r\n    expires: 2027-03-31\n",
     ["auditor.yaml:2: waivers[0]: missing required key 'owner'"]),
    (("waivers:\n  - rule: AUM004\n    resource: '*'\n    reason: r\n    ownr: me\n"
      "    expires: 2027-03-31\n"),
     ["auditor.yaml:5: waivers[0].ownr: unknown key 'ownr'; did you mean 'owner'?"]),
    (("waivers:\n  - rule: AUM004\n    resource: '*'\n    reason: r\n    owner: me\n"
      "    expires: 31/03/2027\n"),
     ["auditor.yaml:6: waivers[0].expires: expected a date such as 2027-03-31, got '31/03/2027'"]),
    (("waivers:\n  - rule: AUM004\n    resource: '*'\n    reason: r\n    owner: me\n"
      "    expires: 2027-02-30\n"),
     ["auditor.yaml:6: waivers[0].expires: expected a date such as 2027-03-31"]),
    (("waivers:\n  - rule: AUM004\n    resource: ''\n    reason: r\n    owner: me\n"
      "    expires: 2027-03-31\n"), ["auditor.yaml:3: waivers[0].resource: must not be empty"]),
    ("failOn: high\nfailOn: low\n",
     ["auditor.yaml:2: failOn: duplicate key 'failOn' (first given on line 1)"]),
    ("- AUM004\n", ["auditor.yaml:1: the configuration is one mapping (rules, waivers, ...)"]),
    ("rules: [AUM004\n", [("auditor.yaml:2: YAML syntax error: expected ',' or ']', but got "
                          "'<stream end>'")]),
    ("failon: high\nrules:\n  exclud: []\n",
     ["auditor.yaml:1: failon: unknown key 'failon'; did you mean 'failOn'?",
      "auditor.yaml:3: rules.exclud: unknown key 'exclud'; did you mean 'exclude'?"]),
])
def test_configuration_errors(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert error_of(tmp_path, text) == expected


def test_find_config(tmp_path: Path) -> None:
    assert find_config(None, tmp_path) is None
    write(tmp_path, "{}\n", "auditor.yml")
    assert find_config(None, tmp_path) == tmp_path / "auditor.yml"
    write(tmp_path, "{}\n")
    assert find_config(None, tmp_path) == tmp_path / "auditor.yaml"
    other = write(tmp_path, "{}\n", "other.yaml")
    assert find_config(other, tmp_path) == other
    with pytest.raises(UserError) as raised:
        find_config(tmp_path / "missing.yaml", tmp_path)
    assert str(raised.value) == f"{tmp_path / 'missing.yaml'}: no such configuration file"


# ----- selection -----------------------------------------------------------------------------

@pytest.fixture
def pack(make_rule: Any) -> list[Rule]:
    def rule(number: int, tags: str, presets: str = "[baseline]") -> Rule:
        return make_rule(f"""
            id: USR00{number}
            name: rule-{number}
            tags: {tags}
            presets: {presets}
            parameters:
              days: {{type: integer, default: 30}}
            check: {{field: name, exists: true}}
            message: m
        """)
    return [rule(1, "[configuration]", "[baseline, pre-deployment]"),
            rule(2, "[history, installation]"), rule(3, "[history]"),
            rule(4, "[assessment]", "[pre-deployment]")]


def ids(rules: list[Rule]) -> list[str]:
    return [rule.id for rule in rules]


@pytest.mark.parametrize(("config", "preset", "select", "expected"), [
    (Config(), None, (), ["USR001", "USR002", "USR003", "USR004"]),
    (Config(), "baseline", (), ["USR001", "USR002", "USR003", "USR004"]),
    (Config(), "pre-deployment", (), ["USR001", "USR004"]),
    (Config(preset="pre-deployment"), None, (), ["USR001", "USR004"]),
    (Config(preset="pre-deployment"), "baseline", (), ["USR001", "USR002", "USR003", "USR004"]),
    (Config(), None, ("USR003",), ["USR003"]),
    (Config(), None, ("tag:history",), ["USR002", "USR003"]),
    (Config(), None, ("USR001", "tag:installation"), ["USR001", "USR002"]),
    (Config(select=("tag:history",)), None, (), ["USR002", "USR003"]),
    (Config(select=("tag:history",)), None, ("USR004",), ["USR004"]),   # the flag wins
    (Config(exclude=("USR002",)), None, (), ["USR001", "USR003", "USR004"]),
    (Config(exclude=("tag:history",)), None, (), ["USR001", "USR004"]),
    (Config(exclude=("USR001",)), "pre-deployment", (), ["USR004"]),
    (Config(exclude=("tag:history",)), None, ("tag:history",), []),
])
def test_select_rules(pack: list[Rule], config: Config, preset: str | None,
                      select: tuple[str, ...], expected: list[str]) -> None:
    assert ids(select_rules(pack, config, preset, select)) == expected


@pytest.mark.parametrize(("config", "preset", "select", "message"), [
    (Config(), "strict", (), "unknown preset 'strict'; known: baseline, pre-deployment"),
    (Config(), None, ("USR009", "tag:nothing"),
     "unknown rule or tag in the selection: USR009, tag:nothing"),
    (Config(file="auditor.yaml", exclude=("USR02",)), None, (),
     "auditor.yaml: rules.exclude[0]: unknown rule or tag 'USR02'; did you mean 'USR002'?"),
    (Config(file="auditor.yaml", exclude=("tag:histroy",)), None, (),
     ("auditor.yaml: rules.exclude[0]: unknown rule or tag 'tag:histroy'; did you mean "
      "'tag:history'?")),
    (Config(file="auditor.yaml", severity={"USR0002": Severity.LOW}), None, (),
     "auditor.yaml: rules.severity.USR0002: unknown rule 'USR0002'; did you mean 'USR002'?"),
    (Config(file="auditor.yaml", parameters={"AUM004": {"days": 7}}), None, (),
     "auditor.yaml: rules.parameters.AUM004: unknown rule 'AUM004'; did you mean 'USR004'?"),
    (Config(file="auditor.yaml", parameters={"XYZ999": {"days": 7}}), None, (),
     "auditor.yaml: rules.parameters.XYZ999: unknown rule 'XYZ999'"),
])
def test_a_selection_or_override_naming_nothing_is_an_error(
        pack: list[Rule], config: Config, preset: str | None, select: tuple[str, ...],
        message: str) -> None:
    with pytest.raises(UserError) as raised:
        select_rules(pack, config, preset, select)
    assert str(raised.value) == message


def test_unknown_rule_ids_in_a_file_are_reported_at_their_lines(tmp_path: Path,
                                                                pack: list[Rule]) -> None:
    config = load_text(tmp_path, "rules:\n  severity:\n    USR01: low\n  parameters:\n"
                                 "    USR002: {days: 7}\n    USR0003: {days: 7}\n")
    with pytest.raises(UserError) as raised:
        select_rules(pack, config, None, ())
    assert str(raised.value).replace(f"{tmp_path}/", "").splitlines() == [
        "auditor.yaml:3: rules.severity.USR01: unknown rule 'USR01'; did you mean 'USR001'?",
        ("auditor.yaml:6: rules.parameters.USR0003: unknown rule 'USR0003'; did you mean "
         "'USR003'?"),
    ]


def test_parameter_overrides_from_a_file(tmp_path: Path, pack: list[Rule]) -> None:
    config = load_text(tmp_path, "rules:\n  parameters:\n    USR002:\n      days: 7\n"
                                 "    USR003:\n      dayz: 7\n")
    assert parameters_for(pack[1], config) == {"days": 7}
    assert parameters_for(pack[0], config) == {"days": 30}
    with pytest.raises(UserError) as raised:
        parameters_for(pack[2], config)
    assert str(raised.value).replace(f"{tmp_path}/", "") == \
        "auditor.yaml:6: rules.parameters.USR003.dayz: USR003 has no parameter 'dayz'; it has days"
