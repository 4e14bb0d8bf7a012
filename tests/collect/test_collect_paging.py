"""Paging and scope on the wire: skip tokens, `$top`, subscription batches, management groups."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from collect_support import SUB, Run, machines, tables
from fakegraph import PATH, Reply

from auditor.collect.paging import Policy
from auditor.collect.request import Scope
from auditor.collect.sources import sources
from auditor.snapshot import load_estate

SUBS = tuple(f"00000000-0000-0000-0000-{i:012d}" for i in range(1, 2501))


def members(path: Path) -> dict[str, Any]:
    """A zip bundle's manifest and its tables' rows."""
    with zipfile.ZipFile(path) as archive:
        found: dict[str, Any] = {"manifest.json": json.loads(archive.read("manifest.json"))}
        for name in archive.namelist():
            if name.endswith(".jsonl.gz"):
                text = gzip.decompress(archive.read(name)).decode("utf-8")
                found[name] = [json.loads(line) for line in text.splitlines()]
    return found


def test_pages_follow_the_skip_tokens_and_every_row_is_kept(serve: Any, run: Run) -> None:
    rows = machines(2500)
    fake = serve(tables(rows))
    summary = run(fake)
    assert fake.tokens("resources") == [None, "resources:1000", "resources:2000"]
    assert [c.table for c in fake.calls] == ["resources"] * 3 + [
        "maintenanceresources", "patchassessmentresources", "patchinstallationresources"]
    bundle = members(summary.path)
    assert bundle["resources.jsonl.gz"] == rows
    assert summary.rows == {"resources": 2500, "maintenanceresources": 0,
                            "patchassessmentresources": 0, "patchinstallationresources": 0}
    assert (summary.pages, summary.requests, summary.waited) == (6, 6, 0.0)


def test_every_request_is_a_read_only_query_of_one_source(serve: Any, run: Run) -> None:
    fake = serve(tables(machines(1500)))
    run(fake)
    queries = {s.table: s.query for s in sources()}
    for call in fake.calls:
        assert call.path == PATH  # Resource Graph only: never assessPatches or any write
        assert call.params == {"api-version": ["2021-03-01"]}
        assert call.headers["authorization"] == "Bearer test-token"
        assert call.headers["content-type"] == "application/json"
        assert call.headers["user-agent"].startswith("aum-auditor/0.1.0 azsdk-python-")
        assert call.body["query"] == queries[call.table]
        assert call.options["$top"] == 1000
        assert call.options["resultFormat"] == "objectArray"
        assert "subscriptions" not in call.body and "managementGroups" not in call.body
    assert run.credential.calls == [(f"{fake.base_url}/.default",)]  # once: the token is cached


def test_top_is_never_above_1000(serve: Any, run: Run) -> None:
    fake = serve(tables(machines(1200)))
    run(fake, policy=Policy(top=5000))
    assert {c.options["$top"] for c in fake.calls} == {1000}
    assert fake.tokens("resources") == [None, "resources:1000"]


def test_a_smaller_page_than_asked_for_is_followed(serve: Any, run: Run) -> None:
    rows = machines(25)
    fake = serve(tables(rows), page_size=10)
    summary = run(fake)
    assert fake.tokens("resources") == [None, "resources:10", "resources:20"]
    assert members(summary.path)["resources.jsonl.gz"] == rows


def test_subscriptions_go_1000_to_a_request_and_each_batch_pages_on_its_own(
        serve: Any, run: Run) -> None:
    rows = machines(2500, SUBS)
    fake = serve(tables(rows), page_size=600)
    summary = run(fake, scope=Scope(subscriptions=SUBS))
    sent = [(len(c.body["subscriptions"]), c.options.get("$skipToken"))
            for c in fake.calls if c.table == "resources"]
    assert sent == [(1000, None), (1000, "resources:600"), (1000, None),
                    (1000, "resources:600"), (500, None)]
    batches = [c.body["subscriptions"] for c in fake.calls if c.table == "maintenanceresources"]
    assert [b for batch in batches for b in batch] == list(SUBS)
    assert sorted(r["id"] for r in members(summary.path)["resources.jsonl.gz"]) == \
        sorted(r["id"] for r in rows)
    manifest = members(summary.path)["manifest.json"]
    assert manifest["scope"] == {"subscriptions": sorted(SUBS), "managementGroups": []}


def test_management_groups_are_sent_as_such(serve: Any, run: Run) -> None:
    groups = tuple(f"mg-{i:02d}" for i in range(12))
    fake = serve(tables(machines(3)))
    summary = run(fake, scope=Scope(management_groups=groups))
    scopes = [c.body["managementGroups"] for c in fake.calls if c.table == "resources"]
    assert scopes == [list(groups[:10]), list(groups[10:])]
    assert all("subscriptions" not in c.body for c in fake.calls)
    assert members(summary.path)["manifest.json"]["scope"] == {
        "subscriptions": [], "managementGroups": list(groups)}


def test_the_manifest_records_what_was_read_and_how(serve: Any, run: Run) -> None:
    fake = serve()
    both = (SUB, SUB.replace("1", "2"))  # the example estate's two subscriptions
    summary = run(fake, scope=Scope(subscriptions=both), include_patches=True)
    manifest = members(summary.path)["manifest.json"]
    assert manifest["capturedAt"].endswith("Z") and len(manifest["capturedAt"]) == 20
    del manifest["capturedAt"]
    hashes = {s.table: s.sha256 for s in sources(include_patches=True)}
    assert manifest == {
        "format": "aum-auditor-snapshot", "formatVersion": 1, "cloud": fake.base_url,
        "scope": {"subscriptions": list(both), "managementGroups": []},
        "tool": {"name": "aum-auditor", "version": "0.1.0"},
        "tables": {table: {"file": f"{table}.jsonl.gz", "rows": rows,
                           "querySha256": hashes[table]}
                   for table, rows in (("resources", 54), ("maintenanceresources", 25),
                                       ("patchassessmentresources", 44),
                                       ("patchinstallationresources", 63),
                                       ("patchassessmentresources-softwarepatches", 17),
                                       ("patchinstallationresources-softwarepatches", 8))}}
    snapshot = load_estate([summary.path])
    assert len(snapshot.machines) == 44


def test_a_table_format_answer_is_turned_into_objects(serve: Any, run: Run) -> None:
    row = machines(1)[0]
    table = {"columns": [{"name": key, "type": "string"} for key in row],
             "rows": [list(row.values())]}
    body = {"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": table}
    fake = serve(tables([]), script={1: Reply(200, body=body)})
    summary = run(fake)
    assert members(summary.path)["resources.jsonl.gz"] == [row]


def test_an_indented_answer_still_gives_one_row_per_line(serve: Any, run: Run) -> None:
    rows = machines(2)
    body = json.loads(json.dumps({"totalRecords": 2, "count": 2, "resultTruncated": "false",
                                  "data": rows}))
    fake = serve(tables([]), script={1: Reply(200, body=body, indent=2)})
    summary = run(fake)
    assert members(summary.path)["resources.jsonl.gz"] == rows


def test_each_query_is_its_kql_file_without_comments_and_hashed_as_sent() -> None:
    folder = Path(__file__).resolve().parents[2] / "auditor" / "collect" / "queries"
    chosen = sources(include_patches=True)
    assert sorted(s.table + ".kql" for s in chosen) == sorted(p.name for p in folder.iterdir())
    for source in chosen:
        lines = (folder / f"{source.table}.kql").read_text("utf-8").splitlines()
        sent = "\n".join(line.rstrip() for line in lines
                         if line.strip() and not line.lstrip().startswith("//"))
        assert source.query == sent
        assert source.sha256 == hashlib.sha256(sent.encode("utf-8")).hexdigest()
        assert sent.startswith(source.table.split("-")[0] + "\n")
        assert sent.endswith("\n| order by id asc")
    assert [s.table for s in sources()] == ["resources", "maintenanceresources",
                                           "patchassessmentresources",
                                           "patchinstallationresources"]


def test_a_tenant_past_10000_subscriptions_is_warned_about_once(serve: Any, run: Run) -> None:
    rows = machines(1)
    page = {"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": rows}
    limit = {"x-ms-tenant-subscription-limit-hit": "true"}
    fake = serve(tables(rows), script={1: Reply(200, limit, page), 2: Reply(200, limit, {
        "totalRecords": 0, "count": 0, "resultTruncated": "false", "data": []})})
    run(fake)
    warnings = [line for line in run.stderr.getvalue().splitlines()
                if line.startswith("warning: ")]
    assert warnings == ["warning: the scope covers more than 10,000 subscriptions and Resource "
                        "Graph read only the first 10,000; collect with --subscription lists "
                        "instead"]
