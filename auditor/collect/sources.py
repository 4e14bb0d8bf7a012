"""The Resource Graph queries, one per bundle table, from the `.kql` files beside this module."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

SUMMARY_TABLES = ("resources", "maintenanceresources", "patchassessmentresources",
                  "patchinstallationresources")
PATCH_TABLES = ("patchassessmentresources-softwarepatches",
                "patchinstallationresources-softwarepatches")


@dataclass(frozen=True, slots=True)
class Source:
    """One query and the bundle table its rows go to."""

    table: str
    query: str

    @property
    def sha256(self) -> str:
        """The hash of the query text as sent: the `.kql` file without comment or blank lines."""
        return hashlib.sha256(self.query.encode("utf-8")).hexdigest()


def load(table: str) -> Source:
    text = resources.files("auditor.collect").joinpath(f"queries/{table}.kql").read_text("utf-8")
    lines = [line.rstrip() for line in text.splitlines()]
    return Source(table, "\n".join(line for line in lines
                                   if line and not line.lstrip().startswith("//")))


def sources(include_patches: bool = False) -> tuple[Source, ...]:
    """The queries a collection runs, in order; per-update rows only when asked for."""
    return tuple(load(t) for t in SUMMARY_TABLES + (PATCH_TABLES if include_patches else ()))
