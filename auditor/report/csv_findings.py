"""findings.csv for spreadsheets: one row per finding, every outcome, in results.json's order.

UTF-8 with a byte-order mark (so that Excel reads names in any script correctly), RFC 4180
quoting and CRLF line ends. A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return is prefixed with a single quote: text from Azure data (a tag, a name, a message) can
never run as a formula when the file is opened.
"""

from __future__ import annotations

import csv
import io

from auditor.engine.results import AuditResult, Finding

COLUMNS = ("ruleId", "ruleName", "severity", "outcome", "baselineState", "resourceName",
           "resourceGroup", "subscriptionId", "resourceType", "resourceId", "message",
           "evidence", "waiverReason", "waiverOwner", "waiverExpires", "waivedOutcome",
           "fingerprint")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """The value, made inert for a spreadsheet."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def row(finding: Finding, rule_name: str) -> list[str]:
    waiver = finding.waiver
    values = (
        finding.rule_id, rule_name, finding.severity, finding.outcome.value,
        finding.baseline_state or "", finding.resource_name, finding.resource_group,
        finding.subscription_id, finding.resource_type, finding.resource_id, finding.message,
        "; ".join(f"{key}={value}" for key, value in sorted(finding.evidence.items())),
        waiver.reason if waiver else "", waiver.owner if waiver else "",
        waiver.expires if waiver else "",
        finding.waived_outcome.value if finding.waived_outcome else "", finding.fingerprint)
    return [cell(value) for value in values]


def render(result: AuditResult) -> bytes:
    names = {rule.id: rule.name for rule in result.rules}
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(row(finding, names.get(finding.rule_id, ""))
                     for finding in result.findings)
    return out.getvalue().encode("utf-8-sig")
