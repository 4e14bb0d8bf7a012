"""A large document read on two cores gives the snapshot one process gives: the same records
in the same order, the same warnings in the same order, the same first error."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from auditor.errors import UserError
from auditor.model import Snapshot
from auditor.snapshot import load_estate, parallel

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the child is forked on Linux")

ODD_ROWS: list[dict[str, Any]] = [  # each makes a warning, or takes the two-pass decode
    {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-odd/providers/"
           "Microsoft.Compute/virtualMachines/vm-odd/patchAssessmentResults/latest",
     "type": "microsoft.compute/virtualmachines/patchassessmentresults",
     "properties": {"status": "Canceled", "rebootPending": "True",
                    "lastModifiedDateTime": "not a time",
                    "availablePatchCountByClassification": {"critical": "2", "feature": 1}}},
    {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-odd/providers/"
           "Microsoft.HybridCompute/machines/arc-odd",
     "type": "microsoft.hybridcompute/machines", "name": "arc-odd",
     "properties": {"status": "Succeeded", "osType": "windows", "errorDetails": []}},
    {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-odd/providers/"
           "Microsoft.HybridCompute/machines/arc-odd",
     "type": "microsoft.hybridcompute/machines", "name": "arc-odd",
     "properties": {"status": "Connected", "osType": "Linux"}},
]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's generated estate (300 machines, about 2,200 rows), with odd rows
    spread through it so that both processes meet some."""
    folder = tmp_path_factory.mktemp("parallel")
    generated = folder / "generated.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_estate.py"), "300",
                    str(generated)], check=True, capture_output=True)
    document = msgspec.json.decode(generated.read_bytes())
    rows = document["data"]
    for position in (100, len(rows) // 2, len(rows) - 5, len(rows)):
        rows[position:position] = ODD_ROWS
    path = folder / "estate.json"
    path.write_bytes(msgspec.json.encode(document))
    return path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same estate as a snapshot bundle folder, odd rows and a blank line in every table."""
    folder = tmp_path_factory.mktemp("parallel-bundle") / "bundle"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_estate.py"), "300",
                    str(folder), "--format", "bundle"], check=True, capture_output=True)
    manifest = json.loads((folder / "manifest.json").read_text())
    for table in manifest["tables"].values():
        path = folder / table["file"]
        lines = gzip.decompress(path.read_bytes()).splitlines()
        middle = len(lines) // 2  # a blank line is skipped, but moves every index after it
        lines[middle:middle] = [b"", *(msgspec.json.encode(row) for row in ODD_ROWS)]
        path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
        table["rows"] = len(lines) - 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork for small documents, and send the child's records in several parts."""
    monkeypatch.setattr(parallel, "MIN_ROWS", 100)
    monkeypatch.setattr(parallel, "CHUNK", 150)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1})


def helpers_forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the helpers forked from now on (seen from this process)."""
    pids: list[int] = []
    fork = parallel.os.fork
    monkeypatch.setattr(parallel.os, "fork", lambda: pids.append(pid := fork()) or pid)
    return pids


def helper_fails_after(parts: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper runs out of memory after sending `parts` parts."""
    encode, sent = parallel._encode, []

    def failing(*args: Any) -> bytes:
        if len(sent) == parts:
            raise MemoryError
        sent.append(1)
        return encode(*args)
    monkeypatch.setattr(parallel, "_encode", failing)


def serial(path: Path) -> Snapshot:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS", 10**12)
        return load_estate([path])


