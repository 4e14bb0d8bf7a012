"""`auditor inspect`, run as a user runs it: a separate process, its exit code and its output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import example_estate
from auditor.errors import UserError
from auditor.snapshot import load_estate

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "exports" / "bad"
EXPORTS = BAD.parent
HEADER = ("name,subscription,resourceGroup,kind,os,orchestrationMode,assessmentMode,schedules,"
          "lastAssessment,assessmentStatus,failedRuns30d")
SUB2 = "00000000-0000-0000-0000-000000000002"


def auditor(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed package from a neutral folder (never the checkout)."""
    return subprocess.run([sys.executable, "-m", "auditor", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          check=False)


def by_name(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in rows}


def test_inspect_csv(tmp_path: Path) -> None:
    done = auditor("inspect", "--example", "--format", "csv", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 44
    machines = by_name(rows)
    assert machines["vm-dev-lnx-06"] == {
        "name": "vm-dev-lnx-06", "subscription": SUB2, "resourceGroup": "rg-dev-apps",
        "kind": "azureVm", "os": "Linux", "orchestrationMode": "Not valid for this OS",
        "assessmentMode": "ImageDefault", "schedules": "-",
        "lastAssessment": "2026-11-15T12:03:16Z", "assessmentStatus": "CompletedWithWarnings",
        "failedRuns30d": "0"}
    assert machines["vm-ci-test-02"] == {
        "name": "vm-ci-test-02", "subscription": SUB2, "resourceGroup": "rg-test-linux",
        "kind": "azureVm", "os": "Linux", "orchestrationMode": "Image Default",
        "assessmentMode": "ImageDefault", "schedules": "-", "lastAssessment": "never",
        "assessmentStatus": "-", "failedRuns30d": "0"}
    # No patchSettings at all: the documented defaults, marked as such.
    assert (machines["vm-dev-win-04"]["orchestrationMode"],
            machines["vm-dev-win-04"]["assessmentMode"]) == (
        "Windows Automatic Updates (default)", "ImageDefault (default)")
    assert machines["vm-web-prd-04"]["schedules"] == "mc-retired-weekly (missing)"
    assert machines["vm-web-prd-02"]["schedules"] == "mc-wave1-monthly (dynamic)"
    assert machines["vm-dev-lnx-01"]["schedules"] == \
        "mc-dev-daily-linux, mc-dev-daily-linux (dynamic)"
    assert machines["vm-sql-prd-01"]["resourceGroup"] == "RG-DATA-PRD"
    assert machines["arc-sql-onprem-02"]["kind"] == "arcMachine"
    assert machines["vm-app-prd-01"]["failedRuns30d"] == "1"
    assert machines["vm-jump-prd-02"]["failedRuns30d"] == "0"  # failed exactly 45 days ago


def test_inspect_json(tmp_path: Path) -> None:
    done = auditor("inspect", "--example", "--format", "json", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    report = json.loads(done.stdout)
    assert (report["asOf"], report["asOfSource"]) == ("2026-11-16T06:00:00Z", "snapshot")
    assert len(report["machines"]) == 44
    assert by_name(report["machines"])["vm-dev-lnx-06"]["orchestrationMode"] == \
        "Not valid for this OS"
    assert by_name(report["machines"])["vm-ci-test-02"]["lastAssessment"] == "never"
    loaded = report["loaded"]
    assert [(i["path"], i["format"], i["rows"]) for i in loaded["inputs"]] == [
        (str(example_estate()), "snapshot bundle", 243)]
    assert {key: loaded[key] for key in ("machines", "scaleSetsOutOfScope",
                                         "maintenanceConfigurations", "assignments")} == {
        "machines": 44, "scaleSetsOutOfScope": 1, "maintenanceConfigurations": 9,
        "assignments": 25}
    assert loaded["orphans"] == {
        "assessments": 1, "installations": 0, "patches": 0, "assignments_missing_machine": 1,
        "assignments_missing_configuration": 1}
    assert loaded["warnings"] == {"unparsed-window": 1}
    assert loaded["rowsByType"] == {
        "microsoft.compute/virtualmachines": 35,
        "microsoft.compute/virtualmachines/patchassessmentresults": 35,
        "microsoft.compute/virtualmachines/patchassessmentresults/softwarepatches": 17,
        "microsoft.compute/virtualmachines/patchinstallationresults": 48,
        "microsoft.compute/virtualmachines/patchinstallationresults/softwarepatches": 8,
        "microsoft.compute/virtualmachinescalesets": 1,
        "microsoft.hybridcompute/machines": 9,
        "microsoft.hybridcompute/machines/patchassessmentresults": 9,
        "microsoft.hybridcompute/machines/patchinstallationresults": 15,
        "microsoft.maintenance/applyupdates": 32,
        "microsoft.maintenance/configurationassignments": 25,
        "microsoft.maintenance/maintenanceconfigurations": 9,
    }


def test_inspect_table_summary(tmp_path: Path) -> None:
    done = auditor("inspect", "--example", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[0].split() == HEADER.split(",")
    summary = lines[lines.index("") + 1:]
    assert summary[:3] == [
        "as of 2026-11-16T06:00:00Z (the snapshot's capture time)",
        f"read {example_estate()}: 243 rows (snapshot bundle)",
        "44 machines, 9 maintenance configurations, 25 assignments"]
    assert summary[-3:] == [
        "1 scale sets are out of scope and were not judged",
        ("orphans kept but not linked: 1 assessments of machines not in the snapshot, "
         "1 assignments to machines not in the snapshot, 1 assignments to configurations not in "
         "the snapshot"),
        (f"warning: {example_estate() / 'resources.jsonl'}: row 53: properties.maintenanceWindow: "
         "recurEvery 'Fortnightly' does not parse: expected [n]Hour(s), [n]Day(s), [n]Week(s) or "
         "[n]Month(s) first")]


def test_inspect_several_inputs(tmp_path: Path) -> None:
    done = auditor("inspect", EXPORTS / "bundle", EXPORTS / "az-graph-query.json", "--format",
                   "csv", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert [row["name"] for row in csv.DictReader(io.StringIO(done.stdout))] == [
        "arc-db-01", "vm-bnd-01", "vm-bnd-02", "vm-web-01"]


@pytest.mark.parametrize("name", [*sorted(p.name for p in BAD.iterdir()), "missing.json"])
def test_inspect_bad_input(tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError) as caught:
        load_estate([BAD / name])
    done = auditor("inspect", BAD / name, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"{caught.value}\n"
    assert "Traceback" not in done.stderr


def test_inspect_bad_input_word_for_word(tmp_path: Path) -> None:
    path = BAD / "wrong-type-patch-mode.json"
    done = auditor("inspect", path, "--format", "json", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"{path}: row 0: properties.osProfile.windowsConfiguration.patchSettings.patchMode: "
        "expected a string, got a number\n")


def test_inspect_without_inputs(tmp_path: Path) -> None:
    done = auditor("inspect", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "give at least one export, bundle or directory (or --example)\n"


def test_inspect_csv_cannot_smuggle_a_formula(tmp_path: Path) -> None:
    """A machine named like a spreadsheet formula stays text in `inspect --format csv`."""
    row = {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
                 "Microsoft.Compute/virtualMachines/=HYPERLINK(1)",
           "name": "=HYPERLINK(\"http://x\")", "type": "microsoft.compute/virtualmachines",
           "properties": {"storageProfile": {"osDisk": {"osType": "Linux"}}}}
    export = tmp_path / "export.json"
    export.write_text(json.dumps([row]), "utf-8")
    result = subprocess.run([sys.executable, "-m", "auditor", "inspect", str(export), "--format",
                             "csv"], capture_output=True, text=True, check=True)
    machine = next(csv.DictReader(io.StringIO(result.stdout)))
    assert machine["name"] == "'=HYPERLINK(\"http://x\")"
