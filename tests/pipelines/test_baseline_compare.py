"""Baselines: failing findings matched by fingerprint are new, unchanged or resolved; earlier
results that cannot be read are user errors, word for word."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import msgspec
import pytest

from auditor.engine.baseline import compare, only_new
from auditor.engine.results import AuditResult, Finding, Outcome
from auditor.errors import UserError
from auditor.history import with_baseline, with_history
from auditor.report import json_results


def finding(rule: str, resource: str, outcome: Outcome, **extra: str) -> Finding:
    return Finding(rule_id=rule, resource_id=f"/subscriptions/s/resourceGroups/rg/providers/"
                   f"Microsoft.Compute/virtualMachines/{resource}",
                   resource_type="microsoft.compute/virtualmachines", resource_name=resource,
                   subscription_id="s", resource_group="rg", outcome=outcome, severity="high",
                   message=f"{rule} on {resource}", fingerprint=f"{rule}-{resource}", **extra)


def with_findings(example: AuditResult, *findings: Finding) -> AuditResult:
    rules = tuple(msgspec.structs.replace(example.rules[0], id=rule_id)
                  for rule_id in sorted({f.rule_id for f in findings}))
    return msgspec.structs.replace(example, findings=findings, rules=rules)


F, P, E, W, NA = Outcome.FAIL, Outcome.PASS, Outcome.ERROR, Outcome.WAIVED, Outcome.NOT_APPLICABLE


def test_new_unchanged_and_resolved(example_result: AuditResult) -> None:
    current = with_findings(
        example_result,
        finding("R1", "still-failing", F), finding("R1", "newly-failing", F),
        finding("R1", "fixed", P), finding("R1", "now-waived", W),
        finding("R2", "now-erroring", E), finding("R2", "error-to-fail", F))
    before = [finding("R1", "still-failing", F), finding("R1", "newly-failing", P),
              finding("R1", "fixed", F), finding("R1", "now-waived", F),
              finding("R1", "deleted", F), finding("R2", "now-erroring", NA),
              finding("R2", "error-to-fail", E),
              finding("R9", "rule-not-run-now", F)]
    result = compare(current, before, path="last-week.json", sha256="a" * 64,
                     as_of="2026-11-09T06:00:00Z")
    assert {f.resource_name: f.baseline_state for f in result.findings} == {
        "still-failing": "unchanged", "newly-failing": "new", "fixed": None,
        "now-waived": None, "now-erroring": "new", "error-to-fail": "unchanged"}
    assert result.baseline is not None
    assert (result.baseline.path, result.baseline.sha256, result.baseline.as_of) == (
        "last-week.json", "a" * 64, "2026-11-09T06:00:00Z")
    assert [f.resource_name for f in result.baseline.resolved] == [
        "deleted", "fixed", "now-waived"]  # R9 was not judged again: not resolved
    counts = result.baseline.counts
    assert (counts.new, counts.unchanged, counts.resolved) == (2, 2, 3)


def test_marks_from_an_older_comparison_do_not_carry_over(example_result: AuditResult) -> None:
    current = with_findings(example_result, finding("R1", "a", P, baseline_state="new"),
                            finding("R1", "b", F))
    result = compare(current, [finding("R1", "b", F, baseline_state="new")], path="p",
                     sha256="0" * 64, as_of="x")
    assert [f.baseline_state for f in result.findings] == [None, "unchanged"]
    resolved = compare(with_findings(example_result, finding("R1", "b", P)),
                       [finding("R1", "b", F, baseline_state="new")], path="p",
                       sha256="0" * 64, as_of="x").baseline
    assert resolved is not None and resolved.resolved[0].baseline_state is None


def test_only_new_keeps_everything_but_unchanged_failures(example_result: AuditResult) -> None:
    current = with_findings(example_result, finding("R1", "old", F), finding("R1", "new", E),
                            finding("R1", "ok", P))
    result = only_new(compare(current, [finding("R1", "old", F)], path="p", sha256="0" * 64,
                              as_of="x"))
    assert [f.resource_name for f in result.findings] == ["new", "ok"]


def test_a_baseline_file_round_trips(example_result: AuditResult, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_bytes(json_results.render(example_result))
    result = with_baseline(example_result, path)
    assert result.baseline is not None
    assert result.baseline.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (result.baseline.counts.new, result.baseline.counts.unchanged,
            result.baseline.counts.resolved) == (0, 56, 0)
    # results written with a baseline are themselves a valid baseline
    again = with_baseline(example_result, _written(tmp_path / "again.json", result))
    assert again.baseline is not None and again.baseline.counts.unchanged == 56


def _written(path: Path, result: AuditResult) -> Path:
    path.write_bytes(json_results.render(result))
    return path


@pytest.mark.parametrize(("content", "message"), [
    (b"{", "not results written by `auditor audit --format json`: Input data was truncated"),
    (b"[]", "not results written by `auditor audit --format json`: Expected `object`, got "
            "`array`"),
    (b'{"schemaVersion": "1.0", "asOf": "2026-11-09T06:00:00Z"}',
     "not results written by `auditor audit --format json`: Object missing required field "
     "`findings`"),
    (b'{"schemaVersion": "2.0", "asOf": "x", "findings": []}',
     "results schema version 2.0; this auditor reads version 1.x"),
])
def test_unreadable_baselines_are_user_errors(example_result: AuditResult, tmp_path: Path,
                                              content: bytes, message: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_bytes(content)
    with pytest.raises(UserError) as caught:
        with_baseline(example_result, path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_missing_baseline_is_a_user_error(example_result: AuditResult,
                                            tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        with_baseline(example_result, tmp_path / "nope.json")
    assert str(caught.value) == (f"{tmp_path / 'nope.json'}: cannot read earlier results: "
                                 "No such file or directory")


def test_history_reads_every_results_file_under_the_folder(example_result: AuditResult,
                                                           tmp_path: Path) -> None:
    document = json.loads(json_results.render(example_result))
    for name, as_of in (("b/results.json", "2026-11-02T06:00:00Z"),
                        ("a.json", "2026-11-09T06:00:00Z"),
                        ("c/d/same-time.json", "2026-11-09T06:00:00Z"),
                        ("current.json", example_result.as_of),
                        ("older.json", "2026-10-26T07:00:00+01:00")):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document | {"asOf": as_of}), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not json", encoding="utf-8")
    history = with_history(example_result, tmp_path).history
    assert [(p.as_of, Path(p.path).relative_to(tmp_path).as_posix()) for p in history] == [
        ("2026-10-26T07:00:00+01:00", "older.json"),
        ("2026-11-02T06:00:00Z", "b/results.json"),
        ("2026-11-09T06:00:00Z", "a.json")]  # one point per time; this run's time is this run
    assert history[0].by_rule == example_result.summary.by_rule
    assert (history[0].machines_judged, history[0].compliant_machines) == (44, 12)


def test_history_errors(example_result: AuditResult, tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        with_history(example_result, tmp_path / "missing")
    assert str(caught.value) == (f"{tmp_path / 'missing'}: --history needs a folder of "
                                 "earlier results.json files")
    (tmp_path / "package.json").write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(UserError) as caught:
        with_history(example_result, tmp_path)
    assert str(caught.value) == (f"{tmp_path / 'package.json'}: not results written by "
                                 "`auditor audit --format json`: Object missing required "
                                 "field `schemaVersion`")
