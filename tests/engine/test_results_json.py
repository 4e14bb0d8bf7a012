"""results.json: valid against its schema, byte-identical across runs, counts that add up."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.engine.evaluate import fingerprint
from auditor.engine.examples import judge_rows

SCHEMA = json.loads(resources.files("auditor").joinpath("schemas/results.schema.json")
                    .read_text("utf-8"))


def audit(tmp_path: Path, *args: str, out: str = "out") -> tuple[subprocess.CompletedProcess[str],
                                                                   bytes]:
    """Run `auditor audit` in an empty directory (no auditor.yaml there) and read results.json."""
    result = subprocess.run([sys.executable, "-m", "auditor", "audit", *args, "--format", "json",
                             "--output-dir", out], cwd=tmp_path, capture_output=True, text=True,
                            encoding="utf-8", check=False)
    assert result.returncode in (0, 1), result.stderr
    return result, (tmp_path / out / "results.json").read_bytes()


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """results.json of the bundled example, from two separate runs."""
    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second")
    return audit(first, "--example")[1], audit(second, "--example", out="elsewhere")[1]


def test_results_validate_against_the_schema(example: tuple[bytes, bytes]) -> None:
    document = json.loads(example[0])
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    assert document["findings"], "the example should judge something"


def test_two_runs_give_byte_identical_files(example: tuple[bytes, bytes]) -> None:
    assert example[0] == example[1]


def test_keys_are_sorted_at_every_level(example: tuple[bytes, bytes]) -> None:
    orders: list[list[str]] = []

    def remember(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        orders.append([key for key, _ in pairs])
        return dict(pairs)
    json.loads(example[0], object_pairs_hook=remember)
    assert len(orders) > 100
    assert all(keys == sorted(keys) for keys in orders)
    assert example[0].endswith(b"}\n")


def test_findings_are_sorted_by_rule_then_resource(example: tuple[bytes, bytes]) -> None:
    findings = json.loads(example[0])["findings"]
    keys = [(f["ruleId"], f["resourceId"].lower()) for f in findings]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_summary_counts_are_the_counts_of_findings(example: tuple[bytes, bytes]) -> None:
    document = json.loads(example[0])
    findings, summary = document["findings"], document["summary"]
    outcomes = ("pass", "fail", "not_applicable", "waived", "error", "unknown")
    by_outcome = Counter(f["outcome"] for f in findings)
    assert summary["byOutcome"] == {o: by_outcome.get(o, 0) for o in outcomes}
    for rule_id, counts in summary["byRule"].items():
        mine = Counter(f["outcome"] for f in findings if f["ruleId"] == rule_id)
        assert counts == {o: mine.get(o, 0) for o in outcomes}, rule_id
    assert set(summary["byRule"]) == {f["ruleId"] for f in findings}
    for severity, counts in summary["bySeverity"].items():
        mine = Counter(f["outcome"] for f in findings if f["severity"] == severity)
        assert counts == {o: mine.get(o, 0) for o in outcomes}, severity
    assert sorted(summary["bySeverity"]) == sorted(["critical", "high", "medium", "low", "info"])
    machines = {f["resourceId"].lower() for f in findings
                if f["resourceType"] in ("microsoft.compute/virtualmachines",
                                         "microsoft.hybridcompute/machines")}
    judged = {f["resourceId"].lower() for f in findings if f["resourceId"].lower() in machines
              and f["outcome"] != "not_applicable"}
    failing = {f["resourceId"].lower() for f in findings if f["resourceId"].lower() in machines
               and f["outcome"] in ("fail", "error")}
    assert summary["machines"] == len(machines) == 44
    assert summary["machinesJudged"] == len(judged)
    assert summary["compliantMachines"] == len(judged - failing)


def test_rules_in_the_results_match_the_findings(example: tuple[bytes, bytes]) -> None:
    document = json.loads(example[0])
    severities = {rule["id"]: rule["severity"] for rule in document["rules"]}
    assert [rule["id"] for rule in document["rules"]] == sorted(severities)
    assert all(f["severity"] == severities[f["ruleId"]] for f in document["findings"])
    assert all(rule["file"].startswith("rules/AUM") for rule in document["rules"])


def test_failing_findings_carry_evidence_and_passing_ones_none(
        example: tuple[bytes, bytes]) -> None:
    findings = json.loads(example[0])["findings"]
    assert all(f.get("evidence") for f in findings if f["outcome"] == "fail")
    assert not any("evidence" in f for f in findings if f["outcome"] == "pass")
    assert all(f["message"] for f in findings if f["outcome"] != "pass")


def test_as_of_comes_from_the_snapshot(example: tuple[bytes, bytes]) -> None:
    document = json.loads(example[0])
    assert (document["asOf"], document["asOfSource"]) == ("2026-11-16T06:00:00Z", "snapshot")


def test_as_of_from_the_flag(tmp_path: Path) -> None:
    _, data = audit(tmp_path, "--example", "--as-of", "2026-12-01T08:00:00+02:00")
    document = json.loads(data)
    assert (document["asOf"], document["asOfSource"]) == ("2026-12-01T06:00:00Z", "flag")


def test_as_of_from_the_clock_without_a_capture_time(tmp_path: Path, rows: Any) -> None:
    (tmp_path / "export.json").write_text(json.dumps([rows.vm()]), encoding="utf-8")
    _, data = audit(tmp_path, "export.json")
    assert json.loads(data)["asOfSource"] == "clock"


def test_fingerprints_are_stable_across_runs_and_as_of(example: tuple[bytes, bytes],
                                                       tmp_path: Path) -> None:
    def prints(data: bytes) -> dict[tuple[str, str], str]:
        return {(f["ruleId"], f["resourceId"]): f["fingerprint"]
                for f in json.loads(data)["findings"]}
    later = prints(audit(tmp_path, "--example", "--as-of", "2027-01-01T00:00:00Z")[1])
    assert prints(example[0]) == later
    assert len(set(later.values())) == len(later)
    some = next(iter(later))
    assert later[some] == fingerprint(*some)


def test_fingerprints_ignore_the_case_of_resource_ids(make_rule: Any, rows: Any) -> None:
    rule = make_rule("""
        check: {field: tags.owner, exists: true}
        message: no owner
    """)
    machine = rows.vm("vm-web-01")
    shouting = dict(machine, id=machine["id"].upper(), name="VM-WEB-01")
    one = judge_rows(rule, [machine])
    two = judge_rows(rule, [shouting])
    assert one.resource_id != two.resource_id
    assert one.fingerprint == two.fingerprint == fingerprint("USR001", machine["id"])
    assert fingerprint("USR001", machine["id"]) != fingerprint("USR002", machine["id"])
    assert fingerprint("USR001", machine["id"]) == fingerprint("USR001", machine["id"].upper())
