"""Every export shape of DOMAIN.md section 6 loads, in every encoding an export arrives in."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor.model import LoadWarning, MachineKind, OrchestrationMode, OsType, Snapshot
from auditor.snapshot import load_estate

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SUB = "00000000-0000-0000-0000-000000000001"


def load(*names: str | Path) -> Snapshot:
    return load_estate([EXPORTS / name for name in names])


def names(snapshot: Snapshot) -> list[str]:
    return [machine.name for machine in snapshot.machines]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----- az graph query -o json ---------------------------------------------------------------

def test_az_graph_query_output() -> None:
    snapshot = load("az-graph-query.json")
    (source,) = snapshot.inputs
    assert (source.path, source.format, source.rows) == (
        str(EXPORTS / "az-graph-query.json"), "az graph query output", 2)
    assert source.sha256 == sha256(EXPORTS / "az-graph-query.json")
    assert snapshot.warnings == ()
    assert snapshot.captured_at is None
    assert names(snapshot) == ["arc-db-01", "vm-web-01"]  # sorted by id
    arc, web = snapshot.machines

    assert web.id == f"/subscriptions/{SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/" \
        "virtualMachines/vm-web-01"
    assert web.key == web.id.lower()
    assert (web.type, web.kind, web.os_type) == (
        "microsoft.compute/virtualmachines", MachineKind.AZURE_VM, OsType.WINDOWS)
    assert (web.subscription_id, web.resource_group, web.location, web.tags) == (
        SUB, "rg-web", "westeurope", {"env": "prod"})
    assert (web.power_state, web.agent_status, web.allow_extension_operations) == (
        "running", None, True)
    assert (web.patch.mode, web.patch.mode_explicit, web.patch.assessment_mode,
            web.patch.bypass_platform_safety_checks_on_user_schedule, web.patch.reboot_setting,
            web.patch.enable_hotpatching, web.patch.enable_automatic_updates,
            web.patch.provision_vm_agent) == (
        "AutomaticByPlatform", True, "AutomaticByPlatform", True, "IfRequired", True, True, True)
    assert web.patch.orchestration_mode is OrchestrationMode.CUSTOMER_MANAGED

    assert (arc.type, arc.kind, arc.os_type, arc.os_name) == (
        "microsoft.hybridcompute/machines", MachineKind.ARC, OsType.LINUX, "linux")
    assert (arc.agent_status, arc.last_status_change) == (
        "Connected", datetime(2026, 11, 15, 22, 10, tzinfo=UTC))
    assert (arc.patch.mode, arc.patch.bypass_platform_safety_checks_on_user_schedule) == (
        "AutomaticByPlatform", False)
    assert arc.patch.orchestration_mode is OrchestrationMode.CUSTOMER_MANAGED  # Arc: no bypass


def test_az_graph_query_legacy_bare_list() -> None:
    snapshot = load("az-graph-query-legacy-list.json")
    assert [(i.format, i.rows) for i in snapshot.inputs] == [("JSON array of rows", 1)]
    assert snapshot.warnings == ()
    (machine,) = snapshot.machines
    assert (machine.name, machine.os_type, machine.patch.orchestration_mode) == (
        "vm-web-03", OsType.LINUX, OrchestrationMode.IMAGE_DEFAULT)


def test_az_graph_query_skip_token_is_a_warning() -> None:
    snapshot = load("az-graph-query-skip-token.json")
    assert names(snapshot) == ["vm-web-02"]
    assert snapshot.warnings == (LoadWarning(
        "incomplete-export",
        "skip_token is set: az graph query stopped before the last row; export again with a "
        "larger --first, or continue with --skip-token",
        str(EXPORTS / "az-graph-query-skip-token.json")),)


# ----- Resource Graph REST ----------------------------------------------------------------

def test_resource_graph_rest_pages() -> None:
    first = load("arg-rest-page-1.json")
    assert names(first) == ["vm-app-01", "vm-app-02"]
    assert first.warnings == (LoadWarning(
        "incomplete-export",
        "$skipToken is set: more rows exist than this page holds; include every page",
        str(EXPORTS / "arg-rest-page-1.json")),)

    both = load("arg-rest-page-1.json", "arg-rest-page-2.json")
    assert names(both) == ["vm-app-01", "vm-app-02", "vm-app-03"]
    assert [(Path(i.path).name, i.format, i.rows) for i in both.inputs] == [
        ("arg-rest-page-1.json", "Resource Graph REST response", 2),
        ("arg-rest-page-2.json", "Resource Graph REST response", 1)]
    # Both pages of the query are here (2 + 1 rows of totalRecords 3, one of them the last):
    # the first page's "more rows exist" is answered, so nothing is missing.
    assert both.warnings == ()
    assert [m.patch.orchestration_mode for m in both.machines] == [
        OrchestrationMode.MANUAL, OrchestrationMode.IMAGE_DEFAULT,
        OrchestrationMode.CUSTOMER_MANAGED]


def page(tmp_path: Path, name: str, rows: list[dict[str, Any]], total: int | str,
         more: bool, snake: bool = False) -> Path:
    """A page of a paged query, as az graph query (snake) or the REST API writes it."""
    if snake:
        body: dict[str, Any] = {"count": len(rows), "data": rows, "total_records": total,
                                "skip_token": "dG9rZW4=" if more else None}
    else:
        body = {"totalRecords": total, "count": len(rows), "data": rows, "facets": [],
                "resultTruncated": "true" if more else "false"}
        if more:
            body["$skipToken"] = "dG9rZW4="
    path = tmp_path / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def vm_rows(*names: str) -> list[dict[str, Any]]:
    return [{"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/"
                   f"virtualMachines/{name}", "name": name,
             "type": "microsoft.compute/virtualmachines", "properties": {}} for name in names]


@pytest.mark.parametrize("snake", [False, True])
def test_every_page_of_a_query_answers_its_more_pages_warnings(tmp_path: Path,
                                                                snake: bool) -> None:
    pages = [page(tmp_path, "p1.json", vm_rows("a", "b"), 5, True, snake),
             page(tmp_path, "p2.json", vm_rows("c", "d"), "5" if snake else 5, True, snake),
             page(tmp_path, "p3.json", vm_rows("e"), 5, False, snake)]
    assert load_estate(pages).warnings == ()
    # Without the middle page, rows are missing: both earlier pages still warn.
    missing = load_estate([pages[0], pages[2]])
    assert [(w.code, Path(w.file).name) for w in missing.warnings] == [
        ("incomplete-export", "p1.json")]
    # Without the last page, no page says the query ended.
    assert [Path(w.file).name for w in load_estate(pages[:2]).warnings] == ["p1.json", "p2.json"]


def test_pages_are_matched_by_their_query_total(tmp_path: Path) -> None:
    """Two paged queries: the machines' pages are all here, the runs' second page is not."""
    run = {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/"
                 "virtualMachines/a/patchInstallationResults/r1", "name": "r1",
           "type": "microsoft.compute/virtualmachines/patchinstallationresults",
           "properties": {"status": "Succeeded"}}
    paths = [page(tmp_path, "vm-1.json", vm_rows("a"), 2, True),
             page(tmp_path, "vm-2.json", vm_rows("b"), 2, False),
             page(tmp_path, "runs-1.json", [run], 3, True)]
    snapshot = load_estate(paths)
    assert [Path(w.file).name for w in snapshot.warnings] == ["runs-1.json"]


@pytest.mark.parametrize(("truncated", "warnings"), [
    ("false", ()),
    ("true", (("incomplete-export", ("resultTruncated is true and there is no $skipToken: the "
               "query must project id for paging to work; rows are missing")),)),
])
def test_result_truncated_is_a_string(tmp_path: Path, truncated: str,
                                      warnings: tuple[tuple[str, str], ...]) -> None:
    page = json.loads((EXPORTS / "arg-rest-page-2.json").read_text(encoding="utf-8"))
    assert page["resultTruncated"] == "false"
    page["resultTruncated"] = truncated
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    snapshot = load_estate([path])
    assert names(snapshot) == ["vm-app-03"]
    assert [(w.code, w.message) for w in snapshot.warnings] == list(warnings)


def test_resource_graph_rest_table_format() -> None:
    snapshot = load("arg-rest-table.json")
    assert [(i.format, i.rows) for i in snapshot.inputs] == [("Resource Graph REST response", 2)]
    assert snapshot.warnings == ()
    assert snapshot.row_counts == {"microsoft.compute/virtualmachines": 1,
                                   "microsoft.compute/virtualmachines/patchassessmentresults": 1}
    (machine,) = snapshot.machines
    assert (machine.name, machine.resource_group, machine.location, machine.tags,
            machine.os_type, machine.patch.mode, machine.patch.assessment_mode) == (
        "vm-tbl-01", "rg-tbl", "northeurope", {"env": "test"}, OsType.LINUX, "ImageDefault",
        "AutomaticByPlatform")
    assessment = snapshot.assessments[machine.key]
    assert (assessment.status, assessment.patch_service_used, assessment.os_type,
            assessment.critical_and_security_count) == ("Succeeded", "APT", "Linux", 3)
    assert assessment.available_patch_count_by_classification == {
        "critical": 1, "security": 2, "other": 5}


# ----- ARM REST ---------------------------------------------------------------------------

def test_arm_rest_list_with_next_link() -> None:
    snapshot = load("arm-list.json")
    assert [(i.format, i.rows) for i in snapshot.inputs] == [("ARM REST list", 2)]
    assert snapshot.warnings == (LoadWarning(
        "incomplete-export",
        "the list has a nextLink: more rows exist than this page holds; follow nextLink and "
        "include every page", str(EXPORTS / "arm-list.json")),)
    # ARM casing (`Microsoft.Compute/virtualMachines`) is lowercased as Resource Graph has it;
    # ARM bodies carry no subscriptionId or resourceGroup, so the id gives them.
    assert [(m.name, m.type, m.subscription_id, m.resource_group) for m in snapshot.machines] == [
        ("vm-arm-01", "microsoft.compute/virtualmachines", SUB, "rg-arm"),
        ("vm-arm-02", "microsoft.compute/virtualmachines", SUB, "rg-arm")]
    assert [m.patch.orchestration_mode for m in snapshot.machines] == [
        OrchestrationMode.AZURE_MANAGED, OrchestrationMode.WINDOWS_AUTOMATIC]
    assert snapshot.row_counts == {"microsoft.compute/virtualmachines": 2}


def test_arm_rest_list_last_page_has_no_warning(tmp_path: Path) -> None:
    body = json.loads((EXPORTS / "arm-list.json").read_text(encoding="utf-8"))
    body["nextLink"] = None
    path = tmp_path / "last.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    assert load_estate([path]).warnings == ()


def test_arm_rest_single_get() -> None:
    snapshot = load("arm-get-vm.json")
    assert [(i.format, i.rows) for i in snapshot.inputs] == [("ARM REST resource", 1)]
    (machine,) = snapshot.machines
    assert (machine.name, machine.type, machine.kind, machine.os_type, machine.tags) == (
        "vm-arm-03", "microsoft.compute/virtualmachines", MachineKind.AZURE_VM, OsType.LINUX,
        {"team": "db"})
    assert (machine.patch.mode, machine.patch.bypass_explicit,
            machine.patch.bypass_platform_safety_checks_on_user_schedule,
            machine.patch.reboot_setting, machine.patch.orchestration_mode) == (
        "AutomaticByPlatform", True, False, "IfRequired", OrchestrationMode.AZURE_MANAGED)
    assert machine.power_state is None  # an ARM GET has no Resource Graph `extended` block


# ----- flattened projected columns --------------------------------------------------------

def test_flattened_projected_columns_are_nested_back() -> None:
    snapshot = load("arg-flattened-columns.json")
    assert snapshot.warnings == ()
    flat_01, flat_02 = snapshot.machines
    assert (flat_01.name, flat_01.os_type, flat_01.power_state, flat_01.patch.mode,
            flat_01.patch.assessment_mode, flat_01.patch.assessment_mode_explicit,
            flat_01.patch.bypass_platform_safety_checks_on_user_schedule,
            flat_01.patch.orchestration_mode) == (
        "vm-flat-01", OsType.LINUX, "running", "AutomaticByPlatform", "AutomaticByPlatform", True,
        True, OrchestrationMode.CUSTOMER_MANAGED)
    assert (flat_02.name, flat_02.os_type, flat_02.power_state, flat_02.patch.mode,
            flat_02.patch.mode_explicit, flat_02.patch.orchestration_mode) == (
        "vm-flat-02", OsType.WINDOWS, "deallocated", "AutomaticByOS", True,
        OrchestrationMode.WINDOWS_AUTOMATIC)


# ----- encodings ----------------------------------------------------------------------------

def test_the_encoded_fixtures_hold_the_same_export() -> None:
    """The binary fixtures below are az-graph-query.json, encoded; this keeps them honest."""
    text = (EXPORTS / "az-graph-query.json").read_bytes()
    assert (EXPORTS / "az-graph-query.utf8-bom.json").read_bytes() == b"\xef\xbb\xbf" + text
    assert (EXPORTS / "az-graph-query.utf16le-bom.json").read_bytes() == \
        b"\xff\xfe" + text.decode("utf-8").replace("\n", "\r\n").encode("utf-16-le")
    assert gzip.decompress((EXPORTS / "az-graph-query.json.gz").read_bytes()) == text


@pytest.mark.parametrize("name", [
    "az-graph-query.utf8-bom.json",
    "az-graph-query.utf16le-bom.json",  # PowerShell 5.1 `>`: UTF-16 LE, BOM, CRLF
    "az-graph-query.json.gz",
])
def test_encodings(name: str) -> None:
    expected = load("az-graph-query.json")
    snapshot = load(name)
    assert [(i.path, i.format, i.rows, i.sha256) for i in snapshot.inputs] == [
        (str(EXPORTS / name), "az graph query output", 2, sha256(EXPORTS / name))]
    assert snapshot.warnings == ()
    assert [(m.id, m.patch, m.tags, m.agent_status) for m in snapshot.machines] == \
        [(m.id, m.patch, m.tags, m.agent_status) for m in expected.machines]


# ----- JSON Lines -------------------------------------------------------------------------

def test_json_lines() -> None:
    snapshot = load("rows.jsonl")
    assert [(i.format, i.rows) for i in snapshot.inputs] == [("JSON Lines", 3)]
    (machine,) = snapshot.machines
    assert machine.name == "vm-jsonl-01"
    assert snapshot.assessments[machine.key].last_modified_date_time == \
        datetime(2026, 11, 16, 1, 30, tzinfo=UTC)
    assert [run.name for run in snapshot.installations[machine.key]] == [
        "00000000-0000-0000-0000-000000000022"]


def test_json_lines_gzipped_and_with_crlf(tmp_path: Path) -> None:
    text = (EXPORTS / "rows.jsonl").read_bytes().replace(b"\n", b"\r\n")
    path = tmp_path / "rows.jsonl.gz"
    path.write_bytes(gzip.compress(text))
    snapshot = load_estate([path])
    assert [(i.format, i.rows) for i in snapshot.inputs] == [("JSON Lines", 3)]
    assert names(snapshot) == ["vm-jsonl-01"]


def test_a_directory_of_exports(tmp_path: Path) -> None:
    for name in ("az-graph-query.json", "rows.jsonl", "arm-get-vm.json"):
        shutil.copy(EXPORTS / name, tmp_path / name)
    snapshot = load_estate([tmp_path])
    assert [Path(i.path).name for i in snapshot.inputs] == [
        "arm-get-vm.json", "az-graph-query.json", "rows.jsonl"]
    assert names(snapshot) == ["arc-db-01", "vm-arm-03", "vm-jsonl-01", "vm-web-01"]
