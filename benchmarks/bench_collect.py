"""Measure the collector against a local fake Resource Graph that answers at a set pace.

    python benchmarks/bench_collect.py [--machines 100000] [--delay 0.3] [--keep DIR]

The fake runs in a child process (so it takes no CPU from the collector) on 127.0.0.1 over
HTTPS with a throwaway CA, and serves about 7.3 rows per machine in pages of 1000. Each page
takes exactly --delay seconds to arrive: the fake builds it, then sleeps for the rest, like a
service that needs that long to answer. The collector runs in this process, with the real
ResourceGraphClient, and writes a snapshot bundle as it would for a user.

Reported: the delay the fake imposed (pages x delay), the collector's wall time, its overhead
(wall time minus the imposed delay, which also counts TLS and the transfer) as a share of the
imposed delay, its CPU time, and its peak RSS against the RSS after the imports.
"""
from __future__ import annotations

import argparse
import json
import re
import resource
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "collect")]  # the estate and the fake

TEMPLATE_MACHINES = 1000  # real rows for this many machines, repeated with new names
NAME = re.compile(rb"((?:vm|arc)-[a-z]+-)000(\d{3})", re.IGNORECASE)  # vm-app-000123


class Catalogue:
    """Every table's rows as compact JSON, built on demand: generate_estate's rows for 1000
    machines, repeated with the machine number renamed so that every id stays unique."""

    def __init__(self, machines: int) -> None:
        import generate_estate
        templates: dict[str, list[bytes]] = {t: [] for t in generate_estate.TABLES}
        self.fixed: list[bytes] = []  # the maintenance configurations, served once
        for table, row in generate_estate.Estate(TEMPLATE_MACHINES, 1).rows():
            text = json.dumps(row, separators=(",", ":")).encode()
            is_config = row["type"] == "microsoft.maintenance/maintenanceconfigurations"
            (self.fixed if is_config else templates[table]).append(text)
        self.templates, self.cycles = templates, -(-machines // TEMPLATE_MACHINES)
        self.sizes = {t: len(rows) * self.cycles + (len(self.fixed) if t == "resources" else 0)
                      for t, rows in templates.items()}

    def rows(self, table: str, start: int, stop: int) -> list[bytes]:
        fixed = self.fixed if table == "resources" else []
        stop = min(stop, self.sizes.get(table, 0))
        out, templates = [], self.templates.get(table, [])
        for index in range(start, stop):
            if index < len(fixed):
                out.append(fixed[index])
                continue
            cycle, offset = divmod(index - len(fixed), len(templates))
            out.append(NAME.sub(rb"\g<1>%03d\g<2>" % cycle, templates[offset]))
        return out


def serve(machines: int, delay: float, pki_dir: Path) -> None:
    """The child process: print the port, then answer until killed."""
    # The test suite's fake, put on sys.path at run time.
    from fakegraph import Pki, TLSServer  # type: ignore[import-not-found]
    catalogue = Catalogue(machines)
    stats = {"pages": 0, "late": 0, "build": 0.0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version, disable_nagle_algorithm = "HTTP/1.1", True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # the parent reads the fake's own figures here
            self.reply(json.dumps(stats).encode())

        def do_POST(self) -> None:
            started = time.monotonic()
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            table, options = body["query"].split(None, 1)[0], body["options"]
            token = options.get("$skipToken")
            offset = int(token.rsplit(":", 1)[1]) if token else 0
            total = catalogue.sizes.get(table, 0)
            end = min(offset + int(options["$top"]), total)
            rows = catalogue.rows(table, offset, end)
            page = (b'{"totalRecords":%d,"count":%d,"resultTruncated":"%s",%s"data":[%s],'
                    b'"facets":[]}' % (total, len(rows), b"true" if end < total else b"false",
                                       b'"$skipToken":"%s:%d",' % (table.encode(), end)
                                       if end < total else b"", b",".join(rows)))
            built = time.monotonic() - started
            stats["pages"] += 1
            stats["build"] += built
            stats["late"] += built > delay
            time.sleep(max(0.0, delay - built))
            self.reply(page)

        def reply(self, payload: bytes) -> None:
            self.send_response(200)
            for name, value in (("Content-Type", "application/json; charset=utf-8"),
                                ("Content-Length", str(len(payload))),
                                ("x-ms-user-quota-remaining", "100"),
                                ("x-ms-user-quota-resets-after", "00:00:05")):
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    pki = Pki(pki_dir / "ca.pem", pki_dir / "server.pem", pki_dir / "server.key")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert, pki.key)
    server = TLSServer(("127.0.0.1", 0), Handler, context)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(machines: int, delay: float, keep: Path | None) -> None:
    from azure.core.credentials import AccessToken
    from fakegraph import make_pki

    from auditor.collect.paging import Page
    from auditor.collect.request import CollectRequest
    from auditor.collect.run import collect

    class Credential:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            return AccessToken("benchmark", int(time.time()) + 3600)

    class Quiet:
        pages = 0

        def page(self, page: Page) -> None:
            self.pages += 1

        def done(self, table: str) -> None: ...
        def wait(self, seconds: float, reason: str) -> None: ...
        def request(self, text: str) -> None: ...
        def warn(self, text: str) -> None: print("warning:", text, file=sys.stderr)

    with tempfile.TemporaryDirectory() as work:
        pki = make_pki(Path(work))
        child = subprocess.Popen([sys.executable, __file__, "--serve", str(machines), str(delay),
                                  work], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            port = int(child.stdout.readline())
            output = (keep or Path(work)) / "snapshot.zip"
            events, baseline = Quiet(), rss_mb()
            wall, cpu = time.perf_counter(), time.process_time()
            summary = collect(CollectRequest(output, endpoint=f"https://127.0.0.1:{port}"),
                              events, credential=Credential(),
                              client_options={"connection_verify": str(pki.ca),
                                              "use_env_settings": False})
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            context = ssl.create_default_context(cafile=str(pki.ca))
            with urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=context) as answer:
                fake = json.loads(answer.read())
            size = output.stat().st_size
        finally:
            child.kill()
            child.wait()
    imposed = summary.pages * delay
    rows = sum(summary.rows.values())
    print("| machines | rows | pages | delay per page | imposed delay | collector wall | "
          "overhead | collector CPU | peak RSS | RSS after imports | snapshot |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {machines:,} | {rows:,} | {summary.pages} | {delay:.2f} s | {imposed:.1f} s | "
          f"{wall:.1f} s | {(wall - imposed) / imposed:.1%} | {cpu:.1f} s "
          f"({cpu / imposed:.1%}) | {rss_mb():.0f} MB | {baseline:.0f} MB | "
          f"{size / 1e6:.0f} MB |")
    print(f"\nrows per table: {summary.rows}; requests {summary.requests}")
    print(f"the fake built its pages in {fake['build']:.1f} s in all; {fake['late']} of "
          f"{fake['pages']} pages took longer to build than the delay (they should be 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--machines", type=int, default=100_000)
    parser.add_argument("--delay", type=float, default=0.3,
                        help="seconds each page takes to arrive (default 0.3)")
    parser.add_argument("--keep", type=Path, help="write the snapshot into this folder")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), float(args.serve[1]), Path(args.serve[2]))
    else:
        measure(args.machines, args.delay, args.keep)


if __name__ == "__main__":
    threading.excepthook = lambda hook: None  # a client gone at the end is not news
    main()
