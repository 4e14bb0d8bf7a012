"""The bundle writer: complete bundles only, at the target, in one rename; nothing else touched."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from auditor.collect.bundle import BundleWriter
from auditor.collect.errors import CollectError
from auditor.snapshot import load_estate

ROW = (b'{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-a/'
       b'providers/Microsoft.Compute/virtualMachines/vm-01","type":'
       b'"microsoft.compute/virtualmachines","name":"vm-01","properties":{"storageProfile":'
       b'{"osDisk":{"osType":"Linux"}}}}')
MANIFEST = {"capturedAt": "2026-11-16T06:00:00Z", "cloud": "AzureCloud",
            "scope": {"subscriptions": [], "managementGroups": []},
            "tool": {"name": "aum-auditor", "version": "0.1.0"}}


def write(target: Path, rows: int = 3) -> Path:
    with BundleWriter(target) as writer:
        writer.start("resources", "0" * 64)
        writer.write([ROW] * rows)
        writer.write([])
        writer.start("maintenanceresources", "1" * 64)
        return writer.commit(dict(MANIFEST))


@pytest.mark.parametrize("name", ["snapshot.zip", "SNAPSHOT.ZIP", "snapshot"])
def test_a_committed_bundle_loads(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "out" / name)
    assert path == tmp_path / "out" / name
    assert path.is_file() == name.lower().endswith(".zip")
    snapshot = load_estate([path])
    assert len(snapshot.machines) == 1
    assert [p.name for p in (tmp_path / "out").iterdir()] == [name]


def test_the_zip_holds_gzip_members_stored_and_the_manifest(tmp_path: Path) -> None:
    with zipfile.ZipFile(write(tmp_path / "s.zip", rows=2)) as archive:
        infos = {i.filename: i.compress_type for i in archive.infolist()}
        assert infos == {"manifest.json": zipfile.ZIP_DEFLATED,
                         "resources.jsonl.gz": zipfile.ZIP_STORED,
                         "maintenanceresources.jsonl.gz": zipfile.ZIP_STORED}
        assert gzip.decompress(archive.read("resources.jsonl.gz")) == ROW + b"\n" + ROW + b"\n"
        assert gzip.decompress(archive.read("maintenanceresources.jsonl.gz")) == b""
        assert json.loads(archive.read("manifest.json"))["tables"] == {
            "resources": {"file": "resources.jsonl.gz", "rows": 2, "querySha256": "0" * 64},
            "maintenanceresources": {"file": "maintenanceresources.jsonl.gz", "rows": 0,
                                     "querySha256": "1" * 64}}


def test_a_failure_before_commit_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "snapshot.zip"
    target.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt), BundleWriter(target) as writer:
        writer.start("resources", "0" * 64)
        writer.write([ROW])
        raise KeyboardInterrupt
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["snapshot.zip"]


def test_folders_made_for_the_target_are_removed_when_it_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), BundleWriter(tmp_path / "a" / "b" / "s.zip"):
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_a_zip_name_on_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s.zip").mkdir()
    with pytest.raises(CollectError) as raised:
        BundleWriter(tmp_path / "s.zip")
    assert str(raised.value) == f"{tmp_path / 's.zip'}: this is a folder; give another .zip name"


def test_a_file_in_the_way_of_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "weekly").write_text("notes", "utf-8")
    with pytest.raises(CollectError) as raised:
        BundleWriter(tmp_path / "weekly")
    assert str(raised.value) == (f"{tmp_path / 'weekly'}: a file is in the way of the snapshot "
                                 "folder; give another --output")


def test_a_disk_error_while_compressing_is_reported_and_cleaned_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: object, rows: list[bytes]) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("auditor.collect.bundle._Member.write", full)
    target = tmp_path / "snapshot.zip"
    with pytest.raises(CollectError) as raised, BundleWriter(target) as writer:
        writer.start("resources", "0" * 64)
        writer.write([ROW])
        writer.commit(dict(MANIFEST))
    assert str(raised.value) == f"{target}: the snapshot cannot be written (No space left on " \
                                "device)"
    assert list(tmp_path.iterdir()) == []
