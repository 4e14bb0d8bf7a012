"""Bad rules: every message word for word, as `file:line: path.to.key: what is wrong`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditor.errors import UserErrors
from auditor.rules.load import load_rules, validate_rule

VM = ("{id: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/RG-Web/providers/"
      "Microsoft.Compute/virtualMachines/vm-web-01, type: microsoft.compute/virtualmachines, "
      "properties: {osProfile: {windowsConfiguration: {patchSettings: {patchMode: PATCH_MODE}}}, "
      "storageProfile: {osDisk: {osType: Windows}}}}")

# Line numbers matter: the expected messages below name them.
RULE = f"""\
id: USR001
name: user-rule
severity: high
tags: [configuration]
appliesTo:
  resource: machine
check:
  field: patch.mode
  equals: AutomaticByPlatform
message: "patchMode={{{{ patch.mode }}}}; expected AutomaticByPlatform"
docs:
  summary: Machines use platform patching.
  why: So that schedules can patch them.
  fix: Set patchMode to AutomaticByPlatform.
  links: [https://learn.microsoft.com/azure/update-manager/prerequisites]
  examples:
    - title: Platform patching
      outcome: pass
      rows:
        - {VM.replace("PATCH_MODE", "AutomaticByPlatform")}
    - title: Patching left to the OS
      outcome: fail
      message: "patchMode=AutomaticByOS; expected AutomaticByPlatform"
      rows:
        - {VM.replace("PATCH_MODE", "AutomaticByOS")}
"""

CONFIGURATION_PATCH = (
    "unknown field 'patch' in the resource; known: assignments, expired, id, inGuestPatchMode, "
    "linuxClassifications, location, maintenanceScope, name, properties, rebootSetting, "
    "resourceGroup, subscriptionId, tags, visibility, window, windowsClassifications")

CHECK = "check:\n  field: patch.mode\n  equals: AutomaticByPlatform\n"


def edited(old: str, new: str) -> str:
    assert old in RULE, old
    return RULE.replace(old, new, 1)


def with_check(check: str) -> str:
    """The rule with lines 7-9 replaced by another check (which starts on line 7)."""
    return edited(CHECK, check)


CASES = [
    pytest.param(edited("  equals: AutomaticByPlatform\n", "  equals: [AutomaticByPlatform\n"),
                 ["bad.yaml:10: YAML syntax error: expected ',' or ']', but got ':'"],
                 id="yaml-syntax"),
    pytest.param(edited("id: USR001\n", "id: USR001\n\tname: x\n"),
                 [("bad.yaml:2: YAML syntax error: found character '\\t' that cannot start any "
                   "token")], id="yaml-tab"),
    pytest.param(edited("  equals: AutomaticByPlatform\n",
                        "  equals: AutomaticByPlatform\n  equals: AutomaticByOS\n"),
                 ["bad.yaml:10: check.equals: duplicate key 'equals' (first given on line 9)"],
                 id="duplicate-key"),
    pytest.param(edited("  equals: AutomaticByPlatform\n", "  equal: AutomaticByPlatform\n"),
                 ["bad.yaml:9: check.equal: unknown key 'equal'; did you mean 'equals'?"],
                 id="unknown-operator"),
    pytest.param(edited("severity: high\n", "severty: high\n"),
                 ["bad.yaml:3: severty: unknown key 'severty'; did you mean 'severity'?"],
                 id="unknown-top-level-key"),
    pytest.param(edited("severity: high\n", "severity: 3\n"),
                 [("bad.yaml:3: severity: expected one of critical, high, medium, low, info, "
                   "got 3")], id="severity-number"),
    pytest.param(edited("severity: high\n", "severity: urgent\n"),
                 [("bad.yaml:3: severity: expected one of critical, high, medium, low, info, "
                   "got 'urgent'")], id="severity-word"),
    pytest.param(edited("tags: [configuration]\n", "tags: x\n"),
                 ["bad.yaml:4: tags: expected a list, got a string"], id="tags-string"),
    pytest.param(edited("id: USR001\n", "id: usr-1\n"),
                 ["bad.yaml:1: id: expected an id such as AUM004, got 'usr-1'"], id="id-pattern"),
    pytest.param(edited("name: user-rule\n", "name: User Rule\n"),
                 [("bad.yaml:2: name: expected a kebab-case name such as no-failed-installations, "
                   "got 'User Rule'")], id="name-pattern"),
    pytest.param(edited("  resource: machine\n", "  resource: vm\n"),
                 [("bad.yaml:6: appliesTo.resource: expected one of machine, "
                   "maintenanceConfiguration, assignment, got 'vm'")], id="resource"),
    pytest.param(edited("  resource: machine\n", "  resource: machine\n  kind: [azureVm]\n"),
                 ["bad.yaml:7: appliesTo.kind: unknown key 'kind'; did you mean 'kinds'?"],
                 id="applies-to-typo"),
    pytest.param(edited("  links: [", "  link: ["),
                 ["bad.yaml:15: docs.link: unknown key 'link'; did you mean 'links'?"],
                 id="docs-typo-is-not-also-missing"),
    pytest.param(edited("docs:\n", "doc:\n"),
                 ["bad.yaml:11: doc: unknown key 'doc'; did you mean 'docs'?"],
                 id="docs-key-typo"),
    pytest.param(with_check("check:\n  allOf:\n    - field: patch.mode\n"
                            "      equals: AutomaticByPlatform\n    - field: name\n"
                            "      matches: '^vm-'\n"),
                 [("bad.yaml:12: check.allOf[1].matches: unknown key 'matches'; did you mean "
                   "'match'?")], id="unknown-operator-nested"),
    pytest.param(with_check("check:\n  field: name\n  match: '^vm-(['\n"),
                 [("bad.yaml:9: check.match: the regular expression does not compile: "
                   "unterminated character set at position 5")], id="regex"),
    pytest.param(with_check("check:\n  field: installations.latest.failedPatchCount\n"
                            "  lessOrEquals: ${limit}\n"),
                 [("bad.yaml:9: check.lessOrEquals: parameter 'limit' is referenced but not "
                   "declared under parameters")], id="undeclared-parameter"),
    pytest.param(with_check("check:\n  field: name\n  in: ${names}\n"),
                 [("bad.yaml:9: check.in: parameter 'names' is referenced but not declared "
                   "under parameters")], id="undeclared-list-parameter-said-once"),
    pytest.param(with_check("check:\n  field: patch.mode\n  equals: AutomaticByPlatform\n"
                            "  count: installations\n"),
                 [("bad.yaml:7: check: a condition needs exactly one of allOf, anyOf, not, field "
                   "or count; found field and count")], id="two-connectives"),
    pytest.param(with_check("check:\n  where: {field: status, equals: Failed}\n"),
                 [("bad.yaml:7: check: a condition needs exactly one of allOf, anyOf, not, field "
                   "or count; found none")], id="no-connective"),
    pytest.param(with_check("check:\n  count: installations\n  like: '*'\n"),
                 [("bad.yaml:9: check.like: 'like' cannot compare a count; use one of equals, "
                   "notEquals, greater, greaterOrEquals, less, lessOrEquals")], id="count-like"),
    pytest.param(with_check("check:\n  count: name\n  equals: 0\n"),
                 ["bad.yaml:8: check.count: 'name' is not a list of rows"], id="count-scalar"),
    pytest.param(with_check("check:\n  field: installations\n  exists: true\n"),
                 [("bad.yaml:8: check.field: 'installations' is a list of rows; use count, or a "
                   "member such as .latest")], id="field-relation"),
    pytest.param(with_check("check:\n  field: patch.mode\n  equals: AutomaticByPlatform\n"
                            "  like: 'Auto*'\n"),
                 [("bad.yaml:7: check: 'field' needs exactly one operator (equals, notEquals, in, "
                   "notIn, exists, greater, greaterOrEquals, less, lessOrEquals, contains, like, "
                   "match, within, olderThan); found equals and like")], id="two-operators"),
    pytest.param(with_check("check:\n  allOf:\n    - field: patch.mode\n"
                            "      equals: AutomaticByPlatform\n"
                            "  where: {field: x, exists: true}\n"),
                 ["bad.yaml:11: check.where: 'where' does not belong beside 'allOf'"],
                 id="where-beside-all-of"),
    pytest.param(with_check("check:\n  field: patch.mde\n  equals: AutomaticByPlatform\n"),
                 ["bad.yaml:8: check.field: unknown field 'mde' in patch; did you mean 'mode'?"],
                 id="unknown-field"),
    pytest.param(with_check("check:\n  count: installations\n  where:\n    field: stauts\n"
                            "    equals: Failed\n  equals: 0\n"),
                 [("bad.yaml:10: check.where.field: unknown field 'stauts' in the resource; did "
                   "you mean 'status'?")], id="unknown-field-in-where"),
    pytest.param(with_check("check:\n  field: installations.latest.startDateTime\n"
                            "  within: 30\n"),
                 ["bad.yaml:9: check.within: expected {days: N} or {hours: N}, got 30"],
                 id="within-number"),
    pytest.param(with_check("check:\n  field: installations.latest.startDateTime\n"
                            "  within: {day: 30}\n"),
                 ["bad.yaml:9: check.within.day: unknown key 'day'; did you mean 'days'?"],
                 id="within-day"),
    pytest.param(with_check("check:\n  field: installations.latest.startDateTime\n"
                            "  within: {days: 30, hours: 2}\n"),
                 ["bad.yaml:9: check.within: expected {days: N} or {hours: N}"],
                 id="within-two-units"),
    pytest.param(with_check("check:\n  field: installations.latest.startDateTime\n"
                            "  within: {days: thirty}\n"),
                 [("bad.yaml:9: check.within.days: expected a number, a parameter such as "
                   "${name}, or {field: PATH}, got 'thirty'")], id="within-days-text"),
    pytest.param(with_check("check:\n  field: name\n  in: vm-web-01\n"),
                 [("bad.yaml:9: check.in: expected a list, a parameter such as ${name}, or "
                   "{field: PATH}, got 'vm-web-01'")], id="in-text"),
    pytest.param(with_check("check:\n  field: name\n  exists: maybe\n"),
                 [("bad.yaml:9: check.exists: expected true or false, or a parameter such as "
                   "${name}, got 'maybe'")], id="exists-text"),
    pytest.param(with_check("check:\n  field: name\n  equals: {field: id, plsu: 1}\n"),
                 ["bad.yaml:9: check.equals.plsu: unknown key 'plsu'; did you mean 'plus'?"],
                 id="field-reference-typo"),
    pytest.param(with_check("check:\n  not:\n    - field: name\n      equals: x\n"),
                 ["bad.yaml:8: check.not: expected a mapping, got a list"], id="not-list"),
    pytest.param(edited("  resource: machine\n",
                        "  resource: maintenanceConfiguration\n  kinds: [azureVm]\n"),
                 ["bad.yaml:7: appliesTo.kinds: 'kinds' applies only to machines",
                  f"bad.yaml:9: check.field: {CONFIGURATION_PATCH}",
                  f"bad.yaml:11: message: {CONFIGURATION_PATCH}"], id="kinds-on-a-configuration"),
    pytest.param(edited("check:\n", "parameters:\n  days:\n    type: integer\n"
                                    "    default: '30'\ncheck:\n"),
                 [("bad.yaml:10: parameters.days.default: expected a whole number as declared, "
                   "got a string")], id="parameter-default-type"),
    pytest.param(edited("check:\n", "parameters:\n  modes:\n    type: list\n"
                                    "    default: AutomaticByPlatform\ncheck:\n"),
                 [("bad.yaml:10: parameters.modes.default: expected a list as declared, got a "
                   "string")], id="parameter-default-list"),
    pytest.param(edited("check:\n", "parameters:\n  days:\n    type: integr\n"
                                    "    default: 30\ncheck:\n"),
                 [("bad.yaml:9: parameters.days.type: expected one of integer, number, string, "
                   "boolean, list, got 'integr'")], id="parameter-type"),
    pytest.param(edited("      outcome: fail\n", "      outcome: pass\n"),
                 [("bad.yaml:16: docs.examples: needs at least one example whose outcome is "
                   "fail")], id="no-fail-example"),
    pytest.param(edited("      outcome: pass\n", "      outcome: not_applicable\n"),
                 [("bad.yaml:16: docs.examples: needs at least one example whose outcome is "
                   "pass")], id="no-pass-example"),
    pytest.param(edited("      outcome: fail\n", "      outcome: failed\n"),
                 [("bad.yaml:22: docs.examples[1].outcome: expected one of pass, fail, "
                   "not_applicable, got 'failed'")], id="example-outcome-word"),
    pytest.param(RULE[:RULE.index("    - title: Patching")],
                 ["bad.yaml:16: docs.examples: needs at least 2 item(s)"], id="one-example"),
    pytest.param(edited('message: "patchMode={{ patch.mode }}; expected AutomaticByPlatform"\n',
                        "message:\n  - wen: {field: patch.modeExplicit, equals: false}\n"
                        "    text: not set\n  - text: set\n"),
                 ["bad.yaml:11: message[0].wen: unknown key 'wen'; did you mean 'when'?"],
                 id="message-when-typo"),
    pytest.param(edited('message: "patchMode={{ patch.mode }}; expected AutomaticByPlatform"\n',
                        "message:\n  - when: {field: patch.modeExplicit, equals: false}\n"
                        "    text: not set\n"),
                 [("bad.yaml:10: message: the last message needs no 'when', so that every "
                   "finding has a message")], id="message-last-when"),
    pytest.param(edited('message: "patchMode={{ patch.mode }}; expected AutomaticByPlatform"\n',
                        'message: "{{ count }} run(s)"\n'),
                 [("bad.yaml:10: message: '{{ count }}' needs a check that is a count "
                   "(check: {count: RELATION, ...})")], id="message-count-without-count"),
    pytest.param(edited('message: "patchMode={{ patch.mode }}; expected AutomaticByPlatform"\n',
                        'message: "{{ installations }}"\n'),
                 ["bad.yaml:10: message: 'installations' is a list; count it instead"],
                 id="message-relation"),
    pytest.param(edited('message: "patchMode={{ patch.mode }}; expected AutomaticByPlatform"\n',
                        "message: no\n"),
                 ["bad.yaml:10: message: expected a string or a list, got false"],
                 id="message-yaml-boolean"),
    pytest.param("", [("bad.yaml:1: a rule file holds one mapping (id, name, severity, ...), got "
                       "nothing")], id="empty"),
    pytest.param("- id: USR001\n", [("bad.yaml:1: a rule file holds one mapping (id, name, "
                                     "severity, ...), got a list")], id="list"),
    pytest.param("id: USR001\n", [
        "bad.yaml:1: missing required key 'appliesTo'",
        "bad.yaml:1: missing required key 'check'",
        "bad.yaml:1: missing required key 'docs'",
        "bad.yaml:1: missing required key 'message'",
        "bad.yaml:1: missing required key 'name'",
        "bad.yaml:1: missing required key 'severity'",
    ], id="only-an-id"),
    pytest.param(edited("severity: high\n", "severity: 3\n")
                 .replace("tags: [configuration]\n", "tags: x\n")
                 .replace("  equals: AutomaticByPlatform\n", "  equal: AutomaticByPlatform\n"),
                 ["bad.yaml:3: severity: expected one of critical, high, medium, low, info, got 3",
                  "bad.yaml:4: tags: expected a list, got a string",
                  "bad.yaml:9: check.equal: unknown key 'equal'; did you mean 'equals'?"],
                 id="every-schema-error-sorted"),
    pytest.param(with_check("check:\n  allOf:\n    - field: name\n      match: '('\n"
                            "    - field: patch.mod\n      equals: x\n"
                            "    - count: schedules\n      like: x\n"),
                 [("bad.yaml:10: check.allOf[0].match: the regular expression does not compile: "
                   "missing ), unterminated subpattern at position 0"),
                  ("bad.yaml:11: check.allOf[1].field: unknown field 'mod' in patch; did you mean "
                   "'mode'?"),
                  ("bad.yaml:14: check.allOf[2].like: 'like' cannot compare a count; use one of "
                   "equals, notEquals, greater, greaterOrEquals, less, lessOrEquals")],
                 id="every-semantic-error-sorted"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_validate_rule(text: str, expected: list[str]) -> None:
    rule, problems = validate_rule("bad.yaml", text)
    assert rule is None
    assert sorted(str(p) for p in UserErrors(problems).errors) == sorted(expected)
    assert str(UserErrors(problems)).splitlines() == sorted(expected, key=_order)


def _order(line: str) -> tuple[str, int, str]:
    file, number, rest = line.split(":", 2)
    return file, int(number), rest


def test_the_base_rule_is_valid() -> None:
    rule, problems = validate_rule("good.yaml", RULE)
    assert problems == []
    assert rule is not None and (rule.id, rule.line) == ("USR001", 1)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", check=False)


@pytest.mark.parametrize(("text", "expected"), [
    case for case in CASES if case.id in (
        "yaml-syntax", "duplicate-key", "unknown-operator", "unknown-top-level-key",
        "severity-number", "tags-string", "unknown-operator-nested", "regex",
        "undeclared-parameter", "two-connectives", "count-like", "kinds-on-a-configuration",
        "parameter-default-type", "no-fail-example", "every-schema-error-sorted",
        "every-semantic-error-sorted")
])
def test_rules_validate_prints_every_error_sorted(tmp_path: Path, text: str,
                                                  expected: list[str]) -> None:
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    result = run_cli("rules", "validate", "bad.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == sorted(expected, key=_order)


def test_rules_validate_runs_the_examples(tmp_path: Path) -> None:
    wrong_outcome = RULE.replace("AutomaticByOS}}}", "AutomaticByPlatform}}}")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "outcome.yaml").write_text(wrong_outcome, encoding="utf-8")
    wrong_message = RULE.replace("id: USR001", "id: USR002").replace(
        "name: user-rule", "name: other-rule").replace(
        'message: "patchMode=AutomaticByOS;', 'message: "patchMode=Manual;')
    (tmp_path / "rules" / "message.yaml").write_text(wrong_message, encoding="utf-8")
    result = run_cli("rules", "validate", "rules", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        ("rules/message.yaml:21: docs.examples[1]: expected message 'patchMode=Manual; expected "
         "AutomaticByPlatform', got 'patchMode=AutomaticByOS; expected AutomaticByPlatform'"),
        "rules/outcome.yaml:21: docs.examples[1]: expected outcome fail, got pass",
    ]


def test_rules_validate_an_example_that_passes_when_it_should_fail(tmp_path: Path) -> None:
    text = RULE.replace("      outcome: pass\n", "      outcome: fail\n", 1) \
        .replace("      outcome: fail\n      message", "      outcome: pass\n      message", 1)
    (tmp_path / "swapped.yaml").write_text(text, encoding="utf-8")
    result = run_cli("rules", "validate", "swapped.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "swapped.yaml:17: docs.examples[0]: expected outcome fail, got pass",
        ("swapped.yaml:21: docs.examples[1]: expected outcome pass, got fail (patchMode="
         "AutomaticByOS; expected AutomaticByPlatform)"),
    ]


def test_rules_validate_accepts_a_good_rule(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(RULE, encoding="utf-8")
    result = run_cli("rules", "validate", "good.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == \
        (0, "1 rule(s) valid; 2 example(s) give their stated outcomes\n", "")


def test_duplicate_ids_and_names_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(RULE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("# the same rule, copied\n" + RULE, encoding="utf-8")
    expected = [
        f"{tmp_path / 'b.yaml'}:2: id: duplicate rule id 'USR001' (also in {tmp_path / 'a.yaml'})",
        (f"{tmp_path / 'b.yaml'}:2: name: duplicate rule name 'user-rule' (also in "
         f"{tmp_path / 'a.yaml'})"),
    ]
    with pytest.raises(UserErrors) as raised:
        load_rules(False, [tmp_path])
    assert str(raised.value).splitlines() == expected
    result = run_cli("rules", "validate", "a.yaml", "b.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "b.yaml:2: id: duplicate rule id 'USR001' (also in a.yaml)",
        "b.yaml:2: name: duplicate rule name 'user-rule' (also in a.yaml)",
    ]


def test_errors_in_several_files_are_all_reported(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(edited("severity: high\n", "severty: high\n"),
                                       encoding="utf-8")
    (tmp_path / "two.yaml").write_text(
        edited("id: USR001\n", "id: USR002\n").replace("name: user-rule", "name: two")
        .replace("  equals: AutomaticByPlatform\n", "  equal: AutomaticByPlatform\n"),
        encoding="utf-8")
    result = run_cli("rules", "validate", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "one.yaml:3: severty: unknown key 'severty'; did you mean 'severity'?",
        "two.yaml:9: check.equal: unknown key 'equal'; did you mean 'equals'?",
    ]


def test_a_rule_file_that_is_not_utf8(tmp_path: Path) -> None:
    latin = RULE.replace("Machines", "Machines \xe9").encode("latin-1")
    (tmp_path / "latin.yaml").write_bytes(latin)
    result = run_cli("rules", "validate", "latin.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, "latin.yaml: not UTF-8 text\n")


def test_a_missing_rule_path(tmp_path: Path) -> None:
    result = run_cli("rules", "validate", "nowhere.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == \
        (2, "nowhere.yaml: no such rule file or directory\n")
