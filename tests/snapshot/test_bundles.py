"""Snapshot bundles (docs/snapshot-bundle.md): folder, zip, tar.gz; and inputs given together."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import UserError
from auditor.model import CoverageKind, Snapshot
from auditor.snapshot import load_estate

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
BUNDLE = EXPORTS / "bundle"
SUB = "00000000-0000-0000-0000-000000000001"
GROUP = f"/subscriptions/{SUB}/resourcegroups/rg-bundle/providers"
VM_BND_01 = f"{GROUP}/microsoft.compute/virtualmachines/vm-bnd-01"
VM_BND_02 = f"{GROUP}/microsoft.compute/virtualmachines/vm-bnd-02"
MC_WEEKLY = f"{GROUP}/microsoft.maintenance/maintenanceconfigurations/mc-bundle-weekly"
MEMBERS = ["manifest.json", "resources.jsonl", "maintenanceresources.jsonl",
           "patchassessmentresources.jsonl.gz", "patchinstallationresources.jsonl"]
ROW_COUNTS = {
    "microsoft.compute/virtualmachines": 2,
    "microsoft.compute/virtualmachines/patchassessmentresults": 2,
    "microsoft.compute/virtualmachines/patchassessmentresults/softwarepatches": 1,
    "microsoft.compute/virtualmachines/patchinstallationresults": 1,
    "microsoft.compute/virtualmachinescalesets": 1,
    "microsoft.maintenance/applyupdates": 1,
    "microsoft.maintenance/configurationassignments": 1,
    "microsoft.maintenance/maintenanceconfigurations": 1,
}


def summary(snapshot: Snapshot) -> dict[str, Any]:
    """What a bundle loads into, without the file names (which differ by container)."""
    return {
        "machines": [(m.name, m.os_type, m.patch.orchestration_mode) for m in snapshot.machines],
        "configurations": sorted(snapshot.configurations),
        "assignments": [(a.name, a.resource_key, a.configuration_key)
                        for a in snapshot.assignments],
        "coverage": {k: [(c.configuration_key, c.how) for c in v]
                     for k, v in snapshot.coverage.items()},
        "assessments": {k: (a.status, a.last_modified_date_time)
                        for k, a in snapshot.assessments.items()},
        "patches": {k: [(p.patch_name, p.classifications) for p in v]
                    for k, v in snapshot.assessment_patches.items()},
        "installations": {k: [r.name for r in v] for k, v in snapshot.installations.items()},
        "scale_sets": snapshot.scale_sets,
        "row_counts": snapshot.row_counts,
        "captured_at": snapshot.captured_at,
        "scope": snapshot.scope,
        "orphans": snapshot.orphans.total(),
        "warnings": [(w.code, w.message) for w in snapshot.warnings],
    }


EXPECTED = {
    "machines": [("vm-bnd-01", "Windows", "Customer Managed Schedules"),
                 ("vm-bnd-02", "Linux", "Image Default")],
    "configurations": [MC_WEEKLY],
    "assignments": [("assign-bnd-01", VM_BND_01, MC_WEEKLY)],
    "coverage": {VM_BND_01: [(MC_WEEKLY, CoverageKind.STATIC)]},
    "assessments": {VM_BND_01: ("Succeeded", datetime(2026, 11, 16, 2, 0, tzinfo=UTC)),
                    VM_BND_02: ("Succeeded", datetime(2026, 11, 16, 2, 30, tzinfo=UTC))},
    "patches": {VM_BND_01: [("2026-11 Cumulative Update", ("Security",))]},
    "installations": {VM_BND_01: ["00000000-0000-0000-0000-000000000035"]},
    "scale_sets": ((f"/subscriptions/{SUB}/resourceGroups/rg-bundle/providers/"
                   "Microsoft.Compute/virtualMachineScaleSets/vmss-bnd"),),
    "row_counts": ROW_COUNTS,
    "captured_at": datetime(2026, 11, 16, 6, 0, tzinfo=UTC),
    "scope": {"managementGroups": [], "subscriptions": [SUB]},
    "orphans": 0,
    "warnings": [],
}


def test_bundle_folder() -> None:
    snapshot = load_estate([BUNDLE])
    assert summary(snapshot) == EXPECTED
    (source,) = snapshot.inputs
    assert (source.path, source.format, source.rows) == (str(BUNDLE), "snapshot bundle", 10)
    assert source.sha256 == hashlib.sha256((BUNDLE / "manifest.json").read_bytes()).hexdigest()
    # Rows remember the member they came from and their line in it.
    (machine, _) = snapshot.machines
    assert (machine.source.file, machine.source.row) == (str(BUNDLE / "resources.jsonl"), 0)
    assessment = snapshot.assessments[VM_BND_02]
    assert (assessment.source.file, assessment.source.row) == (
        str(BUNDLE / "patchassessmentresources.jsonl.gz"), 2)


def test_bundle_by_its_manifest() -> None:
    assert summary(load_estate([BUNDLE / "manifest.json"])) == EXPECTED


@pytest.mark.parametrize("name", ["bundle.zip", "bundle.tar.gz"])
def test_bundle_archives(name: str) -> None:
    snapshot = load_estate([EXPORTS / name])
    assert summary(snapshot) == EXPECTED
    (source,) = snapshot.inputs
    assert (source.path, source.format, source.rows) == (
        str(EXPORTS / name), "snapshot bundle", 10)
    assert source.sha256 == hashlib.sha256((EXPORTS / name).read_bytes()).hexdigest()


def test_the_archives_hold_the_bundle_folder() -> None:
    """The binary fixtures are the folder, packed: zip flat, tar.gz under `snapshot/`."""
    with zipfile.ZipFile(EXPORTS / "bundle.zip") as archive:
        assert archive.namelist() == MEMBERS
        for member in MEMBERS:
            assert archive.read(member) == (BUNDLE / member).read_bytes(), member
    with tarfile.open(EXPORTS / "bundle.tar.gz") as archive:
        assert archive.getnames() == ["snapshot"] + [f"snapshot/{m}" for m in MEMBERS]
        for member in MEMBERS:
            stream = archive.extractfile(f"snapshot/{member}")
            assert stream is not None
            assert stream.read() == (BUNDLE / member).read_bytes(), member


def copy_bundle(tmp_path: Path, **manifest_changes: Any) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(BUNDLE, target)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(manifest_changes)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return target


def test_a_manifest_row_count_that_disagrees_is_an_error(tmp_path: Path) -> None:
    tables = json.loads((BUNDLE / "manifest.json").read_text(encoding="utf-8"))["tables"]
    tables["resources"]["rows"] = 5
    bundle = copy_bundle(tmp_path, tables=tables)
    with pytest.raises(UserError) as caught:
        load_estate([bundle])
    assert str(caught.value) == (
        f"{bundle}/resources.jsonl: the manifest promises 5 rows but the file holds 4; "
        "the copy is incomplete")


def test_blank_lines_are_not_counted_as_rows(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    member = bundle / "patchinstallationresources.jsonl"
    member.write_bytes(member.read_bytes() + b"\n")
    assert summary(load_estate([bundle])) == EXPECTED


def test_an_unknown_format_version_is_an_error(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path, formatVersion=2)
    with pytest.raises(UserError) as caught:
        load_estate([bundle])
    assert str(caught.value) == (
        f"{bundle}/manifest.json: formatVersion: version 2 is not supported; this version of "
        "aum-auditor reads format version 1 only (a newer aum-auditor may read it)")


def test_a_manifest_of_another_format_is_an_error(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path, format="something-else")
    with pytest.raises(UserError) as caught:
        load_estate([bundle])
    assert str(caught.value) == f'{bundle}/manifest.json: format: format must be ' \
        '"aum-auditor-snapshot"'


def test_a_member_the_manifest_lists_must_exist(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    (bundle / "maintenanceresources.jsonl").unlink()
    with pytest.raises(UserError) as caught:
        load_estate([bundle])
    assert str(caught.value) == (
        f"{bundle}/manifest.json: the manifest lists maintenanceresources.jsonl, which is missing")


def test_an_archive_without_manifest_is_not_a_bundle(tmp_path: Path) -> None:
    path = tmp_path / "exports.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("resources.jsonl", (BUNDLE / "resources.jsonl").read_bytes())
    with pytest.raises(UserError) as caught:
        load_estate([path])
    assert str(caught.value) == (
        f"{path}: the archive has no manifest.json, so it is not a snapshot bundle")


def test_a_damaged_bundle_member(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    member = bundle / "patchassessmentresources.jsonl.gz"
    member.write_bytes(member.read_bytes()[:40])
    with pytest.raises(UserError) as caught:
        load_estate([bundle])
    assert str(caught.value) == (
        f"{member}: the file is damaged after 0 rows (Compressed file ended before the "
        "end-of-stream marker was reached)")


# ----- inputs given together ------------------------------------------------------------------

def test_a_bundle_a_file_and_a_directory_together() -> None:
    mixed = EXPORTS / "mixed"
    snapshot = load_estate([BUNDLE, mixed / "az-graph-installations.json", mixed / "dir"])
    assert [(Path(i.path).name, i.format, i.rows) for i in snapshot.inputs] == [
        ("bundle", "snapshot bundle", 10),
        ("az-graph-installations.json", "az graph query output", 1),
        ("assignments.jsonl", "JSON Lines", 1),
        ("resources-export.json", "JSON array of rows", 2),
    ]
    assert [m.name for m in snapshot.machines] == ["vm-bnd-01", "vm-bnd-02", "vm-mix-01"]
    mix = snapshot.machines[2]
    # The assessment row sat in a file of resources: its type, not the file, decides.
    assert snapshot.assessments[mix.key].source.file == str(mixed / "dir" / "resources-export.json")
    # A run exported on its own links to a machine from the bundle.
    assert [r.name for r in snapshot.installations[VM_BND_02]] == [
        "00000000-0000-0000-0000-000000000041"]
    # An assignment in the directory links a machine of the directory to the bundle's schedule.
    assert [(c.configuration_key, c.how) for c in snapshot.coverage[mix.key]] == [
        (MC_WEEKLY, CoverageKind.STATIC)]
    assert snapshot.captured_at == datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
    assert snapshot.row_counts["microsoft.compute/virtualmachines"] == 3
    assert snapshot.row_counts["microsoft.compute/virtualmachines/patchinstallationresults"] == 2
    assert snapshot.orphans.total() == 0


def test_rows_are_classified_by_type_not_by_file(tmp_path: Path) -> None:
    """A bundle member named for one table may hold rows of any table."""
    tables = json.loads((BUNDLE / "manifest.json").read_text(encoding="utf-8"))["tables"]
    tables["resources"]["rows"] = 7
    tables["patchassessmentresources"]["rows"] = 0
    bundle = copy_bundle(tmp_path, tables=tables)
    member = bundle / "patchassessmentresources.jsonl.gz"
    with (bundle / "resources.jsonl").open("ab") as stream:
        stream.write(gzip.decompress(member.read_bytes()))
    member.write_bytes(gzip.compress(b""))
    assert summary(load_estate([bundle])) == EXPECTED
