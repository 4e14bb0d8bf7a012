"""GitHub Actions annotations: failing findings as `::error` and `::warning` workflow commands.

The CLI prints them when GITHUB_ACTIONS is set. Text from Azure data is escaped as the runner
requires (`%`, CR and LF in the message; also `:` and `,` in a property), so that no name or
message can end a command or start another. With a baseline, only new failing findings are
annotated: what already failed is not news on a pull request.

GitHub shows 10 error, 10 warning and 10 notice annotations of a step (and 50 of a job), so at
most PER_LEVEL errors and PER_LEVEL warnings are printed, the most severe first, and a final
notice says how many failing findings were not annotated: a large estate does not flood the
log, and nothing is dropped silently.
"""

from __future__ import annotations

from auditor.engine.results import AuditResult, Finding, Outcome

PER_LEVEL = 10
SEVERITIES = ("critical", "high", "medium", "low", "info")
FAILING = (Outcome.FAIL, Outcome.ERROR)


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}\n"


def level(finding: Finding) -> str:
    if finding.outcome is Outcome.ERROR or finding.severity in ("critical", "high"):
        return "error"
    return "warning"


def priority(finding: Finding) -> tuple[int, bool, str, str]:
    rank = SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES \
        else len(SEVERITIES)
    return rank, finding.outcome is not Outcome.ERROR, finding.rule_id, finding.resource_id.lower()


def render(result: AuditResult, per_level: int = PER_LEVEL) -> str:
    names = {rule.id: rule.name for rule in result.rules}
    failing = sorted((f for f in result.findings if f.outcome in FAILING
                      and f.baseline_state != "unchanged"), key=priority)
    shown = [f for f in failing if level(f) == "error"][:per_level] \
        + [f for f in failing if level(f) == "warning"][:per_level]
    lines = []
    for finding in sorted(shown, key=priority):
        new = "New " if finding.baseline_state == "new" else ""
        title = f"{new}{finding.rule_id} {names.get(finding.rule_id, '')} ({finding.severity})"
        verb = "could not be judged" if finding.outcome is Outcome.ERROR else "fails"
        message = (f"{finding.resource_name or finding.resource_id} {verb}: {finding.message} "
                   f"[{finding.resource_id}]")
        lines.append(command(level(finding), message, title=title))
    if len(failing) > len(shown):
        more = len(failing) - len(shown)
        lines.append(command(
            "notice", f"{more:,} more {'new ' * bool(result.baseline)}failing finding"
                      f"{'s' * (more != 1)} not annotated (GitHub shows {per_level} errors and "
                      f"{per_level} warnings of a step); the reports list every one",
            title=f"{result.tool.name}: annotations capped"))
    if result.baseline is not None and result.baseline.counts.unchanged:
        unchanged = result.baseline.counts.unchanged
        lines.append(command("notice", f"{unchanged:,} failing finding{'s' * (unchanged != 1)} "
                             "unchanged since the baseline not annotated; the reports list "
                             "every one", title=f"{result.tool.name}: since the baseline"))
    return "".join(lines)
