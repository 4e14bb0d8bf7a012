"""Shared fixtures: rules written as YAML text, Resource Graph rows built from a few words, and
golden files (rewritten with --update-golden)."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest

from auditor.audit import AuditRequest, run_audit
from auditor.cli import example_estate
from auditor.engine.results import AuditResult
from auditor.rules.load import validate_rule
from auditor.rules.spec import Rule

SUB = "00000000-0000-0000-0000-000000000001"

DEFAULTS = (("id", "USR001"), ("name", "user-rule"), ("severity", "high"),
            ("appliesTo", "\n  resource: machine"))

DOCS = """\
docs:
  summary: A rule written for a test.
  why: Tests need rules.
  fix: Nothing to fix.
  links: [https://learn.microsoft.com/azure/update-manager/overview]
  examples:
    - {title: passes, outcome: pass, rows: [{}]}
    - {title: fails, outcome: fail, rows: [{}]}
"""


def rule_text(body: str) -> str:
    """A whole rule file: the test's YAML, with an id, name, severity, a machine scope and docs
    added when it has none."""
    text = textwrap.dedent(body).lstrip("\n")
    for key, value in reversed(DEFAULTS):
        if f"\n{key}:" not in f"\n{text}":
            text = f"{key}: {value}\n" + text
    if "\ndocs:" not in f"\n{text}":
        text = text.rstrip("\n") + "\n" + DOCS
    return text


def make_rule_from(body: str, file: str = "user.yaml") -> Rule:
    rule, problems = validate_rule(file, rule_text(body))
    assert not problems, "\n".join(map(str, problems))
    assert rule is not None
    return rule


@pytest.fixture
def make_rule() -> Any:
    """`make_rule(yaml)`: a validated rule (the test fails if the YAML is not a valid rule)."""
    return make_rule_from


def machine_id(name: str, group: str = "RG-Web", arc: bool = False) -> str:
    provider = "Microsoft.HybridCompute/machines" if arc else \
        "Microsoft.Compute/virtualMachines"
    return f"/subscriptions/{SUB}/resourceGroups/{group}/providers/{provider}/{name}"


def _row(row_id: str, row_type: str, name: str, properties: dict[str, Any],
         tags: dict[str, str] | None = None, group: str = "RG-Web") -> dict[str, Any]:
    return {"id": row_id, "name": name, "type": row_type, "subscriptionId": SUB,
            "resourceGroup": group, "location": "westeurope", "properties": properties,
            "tags": tags or {}}


def vm(name: str = "vm-web-01", os: str = "Windows", patch_mode: str | None = None,
       assessment_mode: str | None = None, tags: dict[str, str] | None = None,
       power: str | None = None, group: str = "RG-Web", **extra: Any) -> dict[str, Any]:
    """An Azure VM row; patch settings are left out unless given."""
    settings: dict[str, Any] = {}
    if patch_mode is not None:
        settings["patchMode"] = patch_mode
    if assessment_mode is not None:
        settings["assessmentMode"] = assessment_mode
    configuration = "windowsConfiguration" if os == "Windows" else "linuxConfiguration"
    properties: dict[str, Any] = {
        "osProfile": {"computerName": name, configuration: {"patchSettings": settings}},
        "storageProfile": {"osDisk": {"osType": os}},
        **extra,
    }
    if power is not None:
        properties["extended"] = {"instanceView": {"powerState": {"code": f"PowerState/{power}"}}}
    return _row(machine_id(name, group), "microsoft.compute/virtualmachines", name, properties,
                tags, group)


def arc(name: str = "srv-db-01", status: str = "Connected", os: str = "windows",
        tags: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """An Azure Arc-enabled server row."""
    properties = {"status": status, "osType": os, "osName": os, **extra}
    return _row(machine_id(name, "RG-OnPrem", arc=True), "microsoft.hybridcompute/machines",
                name, properties, tags, "RG-OnPrem")


def run(machine: dict[str, Any], number: int, status: str = "Succeeded",
        start: str | None = "2026-11-14T22:00:00Z", **extra: Any) -> dict[str, Any]:
    """An installation run of a machine row."""
    name = f"00000000-0000-0000-0000-{number:012d}"
    properties: dict[str, Any] = {"status": status, "startedBy": "Platform", **extra}
    if start is not None:
        properties["startDateTime"] = start
    return _row(f"{machine['id']}/patchInstallationResults/{name}",
                f"{machine['type']}/patchinstallationresults", name, properties,
                group=machine["resourceGroup"])


def assessment(machine: dict[str, Any], **properties: Any) -> dict[str, Any]:
    """The latest assessment of a machine row."""
    return _row(f"{machine['id']}/patchAssessmentResults/latest",
                f"{machine['type']}/patchassessmentresults", "latest",
                {"status": "Succeeded", **properties}, group=machine["resourceGroup"])


def patch(machine: dict[str, Any], number: int, classifications: list[str],
          **properties: Any) -> dict[str, Any]:
    """A missing update found by the latest assessment of a machine row."""
    name = f"00000000-0000-0000-0000-{number:012d}"
    return _row(f"{machine['id']}/patchAssessmentResults/latest/softwarePatches/{name}",
                f"{machine['type']}/patchassessmentresults/softwarepatches", name,
                {"patchName": f"Update {number}", "classifications": classifications,
                 **properties}, group=machine["resourceGroup"])


def configuration_id(name: str) -> str:
    return (f"/subscriptions/{SUB}/resourceGroups/RG-Patching/providers/"
            f"Microsoft.Maintenance/maintenanceConfigurations/{name}")


def configuration(name: str = "mc-weekly", recur: str = "Week Sunday",
                  expiration: str | None = "9999-12-31 23:59", scope: str = "InGuestPatch",
                  duration: str = "03:00", tags: dict[str, str] | None = None) -> dict[str, Any]:
    """A maintenance configuration (an Update Manager schedule by default)."""
    window = {"startDateTime": "2025-02-02 02:00", "duration": duration,
              "timeZone": "W. Europe Standard Time", "recurEvery": recur}
    if expiration is not None:
        window["expirationDateTime"] = expiration
    properties = {"maintenanceScope": scope, "visibility": "Custom",
                  "extensionProperties": {"InGuestPatchMode": "User"},
                  "maintenanceWindow": window}
    return _row(configuration_id(name), "microsoft.maintenance/maintenanceconfigurations", name,
                properties, tags, "RG-Patching")


def assignment(machine: dict[str, Any], schedule: dict[str, Any]) -> dict[str, Any]:
    """A static assignment of a configuration row to a machine row."""
    row_id = (f"{machine['id']}/providers/Microsoft.Maintenance/configurationAssignments/"
              f"{schedule['name']}")
    return _row(row_id, "microsoft.maintenance/configurationassignments", schedule["name"],
                {"maintenanceConfigurationId": schedule["id"], "resourceId": machine["id"]},
                group=machine["resourceGroup"])


@pytest.fixture
def rows() -> SimpleNamespace:
    """Builders of Resource Graph rows: `rows.vm(...)`, `rows.run(machine, 1, "Failed", ...)`."""
    return SimpleNamespace(vm=vm, arc=arc, run=run, assessment=assessment, patch=patch,
                           configuration=configuration, assignment=assignment,
                           machine_id=machine_id, configuration_id=configuration_id)


# ----- golden files ---------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "fixtures" / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden files in tests/fixtures/golden/ from the current "
                          "output (or set UPDATE_GOLDEN=1)")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, bytes], None]:
    """`golden(name, output)`: the output must equal tests/fixtures/golden/NAME byte for byte.
    With `--update-golden` or UPDATE_GOLDEN=1 the file is rewritten instead."""
    update = bool(request.config.getoption("--update-golden")) or \
        os.environ.get("UPDATE_GOLDEN") == "1"

    def check(name: str, output: bytes) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(output)
            return
        assert path.exists(), f"no golden file {name}: run pytest with --update-golden"
        expected = path.read_bytes()
        if output != expected:
            got, want = output.decode("utf-8").splitlines(), expected.decode("utf-8").splitlines()
            line = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                        min(len(got), len(want)))
            pytest.fail(f"{name} differs from its golden file at line {line + 1}:\n"
                        f"  golden: {want[line][:300] if line < len(want) else '(end)'}\n"
                        f"  output: {got[line][:300] if line < len(got) else '(end)'}\n"
                        "If the change is intended, run pytest with --update-golden and review "
                        "the diff.", pytrace=False)
    return check


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the same output wherever they run: inside GitHub Actions, `auditor audit`
    would also print workflow commands (tests that want them set GITHUB_ACTIONS themselves)."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


# ----- the example estate's results -----------------------------------------------------------

CLOCK = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
EXAMPLE = "examples/estate"
"""How the goldens name the bundled example, wherever the package is installed."""


def portable(result: AuditResult, where: str) -> AuditResult:
    """The result with the example estate's absolute location replaced by EXAMPLE."""
    def name(path: str) -> str:
        return EXAMPLE + path[len(where):] if path.startswith(where) else path
    replace = msgspec.structs.replace
    return replace(result,
                   inputs=tuple(replace(i, path=name(i.path)) for i in result.inputs),
                   warnings=tuple(replace(w, file=name(w.file)) for w in result.warnings))


@pytest.fixture(scope="session")
def example_result() -> AuditResult:
    """The bundled example estate audited with the built-in pack, its location portable."""
    estate = example_estate()
    return portable(run_audit(AuditRequest(inputs=[estate]), CLOCK), str(estate))
