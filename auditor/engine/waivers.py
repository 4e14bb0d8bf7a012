"""Waivers: accepted exceptions with an owner and an end date, applied to failing findings."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta

import msgspec

from auditor.engine.results import Finding, Outcome, Waiver

WAIVABLE = (Outcome.FAIL, Outcome.ERROR)


class WaiverBook:
    """Splits waivers into active and expired as of a moment, and remembers which were used."""

    def __init__(self, waivers: Sequence[Waiver], as_of: datetime) -> None:
        self.today = as_of.date()
        self.active = tuple(w for w in waivers if not self._expired(w))
        self.expired = tuple(w for w in waivers if self._expired(w))
        self._used: set[int] = set()

    def _expired(self, waiver: Waiver) -> bool:
        return date.fromisoformat(waiver.expires) < self.today

    def expires_within(self, waiver: Waiver, span: timedelta) -> bool:
        return date.fromisoformat(waiver.expires) - self.today <= span

    def apply(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        for finding in findings:
            waiver = self._match(finding) if finding.outcome in WAIVABLE else None
            if waiver is None:
                yield finding
                continue
            yield msgspec.structs.replace(finding, outcome=Outcome.WAIVED, waiver=waiver,
                                          waived_outcome=finding.outcome)

    def _match(self, finding: Finding) -> Waiver | None:
        resource = finding.resource_id.lower()
        for index, waiver in enumerate(self.active):
            if waiver.rule.upper() == finding.rule_id.upper() and fnmatch.fnmatchcase(
                    resource, waiver.resource.lower()):
                self._used.add(index)
                return waiver
        return None

    def unused(self) -> tuple[Waiver, ...]:
        return tuple(w for i, w in enumerate(self.active) if i not in self._used)
