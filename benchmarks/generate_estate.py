"""Generate a deterministic synthetic Azure Update Manager estate for load benchmarks.

    python benchmarks/generate_estate.py N OUT [--format azgraph|bundle|both] [--az-indent]

About 7.3 Resource Graph rows per machine: the machine (85% Azure VMs, 15% Arc machines), an
assessment summary (94% of machines), 3-7 installation runs and, for about 40% of machines, a
static assignment to one of 50 InGuestPatch maintenance configurations. Ids are cased
inconsistently across tables, as seen in the wild. Timestamps are relative to CAPTURED_AT.
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

Row = dict[str, Any]
CAPTURED_AT, CAPTURE_EPOCH, DAY = "2026-11-16T06:00:00Z", 1794808800, 86400.0
TABLES = ("resources", "maintenanceresources", "patchassessmentresources",
          "patchinstallationresources")
TENANT, N_CONFIGS = "00000000-0000-0000-0000-0000000000aa", 50
SUBS = [f"00000000-0000-0000-0000-{i:012d}" for i in range(1, 21)]
LOCATIONS = ["westeurope", "northeurope", "eastus", "eastus2", "westus2", "uksouth",
             "swedencentral", "japaneast"]
WORKLOADS = ["App", "Web", "Data", "Sql", "Infra", "Batch", "Ops", "Edge"]
SIZES = ["Standard_D2s_v5", "Standard_D4s_v5", "Standard_D8s_v5", "Standard_E4s_v5",
         "Standard_B2ms", "Standard_F4s_v2", "Standard_DS1_v2"]
WIN_IMAGES = [("MicrosoftWindowsServer", "WindowsServer", s) for s in (
    "2016-Datacenter", "2019-Datacenter", "2022-datacenter-azure-edition",
    "2022-datacenter-azure-edition-hotpatch", "2025-datacenter-azure-edition")]
LINUX_IMAGES = [("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"),
                ("Canonical", "ubuntu-24_04-lts", "server"), ("RedHat", "RHEL", "8-lvm-gen2"),
                ("SUSE", "sles-15-sp5", "gen2"), ("Debian", "debian-12", "12-gen2")]
# Portal orchestration option of an Azure VM: cms = Customer Managed Schedules, asd = Azure
# Managed - Safe Deployment, byos = Windows Automatic Updates, absent = no patchSettings.
WIN_MODES = ["cms"] * 7 + ["asd"] * 3 + ["byos"] * 4 + ["manual"] * 3 + ["absent"] * 3
LINUX_MODES = ["cms"] * 8 + ["asd"] * 3 + ["imagedefault"] * 6 + ["absent"] * 3
ARC_WIN_MODES = ["AutomaticByPlatform"] * 5 + ["AutomaticByOS", "Manual", "absent"] * 2
ARC_LINUX_MODES = ["AutomaticByPlatform"] * 5 + ["ImageDefault"] * 3 + ["absent"] * 2
PATCH_MODE = {"cms": "AutomaticByPlatform", "asd": "AutomaticByPlatform", "byos": "AutomaticByOS",
              "manual": "Manual", "imagedefault": "ImageDefault"}
RUN_STATUS = ["Succeeded"] * 80 + ["Failed"] * 10 + ["CompletedWithWarnings"] * 7 + [
    "InProgress", "NotStarted", "Unknown"]
REBOOT = ["NotNeeded"] * 55 + ["Completed"] * 35 + ["Required"] * 7 + ["Failed"] * 3
REBOOT_SETTINGS = ["IfRequired", "IfRequired", "Never", "Always"]
WIN_CLASSES = ("critical", "security", "definition", "updateRollup", "featurePack",
               "servicePack", "tools", "updates")
RECUR = ["Week Saturday", "Week Sunday", "Week Saturday,Sunday", "Month Second Tuesday Offset4",
         "Month Third Sunday", "Month Last Sunday", "Day", "2Weeks Wednesday", "Month day15"]
ZONES = ["UTC", "W. Europe Standard Time", "Eastern Standard Time", "Pacific Standard Time"]
# Sub-objects that never vary are shared between rows; json.dumps writes each one out in full.
SSH = {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData":
                       "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC" + "x7Qm3Kp9Lw2Rt5Yv8Zb" * 18}]}
VM_STATIC = {"diagnosticsProfile": {"bootDiagnostics": {"enabled": True}}, "securityProfile": {
    "securityType": "TrustedLaunch", "uefiSettings": {"secureBootEnabled": True,
                                                      "vTpmEnabled": True}}}
ARC_STATIC = {
    "agentConfiguration": {"extensionsEnabled": "true", "guestConfigurationEnabled": "true",
                           "configMode": "full", "proxyBypass": [], "incomingConnectionsPorts": []},
    "serviceStatuses": {s: {"status": "Running", "startupType": "Automatic"}
                        for s in ("extensionService", "guestConfigurationService")},
    "mssqlDiscovered": "false", "errorDetails": [], "provisioningState": "Succeeded",
    "domainName": "corp.example.com"}


class Plan(NamedTuple):
    """The per-machine choices that decide its row count, drawn from a stream of their own."""
    arc: bool
    windows: bool
    mode: str
    assessed: bool
    runs: int
    config: int  # the assigned maintenance configuration, -1 for none


def plans(n: int, seed: int) -> Iterator[Plan]:
    rng = random.Random(seed)
    for _ in range(n):
        arc, windows = rng.random() < 0.15, rng.random() < 0.55
        mode = rng.choice((ARC_WIN_MODES if windows else ARC_LINUX_MODES) if arc
                          else WIN_MODES if windows else LINUX_MODES)
        share = 0.5 if arc else 0.8 if mode == "cms" else 0.1
        config = rng.randrange(N_CONFIGS) if rng.random() < share else -1
        yield Plan(arc, windows, mode, rng.random() < 0.94, rng.randint(3, 7), config)


def iso(ago: float) -> str:
    """CAPTURED_AT minus `ago` seconds, as Resource Graph prints it (7-digit fraction, Z)."""
    t = CAPTURE_EPOCH - max(ago, 0.0)
    s = int(t)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{int((t - s) * 1e7):07d}Z"


def config_id(j: int) -> str:
    return (f"/subscriptions/{SUBS[j % 20]}/resourceGroups/RG-Maintenance/providers/"
            f"Microsoft.Maintenance/maintenanceConfigurations/mc-guestpatch-{j:02d}")


def arg_row(rid: str, name: str, rtype: str, location: str, rg: str, sub: str) -> Row:
    return {"id": rid, "name": name, "type": rtype, "tenantId": TENANT, "kind": "",
            "location": location, "resourceGroup": rg, "subscriptionId": sub, "managedBy": "",
            "sku": None, "plan": None, "properties": {}, "tags": None, "identity": None,
            "zones": None, "extendedLocation": None}


class Estate:
    """Yields (table, row): the maintenance configurations, then each machine's rows."""

    def __init__(self, n: int, seed: int) -> None:
        self.n, self.seed, self.r = n, seed, random.Random(seed + 1)

    def guid(self) -> str:
        h = f"{self.r.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def configuration(self, j: int) -> Row:
        r = self.r
        row = arg_row(config_id(j), f"mc-guestpatch-{j:02d}", "microsoft.maintenance/"
                      "maintenanceconfigurations", LOCATIONS[j % 8], "rg-maintenance", SUBS[j % 20])
        row["tags"] = {"owner": "platform-team", "ring": f"ring{j % 4}"}
        window = {"startDateTime": f"2025-0{1 + j % 9}-{1 + j % 28:02d} {r.choice([1, 22]):02d}:00",
                  "expirationDateTime": r.choice(["9999-12-31 00:00", None, "2027-06-30 00:00"]),
                  "duration": "05:00" if j % 17 == 3 else r.choice(["03:55", "02:00", "01:30"]),
                  "timeZone": r.choice(ZONES), "recurEvery": RECUR[j % len(RECUR)]}
        win = {"classificationsToInclude": ["Critical", "Security"] + ["UpdateRollup"] * (j % 2),
               "kbNumbersToExclude": [], "kbNumbersToInclude": [],
               "excludeKbsRequiringReboot": j % 5 == 0}
        linux = {"classificationsToInclude": ["Critical", "Security"] + ["Other"] * (j % 3 > 0),
                 "packageNameMasksToExclude": ["kernel*"] * (j % 4 == 0),
                 "packageNameMasksToInclude": []}
        row["properties"] = {
            "namespace": "Microsoft.Maintenance", "maintenanceScope": "InGuestPatch",
            "visibility": "Custom", "extensionProperties": {"InGuestPatchMode": "User"},
            "maintenanceWindow": window, "installPatches": {"rebootSetting": r.choice(
                REBOOT_SETTINGS), "windowsParameters": win, "linuxParameters": linux}}
        return row

    def os_config(self, p: Plan) -> Row:
        """windowsConfiguration or linuxConfiguration of an Azure VM, with its patchSettings."""
        r = self.r
        conf: Row = {"provisionVMAgent": True}
        if p.windows:  # manual needs enableAutomaticUpdates=false, byos needs true
            conf["enableAutomaticUpdates"] = p.mode == "byos" or (p.mode != "manual" and (
                r.random() < (0.8 if p.mode == "absent" else 0.5)))
        else:
            conf.update(disablePasswordAuthentication=True, ssh=SSH)
        if p.mode == "absent":
            if r.random() < 0.3:
                conf["patchSettings"] = {"assessmentMode": "ImageDefault"}
            return conf
        ps: Row = {"patchMode": PATCH_MODE[p.mode],
                   "assessmentMode": "ImageDefault" if r.random() < 0.35 else "AutomaticByPlatform"}
        if p.windows:
            ps["enableHotpatching"] = p.mode in ("cms", "asd") and r.random() < 0.1
        if p.mode in ("cms", "asd"):
            abps: Row = {"rebootSetting": r.choice(REBOOT_SETTINGS)}
            ps["automaticByPlatformSettings"] = abps
            if p.mode == "cms" or r.random() < 0.6:  # Safe Deployment: false or absent
                abps["bypassPlatformSafetyChecksOnUserSchedule"] = p.mode == "cms"
        conf["patchSettings"] = ps
        return conf

    def vm_properties(self, p: Plan, name: str, prefix: str) -> Row:
        r, win = self.r, p.windows
        pub, offer, sku = r.choice(WIN_IMAGES if win else LINUX_IMAGES)
        disk = f"{prefix}/Microsoft.Compute/disks/{name}"
        data_disks = [{"lun": k, "name": f"{name}_DataDisk_{k}", "createOption": "Attach",
                       "caching": "ReadOnly", "diskSizeGB": 256 << k, "toBeDetached": False,
                       "deleteOption": "Detach", "managedDisk": {
                           "storageAccountType": "Premium_LRS", "id": f"{disk}_DataDisk_{k}"}}
                      for k in range(r.choice([0, 0, 1, 1, 2, 3]))]
        os_disk = {"osType": "Windows" if win else "Linux", "createOption": "FromImage",
                   "name": f"{name}_OsDisk_1_{r.getrandbits(128):032x}", "caching": "ReadWrite",
                   "deleteOption": "Delete", "diskSizeGB": 127 if win else 30, "managedDisk": {
                       "storageAccountType": "Premium_LRS", "id": f"{disk}_OsDisk_1"}}
        image = {"publisher": pub, "offer": offer, "sku": sku, "version": "latest",
                 "exactVersion": f"{r.randint(17763, 26100)}.{r.randint(1000, 7000)}.241105"}
        state = "running" if r.random() < 0.9 else "deallocated"
        view = {"computerName": name[:15], "hyperVGeneration": "V2",
                "osName": "Windows Server 2022 Datacenter" if win else "ubuntu",
                "osVersion": "10.0.20348.2849" if win else "22.04", "powerState": {
                    "code": f"PowerState/{state}", "displayStatus": f"VM {state}", "level": "Info"}}
        nic = {"id": f"{prefix}/Microsoft.Network/networkInterfaces/{name}-nic01",
               "properties": {"deleteOption": "Delete"}}
        return {"vmId": self.guid(), "provisioningState": "Succeeded",
                "timeCreated": iso(r.uniform(60, 900) * DAY),
                "hardwareProfile": {"vmSize": r.choice(SIZES)},
                "storageProfile": {"imageReference": image, "osDisk": os_disk,
                                   "dataDisks": data_disks, "diskControllerType": "SCSI"},
                "osProfile": {"computerName": name[:15], "adminUsername": "azureuser",
                              "secrets": [], "allowExtensionOperations": r.random() < 0.98,
                              "requireGuestProvisionSignal": True,
                              f"{'windows' if win else 'linux'}Configuration": self.os_config(p)},
                "networkProfile": {"networkInterfaces": [nic]}, **VM_STATIC,
                "extended": {"instanceView": view}}

    def arc_properties(self, p: Plan, name: str) -> Row:
        r, os_name = self.r, "windows" if p.windows else "linux"
        status = r.choice(["Connected"] * 17 + ["Disconnected"] * 2 + ["Error"])
        assess = "ImageDefault" if r.random() < 0.3 else "AutomaticByPlatform"
        conf = {} if p.mode == "absent" else {
            "patchSettings": {"patchMode": p.mode, "assessmentMode": assess}}
        return {"status": status, "lastStatusChange": iso(r.uniform(0, 2 if status == "Connected"
                                                                    else 45) * DAY),
                "agentVersion": f"1.{r.randint(38, 47)}.{r.randint(2000, 2999)}.{r.randint(1, 99)}",
                "osName": os_name, "osType": os_name,
                "osVersion": "10.0.20348.2849" if p.windows else "5.15.0-1057-azure",
                "osSku": "Windows Server 2022 Datacenter" if p.windows else "Ubuntu 22.04.4 LTS",
                "displayName": name, "machineFqdn": f"{name}.corp.example.com",
                "dnsFqdn": f"{name}.corp.example.com", "vmId": self.guid(), "vmUuid": self.guid(),
                "osProfile": {"computerName": name, f"{os_name}Configuration": conf},
                "detectedProperties": {"cloudprovider": r.choice(["N/A", "AWS", "GCP"]),
                                       "manufacturer": "VMware, Inc.", "model": "VMware7,1"},
                **ARC_STATIC}

    def machine(self, i: int, p: Plan) -> Iterator[tuple[str, Row]]:
        r = self.r
        sub, workload, location = SUBS[i % 20], r.choice(WORKLOADS), r.choice(LOCATIONS)
        rg, name = f"RG-{workload}-{r.randrange(40):03d}", f"-{workload.lower()}-{i:06d}"
        name = ("arc" if p.arc else "vm") + name
        provider = ("Microsoft.HybridCompute/machines" if p.arc
                    else "Microsoft.Compute/virtualMachines")
        rtype, rg_col = provider.lower(), rg if r.random() < 0.5 else rg.lower()
        prefix = f"/subscriptions/{sub}/resourceGroups/{rg}/providers"
        mid = f"{prefix}/{provider}/{name}"  # ARM casing on the machine row only
        variants = [mid, mid.lower(), (f"/subscriptions/{sub}/resourcegroups/{rg.lower()}/"
                                       f"providers/{rtype}/{name.upper()}")]

        def pick() -> str:  # how another table spells the machine id
            return variants[0] if r.random() < 0.5 else variants[1 + (r.random() < 0.5)]

        row = arg_row(mid, name, rtype, location, rg_col, sub)
        row["tags"] = {"env": r.choice(["prod", "prod", "dev", "test"]),
                       "workload": workload.lower(), "costCenter": f"CC-{r.randint(1000, 1099)}"}
        if p.arc:
            row["identity"] = {"type": "SystemAssigned", "principalId": self.guid(),
                               "tenantId": TENANT}
            row["properties"] = self.arc_properties(p, name)
        else:
            row["zones"] = [str(r.randint(1, 3))] if r.random() < 0.4 else None
            row["properties"] = self.vm_properties(p, name, prefix)
        yield "resources", row
        os_type = "Windows" if p.windows else "Linux"
        services = ["WU", "WU_WSUS"] if p.windows else ["APT", "YUM", "Zypper"]
        if p.assessed:
            a = arg_row(f"{pick()}/patchAssessmentResults/latest", self.guid(),
                        f"{rtype}/patchassessmentresults", location, rg_col, sub)
            ago = r.expovariate(1.2) * DAY if r.random() < 0.9 else r.uniform(1, 7) * DAY
            status = r.choice(["Succeeded"] * 24 + ["Failed", "CompletedWithWarnings"])
            counts = {k: r.randint(0, 6) if r.random() < 0.3 else 0
                      for k in (WIN_CLASSES if p.windows else ("critical", "security", "other"))}
            a["properties"] = {
                "status": status, "rebootPending": r.random() < 0.1, "osType": os_type,
                "patchServiceUsed": r.choice(services), "startDateTime": iso(ago),
                "lastModifiedDateTime": iso(ago - r.uniform(30, 600)),
                "startedBy": r.choice(["Platform", "Platform", "User"]),
                "assessmentActivityId": self.guid(), "availablePatchCountByClassification": counts,
                "errorDetails": None if status != "Failed" else {
                    "code": "UpdateServiceUnreachable", "details": [],
                    "message": "The update service could not be reached."}}
            yield "patchassessmentresources", a
        run_id = self.guid() if p.config >= 0 else None  # the schedule run id
        for _ in range(p.runs):
            run = self.guid()
            w = arg_row(f"{pick()}/patchInstallationResults/{run}", run,
                        f"{rtype}/patchinstallationresults", location, rg_col, sub)
            status, ago = r.choice(RUN_STATUS), r.uniform(0, 60) * DAY
            failed = r.randint(1, 3) if status == "Failed" and r.random() < 0.7 else 0
            w["properties"] = {
                "installationActivityId": self.guid(), "status": status,
                "maintenanceWindowExceeded": status == "Failed" and not failed,
                "startedBy": "User" if run_id else "Platform", "osType": os_type,
                "startDateTime": iso(ago), "lastModifiedDateTime": iso(ago - r.uniform(120, 7200)),
                "patchServiceUsed": r.choice(services), "rebootStatus": r.choice(REBOOT),
                "maintenanceRunId": run_id, "installedPatchCount": r.randint(0, 12),
                "failedPatchCount": failed, "excludedPatchCount": r.choice([0, 0, 0, 1]),
                "pendingPatchCount": 0 if status == "Succeeded" else r.randint(0, 2),
                "notSelectedPatchCount": r.randint(0, 20),
                "errorDetails": None if status != "Failed" else {
                    "code": "PackageInstallationFailed" if failed else "MaintenanceWindowExceeded",
                    "details": [], "message": "One or more updates were not installed."}}
            yield "patchinstallationresources", w
        if p.config >= 0:
            cfg, aname = config_id(p.config), f"mc-guestpatch-{p.config:02d}-{name}"
            c = arg_row(f"{pick()}/providers/Microsoft.Maintenance/configurationAssignments/"
                        f"{aname}", aname, "microsoft.maintenance/configurationassignments",
                        location, rg_col, sub)
            c["properties"] = {"resourceId": pick(), "maintenanceConfigurationId":
                               cfg if r.random() < 0.6 else cfg.lower()}
            yield "maintenanceresources", c

    def rows(self) -> Iterator[tuple[str, Row]]:
        for j in range(N_CONFIGS):
            yield "resources", self.configuration(j)
        for i, p in enumerate(plans(self.n, self.seed)):
            yield from self.machine(i, p)

    def count(self) -> int:
        return N_CONFIGS + sum(1 + p.assessed + p.runs + (p.config >= 0)
                               for p in plans(self.n, self.seed))


