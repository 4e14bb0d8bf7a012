"""What a planned change does: the verdicts on the live snapshot alone against those on the
snapshot with the change laid over it, per rule and resource."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.engine.results import Change, ChangeItem, Finding, Outcome, RuleChange

_FAILING = (Outcome.FAIL, Outcome.ERROR)
NOUNS = {"machine": ("machine", "machines"),
         "maintenanceConfiguration": ("schedule", "schedules"),
         "assignment": ("assignment", "assignments")}


def compare(before: Sequence[Finding], after: Sequence[Finding], planned: Sequence[str],
            resources: dict[str, str]) -> Change:
    """`resources` gives each rule's resource kind (machine, maintenanceConfiguration,
    assignment), for the words of the summary."""
    old = {(f.rule_id, f.resource_id.lower()): f for f in before}
    new = {(f.rule_id, f.resource_id.lower()): f for f in after}
    breaks: list[ChangeItem] = []
    fixes: list[ChangeItem] = []
    unknown: list[ChangeItem] = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key), new.get(key)
        outcome_was = was.outcome if was else None
        outcome_now = now.outcome if now else None
        item = _item(was, now)
        if outcome_now in _FAILING and outcome_was not in _FAILING:
            breaks.append(item)
        elif outcome_was in _FAILING and now is not None and outcome_now not in _FAILING \
                and outcome_now is not Outcome.UNKNOWN:
            fixes.append(item)
        elif outcome_now is Outcome.UNKNOWN and outcome_was is not Outcome.UNKNOWN:
            unknown.append(item)
    by_rule: dict[str, RuleChange] = {}
    for rule in sorted({i.rule_id for i in (*breaks, *fixes, *unknown)}):
        by_rule[rule] = RuleChange(breaks=sum(i.rule_id == rule for i in breaks),
                                   fixes=sum(i.rule_id == rule for i in fixes),
                                   unknown=sum(i.rule_id == rule for i in unknown))
    return Change(planned=tuple(planned), summary=summary(by_rule, resources), by_rule=by_rule,
                  breaks=tuple(breaks), fixes=tuple(fixes), unknown=tuple(unknown))


def _item(was: Finding | None, now: Finding | None) -> ChangeItem:
    some = now or was
    assert some is not None
    return ChangeItem(rule_id=some.rule_id, resource_id=some.resource_id,
                      resource_name=some.resource_name,
                      before=was.outcome.value if was else "absent",
                      after=now.outcome.value if now else "absent")


def _count(number: int, kind: str) -> str:
    singular, plural = NOUNS.get(kind, ("resource", "resources"))
    return f"{number} {singular if number == 1 else plural}"


def summary(by_rule: dict[str, RuleChange], resources: dict[str, str]) -> str:
    """`this change makes 3 machines non-compliant with AUM002 and fixes 1`, rule by rule."""
    parts = []
    for rule, change in by_rule.items():
        kind = resources.get(rule, "")
        words = []
        if change.breaks:
            words.append(f"makes {_count(change.breaks, kind)} non-compliant with {rule}")
        if change.fixes:
            words.append(f"fixes {change.fixes}" if change.breaks
                         else f"fixes {_count(change.fixes, kind)} for {rule}")
        if change.unknown:
            words.append(f"leaves {change.unknown} unknown until deployment" if words
                         else f"leaves {_count(change.unknown, kind)} unknown for {rule} "
                              "until deployment")
        parts.append(words[0] if len(words) == 1
                     else ", ".join(words[:-1]) + " and " + words[-1])
    if not parts:
        return "this change makes no resource non-compliant and fixes none"
    return "this change " + "; ".join(parts)
