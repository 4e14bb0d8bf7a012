"""One collection: every query paged into the bundle, which is committed only when complete."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from azure.core.credentials import TokenCredential

from auditor import TOOL_NAME, __version__
from auditor.collect.bundle import BundleWriter
from auditor.collect.client import credential_for, open_client, sender, target_for
from auditor.collect.paging import Events, Pager, Policy
from auditor.collect.request import CollectRequest
from auditor.collect.sources import sources


@dataclass(frozen=True, slots=True)
class Summary:
    """What was written, and what it took."""

    path: Path
    rows: dict[str, int]
    pages: int
    requests: int
    waited: float

    def line(self) -> str:
        tables = ", ".join(f"{table} {rows:,}" for table, rows in self.rows.items())
        waited = f", {self.waited:.1f} s waiting on throttling" if self.waited else ""
        return (f"wrote {self.path}: {sum(self.rows.values()):,} rows ({tables}) in "
                f"{self.pages} pages, {self.requests} requests{waited}")


def collect(request: CollectRequest, events: Events, *,
            credential: TokenCredential | None = None,
            client_options: dict[str, Any] | None = None, policy: Policy | None = None,
            clock: Callable[[], float] = time.monotonic,
            sleep: Callable[[float], None] = time.sleep,
            now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Summary:
    """Read every table into a new bundle at `request.output`.

    `credential`, `client_options` (e.g. `connection_verify`), `clock` and `sleep` are there
    for tests; by default the credential is the one `request.auth` names.
    """
    target = target_for(request.cloud, request.endpoint, request.token_scope)
    queries = sources(request.include_patches)
    pages = 0
    with ExitStack() as stack:
        writer = stack.enter_context(BundleWriter(request.output))
        if credential is None:
            credential = credential_for(request.auth, target)
            close = getattr(credential, "close", None)
            if close is not None:
                stack.callback(close)
        client = stack.enter_context(open_client(credential, target, **(client_options or {})))
        pager = Pager(sender(client), events, policy or Policy(), clock, sleep)
        for source in queries:
            writer.start(source.table, source.sha256)
            for page in pager.pages(source, request.scope):
                writer.write(page.rows)
                events.page(page)
                pages += 1
            events.done(source.table)
        captured = now().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        path = writer.commit({
            "capturedAt": captured,  # when the last page arrived: no row is newer than this
            "cloud": target.name,
            "scope": {"subscriptions": sorted(request.scope.subscriptions),
                      "managementGroups": sorted(request.scope.management_groups)},
            "tool": {"name": TOOL_NAME, "version": __version__},
        })
        rows = {table: int(entry["rows"]) for table, entry in writer.tables.items()}
    return Summary(path, rows, pages, pager.requests, pager.waited)
