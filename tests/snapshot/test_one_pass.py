"""Rows decode with their properties in one pass unless rules read raw properties; both ways
must give the same records, the same warnings and the same errors, on every export we keep."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from auditor.errors import UserError
from auditor.model import Snapshot
from auditor.snapshot import load_estate
from auditor.snapshot.ids import machine_key

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPORTS = sorted([*(FIXTURES / "exports").glob("*.json*"), *(FIXTURES / "exports").glob("bad/*"),
                  *(FIXTURES / "reference").glob("*.json")])


def without_raw(snapshot: Snapshot) -> Snapshot:
    return Snapshot(**{
        **{name: getattr(snapshot, name) for name in snapshot.__dataclass_fields__},
        "machines": tuple(msgspec.structs.replace(m, raw=None) for m in snapshot.machines),
        "configurations": {key: msgspec.structs.replace(c, raw=None)
                           for key, c in snapshot.configurations.items()}})


def load(path: Path, keep_raw: bool) -> Snapshot | str:
    try:
        return load_estate([path], keep_raw=keep_raw)
    except UserError as error:
        return str(error)


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_one_pass_and_two_passes_agree(path: Path) -> None:
    one, two = load(path, keep_raw=False), load(path, keep_raw=True)
    if isinstance(one, str) or isinstance(two, str):
        assert one == two
    else:
        assert one == without_raw(two)
        assert one.warnings == two.warnings


def test_a_status_of_another_kind_is_flagged_as_in_two_passes(tmp_path: Path) -> None:
    """The merged properties accept any status text; each kind checks its own values."""
    run = {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/"
                 "vm/patchInstallationResults/r1",
           "type": "microsoft.compute/virtualmachines/patchinstallationresults",
           "properties": {"status": "Connected", "installedPatchCount": 2}}
    path = tmp_path / "run.json"
    path.write_bytes(msgspec.json.encode([run]))
    one, two = load_estate([path]), load_estate([path], keep_raw=True)
    assert one.orphans.installations == two.orphans.installations
    assert [(w.code, w.field) for w in one.warnings] == [("unexpected-value", "properties.status")]
    assert one.warnings == two.warnings


@pytest.mark.parametrize(("row_id", "expected"), [
    (".../virtualMachines/VM1/patchAssessmentResults/latest", ".../virtualmachines/vm1"),
    (".../virtualMachines/vm1/patchInstallationResults/R1/softwarePatches/p",
     ".../virtualmachines/vm1"),
    # a machine named like a result segment keeps its whole id
    (".../virtualMachines/patchinstallationresults-db/patchInstallationResults/r1",
     ".../virtualmachines/patchinstallationresults-db"),
    (".../virtualMachines/patchassessmentresults/patchAssessmentResults/latest",
     ".../virtualmachines/patchassessmentresults"),
    (".../virtualMachines/vm1", ".../virtualmachines/vm1"),
])
def test_machine_key_is_the_id_before_the_last_result_segment(row_id: str, expected: str) -> None:
    assert machine_key(row_id) == expected
