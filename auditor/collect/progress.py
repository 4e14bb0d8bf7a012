"""What a collection tells the person running it, on stderr: live on a terminal, quiet in CI."""

from __future__ import annotations

import sys
from typing import TextIO

from auditor.collect.paging import Page


class Progress:
    """Rows and pages per table and throttle waits when `live`; request lines when `verbose`
    (no tokens: the pager reports status, size, quota and request id only); warnings always."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None,
                 verbose: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.verbose = verbose
        self.warnings: list[str] = []
        self._rows: dict[str, int] = {}
        self._pages: dict[str, int] = {}
        self._open = False  # a live line awaits its newline

    def page(self, page: Page) -> None:
        self._rows[page.table] = self._rows.get(page.table, 0) + len(page.rows)
        self._pages[page.table] = self._pages.get(page.table, 0) + 1
        if self.live:
            self.stream.write(f"\r\x1b[K{self._line(page.table)}")
            self.stream.flush()
            self._open = True

    def done(self, table: str) -> None:
        if self.live:
            self._print(self._line(table))

    def wait(self, seconds: float, reason: str) -> None:
        if self.live or self.verbose:
            self._print(f"waiting {seconds:.1f} s: {reason}")

    def request(self, text: str) -> None:
        if self.verbose:
            self._print(text)

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        self._print(f"warning: {text}")

    def _line(self, table: str) -> str:
        rows, pages = self._rows.get(table, 0), self._pages.get(table, 0)
        return f"{table}: {rows:,} rows, {pages} page{'s' * (pages != 1)}"

    def _print(self, text: str) -> None:
        if self._open:
            self.stream.write("\r\x1b[K")
            self._open = False
        self.stream.write(text + "\n")
        self.stream.flush()
