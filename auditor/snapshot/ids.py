"""What a resource id tells: the machine or run a result row belongs to, a row's type."""

from __future__ import annotations

from auditor.model import MachineKind

VM = "microsoft.compute/virtualmachines"
ARC = "microsoft.hybridcompute/machines"
MACHINE_KINDS = {VM: MachineKind.AZURE_VM, ARC: MachineKind.ARC}


def machine_key(row_id: str) -> str:
    """The lowercased machine id a patch row belongs to (the prefix before the result segment;
    the last one, so that a machine named like a segment does not cut its own id short)."""
    key = row_id.lower()
    cut = max(key.rfind("/patchassessmentresults/"), key.rfind("/patchinstallationresults/"))
    return key if cut == -1 else key[:cut]


def run_key(row_id: str) -> str:
    """The lowercased installation-run id a per-patch row belongs to."""
    key = row_id.lower()
    cut = key.find("/softwarepatches/")
    return key if cut == -1 else key[:cut]


def type_from_id(row_id: str) -> str:
    """`…/providers/Microsoft.Compute/virtualMachines/vm/patchAssessmentResults/latest` →
    `microsoft.compute/virtualmachines/patchassessmentresults`."""
    parts = row_id.strip("/").split("/")
    lowered = [part.lower() for part in parts]
    if "providers" not in lowered:
        return ""
    start = len(lowered) - 1 - lowered[::-1].index("providers")
    names = parts[start + 1:]
    if len(names) < 3:
        return ""
    return "/".join([names[0], *names[1::2]]).lower()


def id_part(row_id: str, segment: str) -> str:
    """The id segment after `segment` (`subscriptions`, `resourcegroups`), any casing."""
    parts = row_id.split("/")
    for index, part in enumerate(parts[:-1]):
        if part.lower() == segment:
            return parts[index + 1]
    return ""
