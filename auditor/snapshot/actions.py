"""Rows from REST API examples: `{parameters, responses}` files of the Azure REST specs.

Most bodies are ordinary resources. The on-demand results (`assessPatches`, `installPatches`)
and a VM's instance view carry no id: the machine is named only by the request's parameters,
so their rows are rebuilt here with the ids Resource Graph would give them (DOMAIN.md 3.2).
"""

from __future__ import annotations

from typing import Any

from auditor.errors import Location, UserError


def patch_result_rows(path: str, parameters: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for an assessPatches or installPatches result, or an instance view's summaries."""
    machine_id = _machine_id(path, parameters)
    if "patchStatus" in body:
        return _instance_view(machine_id, body["patchStatus"])
    if "assessmentActivityId" in body:
        return _assessment(machine_id, body)
    if "installationActivityId" in body:
        return _installation(machine_id, body)
    raise UserError("the example's response is neither a resource nor a patch result",
                    Location(path))


def success_body(path: str, responses: Any) -> dict[str, Any]:
    if isinstance(responses, dict):
        for status in ("200", "201"):
            answer = responses.get(status)
            body = answer.get("body") if isinstance(answer, dict) else None
            if isinstance(body, dict):
                return body
    raise UserError("the example has no 200 or 201 response with a body", Location(path))


def _machine_id(path: str, parameters: Any) -> str:
    if not isinstance(parameters, dict):
        raise UserError("the example's parameters are not an object", Location(path))
    subscription = parameters.get("subscriptionId")
    group = parameters.get("resourceGroupName")
    if "vmName" in parameters:
        provider, name = "Microsoft.Compute/virtualMachines", parameters["vmName"]
    else:
        provider = "Microsoft.HybridCompute/machines"
        name = parameters.get("machineName") or parameters.get("name")
    if not (subscription and group and name):
        raise UserError("the patch result names no machine (subscriptionId, resourceGroupName "
                        "and vmName or machineName are needed)", Location(path))
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{provider}/{name}"


def _base(row_id: str, row_type: str, name: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"id": row_id, "type": row_type.lower(), "name": name, "properties": properties}


def _machine_type(machine_id: str) -> str:
    return "/".join(machine_id.split("/")[6:8])


def _assessment(machine_id: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    kind = _machine_type(machine_id)
    summary_id = f"{machine_id}/patchAssessmentResults/latest"
    rows = [_base(summary_id, f"{kind}/patchAssessmentResults",
                  str(body.get("assessmentActivityId")), body)]
    for patch in body.get("availablePatches") or []:
        rows.append(_patch(summary_id, f"{kind}/patchAssessmentResults/softwarePatches", patch))
    return rows


def _installation(machine_id: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    kind = _machine_type(machine_id)
    run = str(body["installationActivityId"])
    run_id = f"{machine_id}/patchInstallationResults/{run}"
    rows = [_base(run_id, f"{kind}/patchInstallationResults", run, body)]
    for patch in body.get("patches") or []:
        rows.append(_patch(run_id, f"{kind}/patchInstallationResults/softwarePatches", patch))
    return rows


def _patch(parent_id: str, row_type: str, patch: dict[str, Any]) -> dict[str, Any]:
    patch_id = str(patch.get("patchId") or patch.get("name"))
    return _base(f"{parent_id}/softwarePatches/{patch_id}", row_type, str(patch.get("name")),
                 {**patch, "patchName": patch.get("name")})


def _instance_view(machine_id: str, status: Any) -> list[dict[str, Any]]:
    """The instance view's summaries use startTime/lastModifiedTime; rename to the ARG names."""
    rows: list[dict[str, Any]] = []
    if not isinstance(status, dict):
        return rows
    for key, build in (("availablePatchSummary", _assessment),
                       ("lastPatchInstallationSummary", _installation)):
        summary = status.get(key)
        if isinstance(summary, dict):
            renamed = {**summary, "startDateTime": summary.get("startTime"),
                       "lastModifiedDateTime": summary.get("lastModifiedTime")}
            rows.extend(build(machine_id, renamed))
    return rows
