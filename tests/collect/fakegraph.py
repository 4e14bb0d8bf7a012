"""A fake Azure Resource Graph endpoint on 127.0.0.1 over HTTPS, signed by a throwaway CA.

It answers `POST /providers/Microsoft.ResourceGraph/resources` as the service does: the table
is the query's first word, `type has 'softwarepatches'` filters are honoured, rows are limited
to the request's subscriptions, and pages are cut by `$top` and the `$skipToken` it handed out
(`<table>:<offset>`, stateless). Every request is recorded; scripted replies (a 429, a 400, a
dropped connection) answer given request numbers once each.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import socket
import ssl
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Row = dict[str, Any]
PATH = "/providers/Microsoft.ResourceGraph/resources"


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path
    key: Path


def make_pki(directory: Path) -> Pki:
    """A CA and a leaf for 127.0.0.1 and localhost, valid from yesterday to tomorrow."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aum-auditor test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False,
                                         crl_sign=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    pki = Pki(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    pki.ca.write_bytes(ca.public_bytes(pem))
    pki.cert.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    pki.key.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return pki


@dataclass(frozen=True)
class Reply:
    """A scripted answer: a status with headers and a JSON body, or a dropped connection."""

    status: int = 429
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False
    indent: int | None = None


def throttled(retry_after: str | None = None, resets: str = "00:00:00") -> Reply:
    headers = {"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": resets}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Reply(429, headers, error("RateLimiting", "Client application has been throttled"))


def error(code: str, message: str, *details: tuple[str, str]) -> dict[str, Any]:
    """An ARG error body."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = [{"code": c, "message": m} for c, m in details]
    return {"error": body}


@dataclass(frozen=True)
class Call:
    """One request as it arrived."""

    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def table(self) -> str:
        return str(self.body.get("query", "")).split(None, 1)[0]

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.body.get("options") or {})


class FakeResourceGraph:
    """Serve `tables` (rows by table name) until the context exits."""

    def __init__(self, pki: Pki, tables: Mapping[str, Sequence[Row]], *,
                 page_size: int = 1000, script: Mapping[int, Reply] | None = None,
                 quota: Callable[[int], tuple[str, str]] | None = None,
                 truncated: Sequence[str] = (), prefix: str = "") -> None:
        self.tables, self.page_size, self.prefix = tables, page_size, prefix
        self.script, self.truncated = dict(script or {}), set(truncated)
        self.quota = quota or (lambda number: ("10", "00:00:05"))
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki.cert, pki.key)
        self._server = TLSServer(("127.0.0.1", 0), _handler(self), context)
        self.port = self._server.server_address[1]
        self.base_url = f"https://127.0.0.1:{self.port}{prefix}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    def __enter__(self) -> FakeResourceGraph:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def tokens(self, table: str | None = None) -> list[str | None]:
        """The skip tokens sent, in order (None for a first page)."""
        return [c.options.get("$skipToken") for c in self.calls
                if table is None or c.table == table]

    def answer(self, call: Call) -> tuple[Reply, int]:
        with self._lock:
            self.calls.append(call)
            number = len(self.calls)
        scripted = self.script.pop(number, None)
        if scripted is not None:
            return scripted, number
        if call.path != self.prefix + PATH:
            return Reply(404, body=error("NotFound", f"no route {call.path}")), number
        if not call.params.get("api-version"):
            return Reply(400, body=error("MissingApiVersionParameter",
                                         "The api-version query parameter is required")), number
        if not call.headers.get("authorization", "").startswith("Bearer "):
            return Reply(401, body=error("AuthenticationFailed", "no bearer token")), number
        return self.page(call), number

    def page(self, call: Call) -> Reply:
        options, query = call.options, str(call.body.get("query", ""))
        top = int(options.get("$top", 100))
        if not 1 <= top <= 1000:
            return Reply(400, body=error("BadRequest", "Please provide below info when asking "
                                         "for support", ("InvalidTop", f"$top={top} is not "
                                                         "between 1 and 1000")))
        if call.table not in self.tables:
            return Reply(400, body=error("BadRequest", "Query is invalid", (
                "InvalidQuery", f"Table '{call.table}' was not found")))
        rows = [r for r in self.tables[call.table] if _selected(r, query, call.body)]
        token = options.get("$skipToken")
        offset = int(token.rsplit(":", 1)[1]) if token else 0
        end = offset + min(top, self.page_size)
        body: dict[str, Any] = {"totalRecords": len(rows), "count": len(rows[offset:end]),
                                "data": rows[offset:end], "facets": [],
                                "resultTruncated": "true" if end < len(rows) else "false"}
        if end < len(rows) and call.table not in self.truncated:
            body["$skipToken"] = f"{call.table}:{end}"
        return Reply(200, body=body)


def _selected(row: Row, query: str, body: Mapping[str, Any]) -> bool:
    """The query's `type in~ (...)`, `type =~ '...'` and softwarepatches filters, and the
    request's subscriptions: enough KQL to serve the collector's queries."""
    row_type = str(row.get("type", "")).lower()
    listed = re.search(r"type (?:in~ \(([^)]*)\)|=~ ('[^']*'))", query)
    if listed and row_type not in re.findall(r"'([^']*)'", listed.group(0).lower()):
        return False
    patches = "softwarepatches" in row_type
    if "!has 'softwarepatches'" in query and patches:
        return False
    if " has 'softwarepatches'" in query.replace("!has", "") and not patches:
        return False
    subscriptions = body.get("subscriptions")
    return not subscriptions or row.get("subscriptionId") in subscriptions


def _handler(fake: FakeResourceGraph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            url = urlsplit(self.path)
            call = Call(url.path, parse_qs(url.query),
                        {k.lower(): v for k, v in self.headers.items()},
                        json.loads(data) if data else {})
            reply, number = fake.answer(call)
            if reply.drop:
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            payload = json.dumps(reply.body, indent=reply.indent).encode()
            remaining, resets = fake.quota(number)
            headers = {"Content-Type": "application/json; charset=utf-8",
                       "Content-Length": str(len(payload)),
                       "x-ms-user-quota-remaining": remaining,
                       "x-ms-user-quota-resets-after": resets, **reply.headers}
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 context: ssl.SSLContext) -> None:
        super().__init__(address, handler)
        self.ssl_context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:  # the handshake runs in the worker thread, not on the listening socket
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate: stay quiet
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()


def load_rows(directory: Path) -> dict[str, list[Row]]:
    """Rows by table from a snapshot bundle folder of plain `.jsonl` files."""
    return {path.name.split(".")[0]: [json.loads(line) for line in path.read_text(
        "utf-8").splitlines() if line.strip()] for path in sorted(directory.glob("*.jsonl"))}
