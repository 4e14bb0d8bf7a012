"""`auditor collect` and `auditor audit --collect` end to end, against the fake over HTTPS.

The fake serves the bundled example estate; what is collected must be judged exactly as the
example itself is.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from collect_support import SUB, cli_environment, fake_az
from fakegraph import Pki

from auditor.collect.paging import Page
from auditor.collect.progress import Progress

AS_OF = "2026-11-16T06:00:00Z"
BOTH = f"{SUB},{SUB.replace('1', '2')}"  # the example estate's two subscriptions
JUDGED = ("findings", "machines", "rules", "summary", "scope")


def auditor(tmp_path: Path, pki: Pki, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=tmp_path,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, **cli_environment(pki, fake_az(tmp_path / "bin"))})


def judged(directory: Path) -> dict[str, Any]:
    results = json.loads((directory / "results.json").read_text("utf-8"))
    return {key: results[key] for key in JUDGED}


def test_a_collected_snapshot_is_judged_as_the_estate_it_came_from(
        serve: Any, pki: Pki, tmp_path: Path) -> None:
    fake = serve(page_size=10)  # several pages per table
    collected = auditor(tmp_path, pki, "collect", "--auth", "cli", "--endpoint", fake.base_url,
                        "--subscription", BOTH, "--include-patches")
    assert collected.returncode == 0, collected.stderr
    assert collected.stdout.startswith("wrote snapshot.zip: 211 rows (resources 54, ")
    audit = auditor(tmp_path, pki, "audit", "snapshot.zip", "--as-of", AS_OF,
                    "--output-dir", "collected")
    example = auditor(tmp_path, pki, "audit", "--example", "--as-of", AS_OF,
                      "--output-dir", "example")
    assert (audit.returncode, example.returncode) == (1, 1)
    assert judged(tmp_path / "collected") == judged(tmp_path / "example")
    assert audit.stdout.splitlines()[:2] == example.stdout.splitlines()[:2]


def test_audit_collect_collects_then_judges_in_one_go(
        serve: Any, pki: Pki, tmp_path: Path) -> None:
    fake = serve()
    done = auditor(tmp_path, pki, "audit", "--collect", "--auth", "cli", "--endpoint",
                   fake.base_url, "--subscription", BOTH, "--include-patches",
                   "--as-of", AS_OF, "--output-dir", "weekly")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("wrote weekly/snapshot.zip: 211 rows ")
    assert lines[1] == "NOT COMPLIANT: 12 of 44 machines judged comply; as of " \
                       "2026-11-16T06:00:00Z (flag)"
    assert sorted(p.name for p in (tmp_path / "weekly").iterdir()) == \
        ["results.json", "snapshot.zip"]
    inputs = json.loads((tmp_path / "weekly" / "results.json").read_text("utf-8"))["inputs"]
    assert [Path(i["path"]).name for i in inputs] == ["snapshot.zip"]


def test_a_folder_output_replaces_the_previous_snapshot_folder(
        serve: Any, pki: Pki, tmp_path: Path) -> None:
    fake = serve()
    for subscription in (SUB, BOTH):
        done = auditor(tmp_path, pki, "collect", "--auth", "cli", "--endpoint",
                       fake.base_url, "--subscription", subscription, "--output", "weekly")
        assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "weekly" / "manifest.json").read_text("utf-8"))
    assert manifest["scope"]["subscriptions"] == BOTH.split(",")
    assert sorted(p.name for p in (tmp_path / "weekly").iterdir()) == [
        "maintenanceresources.jsonl.gz", "manifest.json", "patchassessmentresources.jsonl.gz",
        "patchinstallationresources.jsonl.gz", "resources.jsonl.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "weekly"]


@pytest.mark.parametrize(("args", "message"), [
    (["--subscription", "prod"], "--subscription expects a subscription id such as "
     "00000000-0000-0000-0000-000000000000, got 'prod'"),
    (["--subscription", SUB, "--management-group", "mg-platform"],
     "give --subscription or --management-group, not both: Resource Graph reads one kind of "
     "scope per query"),
    (["--output", "snapshot.tar.gz"], "snapshot.tar.gz: collect writes a .zip archive or a "
     "folder; give a name ending in .zip, or one without an archive suffix for a folder"),
    (["--endpoint", "http://127.0.0.1:1"], "--endpoint must be an https:// URL, got "
     "'http://127.0.0.1:1'"),
    (["--scope", "https://management.azure.com/"], "--scope should end in /.default, got "
     "'https://management.azure.com/'"),
])
def test_bad_flags_are_refused_before_any_request(
        pki: Pki, tmp_path: Path, args: list[str], message: str) -> None:
    loopback = [] if "--endpoint" in args else ["--endpoint", "https://127.0.0.1:9"]
    done = auditor(tmp_path, pki, "collect", "--auth", "cli", *loopback, *args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", message + "\n")
    assert not (tmp_path / "bin" / "az.log").exists()


def test_a_folder_that_is_not_a_bundle_is_left_alone(pki: Pki, tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "q3.txt").write_text("keep me", "utf-8")
    done = auditor(tmp_path, pki, "collect", "--auth", "cli", "--endpoint",
                   "https://127.0.0.1:9", "--output", "reports")
    assert (done.returncode, done.stderr) == (2, "reports: the folder is not a snapshot bundle "
                                              "and is not empty, so it is left alone; give "
                                              "another --output\n")
    assert (tmp_path / "reports" / "q3.txt").read_text("utf-8") == "keep me"


def test_collection_flags_without_collect_are_refused(pki: Pki, tmp_path: Path) -> None:
    done = auditor(tmp_path, pki, "audit", "--example", "--subscription", SUB, "--cloud",
                   "AzureUSGovernment")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "--subscription, --cloud are collection flags; add --collect to collect first\n")


def test_progress_is_live_on_a_terminal_and_quiet_otherwise() -> None:
    pages = [Page("resources", n, [b"{}"] * rows, f"resources, page {n}")
             for n, rows in ((1, 1000), (2, 500))]
    terminal, ci, verbose = io.StringIO(), io.StringIO(), io.StringIO()
    for stream, live, chatty in ((terminal, True, False), (ci, False, False),
                                 (verbose, False, True)):
        progress = Progress(stream, live=live, verbose=chatty)
        progress.page(pages[0])
        progress.wait(2.0, "the Resource Graph quota is used up until it resets")
        progress.request("resources, page 2: HTTP 200 in 0.10 s, 1,234 bytes")
        progress.page(pages[1])
        progress.done("resources")
    assert terminal.getvalue() == (
        "\r\x1b[Kresources: 1,000 rows, 1 page\r\x1b[Kwaiting 2.0 s: the Resource Graph quota "
        "is used up until it resets\n\r\x1b[Kresources: 1,500 rows, 2 pages\r\x1b[K"
        "resources: 1,500 rows, 2 pages\n")
    assert ci.getvalue() == ""
    assert verbose.getvalue() == (
        "waiting 2.0 s: the Resource Graph quota is used up until it resets\n"
        "resources, page 2: HTTP 200 in 0.10 s, 1,234 bytes\n")
