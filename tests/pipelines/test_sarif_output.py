"""SARIF 2.1.0: valid against the official schema, rules from the rule docs, one result per
failing finding with a stable fingerprint, and within GitHub code scanning's limits."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from auditor.engine.results import AuditResult, Outcome
from auditor.report import RENDERERS, sarif

Sarif = Callable[[bytes], dict[str, Any]]


def test_the_sarif_of_the_example(example_result: AuditResult, sarif_of: Sarif,
                                  golden: Callable[[str, bytes], None]) -> None:
    data = sarif.render(example_result)
    sarif_of(data)
    golden("results.sarif", data)


def test_it_is_registered() -> None:
    assert RENDERERS["sarif"] == (sarif.render, "results.sarif")


def test_every_rule_is_described_from_its_docs(example_result: AuditResult,
                                               sarif_of: Sarif) -> None:
    driver = sarif_of(sarif.render(example_result))["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("aum-auditor", example_result.tool.version)
    assert [r["id"] for r in driver["rules"]] == [r.id for r in example_result.rules]
    for rule, info in zip(driver["rules"], example_result.rules, strict=True):
        assert rule["name"] == info.name
        assert rule["shortDescription"]["text"] == info.summary
        assert rule["fullDescription"]["text"] == info.why
        assert rule["help"]["text"].startswith(info.fix + "\n\nWhy it matters: ")
        assert "**How to fix**" in rule["help"]["markdown"]
        assert rule["helpUri"] == info.links[0]
        assert rule["defaultConfiguration"]["level"] == {
            "high": "error", "medium": "warning", "low": "note"}[info.severity]
        assert rule["properties"]["tags"] == list(info.tags)


def test_one_result_per_failing_finding(example_result: AuditResult, sarif_of: Sarif) -> None:
    run = sarif_of(sarif.render(example_result))["runs"][0]
    failing = {f.fingerprint: f for f in example_result.findings
               if f.outcome in (Outcome.FAIL, Outcome.ERROR)}
    assert len(run["results"]) == len(failing) == 56
    rules = [r.id for r in example_result.rules]
    for result in run["results"]:
        finding = failing[result["partialFingerprints"]["auditorFinding/v1"]]
        assert result["ruleId"] == finding.rule_id
        assert rules[result["ruleIndex"]] == finding.rule_id
        assert result["message"]["text"] == f"{finding.resource_name}: {finding.message}"
        (location,) = result["locations"]
        assert location["logicalLocations"] == [{
            "name": finding.resource_name, "fullyQualifiedName": finding.resource_id,
            "kind": "resource"}]
        assert location["physicalLocation"] == {
            "artifactLocation": {"uri": "examples/estate", "index": 0},
            "region": {"startLine": 1}}
        assert result["properties"]["evidence"] == finding.evidence
        assert "baselineState" not in result
    assert run["artifacts"] == [{"location": {"uri": "examples/estate"},
                                 "hashes": {"sha-256": example_result.inputs[0].sha256},
                                 "description": {"text": "snapshot bundle, 243 rows"}}]
    assert run["properties"]["resultsCapped"] is False
    assert "toolExecutionNotifications" not in run["invocations"][0]


def test_the_most_severe_come_first(example_result: AuditResult, sarif_of: Sarif) -> None:
    results = sarif_of(sarif.render(example_result))["runs"][0]["results"]
    severities = [r["properties"]["severity"] for r in results]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)


def test_results_beyond_the_cap_are_left_out_and_it_says_so(example_result: AuditResult,
                                                             sarif_of: Sarif) -> None:
    run = sarif_of(sarif.render(example_result, limit=10))["runs"][0]
    assert len(run["results"]) == 10
    assert {r["properties"]["severity"] for r in run["results"]} == {"high"}
    assert {k: run["properties"][k] for k in ("resultsTotal", "resultsShown", "resultsCapped")} \
        == {"resultsTotal": 56, "resultsShown": 10, "resultsCapped": True}
    (notice,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notice["level"] == "warning"
    assert notice["message"]["text"].startswith("10 of 56 failing findings are in this file, "
                                                "the most severe first")


def test_github_limits_are_the_documented_ones() -> None:
    assert (sarif.MAX_RESULTS, sarif.MAX_GZIP_BYTES, sarif.MAX_TAGS) == (
        5_000, 10 * 1024 * 1024, 10)


def test_a_large_estate_stays_within_the_compressed_size_limit(example_result: AuditResult,
                                                               sarif_of: Sarif) -> None:
    # Messages of hexadecimal digits compress poorly; allow half of what all 56 would need.
    noisy = tuple(msgspec.structs.replace(f, message="".join(
        hashlib.sha256(f"{f.fingerprint}{i}".encode()).hexdigest() for i in range(16)))
        for f in example_result.findings)
    result = msgspec.structs.replace(example_result, findings=noisy)
    everything = len(gzip.compress(sarif.render(result)))
    nothing = len(gzip.compress(sarif.render(result, limit=0)))
    budget = (everything + nothing) // 2
    data = sarif.render(result, max_gzip_bytes=budget)
    run = sarif_of(data)["runs"][0]
    assert len(gzip.compress(data)) <= budget
    assert 0 < len(run["results"]) < 56
    assert run["properties"]["resultsCapped"] is True


def test_long_messages_and_many_tags_are_cut(example_result: AuditResult,
                                             sarif_of: Sarif) -> None:
    finding = next(f for f in example_result.findings if f.outcome is Outcome.FAIL)
    rule = next(r for r in example_result.rules if r.id == finding.rule_id)
    result = msgspec.structs.replace(
        example_result, findings=(msgspec.structs.replace(finding, message="x" * 5000),),
        rules=(msgspec.structs.replace(rule, tags=tuple(f"tag-{i}" for i in range(25))),))
    run = sarif_of(sarif.render(result))["runs"][0]
    text = run["results"][0]["message"]["text"]
    assert len(text) == sarif.MAX_MESSAGE and text.endswith("x…")
    assert run["tool"]["driver"]["rules"][0]["properties"]["tags"] == [
        f"tag-{i}" for i in range(10)]


def test_baseline_states_are_carried(example_result: AuditResult, sarif_of: Sarif) -> None:
    from auditor.engine.baseline import compare
    failing = [f for f in example_result.findings if f.outcome is Outcome.FAIL]
    result = compare(example_result, failing[1:], path="previous.json", sha256="0" * 64,
                     as_of="2026-11-09T06:00:00Z")
    run = sarif_of(sarif.render(result))["runs"][0]
    states = {r["partialFingerprints"]["auditorFinding/v1"]: r["baselineState"]
              for r in run["results"]}
    assert states[failing[0].fingerprint] == "new"
    assert sorted(states.values()).count("unchanged") == 55
    assert run["properties"]["baseline"] == {"path": "previous.json",
                                             "asOf": "2026-11-09T06:00:00Z",
                                             "new": 1, "unchanged": 55, "resolved": 0}


@pytest.mark.parametrize(("path", "uri"), [
    ("export/machines.json", "export/machines.json"),
    ("./export dir/m#1.json", "export%20dir/m%231.json"),
    ("/srv/exports/snapshot.zip", "file:///srv/exports/snapshot.zip"),
    ("C:\\exports\\machines.json", "file:///C:/exports/machines.json"),
    ("exports\\machines.json", "exports/machines.json"),
])
def test_input_paths_become_uri_references(path: str, uri: str) -> None:
    assert sarif.uri(path) == uri


def test_no_input_leaves_only_the_logical_location(example_result: AuditResult,
                                                  sarif_of: Sarif) -> None:
    run = sarif_of(sarif.render(msgspec.structs.replace(example_result, inputs=())))["runs"][0]
    assert run["artifacts"] == []
    assert all(list(r["locations"][0]) == ["logicalLocations"] for r in run["results"])
