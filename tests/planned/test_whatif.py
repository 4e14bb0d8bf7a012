"""what-if output: `after` for what a deployment creates or changes; deletes leave."""

from __future__ import annotations

import json
from pathlib import Path

from planned_support import PLANNED, SUB, audit, verdicts

from auditor.engine.results import Outcome
from auditor.snapshot import load_estate

WHATIF = PLANNED / "whatif-cli.json"
VM = f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines"


def test_the_cli_output_gives_the_predicted_resources() -> None:
    snapshot = load_estate([WHATIF])
    assert snapshot.inputs[0].format == "what-if output"
    assert [m.id for m in snapshot.machines] == [f"{VM}/vm-new"]
    (vm,) = snapshot.machines
    assert (vm.planned, vm.os_type.value, vm.patch.mode) == \
        ("what-if", "Linux", "AutomaticByPlatform")
    assert "patch.bypassplatformsafetychecksonuserschedule" in vm.unknown
    assert [c.name for c in snapshot.configurations.values()] == ["mc-weekly"]  # NoChange
    assert [a.resource_id for a in snapshot.assignments] == [f"{VM}/vm-new"]
    assert [w.code for w in snapshot.warnings] == ["planned-unknown-value",
                                                   "planned-unreadable"]
    assert snapshot.warnings[1].message.startswith(
        f"{VM}/vm-odd: what-if cannot predict it (Changes to the resource declared at")


def test_the_rest_body_gives_the_same_as_the_cli_output(tmp_path: Path) -> None:
    document = json.loads(WHATIF.read_text("utf-8"))
    body = tmp_path / "rest.json"
    body.write_text(json.dumps({"status": "Succeeded",
                                "properties": {"changes": document["changes"]}}),
                    encoding="utf-8")
    rest, cli = load_estate([body]), load_estate([WHATIF])
    assert [(m.id, m.patch, m.unknown) for m in rest.machines] == \
        [(m.id, m.patch, m.unknown) for m in cli.machines]
    assert rest.row_counts == cli.row_counts


def test_an_expression_what_if_could_not_evaluate_makes_the_verdict_unknown() -> None:
    result = audit(planned=[WHATIF])
    assert verdicts(result)[("AUM002", "vm-new")] == "unknown"
    (finding,) = [f for f in result.findings if f.outcome is Outcome.UNKNOWN]
    assert finding.evidence["patch.bypassPlatformSafetyChecksOnUserSchedule"] == \
        "unknown until deployment"


def test_over_a_snapshot_a_delete_removes_the_live_machine() -> None:
    result = audit("overlay-snapshot.json", planned=[WHATIF])
    names = {m.name for m in result.machines}
    assert names == {"vm-a", "vm-b", "vm-new"}  # vm-c is deleted; vm-a (Ignore) stands
    assert result.change is not None
    assert result.change.summary == ("this change leaves 1 machine unknown for AUM002 until "
                                     "deployment")