def test_two_processes_make_the_snapshot_one_makes(estate: Path, two_cores: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    forks = helpers_forked(monkeypatch)
    together = load_estate([estate])
    alone = serial(estate)
    assert len(forks) == 1
    assert together == alone
    assert together.warnings == alone.warnings
    codes = {w.code for w in together.warnings}
    assert {"unexpected-value", "duplicate-row"} <= codes
    late = [w for w in together.warnings if w.row is not None and w.row > 1200]
    assert late, "the child's rows made warnings too"


def test_the_first_mistake_is_reported_whichever_process_meets_it(
        estate: Path, two_cores: None, tmp_path: Path) -> None:
    document = msgspec.json.decode(estate.read_bytes())
    rows = document["data"]
    rows[-3] = {"type": "microsoft.compute/virtualmachines"}  # no id: in the child's part
    late = tmp_path / "late.json"
    late.write_bytes(msgspec.json.encode(document))
    rows[10] = {"type": "microsoft.compute/virtualmachines"}  # also in this process's part
    early = tmp_path / "early.json"
    early.write_bytes(msgspec.json.encode(document))
    for path, row in ((late, len(rows) - 3), (early, 10)):
        with pytest.raises(UserError) as together:
            load_estate([path])
        with pytest.raises(UserError) as alone:
            serial(path)
        assert str(together.value) == str(alone.value)
        assert f"row {row}: id: the row has no id" in str(together.value)


def test_a_failing_child_leaves_its_rows_to_the_parent(estate: Path, two_cores: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for parts in (0, 2):  # at once, and after sending two parts
        helper_fails_after(parts, monkeypatch)
        assert load_estate([estate]) == serial(estate)


def test_one_pass_decoding_makes_the_records_two_passes_make(estate: Path) -> None:
    typed = serial(estate)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_ROWS", 10**12)
        raw = load_estate([estate], keep_raw=True)
    assert typed.machines == tuple(msgspec.structs.replace(m, raw=None) for m in raw.machines)
    assert typed.warnings == raw.warnings
    assert typed.installations == raw.installations
    assert typed.assessments == raw.assessments


def test_only_large_inputs_whose_rows_are_counted_are_split(estate: Path, two_cores: None) -> None:
    from auditor.snapshot.sources import inputs
    documents = list(next(inputs([estate])).documents)
    assert parallel.worthwhile(documents)
    parallel.MIN_ROWS = 10**6  # (restored by the fixture)
    assert not parallel.worthwhile(documents)
    parallel.MIN_ROWS = 100
    documents[0].count = None  # as a bundle whose manifest does not count its rows
    assert not parallel.worthwhile(documents)


def test_a_tar_bundle_is_read_by_one_process(bundle: Path, two_cores: None,
                                            tmp_path: Path) -> None:
    """Finding a member in a compressed tar means reading it from the start, in each
    process: not worth it."""
    from auditor.snapshot.sources import inputs
    packed = Path(shutil.make_archive(str(tmp_path / "bundle"), "gztar", bundle))
    assert not parallel.worthwhile(list(next(inputs([packed])).documents))
    assert load_estate([packed]) == serial(packed)


def test_without_a_process_to_spare_one_process_reads_everything(
        estate: Path, two_cores: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(parallel.os, "fork", refused)
    assert load_estate([estate]) == serial(estate)


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_a_bundle_read_by_two_processes_is_the_bundle_read_by_one(
        bundle: Path, packed: bool, two_cores: None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = bundle
    if packed:  # an archive: each process must read it through its own file handle
        path = Path(shutil.make_archive(str(tmp_path / "bundle"), "zip", bundle))
    forks = helpers_forked(monkeypatch)
    together = load_estate([path])
    assert len(forks) == 1
    alone = serial(path)
    assert together == alone
    assert together.warnings == alone.warnings
    assert {"unexpected-value", "duplicate-row"} <= {w.code for w in together.warnings}
    assert together.inputs[0].rows == alone.inputs[0].rows > 2000


def test_a_bundle_whose_helper_fails_is_read_here(bundle: Path, two_cores: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    helper_fails_after(2, monkeypatch)
    assert load_estate([bundle]) == serial(bundle)


def test_a_short_table_is_refused_whichever_process_reads_it(
        bundle: Path, two_cores: None, tmp_path: Path) -> None:
    short = tmp_path / "short"
    shutil.copytree(bundle, short)
    manifest = json.loads((short / "manifest.json").read_text())
    manifest["tables"]["resources"]["rows"] += 1  # the last table: the helper's
    (short / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError) as together:
        load_estate([short])
    with pytest.raises(UserError) as alone:
        serial(short)
    assert str(together.value) == str(alone.value)
    assert "the copy is incomplete" in str(together.value)


def test_an_interruption_leaves_no_helper_behind(estate: Path, two_cores: None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.snapshot.reader import RowReader
    parent, read, rows = os.getpid(), RowReader.read, []

    def interrupted(self: RowReader, *args: Any) -> Any:
        if os.getpid() == parent and len(rows) == 100:  # Ctrl-C, in this process only
            raise KeyboardInterrupt
        rows.append(1)
        return read(self, *args)
    monkeypatch.setattr(RowReader, "read", interrupted)
    helpers = helpers_forked(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        load_estate([estate])
    assert len(helpers) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(helpers[0], os.WNOHANG)  # the helper was stopped and reaped
