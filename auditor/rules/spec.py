"""A rule as written in its YAML file, after validation."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)  # 0 is the most severe

    def at_least(self, threshold: Severity) -> bool:
        return self.rank <= threshold.rank


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    description: str = ""


@dataclass(frozen=True)
class Example:
    title: str
    outcome: str
    rows: list[dict[str, Any]]
    as_of: str | None = None
    message: str | None = None
    resource: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    line: int = 1


@dataclass(frozen=True)
class Docs:
    summary: str
    why: str
    fix: str
    links: tuple[str, ...]
    examples: tuple[Example, ...]
    notes: str = ""


@dataclass(frozen=True)
class Rule:
    """A validated rule; `check`, conditions and `message` stay as written until compiled."""

    id: str
    name: str
    severity: Severity
    tags: tuple[str, ...]
    presets: tuple[str, ...]
    resource: str
    kinds: tuple[str, ...]
    os: tuple[str, ...]
    precondition: dict[str, Any] | None
    parameters: dict[str, Parameter]
    check: dict[str, Any]
    message: str | list[dict[str, Any]]
    docs: Docs
    file: str
    line: int = 1  # of the id, for errors about the rule as a whole
    applies_to: str = ""  # appliesTo.description: what the rule judges, in words
