"""Pages of a paged Resource Graph query, and whether all of them were given."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditor.model import LoadWarning


@dataclass(frozen=True)
class Page:
    """A page of a paged Resource Graph query: how many rows the whole query matched, and the
    warning the page gave because more pages follow (None on the last page)."""

    total: int
    more: LoadWarning | None


def complete_pages(pages: Iterable[tuple[Page, int]]) -> set[int]:
    """The ids of the "more pages follow" warnings that the other pages answer: pages of one
    query (the same total) whose rows add up to that total, exactly one of them the last.
    `pages` holds each page with the number of rows read from it."""
    by_total: dict[int, list[tuple[Page, int]]] = {}
    for page, rows in pages:
        by_total.setdefault(page.total, []).append((page, rows))
    answered: set[int] = set()
    for total, group in by_total.items():
        if sum(rows for _, rows in group) == total \
                and sum(page.more is None for page, _ in group) == 1:
            answered.update(id(page.more) for page, _ in group if page.more is not None)
    return answered
