"""Rows link to their machine by id, whatever its casing; the rest are kept as orphans."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from auditor.model import CoverageKind, Snapshot
from auditor.snapshot import load_estate, load_rows
from auditor.snapshot.ids import machine_key, type_from_id

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SUB = "00000000-0000-0000-0000-000000000001"
VM1 = f"/subscriptions/{SUB}/resourceGroups/RG-Web/providers/Microsoft.Compute/virtualMachines/VM1"
VM1_KEY = VM1.lower()
GONE = f"/subscriptions/{SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/" \
    "vm-gone"
MC_WEB = f"/subscriptions/{SUB}/resourceGroups/RG-Web/providers/Microsoft.Maintenance/" \
    "maintenanceConfigurations/mc-Web-Weekly"


def guid(number: int) -> str:
    return f"00000000-0000-0000-0000-{number:012d}"


def linking() -> Snapshot:
    return load_estate([EXPORTS / "linking.json"])


def test_patch_rows_in_lowercase_link_to_the_machine_in_arm_casing() -> None:
    snapshot = linking()
    (machine,) = snapshot.machines
    assert (machine.id, machine.key) == (VM1, VM1_KEY)
    assert snapshot.assessments[VM1_KEY].id == (
        f"/subscriptions/{SUB}/resourcegroups/rg-web/providers/microsoft.compute/"
        "virtualmachines/vm1/patchAssessmentResults/latest")
    assert [p.patch_name for p in snapshot.assessment_patches[VM1_KEY]] == [
        "Security Intelligence Update"]
    assert len(snapshot.installations[VM1_KEY]) == 4


def test_the_latest_assessment_is_chosen_by_last_modified_time() -> None:
    """The older row comes second in the file; it does not replace the newer one."""
    assessment = linking().assessments[VM1_KEY]
    assert (assessment.status, assessment.last_modified_date_time) == (
        "Succeeded", datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
    assert assessment.source.row == 2


def test_the_latest_assessment_wins_in_either_order() -> None:
    rows = [
        {"id": VM1, "type": "microsoft.compute/virtualmachines", "properties": {}},
        {"id": f"{VM1_KEY}/patchAssessmentResults/latest",
         "properties": {"status": "Failed", "lastModifiedDateTime": "2026-11-15T02:00:00Z"}},
        {"id": f"{VM1}/patchAssessmentResults/latest",
         "properties": {"status": "Succeeded", "lastModifiedDateTime": "2026-11-16T02:00:00Z"}},
    ]
    assert load_rows(rows).assessments[VM1_KEY].status == "Succeeded"
    reordered = [rows[0], rows[2], rows[1]]
    assert load_rows(reordered).assessments[VM1_KEY].status == "Succeeded"


def test_installation_runs_are_ordered_newest_first() -> None:
    runs = linking().installations[VM1_KEY]
    assert [(run.name, run.start_date_time) for run in runs] == [
        (guid(63), datetime(2026, 11, 15, 3, 0, tzinfo=UTC)),
        (guid(62), datetime(2026, 11, 8, 1, 0, tzinfo=UTC)),  # 03:00+02:00
        (guid(61), datetime(2026, 11, 1, 3, 0, tzinfo=UTC)),
        (guid(60), None),  # never started: last
    ]
    assert [run.machine_key for run in runs] == [VM1_KEY] * 4


def test_per_patch_installation_rows_link_to_their_run() -> None:
    snapshot = linking()
    run_key = f"{VM1_KEY}/patchinstallationresults/{guid(63)}"
    (patch,) = snapshot.installation_patches[run_key]
    assert (patch.patch_name, patch.machine_key, patch.run_key, patch.installation_state) == (
        "2026-11 Cumulative Update", VM1_KEY, run_key, "Failed")


def test_a_static_assignment_links_whatever_the_casing() -> None:
    snapshot = linking()
    assert snapshot.configurations[MC_WEB.lower()].name == "mc-Web-Weekly"
    assert [(c.configuration_key, c.assignment_key, c.how) for c in snapshot.coverage[VM1_KEY]] == [
        ((f"/subscriptions/{SUB}/resourcegroups/rg-web/providers/microsoft.maintenance/"
          "maintenanceconfigurations/mc-deleted"),
         f"{VM1_KEY}/providers/microsoft.maintenance/configurationassignments/assign-vm1-deleted",
         CoverageKind.STATIC),
        (MC_WEB.lower(),
         f"{VM1_KEY}/providers/microsoft.maintenance/configurationassignments/assign-vm1-weekly",
         CoverageKind.STATIC),
    ]


def test_orphans_are_kept_and_counted() -> None:
    snapshot = linking()
    orphans = snapshot.orphans
    assert orphans.assessments == (f"{GONE}/patchAssessmentResults/latest",)
    assert orphans.installations == (f"{GONE}/patchInstallationResults/{guid(72)}",)
    assert orphans.patches == (f"{GONE}/patchAssessmentResults/latest/softwarePatches/{guid(73)}",)
    assert orphans.assignments_missing_machine == (
        f"{GONE}/providers/Microsoft.Maintenance/configurationAssignments/assign-gone-weekly",)
    assert orphans.assignments_missing_configuration == (
        f"{VM1}/providers/Microsoft.Maintenance/configurationAssignments/assign-vm1-deleted",)
    assert orphans.total() == 5
    # Kept: the orphan rows are still in the snapshot, indexed by their machine.
    gone = GONE.lower()
    assert snapshot.assessments[gone].id == f"{GONE}/patchAssessmentResults/latest"
    assert [run.name for run in snapshot.installations[gone]] == [guid(72)]
    assert [p.patch_name for p in snapshot.assessment_patches[gone]] == ["Gone patch"]
    assert [a.name for a in snapshot.assignments] == [
        "assign-gone-weekly", "assign-vm1-deleted", "assign-vm1-weekly"]
    assert gone not in snapshot.coverage


def test_row_counts() -> None:
    assert linking().row_counts == {
        "microsoft.compute/virtualmachines": 1,
        "microsoft.compute/virtualmachines/patchassessmentresults": 3,
        "microsoft.compute/virtualmachines/patchassessmentresults/softwarepatches": 2,
        "microsoft.compute/virtualmachines/patchinstallationresults": 5,
        "microsoft.compute/virtualmachines/patchinstallationresults/softwarepatches": 1,
        "microsoft.maintenance/configurationassignments": 3,
        "microsoft.maintenance/maintenanceconfigurations": 1,
    }


def test_machine_key_and_type_from_id() -> None:
    patch_row = (f"/subscriptions/{SUB}/resourcegroups/rg-web/providers/microsoft.compute/"
                 f"virtualmachines/vm1/patchInstallationResults/{guid(63)}/"
                 f"softwarePatches/{guid(64)}")
    assert machine_key(patch_row) == VM1_KEY
    assert type_from_id(patch_row) == \
        "microsoft.compute/virtualmachines/patchinstallationresults/softwarepatches"
    assert type_from_id(f"{VM1}/providers/Microsoft.Maintenance/configurationAssignments/x") == \
        "microsoft.maintenance/configurationassignments"
    assert type_from_id(f"/subscriptions/{SUB}/resourceGroups/RG-Web") == ""
