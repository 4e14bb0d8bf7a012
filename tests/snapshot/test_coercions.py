"""Values real exports spell in more than one way become one canonical value."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.model import LoadWarning, OrchestrationMode
from auditor.snapshot import coerce, load_estate

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SUB = "00000000-0000-0000-0000-000000000001"
VM = (f"/subscriptions/{SUB}/resourcegroups/rg-coerce/providers/microsoft.compute/"
      "virtualmachines/vm-coerce-01")


@pytest.mark.parametrize(("value", "expected"), [
    ("WU-WSUS", ("WU_WSUS", True)),
    ("WU_WSUS", ("WU_WSUS", True)),
    ("wu", ("WU", True)),
    ("Zypper", ("Zypper", True)),
    ("Chocolatey", ("Chocolatey", False)),
    (None, (None, True)),
])
def test_patch_service_spellings(value: str | None, expected: tuple[str | None, bool]) -> None:
    assert coerce.canonical(value, coerce.PATCH_SERVICES) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (True, True), (False, False), ("True", True), ("False", False), ("true", True),
    ("FALSE", False), (" True ", True), (1, True), (0, False), (None, None),
])
def test_to_bool(value: bool | str | int | None, expected: bool | None) -> None:
    assert coerce.to_bool(value) is expected


def test_to_bool_refuses_other_words() -> None:
    with pytest.raises(ValueError, match=r"^expected true or false, got 'sometimes'$"):
        coerce.to_bool("sometimes")


@pytest.mark.parametrize(("value", "expected"), [
    (3, 3), ("3", 3), (" 12 ", 12), ("0", 0), (2.0, 2), ("", None), (None, None),
])
def test_to_int(value: str | float | None, expected: int | None) -> None:
    assert coerce.to_int(value) == expected


@pytest.mark.parametrize("value", ["three", "2.5", 2.5, True])
def test_to_int_refuses_what_is_not_a_count(value: object) -> None:
    with pytest.raises(ValueError, match=r"^expected a whole number, got "):
        coerce.to_int(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-16T01:02:03Z", datetime(2026, 11, 16, 1, 2, 3, tzinfo=UTC)),
    ("2026-11-16T01:02:03.1234567Z", datetime(2026, 11, 16, 1, 2, 3, 123456, tzinfo=UTC)),
    ("2026-11-16T03:04:05.7654321+02:00", datetime(2026, 11, 16, 1, 4, 5, 765432, tzinfo=UTC)),
    ("2026-11-16T03:04:05+02:00", datetime(2026, 11, 16, 1, 4, 5, tzinfo=UTC)),
    ("2026-11-16T01:02:03", datetime(2026, 11, 16, 1, 2, 3, tzinfo=UTC)),  # no zone: UTC
    ("2026-11-16T01:02:03.5Z", datetime(2026, 11, 16, 1, 2, 3, 500000, tzinfo=UTC)),
    ("", None),
    (None, None),
])
def test_to_time(value: str | None, expected: datetime | None) -> None:
    assert coerce.to_time(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Critical", "Critical"),
    ("Critical Updates", "Critical"),
    ("critical", "Critical"),
    ("Security Updates", "Security"),
    ("Definition Updates", "Definition"),
    ("Definition", "Definition"),
    ("UpdateRollup", "UpdateRollup"),
    ("Update Rollups", "UpdateRollup"),
    ("Feature Packs", "FeaturePack"),
    ("ServicePack", "ServicePack"),
    ("Tools", "Tools"),
    ("Updates", "Updates"),
    ("Update", "Updates"),
    ("Others", "Other"),
    ("Other", "Other"),
    ("Drivers", None),
])
def test_classification_spellings(value: str, expected: str | None) -> None:
    assert coerce.classification(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("updateRollup", "updateRollup"), ("Update Rollups", "updateRollup"),
    ("featurePack", "featurePack"), ("Critical Updates", "critical"), ("Others", "other"),
    ("Drivers", None),
])
def test_count_keys(value: str, expected: str | None) -> None:
    assert coerce.count_key(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Japan East", "japaneast"), ("japaneast", "japaneast"), ("West Europe", "westeurope"),
    (None, ""),
])
def test_location(value: str | None, expected: str) -> None:
    assert coerce.location(value) == expected


# ----- through the loader -------------------------------------------------------------------

def test_strings_for_flags_counts_and_services_are_coerced_without_warnings() -> None:
    snapshot = load_estate([EXPORTS / "coercions.json"])
    assert snapshot.warnings == ()
    (machine,) = snapshot.machines
    assert (machine.patch.bypass_platform_safety_checks_on_user_schedule,
            machine.patch.enable_hotpatching, machine.allow_extension_operations) == (
        True, False, True)  # "True", "False", "True"
    assert machine.patch.orchestration_mode is OrchestrationMode.CUSTOMER_MANAGED

    assessment = snapshot.assessments[VM]
    assert (assessment.reboot_pending, assessment.patch_service_used) == (True, "WU_WSUS")
    assert assessment.available_patch_count_by_classification == {
        "critical": 2, "security": 1, "definition": 0, "updateRollup": 1, "updates": 3}
    assert assessment.critical_and_security_count == 3
    assert assessment.start_date_time == datetime(2026, 11, 16, 1, 2, 3, 123456, tzinfo=UTC)
    assert assessment.last_modified_date_time == datetime(2026, 11, 16, 1, 4, 5, 765432,
                                                          tzinfo=UTC)

    latest, older = snapshot.installations[VM]
    assert (latest.maintenance_window_exceeded, latest.installed_patch_count,
            latest.failed_patch_count, latest.pending_patch_count, latest.excluded_patch_count,
            latest.not_selected_patch_count, latest.patch_service_used) == (
        False, 4, 0, 1, 0, 2, "WU_WSUS")
    assert latest.start_date_time == datetime(2026, 11, 15, 21, 0, tzinfo=UTC)  # 23:00+02:00
    assert (older.status, older.maintenance_window_exceeded, older.start_date_time) == (
        "Failed", True, datetime(2026, 11, 8, 23, 0, 0, 123456, tzinfo=UTC))

    patches = snapshot.assessment_patches[VM]
    assert [p.classifications for p in patches] == [
        ("Critical",), ("Critical",), ("Critical",), ("Definition",), ("UpdateRollup",),
        ("UpdateRollup",), ("Other",)]
    assert [p.reboot_required for p in patches] == [True, False, True, False, True, False, True]


def test_values_that_cannot_be_coerced_are_dropped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text(f"""[{{
      "id": "{VM}/patchInstallationResults/run-1",
      "type": "microsoft.compute/virtualmachines/patchinstallationresults",
      "properties": {{"installedPatchCount": "many", "maintenanceWindowExceeded": "perhaps",
                     "startDateTime": "yesterday", "status": "Succeeded"}}
    }}]""", encoding="utf-8")
    snapshot = load_estate([path])
    (run,) = snapshot.installations[VM]
    assert (run.status, run.installed_patch_count, run.maintenance_window_exceeded,
            run.start_date_time) == ("Succeeded", None, None, None)
    assert sorted((w.field, w.message) for w in snapshot.warnings) == [
        ("properties.installedPatchCount",
         "expected a whole number, got 'many'; treated as absent"),
        ("properties.maintenanceWindowExceeded",
         "expected true or false, got 'perhaps'; treated as absent"),
        ("properties.startDateTime",
         "'yesterday' is not an ISO 8601 time; treated as absent"),
    ]
    assert {(w.code, w.file, w.row) for w in snapshot.warnings} == {
        ("unexpected-value", str(path), 0)}


def test_an_unexpected_value_is_kept_flagged_and_not_coerced() -> None:
    path = EXPORTS / "unexpected-value.json"
    snapshot = load_estate([path])
    (machine,) = snapshot.machines
    assert (machine.patch.mode, machine.patch.mode_explicit) == ("AutomaticByPlatfrom", True)
    assert machine.patch.orchestration_mode is OrchestrationMode.UNKNOWN
    assert snapshot.warnings == (LoadWarning(
        "unexpected-value",
        "'AutomaticByPlatfrom' is not one of AutomaticByPlatform, AutomaticByOS, Manual, "
        "ImageDefault; kept as it is",
        str(path), 0, "properties.osProfile.windowsConfiguration.patchSettings.patchMode"),)