def write_azgraph(estate: Estate, out: Path, az_indent: bool) -> None:
    """One `az graph query -o json` document, keys sorted, written row by row: one row per
    line by default, or byte for byte az's own layout (indent 2) with az_indent."""
    total = estate.count()
    with open(out, "w", encoding="utf-8") as f:
        f.write(f'{{\n  "count": {total},\n  "data": [\n    ' if az_indent
                else f'{{"count": {total}, "data": [\n')
        for k, (_, row) in enumerate(estate.rows()):
            if k:
                f.write(",\n    " if az_indent else ",\n")
            f.write(json.dumps(row, sort_keys=True, indent=2, separators=(",", ": "))
                    .replace("\n", "\n    ") if az_indent else json.dumps(row, sort_keys=True))
        f.write(f'\n  ],\n  "skip_token": null,\n  "total_records": {total}\n}}\n' if az_indent
                else f'\n], "skip_token": null, "total_records": {total}}}\n')


def write_bundle(estate: Estate, out: Path) -> None:
    """A snapshot bundle folder: one gzip-compressed JSONL file per table, then manifest.json."""
    out.mkdir(parents=True)
    rows = dict.fromkeys(TABLES, 0)
    with contextlib.ExitStack() as stack:
        files = {t: stack.enter_context(gzip.open(out / f"{t}.jsonl.gz", "wt", compresslevel=1,
                                                  encoding="utf-8", newline="\n")) for t in TABLES}
        for table, row in estate.rows():
            files[table].write(json.dumps(row) + "\n")
            rows[table] += 1
    manifest = {"format": "aum-auditor-snapshot", "formatVersion": 1, "capturedAt": CAPTURED_AT,
                "cloud": "AzureCloud", "scope": {"subscriptions": SUBS, "managementGroups": []},
                "tool": {"name": "aum-auditor-benchmarks", "version": "0.1.0"},
                "tables": {t: {"file": f"{t}.jsonl.gz", "rows": rows[t]} for t in TABLES}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir()) if path.is_dir() else path.stat().st_size


