"""Throttling and transient failures: waits come from the headers, retries are bounded.

The pager sleeps through a fake clock, so the waits are asserted exactly and cost no time.
"""

from __future__ import annotations

from typing import Any

import pytest
from collect_support import Run, machines, tables
from fakegraph import Reply, error, throttled

from auditor.collect.errors import ServiceError
from auditor.collect.paging import Policy

ROWS = machines(2500)  # three pages of resources; request 2 asks for the second page
BUSY = Reply(503, body=error("ServiceUnavailable", "try later"))


def test_429_with_retry_after_waits_that_long_then_asks_again(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), script={2: throttled(retry_after="0.5")})
    summary = run(fake)
    assert run.clock.sleeps == [0.5]
    assert fake.tokens("resources") == [None, "resources:1000", "resources:1000",
                                        "resources:2000"]
    assert summary.rows["resources"] == 2500
    assert (summary.requests, summary.waited) == (7, 0.5)


def test_429_without_retry_after_waits_for_the_quota_reset(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), script={2: throttled(resets="00:00:03")})
    run(fake)
    assert run.clock.sleeps == [3.0]
    assert len(fake.calls) == 7


def test_429_with_no_hint_at_all_backs_off_exponentially(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), script={2: throttled(), 3: throttled()})
    run(fake)
    assert run.clock.sleeps == [1.0, 2.0]
    assert fake.tokens("resources") == [None] + ["resources:1000"] * 3 + ["resources:2000"]


def test_a_hostile_retry_after_is_capped(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), script={2: throttled(retry_after="86400")})
    run(fake, policy=Policy(max_wait=30.0))
    assert run.clock.sleeps == [30.0]


def test_no_quota_left_means_waiting_for_the_reset_before_the_next_request(
        serve: Any, run: Run) -> None:
    quota = {1: ("1", "00:00:04"), 2: ("0", "00:00:02")}
    fake = serve(tables(ROWS), quota=lambda number: quota.get(number, ("9", "00:00:05")))
    summary = run(fake)
    assert run.clock.sleeps == [2.0]  # after request 2 only: one unit left is not none left
    assert len(fake.calls) == 6  # and the wait prevented a 429
    assert "waiting 2.0 s: the Resource Graph quota is used up until it resets" in \
        run.stderr.getvalue()
    assert summary.waited == 2.0


def test_no_quota_left_after_the_last_request_costs_no_wait(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), quota=lambda number: ("0", "00:00:05") if number == 6
                 else ("9", "00:00:05"))
    run(fake)
    assert run.clock.sleeps == []


def test_server_errors_are_retried_with_backoff(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), script={2: BUSY, 3: BUSY})
    summary = run(fake)
    assert run.clock.sleeps == [1.0, 2.0]
    assert summary.rows["resources"] == 2500


def test_a_dropped_connection_is_retried(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), script={2: Reply(drop=True)})
    summary = run(fake)
    assert run.clock.sleeps == [1.0]
    assert fake.tokens("resources") == [None, "resources:1000", "resources:1000",
                                        "resources:2000"]
    assert summary.rows["resources"] == 2500


def test_retries_are_bounded(serve: Any, run: Run) -> None:
    fake = serve(tables(ROWS), script={n: throttled() for n in range(2, 20)})
    with pytest.raises(ServiceError) as raised:
        run(fake, policy=Policy(attempts=4, backoff=1.0))
    assert str(raised.value) == ("resources, page 2: HTTP 429, still after 4 attempts; "
                                 "try again later")
    assert run.clock.sleeps == [1.0, 2.0, 4.0]
    assert len(fake.calls) == 5
    assert list(run.tmp_path.iterdir()) == []  # nothing half-written is left behind
