"""The query loop: scope batches, `$skipToken` pages, pacing on the quota headers, retries."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
from azure.core.exceptions import AzureError, ClientAuthenticationError

from auditor.collect.client import Reply, Send
from auditor.collect.errors import CollectError, ServiceError
from auditor.collect.request import Scope
from auditor.collect.sources import Source

MAX_TOP = 1000  # the service's limit; the SDK does not enforce it
RETRIED = frozenset({408, 429, 500, 502, 503, 504})
HINTS = {
    401: "the token was refused: check that --cloud (or --endpoint and --scope) match the "
         "tenant you signed in to",
    403: "the identity needs the Reader role on every subscription or management group in "
         "scope",
    404: "there is no Resource Graph at this address: check --endpoint",
}


@dataclass(frozen=True, slots=True)
class Policy:
    """Page size, batch sizes, and how long and how often to wait and retry."""

    top: int = MAX_TOP
    subscriptions_per_request: int = 1000
    groups_per_request: int = 10
    attempts: int = 6  # requests per page, the first included
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    max_wait: float = 60.0  # cap on any one wait, whatever Retry-After says
    max_pages: int = 100_000  # guards against a service that never stops paging


@dataclass(frozen=True, slots=True)
class Page:
    """The rows of one answer, each the raw JSON text of one object, ready to write."""

    table: str
    number: int
    rows: list[Any]
    where: str


class Events(Protocol):
    """Where progress goes (see progress.py)."""

    def page(self, page: Page) -> None: ...
    def done(self, table: str) -> None: ...
    def wait(self, seconds: float, reason: str) -> None: ...
    def request(self, text: str) -> None: ...
    def warn(self, text: str) -> None: ...


class _Body(msgspec.Struct):
    data: msgspec.Raw
    totalRecords: int | None = None
    count: int | None = None
    resultTruncated: str | bool | None = None
    skipToken: str | None = msgspec.field(name="$skipToken", default=None)


class _Unreadable(Exception):
    """A 200 answer that is not a Resource Graph page (cut short, or not JSON)."""


@dataclass
class Pager:
    """Runs queries page by page through `send`; `clock` and `sleep` are injectable for tests."""

    send: Send
    events: Events
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    waited: float = 0.0
    _ready_at: float = 0.0  # no request before this time on `clock`
    _reason: str = ""  # why, for the progress line
    _limit_warned: bool = False

    def pages(self, source: Source, scope: Scope) -> Iterator[Page]:
        """Every page of one query over the whole scope, in order."""
        batches = _batches(scope, self.policy)
        for index, batch in enumerate(batches, 1):
            label = f" (scope batch {index} of {len(batches)})" if len(batches) > 1 else ""
            yield from self._batch(source, batch, label)

    def _batch(self, source: Source, batch: dict[str, list[str]], label: str) -> Iterator[Page]:
        token: str | None = None
        for number in range(1, self.policy.max_pages + 1):
            where = f"{source.table}, page {number}{label}"
            options: dict[str, Any] = {"$top": min(self.policy.top, MAX_TOP),
                                       "resultFormat": "objectArray",
                                       "allowPartialScopes": False}
            if token:
                options["$skipToken"] = token
            body, rows = self._fetch({**batch, "query": source.query, "options": options}, where)
            yield Page(source.table, number, rows, where)
            if body.skipToken:
                if body.skipToken == token:
                    raise ServiceError(f"{where}: Resource Graph returned the same skip token "
                                       "twice; stopped rather than loop")
                token = body.skipToken
                continue
            if body.resultTruncated in ("true", True):
                of = f" of {body.totalRecords}" if body.totalRecords is not None else ""
                raise CollectError(
                    f"{where}: Resource Graph returned {len(rows)}{of} rows and no skip "
                    "token to page on, so the snapshot would be incomplete; "
                    "narrow the query: collect fewer subscriptions at a time (--subscription), "
                    "and keep `id` projected and no limit, take or sample in the query")
            return
        raise ServiceError(f"{source.table}: more than {self.policy.max_pages} pages; stopped")

    def _fetch(self, body: dict[str, Any], where: str) -> tuple[_Body, list[Any]]:
        """One page, retried on throttling, server errors and dropped connections."""
        attempts = self.policy.attempts
        for attempt in range(1, attempts + 1):
            self._pause()
            self.requests += 1
            try:
                reply = self.send(body)
            except ClientAuthenticationError as error:
                self.events.request(f"{where}: sign-in failed: {error.message}")  # every line
                raise CollectError(f"{where}: sign-in failed: {_first_line(error.message)}") \
                    from None
            except (AzureError, OSError) as error:
                if "CERTIFICATE_VERIFY_FAILED" in str(error):
                    raise CollectError(f"{where}: the endpoint's TLS certificate is not "
                                       "trusted; set REQUESTS_CA_BUNDLE to a file holding its "
                                       "certificate authority") from None
                failure, wait = f"connection failed ({_first_line(str(error))})", None
            else:
                self._note(reply, where)
                if reply.status == 200:
                    try:
                        return _parse(reply.body)
                    except _Unreadable as error:
                        failure, wait = f"unreadable answer ({error})", None
                elif reply.status in RETRIED:
                    failure = f"HTTP {reply.status}"
                    wait = _retry_after(reply.headers) if reply.status == 429 else None
                    if reply.status == 429 and wait is None:
                        wait = _reset_seconds(reply.headers)
                else:
                    hint = HINTS.get(reply.status)
                    raise CollectError(f"{where}: Resource Graph answered {reply.status}: "
                                       f"{_error_text(reply)}" + (f"; {hint}" if hint else ""))
            if attempt == attempts:
                raise ServiceError(f"{where}: {failure}, still after {attempts} attempts; "
                                   "try again later")
            wait = min(self.policy.max_wait, wait if wait is not None and wait > 0
                       else self.policy.backoff * 2 ** (attempt - 1))
            self._ready_at = max(self._ready_at, self.clock() + wait)
            self._reason = f"{failure}; retry {attempt} of {attempts - 1}"
        raise AssertionError("unreachable")

    def _note(self, reply: Reply, where: str) -> None:
        """Read the quota headers of every answer: when none is left, wait for the reset."""
        headers = reply.headers
        remaining, resets = (headers.get("x-ms-user-quota-remaining"),
                             headers.get("x-ms-user-quota-resets-after"))
        self.events.request(f"{where}: HTTP {reply.status} in {reply.seconds:.2f} s, "
                            f"{len(reply.body):,} bytes; quota {remaining} left, resets after "
                            f"{resets}; request id {headers.get('x-ms-request-id')}")
        if headers.get("x-ms-tenant-subscription-limit-hit", "").lower() == "true" \
                and not self._limit_warned:
            self._limit_warned = True
            self.events.warn("the scope covers more than 10,000 subscriptions and Resource "
                             "Graph read only the first 10,000; collect with --subscription "
                             "lists instead")
        try:
            exhausted = remaining is not None and int(remaining) <= 0
        except ValueError:
            exhausted = False
        seconds = _reset_seconds(headers)
        if exhausted and seconds:
            self._ready_at = max(self._ready_at,
                                 self.clock() + min(seconds, self.policy.max_wait))
            self._reason = "the Resource Graph quota is used up until it resets"

    def _pause(self) -> None:
        delay = self._ready_at - self.clock()
        if delay > 0:
            self.events.wait(delay, self._reason)
            self.waited += delay
            self.sleep(delay)


def _batches(scope: Scope, policy: Policy) -> list[dict[str, list[str]]]:
    """The scope part of each request body: the service reads at most 1000 subscriptions
    per request (and the CLI forwards at most 10 management groups)."""
    if scope.subscriptions:
        return _chunks("subscriptions", scope.subscriptions, policy.subscriptions_per_request)
    if scope.management_groups:
        return _chunks("managementGroups", scope.management_groups, policy.groups_per_request)
    return [{}]  # the tenant: every subscription the identity can read


def _chunks(key: str, items: tuple[str, ...], size: int) -> list[dict[str, list[str]]]:
    return [{key: list(items[i:i + size])} for i in range(0, len(items), size)]


def _parse(data: bytes) -> tuple[_Body, list[Any]]:
    """The page and its rows, each row the raw JSON text of one object on one line."""
    try:
        body = msgspec.json.decode(data, type=_Body)
        try:
            rows: list[Any] = msgspec.json.decode(body.data, type=list[msgspec.Raw])
        except msgspec.ValidationError:  # `table` format: zip the columns into objects
            table = msgspec.json.decode(body.data, type=dict[str, list[Any]])
            names = [column["name"] for column in table["columns"]]
            return body, [msgspec.json.encode(dict(zip(names, row, strict=True)))
                          for row in table["rows"]]
    except (msgspec.DecodeError, KeyError, TypeError, ValueError) as error:
        raise _Unreadable(str(error) or type(error).__name__) from None
    if any(memoryview(row)[:1].tobytes() != b"{" for row in rows):
        raise _Unreadable("a row is not a JSON object")
    if b"\n" in data or b"\r" in data:  # the service answers compactly; a proxy might not
        rows = [msgspec.json.format(row, indent=0) for row in rows]
    return body, rows


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        try:
            return email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None


def _reset_seconds(headers: Mapping[str, str]) -> float | None:
    """`x-ms-user-quota-resets-after` is hh:mm:ss."""
    value = headers.get("x-ms-user-quota-resets-after")
    try:
        hours, minutes, seconds = (value or "").split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def _error_text(reply: Reply) -> str:
    """The ARG error body on one line: code and message, then each detail's."""
    try:
        error = msgspec.json.decode(reply.body)["error"]
        parts = [error, *(error.get("details") or [])]
        text = "; ".join(f"({p.get('code')}) {p.get('message')}" for p in parts)
    except (msgspec.DecodeError, KeyError, TypeError, AttributeError):
        text = reply.body[:300].decode("utf-8", "replace") or "(no body)"
    return " ".join(text.split())


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "no details")