def generate(n: int, out: Path, fmt: str, seed: int = 1, az_indent: bool = False) -> None:
    """Write to OUT.partial, then rename: an interrupted run leaves no complete-looking OUT."""
    if out.is_dir() and not (out / "manifest.json").is_file():
        raise SystemExit(f"refusing to replace {out}: a folder that is not a snapshot bundle")
    tmp = out.with_name(out.name + ".partial")
    for old in (tmp, out):
        shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "bundle":
        write_bundle(Estate(n, seed), tmp)
    else:
        write_azgraph(Estate(n, seed), tmp, az_indent)
    os.replace(tmp, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("n", type=int, help="number of machines")
    ap.add_argument("out", type=Path, help="the JSON file (azgraph) or bundle folder; with "
                    "--format both, the JSON file, and the bundle is that name without .json")
    ap.add_argument("--format", choices=["azgraph", "bundle", "both"], default="azgraph")
    ap.add_argument("--az-indent", action="store_true", help="indent as `az -o json` does")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    jobs = [(args.format, args.out)]
    if args.format == "both":
        stem = args.out.with_suffix("") if args.out.suffix == ".json" else args.out
        jobs = [("azgraph", stem.with_name(stem.name + ".json")), ("bundle", stem)]
    for fmt, out in jobs:
        t0 = time.perf_counter()
        generate(args.n, out, fmt, args.seed, args.az_indent)
        size = size_of(out)
        print(f"{fmt}: {out}  {size:,} bytes ({size / 1e6:,.1f} MB) in "
              f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
