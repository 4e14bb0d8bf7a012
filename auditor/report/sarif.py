"""SARIF 2.1.0 for GitHub code scanning and Azure DevOps: one result per failing finding.

Each rule is a `reportingDescriptor` built from its documentation. Each failing or erroring
finding is a result: its message, a level from its severity, a `partialFingerprints` entry
(the finding's fingerprint, stable across runs, so code scanning tracks one alert per rule
and resource), the Azure resource id as a logical location (SARIF's place for what is not in
a file) and the input file as the physical location (code scanning shows no result without
one).

GitHub's documented limits are kept: it rejects a run of more than 25,000 results and keeps
only 5,000, so at most MAX_RESULTS are written, the most severe first; a gzip-compressed
upload may not exceed 10 MB; a rule shows 10 tags. When results are left out, the run's
`properties` and an invocation's notification say how many. results.json has them all.
"""

from __future__ import annotations

import gzip
import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from auditor.engine.results import AuditResult, Finding, Outcome, RuleInfo
from auditor.report import markdown

SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
          "sarif-schema-2.1.0.json")
MAX_RESULTS = 5_000
"""GitHub keeps the first 5,000 results of a run and rejects a run of more than 25,000."""
MAX_GZIP_BYTES = 10 * 1024 * 1024
"""GitHub rejects an upload larger than 10 MB after gzip compression."""
MAX_TAGS = 10
"""GitHub accepts 20 tags per rule and shows 10."""
MAX_MESSAGE = 1_000
"""Characters of a result's message; longer ones end in an ellipsis (results.json has all)."""
FINGERPRINT_KEY = "auditorFinding/v1"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note",
          "info": "note"}
SEVERITIES = tuple(LEVELS)
FAILING = (Outcome.FAIL, Outcome.ERROR)


def uri(path: str) -> str:
    """A file path as a URI reference: relative paths stay relative (code scanning resolves
    them against the repository root), absolute ones become file: URIs."""
    windows = PureWindowsPath(path)
    if windows.drive:
        return windows.as_uri() if windows.is_absolute() else quote(windows.as_posix())
    posix = PurePosixPath(path.replace("\\", "/"))
    return posix.as_uri() if posix.is_absolute() else quote(posix.as_posix())


def rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    links = [link for link in rule.links if link.startswith(("https://", "http://"))]
    text = f"{rule.fix}\n\nWhy it matters: {rule.why}"
    md = f"**How to fix**\n\n{markdown.escape(rule.fix)}\n\n**Why it matters**\n\n" \
         f"{markdown.escape(rule.why)}"
    if links:
        text += "\n\nLearn more:\n" + "\n".join(f"- {link}" for link in links)
        md += "\n\n**Learn more**\n\n" + "\n".join(f"- [{link}]({link})" for link in links)
    descriptor: dict[str, Any] = {
        "id": rule.id, "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": text, "markdown": md},
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": {"tags": list(rule.tags[:MAX_TAGS]), "severity": rule.severity,
                       "file": rule.file},
    }
    if links:
        descriptor["helpUri"] = links[0]
    return descriptor


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def result_of(finding: Finding, rule_index: int, artifact: str | None) -> dict[str, Any]:
    name = finding.resource_name or finding.resource_id
    location: dict[str, Any] = {"logicalLocations": [
        {"name": name, "fullyQualifiedName": finding.resource_id, "kind": "resource"}]}
    if artifact is not None:
        location["physicalLocation"] = {"artifactLocation": {"uri": artifact, "index": 0},
                                        "region": {"startLine": 1}}
    properties: dict[str, Any] = {
        "outcome": finding.outcome.value, "severity": finding.severity,
        "resourceId": finding.resource_id, "resourceType": finding.resource_type,
        "subscriptionId": finding.subscription_id, "resourceGroup": finding.resource_group}
    if finding.evidence:
        properties["evidence"] = dict(sorted(finding.evidence.items()))
    result: dict[str, Any] = {
        "ruleId": finding.rule_id, "ruleIndex": rule_index,
        "level": "error" if finding.outcome is Outcome.ERROR
        else LEVELS.get(finding.severity, "warning"),
        "message": {"text": clip(f"{name}: {finding.message}")},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if finding.baseline_state is not None:
        result["baselineState"] = finding.baseline_state
    return result


def priority(finding: Finding) -> tuple[int, bool, bool]:
    """Most severe first; errors and, with a baseline, new findings before the others."""
    rank = SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES \
        else len(SEVERITIES)
    return rank, finding.outcome is not Outcome.ERROR, finding.baseline_state == "unchanged"


def document(result: AuditResult, limit: int) -> dict[str, Any]:
    failing = sorted((f for f in result.findings if f.outcome in FAILING), key=priority)
    shown = failing[:limit]
    index = {rule.id: i for i, rule in enumerate(result.rules)}
    artifact = uri(result.inputs[0].path) if result.inputs else None
    properties: dict[str, Any] = {
        "asOf": result.as_of, "asOfSource": result.as_of_source,
        "resultsTotal": len(failing), "resultsShown": len(shown),
        "resultsCapped": len(shown) < len(failing)}
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if len(shown) < len(failing):
        invocation["toolExecutionNotifications"] = [{
            "level": "warning", "descriptor": {"id": "results-capped"},
            "message": {"text": f"{len(shown):,} of {len(failing):,} failing findings are in "
                                "this file, the most severe first (GitHub code scanning keeps "
                                "5,000 results of a run and accepts at most 10 MB compressed); "
                                "results.json has every finding"}}]
    if result.baseline is not None:
        counts = result.baseline.counts
        properties["baseline"] = {"path": result.baseline.path, "asOf": result.baseline.as_of,
                                  "new": counts.new, "unchanged": counts.unchanged,
                                  "resolved": counts.resolved}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": result.tool.name, "version": result.tool.version,
                            "semanticVersion": result.tool.version,
                            "rules": [rule_descriptor(rule) for rule in result.rules]}},
        "artifacts": [{"location": {"uri": uri(i.path)}, "hashes": {"sha-256": i.sha256},
                       "description": {"text": f"{i.format}, {i.rows:,} rows"}}
                      for i in result.inputs],
        "invocations": [invocation],
        "results": [result_of(f, index[f.rule_id], artifact) for f in shown],
        "properties": properties,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def encode(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n") \
        .encode("utf-8")


def render(result: AuditResult, limit: int = MAX_RESULTS,
           max_gzip_bytes: int = MAX_GZIP_BYTES) -> bytes:
    """The SARIF log; fewer results (halving) while it would exceed `max_gzip_bytes` gzipped."""
    while True:
        data = encode(document(result, limit))
        if len(data) <= max_gzip_bytes or limit == 0 \
                or len(gzip.compress(data, 6, mtime=0)) <= max_gzip_bytes:
            return data
        limit //= 2
