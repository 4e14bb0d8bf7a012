#!/usr/bin/env python3
"""Write the bundled example estate, auditor/examples/estate/, as a snapshot bundle (format 1).

The estate is hand-made. Every machine, schedule, assignment, assessment and installation run is
written out below in plain tables; the code at the end only turns those tables into Azure
Resource Graph rows (objectArray form) and writes the bundle plus its README. The output is
deterministic: running the script twice gives byte-identical files. Standard library only.

    python scripts/make_example_estate.py

Each row says what it demonstrates (`covers=`, or a comment) and which rules it is designed to
make FAIL (`fails=`); a rule not listed passes on that row or does not apply to it. All times are
UTC and relative to CAPTURED_AT (Monday 2026-11-16 06:00Z). Western Europe is on UTC+1 and the
US Pacific zone on UTC-8 after the October/November 2026 clock changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "auditor" / "examples" / "estate"
CAPTURED_AT = "2026-11-16T06:00:00Z"
S1 = "00000000-0000-0000-0000-000000000001"  # "contoso-prod"
S2 = "00000000-0000-0000-0000-000000000002"  # "contoso-devtest"
TENANT = "00000000-0000-0000-0000-000000000000"
WEU, NEU, WUS2, EUS = "westeurope", "northeurope", "westus2", "eastus"
ABP, ABOS, MANUAL, IMGDEF = "AutomaticByPlatform", "AutomaticByOS", "Manual", "ImageDefault"
WIN_ALL = ("Critical", "Security", "UpdateRollup", "Definition")
LIN_ALL = ("Critical", "Security")
Row = dict[str, Any]  # one Resource Graph row, as written to the bundle

# The tables below are laid out by hand; keep the formatter away from them.
# fmt: off
# Azure VM images: key -> (publisher, offer, sku, version, OS, patch service, VM size).
# The three "*ae*" skus are on the hotpatch-eligible list (DOMAIN.md section 1.2); the rest are not.
IMAGES = {
    "ws2019": ("MicrosoftWindowsServer", "WindowsServer", "2019-datacenter-gensecond", "latest", "Windows", "WU", "Standard_D2s_v5"),
    "ws2022": ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-g2", "latest", "Windows", "WU", "Standard_D4s_v5"),
    "ws2022ae-core": ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition-core", "latest", "Windows", "WU", "Standard_D4s_v5"),
    "ws2022ae-core-sd": ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition-core-smalldisk", "latest", "Windows", "WU", "Standard_D2s_v5"),
    "ws2025ae": ("MicrosoftWindowsServer", "WindowsServer", "2025-datacenter-azure-edition", "latest", "Windows", "WU", "Standard_D4s_v5"),
    "sql2019": ("MicrosoftSQLServer", "sql2019-ws2022", "standard-gen2", "15.0.241010", "Windows", "WU_WSUS", "Standard_E8s_v5"),
    "ubuntu2204": ("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "latest", "Linux", "APT", "Standard_D2s_v5"),
    "ubuntu2404": ("Canonical", "ubuntu-24_04-lts", "server", "latest", "Linux", "APT", "Standard_D2s_v5"),
    "rhel9": ("RedHat", "RHEL", "9-lvm-gen2", "latest", "Linux", "YUM", "Standard_D4s_v5"),
    "sles15": ("SUSE", "sles-15-sp5", "gen2", "latest", "Linux", "Zypper", "Standard_D2s_v5"),
}
# Arc operating systems: key -> (osType, osSku, osVersion, patch service).
ARC_OS = {
    "ws2016": ("windows", "Windows Server 2016 Datacenter", "10.0.14393.7428", "WU_WSUS"),
    "ws2019": ("windows", "Windows Server 2019 Datacenter", "10.0.17763.6414", "WU"),
    "ws2022": ("windows", "Windows Server 2022 Standard", "10.0.20348.2762", "WU"),
    "ubuntu2004": ("linux", "Ubuntu 20.04.6 LTS", "20.04", "APT"),
    "ubuntu2204": ("linux", "Ubuntu 22.04.5 LTS", "22.04", "APT"),
    "rhel8": ("linux", "Red Hat Enterprise Linux 8.10", "8.10", "YUM"),
}


@dataclass
class P:
    """One update: Windows has a KB number and a publish date, Linux a version and no date."""

    name: str
    kb_or_version: str
    classes: list[str]
    published: str | None = None
    state: str | None = None  # installation rows only: Installed | Failed | Pending
    reboot: bool = False


@dataclass
class A:
    """The latest assessment. `by` defaults to Platform when assessmentMode is
    AutomaticByPlatform."""

    at: str
    status: str = "Succeeded"
    # camelCase classification -> count; the others are 0
    counts: dict[str, int] = field(default_factory=dict)
    reboot_pending: bool = False
    by: str | None = None
    text: bool = False  # counts as strings, as a tostring() KQL export gives them
    service: str | None = None
    error: tuple[str, str] | None = None
    patches: list[P] = field(default_factory=list)


@dataclass
class R:
    """One installation run; n = (installed, failed, pending, excluded, notSelected)."""

    start: str
    minutes: int
    status: str
    by: str
    reboot: str = "NotNeeded"
    n: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    mwe: bool | str = False  # maintenanceWindowExceeded
    mc: str | None = None  # the schedule that triggered it (sets maintenanceRunId)
    text: bool = False
    error: tuple[str, str] | None = None
    patches: list[P] = field(default_factory=list)


@dataclass
class M:
    name: str
    sub: str
    rg: str
    loc: str
    kind: str  # "vm" | "arc"
    image: str  # IMAGES key (vm) or ARC_OS key (arc)
    mode: str | None  # patchMode; None on a VM: no patchSettings object at all
    assess: str | None = None  # assessmentMode
    bypass: bool | None = None  # None: no automaticByPlatformSettings
    hotpatch: bool | None = None
    reboot: str = "IfRequired"
    auto_updates: bool | None = None  # Windows enableAutomaticUpdates (default: mode != Manual)
    power: str = "running"  # running | stopped | deallocated
    agent: tuple[str, str] = ("Connected", "2026-10-02 09:14")  # Arc status, lastStatusChange
    tags: dict[str, str] = field(default_factory=dict)
    schedules: list[str] = field(default_factory=list)  # static configuration assignments
    dyn: list[str] = field(default_factory=list)  # dynamic scopes designed to match it
    assessment: A | None = None
    runs: list[R] = field(default_factory=list)
    quirk: bool = False  # patch/maintenance rows spell its id in another case (see alias_id)
    covers: str = ""
    fails: str = ""


def tags(env: str, owner: str, patchgroup: str | None = None, **more: str) -> dict[str, str]:
    t = {"env": env, "owner": owner}
    if patchgroup:
        t["patchgroup"] = patchgroup
    return {**t, **more}


def VM(name: str, sub: str, rg: str, loc: str, image: str, mode: str | None,
       assess: str | None = None, **kw: Any) -> M:
    return M(name, sub, rg, loc, "vm", image, mode, assess, **kw)


def ARC(name: str, sub: str, rg: str, loc: str, image: str, mode: str | None,
        assess: str | None = None, **kw: Any) -> M:
    return M(name, sub, rg, loc, "arc", image, mode, assess, **kw)


# ---------------------------------------------------------------------------------------------
# Maintenance configurations (rows in resources.jsonl). AUM009 = duration 01:30..03:55,
# recurrence parses, not expired, InGuestPatchMode User.
# (name, sub, rg, location, scope, start, expiration, duration, timeZone, recurEvery, reboot,
#  covers, fails)
Schedule = tuple[str, str, str, str, str, str, str | None, str, str, str, str | None, str, str]
CONFIGS: list[Schedule] = [
    # Valid weekly schedule (every Sunday 02:00 CET = 01:00Z); excludes one KB.
    ("mc-prd-weekly-sun", S1, "rg-patching-prd", WEU, "InGuestPatch", "2025-02-02 02:00", "9999-12-31 23:59", "03:00", "W. Europe Standard Time", "Week Sunday", "IfRequired", "valid weekly", ""),
    # Valid monthly (Patch Tuesday + 4 days = Sat Nov 14 22:00Z); duration at the 03:55 maximum.
    ("mc-wave1-monthly", S1, "rg-patching-prd", WEU, "InGuestPatch", "2025-01-18 22:00", "9999-12-31 23:59", "03:55", "UTC", "Month Second Tuesday Offset4", "IfRequired", "valid monthly, duration at the 03:55 maximum; target of the dynamic scope", ""),
    # Valid, twice a week, no expirationDateTime at all (never expires). Arc servers.
    ("mc-arc-weekend", S1, "rg-patching-prd", WEU, "InGuestPatch", "2025-06-07 03:00", None, "02:00", "W. Europe Standard Time", "Week Saturday,Sunday", "IfRequired", "valid weekly (two days), no expiration", ""),
    # EXPIRED: expirationDateTime before capturedAt.
    ("mc-legacy-expired", S1, "rg-patching-prd", WEU, "InGuestPatch", "2024-03-06 01:00", "2026-06-30 23:59", "02:00", "W. Europe Standard Time", "Week Wednesday", "IfRequired", "EXPIRED on 2026-06-30", "AUM009"),
    # Duration 05:00: longer than the InGuestPatch maximum of 03:55.
    ("mc-sql-long-window", S1, "rg-patching-prd", WEU, "InGuestPatch", "2025-01-26 00:00", "9999-12-31 23:59", "05:00", "UTC", "Month Last Sunday", "Never", "duration 05:00 (too long)", "AUM009"),
    # Not an Update Manager schedule: Host scope. Covering a VM with it does not count for AUM003.
    ("mc-host-platform", S1, "rg-patching-prd", WEU, "Host", "2026-01-01 00:00", None, "05:00", "UTC", "Day", None, "maintenanceScope Host (not InGuestPatch; AUM009 n/a)", ""),
    # Valid daily at 01:00 Pacific (09:00Z), duration at the 01:30 minimum.
    ("mc-dev-daily-linux", S2, "rg-maint-dev", WUS2, "InGuestPatch", "2025-03-01 01:00", "9999-12-31 23:59", "01:30", "Pacific Standard Time", "Day", "IfRequired", "valid daily, duration at the 01:30 minimum", ""),
    # Valid every second Saturday 20:00 Pacific (Nov 7 20:00 PST = Nov 8 04:00Z).
    ("mc-dev-2weeks", S2, "rg-maint-dev", WUS2, "InGuestPatch", "2026-01-03 20:00", "2027-12-31 23:59", "02:00", "Pacific Standard Time", "2Weeks", "Always", "valid every two weeks", ""),
    # Unparseable recurEvery.
    ("mc-test-fortnightly", S2, "rg-maint-dev", WUS2, "InGuestPatch", "2026-02-01 03:00", "9999-12-31 23:59", "02:00", "UTC", "Fortnightly", "IfRequired", "recurEvery 'Fortnightly' does not parse", "AUM009"),
]
KB_EXCLUDED = {"mc-prd-weekly-sun": ["KB5070884"]}
DELETED_CONFIGS = {"mc-retired-weekly": (S1, "rg-patching-prd")}  # assigned but not in the snapshot

# Dynamic scopes (configuration assignments at subscription scope, in maintenanceresources.jsonl).
DYNAMIC = [
    # Matches Windows VMs/Arc machines tagged patchgroup=wave1 in four RGs of West Europe; misses
    # other tags, Linux, North Europe (vm-app-prd-07) and RGs not listed (vm-jump-prd-01).
    ("dyn-wave1-windows-weu", S1, "mc-wave1-monthly", {
        "resourceTypes": ["Microsoft.Compute/virtualMachines", "Microsoft.HybridCompute/machines"],
        "resourceGroups": ["rg-web-prd", "rg-app-prd", "rg-data-prd", "rg-arc-onprem"],
        "osTypes": ["Windows"], "locations": ["West Europe"],
        "tagSettings": {"tags": {"patchgroup": ["wave1"]}, "filterOperator": "Any"}}),
    # "All" operator: env=dev AND patchgroup=daily, Linux VMs in West US 2, any RG.
    ("dyn-linux-dev-daily", S2, "mc-dev-daily-linux", {
        "resourceTypes": ["Microsoft.Compute/virtualMachines"], "osTypes": ["Linux"],
        "locations": ["West US 2"],
        "tagSettings": {"tags": {"env": ["dev"], "patchgroup": ["daily"]}, "filterOperator": "All"}}),
]
ORPHAN_ASSIGNMENT = (S1, "rg-app-prd", "vm-decom-prd-09", "mc-prd-weekly-sun")  # machine not in snapshot: AUM013 fails
ORPHAN_ASSESSMENT = (S1, "rg-web-prd", WEU, "vm-old-prd-07", "2026-11-15 02:40")  # machine not in snapshot

# ---------------------------------------------------------------------------------------------
# Machines. Matrix = DOMAIN.md section 5 (AutomaticByPlatform x bypass x schedule attached).
MACHINES = [
    # ===== Subscription 1 (prod), West/North Europe =====
    VM("vm-web-prd-01", S1, "rg-web-prd", WEU, "ws2022ae-core", ABP, ABP, bypass=True, hotpatch=True,
       tags=tags("prod", "team-web", "wave1"), schedules=["mc-prd-weekly-sun"], dyn=["dyn-wave1-windows-weu"],
       covers="matrix yes/true/yes (Windows); Customer Managed Schedules; hotpatch-eligible with hotpatching on; static + dynamic coverage; failed and overrun run 43 days ago (outside 30 d)",
       assessment=A("2026-11-16 02:14", counts={"definition": 1}, patches=[
           P("Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.441.112.0) - Current Channel (Broad)", "2267602", ["Definition Updates"], "2026-11-15 11:00")]),
       runs=[R("2026-11-15 01:00", 34, "Succeeded", "Platform", n=(2, 0, 0, 0, 14), mc="mc-prd-weekly-sun", patches=[
                 P("2026-11 Security Hotpatch Update for Windows Server 2022 Datacenter: Azure Edition (KB5070893)", "5070893", ["Security"], "2026-11-10 18:00", "Installed"),
                 P("Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.441.98.0) - Current Channel (Broad)", "2267602", ["Definition Updates"], "2026-11-14 10:00", "Installed")]),
             R("2026-11-14 22:00", 12, "Succeeded", "Platform", n=(0, 0, 0, 0, 16), mc="mc-wave1-monthly"),
             R("2026-11-08 01:00", 29, "Succeeded", "Platform", n=(1, 0, 0, 0, 15), mc="mc-prd-weekly-sun"),
             R("2026-10-04 00:00", 180, "Failed", "Platform", n=(3, 1, 2, 0, 12), mwe=True, mc="mc-prd-weekly-sun",
               error=("InstallationFailed", "Maintenance window exceeded; 2 updates were not installed."))]),
    VM("vm-web-prd-02", S1, "rg-web-prd", WEU, "ws2025ae", ABP, ABP, bypass=True, hotpatch=True,
       tags=tags("prod", "team-web", "wave1"), dyn=["dyn-wave1-windows-weu"],
       covers="Customer Managed Schedules covered ONLY by the dynamic scope (monthly); hotpatch-eligible 2025 image with hotpatching on",
       assessment=A("2026-11-16 01:47"),
       runs=[R("2026-11-14 22:00", 21, "Succeeded", "Platform", n=(1, 0, 0, 0, 9), mc="mc-wave1-monthly"),
             R("2026-10-17 22:00", 64, "Succeeded", "Platform", "Completed", n=(4, 0, 0, 0, 6), mc="mc-wave1-monthly")]),
    VM("vm-web-prd-03", S1, "rg-web-prd", WEU, "ws2025ae", ABP, ABP, bypass=True, hotpatch=False,
       tags=tags("prod", "team-web", "wave2"), schedules=["mc-prd-weekly-sun"], fails="AUM008",
       covers="hotpatch-eligible image WITHOUT hotpatching; security update available but published 6 days ago (inside the 14-day grace); latest run InProgress",
       assessment=A("2026-11-16 03:05", counts={"security": 1}, patches=[
           P("2026-11 Cumulative Update for Microsoft server operating system version 24H2 for x64-based Systems (KB5070884)", "5070884", ["Security"], "2026-11-10 18:00", reboot=True)]),
       runs=[R("2026-11-16 05:41", 11, "InProgress", "User", n=(0, 0, 1, 0, 0)),
             R("2026-11-15 01:00", 52, "Succeeded", "Platform", "Completed", n=(3, 0, 0, 1, 10), mc="mc-prd-weekly-sun"),
             R("2026-11-08 01:00", 26, "Succeeded", "Platform", n=(1, 0, 0, 0, 12), mc="mc-prd-weekly-sun")]),
    VM("vm-web-prd-04", S1, "rg-web-prd", WEU, "ws2022", ABP, ABP, bypass=True,
       tags=tags("prod", "team-web", "wave2"), schedules=["mc-retired-weekly"], fails="AUM003 AUM006",
       covers="matrix yes/true/no (Windows): its only assignment points to a deleted schedule, so nothing runs; old security updates pile up",
       assessment=A("2026-11-16 02:30", counts={"security": 2, "updates": 1}, patches=[
           P("2026-10 Cumulative Update for Microsoft server operating system version 21H2 for x64-based Systems (KB5066782)", "5066782", ["Security"], "2026-10-13 17:00", reboot=True),
           P("2026-09 Cumulative Update for .NET Framework 3.5, 4.8 and 4.8.1 for Microsoft server operating system version 21H2 for x64 (KB5064402)", "5064402", ["Security"], "2026-09-08 17:00"),
           P("Update for Microsoft Defender Antivirus antimalware platform - KB4052623 (Version 4.18.25100.9)", "4052623", ["Updates"], "2026-10-28 09:00")]),
       runs=[R("2026-09-30 10:12", 47, "Succeeded", "User", "Completed", n=(6, 0, 0, 0, 3))]),
    VM("vm-web-prd-05", S1, "rg-web-prd", WEU, "ubuntu2204", ABP, ABP, bypass=True,
       tags=tags("prod", "team-web", "wave1"), schedules=["mc-prd-weekly-sun"],
       covers="matrix yes/true/yes (Linux); Customer Managed Schedules; wave1 tag but Linux, so the Windows-only dynamic scope misses it",
       assessment=A("2026-11-16 04:02", counts={"other": 2}),
       runs=[R("2026-11-15 01:00", 9, "Succeeded", "Platform", n=(7, 0, 0, 0, 2), mc="mc-prd-weekly-sun"),
             R("2026-11-08 01:00", 14, "CompletedWithWarnings", "Platform", n=(5, 0, 1, 0, 2), mc="mc-prd-weekly-sun")]),
    VM("vm-app-prd-01", S1, "rg-app-prd", WEU, "ws2019", ABP, ABP, bypass=False,
       tags=tags("prod", "team-app", "wave2"), fails="AUM004",
       covers="matrix yes/false/no (Windows): Azure Managed - Safe Deployment (autopatched); FAILED platform run 11 days ago",
       assessment=A("2026-11-16 01:20"),
       runs=[R("2026-11-05 09:30", 41, "Succeeded", "User", "Completed", n=(1, 0, 0, 0, 0)),
             R("2026-11-04 23:10", 95, "Failed", "Platform", "Completed", n=(5, 1, 0, 0, 0),
               error=("InstallationFailed", "KB5066586 failed to install: 0x800f0922."))]),
    VM("vm-app-prd-02", S1, "rg-app-prd", WEU, "ubuntu2404", ABP, ABP, bypass=None,
       tags=tags("prod", "team-app", "wave2"),
       covers="matrix yes/false/no (Linux): Azure Managed - Safe Deployment, bypass flag absent (= false)",
       assessment=A("2026-11-16 00:58"),
       runs=[R("2026-11-06 02:40", 18, "Succeeded", "Platform", n=(12, 0, 0, 0, 0)),
             R("2026-10-07 03:05", 16, "Succeeded", "Platform", n=(9, 0, 0, 0, 0))]),
    VM("vm-app-prd-03", S1, "rg-app-prd", WEU, "ws2022", ABP, ABP, bypass=False,
       tags=tags("prod", "team-app", "wave1"), schedules=["mc-prd-weekly-sun"], dyn=["dyn-wave1-windows-weu"], fails="AUM002 AUM014",
       covers="matrix yes/false/yes (Windows): prerequisite error, the schedules never run (static + dynamic)",
       assessment=A("2026-11-16 02:51", counts={"updates": 1}),
       runs=[R("2026-10-28 14:20", 58, "Succeeded", "User", "Completed", n=(4, 0, 0, 0, 2))]),
    VM("vm-app-prd-04", S1, "rg-app-prd", WEU, "rhel9", ABP, ABP, bypass=False,
       tags=tags("prod", "team-app", "wave1"), schedules=["mc-prd-weekly-sun"], fails="AUM002 AUM014",
       covers="matrix yes/false/yes (Linux): prerequisite error, no platform runs",
       assessment=A("2026-11-16 03:33", counts={"other": 3}),
       runs=[R("2026-11-02 10:05", 7, "Succeeded", "User", n=(9, 0, 0, 0, 3))]),
    VM("vm-app-prd-05", S1, "rg-app-prd", WEU, "ws2022", ABP, ABP, bypass=True,
       tags=tags("prod", "team-app", "wave2"), schedules=["mc-host-platform"], fails="AUM003",
       covers="Customer Managed Schedules whose only assignment is a Host-scope configuration (not an Update Manager schedule); counts as strings",
       assessment=A("2026-11-16 01:12", text=True),
       runs=[R("2026-10-21 12:00", 33, "Succeeded", "User", n=(3, 0, 0, 0, 4))]),
    VM("vm-app-prd-06", S1, "rg-app-prd", WEU, "ws2022ae-core-sd", ABOS, IMGDEF,
       tags=tags("prod", "team-app", "wave3"), fails="AUM001 AUM008",
       covers="Windows Automatic Updates; hotpatch-eligible image, hotpatch flag absent; assessment ImageDefault; no installation history",
       assessment=A("2026-11-14 16:25")),
    VM("vm-app-prd-07", S1, "rg-app-prd", NEU, "ws2022", ABP, ABP, bypass=True,
       tags=tags("prod", "team-app", "wave1"), fails="AUM003",
       covers="matrix yes/true/no (Windows): wave1 tag but in North Europe, so the dynamic scope misses it",
       assessment=A("2026-11-16 02:02"),
       runs=[R("2026-10-30 08:00", 44, "Succeeded", "User", "Completed", n=(2, 0, 0, 0, 5))]),
    VM("vm-sql-prd-01", S1, "RG-DATA-PRD", WEU, "sql2019", ABP, ABP, bypass=True, reboot="Never", quirk=True,
       tags=tags("prod", "team-data", "wave1", app="sql"), schedules=["mc-sql-long-window"], dyn=["dyn-wave1-windows-weu"], fails="AUM011",
       covers="RG in upper case here, lower case in the patch/maintenance tables and the dynamic filter; on the 05:00 schedule (exists, unexpired); reboot pending",
       assessment=A("2026-11-16 03:40", counts={"updateRollup": 1}, reboot_pending=True),
       runs=[R("2026-11-14 22:00", 71, "CompletedWithWarnings", "Platform", "Completed", n=(2, 0, 0, 0, 8), mc="mc-wave1-monthly"),
             R("2026-10-25 00:00", 96, "Succeeded", "Platform", "Completed", n=(5, 0, 0, 0, 6), mc="mc-sql-long-window")]),
    VM("vm-sql-prd-02", S1, "RG-DATA-PRD", WEU, "sql2019", ABP, ABP, bypass=True, quirk=True,
       tags=tags("prod", "team-data", "wave2", app="sql"), schedules=["mc-legacy-expired"], fails="AUM003 AUM004 AUM006 AUM010",
       covers="Customer Managed Schedules on an EXPIRED schedule only; failed user run with maintenanceWindowExceeded as the string \"True\"; counts as strings; per-patch install rows",
       assessment=A("2026-11-16 03:58", counts={"security": 1, "updates": 2}, patches=[
           P("Security Update for SQL Server 2019 RTM CU32 (KB5065222)", "5065222", ["Security"], "2026-10-13 17:00", reboot=True),
           P("Update for Microsoft Defender Antivirus antimalware platform - KB4052623 (Version 4.18.25100.9)", "4052623", ["Updates"], "2026-10-28 09:00"),
           P("2026-10 Dynamic Update for Microsoft server operating system version 21H2 for x64-based Systems (KB5066110)", "5066110", ["Updates"], "2026-10-13 17:00")]),
       runs=[R("2026-11-03 19:00", 120, "Failed", "User", n=(2, 1, 0, 0, 5), mwe="True", text=True,
               error=("InstallationFailed", "KB5065222 failed to install: 0x80070643."), patches=[
                   P("2026-10 Cumulative Update for Microsoft server operating system version 21H2 for x64-based Systems (KB5066782)", "5066782", ["Security"], "2026-10-13 17:00", "Installed", True),
                   P("Update for Microsoft Defender Antivirus antimalware platform - KB4052623 (Version 4.18.25090.3)", "4052623", ["Updates"], "2026-09-30 09:00", "Installed"),
                   P("Security Update for SQL Server 2019 RTM CU32 (KB5065222)", "5065222", ["Security"], "2026-10-13 17:00", "Failed", True)]),
             R("2026-06-23 23:00", 48, "Succeeded", "Platform", "Completed", n=(4, 0, 0, 0, 7), mc="mc-legacy-expired")]),
    VM("vm-pg-prd-01", S1, "RG-DATA-PRD", WEU, "ubuntu2204", ABP, ABP, bypass=True, reboot="Never", quirk=True,
       tags=tags("prod", "team-data", "wave1", app="postgres"), schedules=["mc-prd-weekly-sun"], fails="AUM006 AUM011",
       covers="Linux security updates with no publish date (counts as strings); latest run rebootStatus Required; Linux per-patch rows",
       assessment=A("2026-11-16 04:20", counts={"security": 3, "other": 2}, text=True, reboot_pending=True, patches=[
           P("openssl", "3.0.2-0ubuntu1.19", ["Security"]), P("libssl3", "3.0.2-0ubuntu1.19", ["Security"]),
           P("linux-image-6.8.0-1017-azure", "6.8.0-1017.20~22.04.1", ["Security"], reboot=True),
           P("postgresql-common", "238.pgdg22.04+1", ["Other"]), P("tzdata", "2026a-0ubuntu0.22.04", ["Other"])]),
       runs=[R("2026-11-15 01:00", 17, "CompletedWithWarnings", "Platform", "Required", n=(2, 0, 1, 0, 0), mc="mc-prd-weekly-sun", patches=[
                 P("curl", "7.81.0-1ubuntu1.21", ["Security"], None, "Installed"), P("libcurl4", "7.81.0-1ubuntu1.21", ["Security"], None, "Installed"),
                 P("linux-image-6.8.0-1016-azure", "6.8.0-1016.19~22.04.1", ["Security"], None, "Pending", True)]),
             R("2026-11-08 01:00", 11, "Succeeded", "Platform", n=(4, 0, 0, 0, 0), mc="mc-prd-weekly-sun")]),
    VM("vm-etl-prd-01", S1, "RG-DATA-PRD", WEU, "rhel9", ABP, ABP, bypass=True, quirk=True,
       tags=tags("prod", "team-data", "wave2"), fails="AUM003",
       covers="matrix yes/true/no (Linux): silently never patched; failed user run 46 days ago (outside 30 d)",
       assessment=A("2026-11-16 02:44", counts={"other": 6}),
       runs=[R("2026-10-08 10:00", 9, "Succeeded", "User", n=(5, 0, 0, 0, 0)),
             R("2026-10-01 11:00", 12, "Failed", "User", n=(3, 2, 0, 0, 0), error=("PACKAGE_INSTALL_FAILED", "Package 'kernel-5.14.0-503.11.1.el9_5' failed to install."))]),
    VM("vm-jump-prd-01", S1, "rg-jump-prd", WEU, "ws2019", ABOS, IMGDEF, bypass=True,
       tags=tags("prod", "team-ops", "wave1"), fails="AUM001 AUM006",
       covers="matrix no/true/no (Windows AutomaticByOS + bypass); wave1 tag but its RG is not in the dynamic filter; old critical/security updates available",
       assessment=A("2026-11-15 09:12", counts={"critical": 1, "security": 2, "updateRollup": 1}, patches=[
           P("2026-10 Cumulative Update for Windows Server 2019 for x64-based Systems (KB5066586)", "5066586", ["Security"], "2026-10-13 17:00", reboot=True),
           P("2026-09 Cumulative Update for .NET Framework 3.5, 4.7.2 and 4.8 for Windows Server 2019 for x64 (KB5064398)", "5064398", ["Security"], "2026-09-08 17:00"),
           P("2026-09 Servicing Stack Update for Windows Server 2019 for x64-based Systems (KB5064970)", "5064970", ["Critical"], "2026-09-08 17:00"),
           P("Windows Malicious Software Removal Tool x64 - v5.141 (KB890830)", "890830", ["UpdateRollup"], "2026-10-13 17:00")]),
       runs=[R("2026-10-19 10:00", 66, "Succeeded", "User", "Completed", n=(3, 0, 0, 0, 1))]),
    VM("vm-jump-prd-02", S1, "rg-jump-prd", WEU, "ws2022", MANUAL, ABP,
       tags=tags("prod", "team-ops"),
       covers="matrix no/false/no (Windows): Manual updates; failed and overrun user run exactly 45 days ago (outside 30 d)",
       assessment=A("2026-11-16 01:35"),
       runs=[R("2026-10-20 15:30", 49, "Succeeded", "User", "Completed", n=(4, 0, 0, 0, 0)),
             R("2026-10-02 06:00", 120, "Failed", "User", n=(1, 0, 3, 0, 0), mwe=True, error=("InstallationFailed", "Maintenance window exceeded."))]),
    ARC("arc-sql-onprem-01", S1, "rg-arc-onprem", WEU, "ws2019", ABP, ABP, quirk=True,
        tags=tags("prod", "team-data", "wave1", site="ams-dc1"), schedules=["mc-arc-weekend"], dyn=["dyn-wave1-windows-weu"],
        covers="Arc Windows, Connected, on a schedule (static + dynamic), WSUS",
        assessment=A("2026-11-16 00:40", service="WU_WSUS"),
        runs=[R("2026-11-15 02:00", 23, "Succeeded", "Platform", n=(0, 0, 0, 0, 11), mc="mc-arc-weekend"),
              R("2026-11-14 22:00", 48, "Succeeded", "Platform", "Completed", n=(3, 0, 0, 0, 8), mc="mc-wave1-monthly"),
              R("2026-11-14 02:00", 19, "Succeeded", "Platform", n=(1, 0, 0, 0, 10), mc="mc-arc-weekend")]),
    ARC("arc-sql-onprem-02", S1, "rg-arc-onprem", WEU, "ws2016", ABP, ABP, agent=("Disconnected", "2026-11-10 08:12"),
        tags=tags("prod", "team-data", "wave2", site="ams-dc1"), schedules=["mc-arc-weekend"], fails="AUM012 AUM014",
        covers="Arc Disconnected since Nov 10, on a schedule; last platform run 8 days 4 hours ago (weekly period + 1 day exceeded)",
        assessment=A("2026-11-10 01:05"),
        runs=[R("2026-11-08 02:00", 31, "Succeeded", "Platform", n=(2, 0, 0, 0, 9), mc="mc-arc-weekend"),
              R("2026-11-07 02:00", 12, "Succeeded", "Platform", n=(0, 0, 0, 0, 11), mc="mc-arc-weekend")]),
    ARC("arc-file-onprem-01", S1, "rg-arc-onprem", WEU, "ws2022", ABOS, IMGDEF,
        tags=tags("prod", "team-ops", site="ams-dc1"), fails="AUM001 AUM005 AUM006",
        covers="Arc Connected, assessment ImageDefault; last (user) assessment 94 hours old; security counts without per-patch rows",
        assessment=A("2026-11-12 07:30", counts={"security": 2, "updates": 1})),
    ARC("arc-web-onprem-01", S1, "rg-arc-onprem", WEU, "ubuntu2004", ABP, ABP,
        tags=tags("prod", "team-web", "wave1", site="ams-dc1"), schedules=["mc-arc-weekend"], fails="AUM011",
        covers="Arc Linux on a schedule; latest run rebootStatus Failed (assessment before it shows no reboot pending)",
        assessment=A("2026-11-15 01:30"),
        runs=[R("2026-11-15 02:00", 26, "CompletedWithWarnings", "Platform", "Failed", n=(4, 0, 0, 0, 1), mc="mc-arc-weekend"),
              R("2026-11-14 02:00", 8, "Succeeded", "Platform", n=(1, 0, 0, 0, 1), mc="mc-arc-weekend")]),
    ARC("arc-app-onprem-01", S1, "rg-arc-onprem", WEU, "rhel8", IMGDEF, ABP, agent=("Error", "2026-11-12 14:03"),
        tags=tags("prod", "team-app", site="ams-dc1"), fails="AUM012",
        covers="Arc agent status Error",
        assessment=A("2026-11-12 01:10"),
        runs=[R("2026-10-29 13:15", 10, "Succeeded", "User", n=(6, 0, 0, 0, 0))]),

    # ===== Subscription 2 (dev/test), West US 2 and East US =====
    VM("vm-dev-win-01", S2, "rg-dev-apps", WUS2, "ws2022ae-core", ABP, ABP, bypass=True, hotpatch=True,
       tags=tags("dev", "team-web"), schedules=["mc-dev-2weeks"], fails="AUM010",
       covers="Customer Managed Schedules every 2 weeks; hotpatch on; run 22 days ago with maintenanceWindowExceeded true (CompletedWithWarnings, not Failed)",
       assessment=A("2026-11-16 02:22"),
       runs=[R("2026-11-08 04:00", 22, "Succeeded", "Platform", n=(1, 0, 0, 0, 7), mc="mc-dev-2weeks"),
             R("2026-10-25 03:00", 120, "CompletedWithWarnings", "Platform", n=(3, 0, 2, 0, 5), mwe=True, mc="mc-dev-2weeks")]),
    VM("vm-dev-win-02", S2, "rg-dev-apps", WUS2, "ws2019", MANUAL, ABP, bypass=True,
       tags=tags("dev", "team-app"), schedules=["mc-dev-2weeks"], fails="AUM002 AUM014",
       covers="matrix no/true/yes (Windows Manual + bypass + schedule): prerequisite error",
       assessment=A("2026-11-16 03:11", counts={"updates": 2}),
       runs=[R("2026-10-14 17:00", 39, "Succeeded", "User", "Completed", n=(2, 0, 0, 0, 1))]),
    VM("vm-dev-win-03", S2, "rg-dev-apps", WUS2, "ws2022", ABOS, ABP, bypass=False,
       tags=tags("dev", "team-app"), schedules=["mc-dev-2weeks"], fails="AUM002 AUM014",
       covers="matrix no/false/yes (Windows AutomaticByOS + schedule): prerequisite error; no installation history",
       assessment=A("2026-11-16 00:52")),
    VM("vm-dev-win-04", S2, "rg-dev-apps", WUS2, "ws2019", None,
       tags=tags("dev", "team-ops"), fails="AUM001",
       covers="no patchSettings at all: implicit AutomaticByOS / ImageDefault",
       assessment=A("2026-11-15 18:05", counts={"updates": 1}),
       runs=[R("2026-10-30 16:20", 25, "Succeeded", "User", "Completed", n=(2, 0, 0, 0, 0))]),
    VM("vm-dev-win-05", S2, "rg-dev-apps", WUS2, "ws2022", ABP, ABP, bypass=True, power="stopped",
       tags=tags("dev", "team-web"), schedules=["mc-dev-2weeks"],
       covers="STOPPED VM (assessment 6 days old is not judged by AUM005); last platform run inside the 2-week period",
       assessment=A("2026-11-10 02:05"),
       runs=[R("2026-11-08 04:00", 27, "Succeeded", "Platform", "Completed", n=(2, 0, 0, 0, 6), mc="mc-dev-2weeks")]),
    VM("vm-dev-lnx-01", S2, "rg-dev-apps", WUS2, "ubuntu2204", ABP, ABP, bypass=True,
       tags=tags("dev", "team-api", "daily"), schedules=["mc-dev-daily-linux"], dyn=["dyn-linux-dev-daily"],
       covers="Customer Managed Schedules, daily schedule (static + dynamic 'All' filter); platform run 21 hours ago",
       assessment=A("2026-11-16 01:15"),
       runs=[R("2026-11-15 09:00", 6, "Succeeded", "Platform", n=(3, 0, 0, 0, 0), mc="mc-dev-daily-linux"),
             R("2026-11-14 09:00", 5, "Succeeded", "Platform", n=(1, 0, 0, 0, 0), mc="mc-dev-daily-linux"),
             R("2026-11-13 09:00", 8, "Succeeded", "Platform", n=(4, 0, 0, 0, 0), mc="mc-dev-daily-linux")]),
    VM("vm-dev-lnx-02", S2, "rg-dev-apps", WUS2, "ubuntu2204", IMGDEF, IMGDEF, bypass=True,
       tags=tags("dev", "team-api", "daily"), schedules=["mc-dev-daily-linux"], dyn=["dyn-linux-dev-daily"], fails="AUM001 AUM002 AUM014",
       covers="matrix no/true/yes (Linux ImageDefault + bypass + schedule): prerequisite error",
       assessment=A("2026-11-15 20:40", counts={"other": 4}),
       runs=[R("2026-10-22 18:30", 7, "Succeeded", "User", n=(8, 0, 0, 0, 0))]),
    VM("vm-dev-lnx-03", S2, "rg-dev-apps", WUS2, "ubuntu2404", IMGDEF, IMGDEF, bypass=True,
       tags=tags("dev", "team-api", "none"), fails="AUM001",
       covers="matrix no/true/no (Linux); env=dev but patchgroup=none, so the 'All' dynamic filter misses it",
       assessment=A("2026-11-14 11:00"),
       runs=[R("2026-11-01 12:10", 6, "Succeeded", "User", n=(5, 0, 0, 0, 0))]),
    VM("vm-dev-lnx-04", S2, "rg-dev-apps", WUS2, "ubuntu2404", IMGDEF, ABP, bypass=False,
       tags=tags("dev", "team-api", "daily"), schedules=["mc-dev-daily-linux"], dyn=["dyn-linux-dev-daily"], fails="AUM002 AUM014",
       covers="matrix no/false/yes (Linux ImageDefault + schedule): prerequisite error; no installation history",
       assessment=A("2026-11-16 01:58", counts={"other": 3})),
    VM("vm-dev-lnx-05", S2, "rg-dev-apps", WUS2, "rhel9", IMGDEF, ABP, bypass=False,
       tags=tags("dev", "team-api", "weekly"),
       covers="matrix no/false/no (Linux): Image Default with periodic assessment",
       assessment=A("2026-11-16 02:36", counts={"other": 2}),
       runs=[R("2026-11-09 10:45", 9, "Succeeded", "User", n=(7, 0, 0, 0, 0))]),
    VM("vm-dev-lnx-06", S2, "rg-dev-apps", WUS2, "ubuntu2204", ABOS, IMGDEF,
       tags=tags("dev", "team-api"), fails="AUM001 AUM007",
       covers="INVALID combination: AutomaticByOS on Linux; assessment CompletedWithWarnings",
       assessment=A("2026-11-15 12:00", status="CompletedWithWarnings", error=("PACKAGE_LIST_TRUNCATED", "Package list was truncated."))),
    VM("vm-dev-lnx-07", S2, "rg-dev-apps", WUS2, "ubuntu2204", ABP, ABP, bypass=True,
       tags=tags("dev", "team-api", "daily"), dyn=["dyn-linux-dev-daily"], fails="AUM014",
       covers="covered only by the dynamic scope (daily); last platform run 3 days 21 hours ago (daily period + 1 day exceeded)",
       assessment=A("2026-11-16 03:27", counts={"other": 1}),
       runs=[R("2026-11-12 09:00", 7, "Succeeded", "Platform", n=(2, 0, 0, 0, 0), mc="mc-dev-daily-linux"),
             R("2026-11-11 09:00", 5, "Succeeded", "Platform", n=(1, 0, 0, 0, 0), mc="mc-dev-daily-linux")]),
    VM("vm-dev-lnx-08", S2, "rg-dev-apps", WUS2, "ubuntu2204", ABP, ABP, bypass=False, power="deallocated",
       tags=tags("test", "team-api", "daily"),
       covers="DEALLOCATED VM, Azure Managed - Safe Deployment (env=test, so the 'All' filter misses it)",
       assessment=A("2026-11-10 01:44"),
       runs=[R("2026-11-03 02:20", 10, "Succeeded", "Platform", n=(6, 0, 0, 0, 0))]),
    VM("vm-ci-test-01", S2, "rg-test-linux", EUS, "sles15", ABP, ABP, bypass=True,
       tags=tags("test", "team-ci"), schedules=["mc-test-fortnightly"],
       covers="on the schedule whose recurEvery does not parse (AUM003 still passes: exists, unexpired; AUM014 cannot be judged); Zypper",
       assessment=A("2026-11-16 02:09"),
       runs=[R("2026-10-20 15:00", 13, "Succeeded", "User", n=(11, 0, 0, 0, 0))]),
    VM("vm-ci-test-02", S2, "rg-test-linux", EUS, "ubuntu2204", IMGDEF, IMGDEF,
       tags=tags("test", "team-ci"),
       covers="the one machine NEVER assessed (running VM, no assessment row, no runs)",
       fails="AUM001 AUM005"),
    VM("vm-ci-test-03", S2, "rg-test-linux", EUS, "rhel9", ABP, ABP, bypass=False,
       tags=tags("test", "team-ci"), fails="AUM005",
       covers="latest assessment Failed (repository unreachable)",
       assessment=A("2026-11-16 02:57", status="Failed", error=("OPERATION_FAILED", "Repository 'rhel-9-for-x86_64-appstream-rhui-rpms' is unreachable: Curl error (28): Timeout was reached.")),
       runs=[R("2026-11-07 03:30", 14, "Succeeded", "Platform", n=(9, 0, 0, 0, 0))]),
    VM("vm-ci-test-04", S2, "rg-test-linux", EUS, "ws2022", ABP, ABP, bypass=False,
       tags=tags("test", "team-ci"), fails="AUM005",
       covers="running VM whose latest assessment is 5 days old",
       assessment=A("2026-11-11 02:18"),
       runs=[R("2026-11-05 03:10", 55, "Succeeded", "Platform", "Completed", n=(3, 0, 0, 0, 2))]),
    ARC("arc-branch-nyc-01", S2, "rg-arc-branch", EUS, "ws2022", ABP, ABP,
        tags=tags("prod", "team-branch", site="nyc"), schedules=["mc-dev-2weeks"],
        covers="Arc Windows, Connected, on the 2-week schedule",
        assessment=A("2026-11-16 01:03"),
        runs=[R("2026-11-08 04:00", 36, "Succeeded", "Platform", "Completed", n=(2, 0, 0, 0, 5), mc="mc-dev-2weeks"),
              R("2026-10-25 03:00", 29, "Succeeded", "Platform", n=(1, 0, 0, 0, 6), mc="mc-dev-2weeks")]),
    ARC("arc-branch-nyc-02", S2, "rg-arc-branch", EUS, "ubuntu2204", IMGDEF, ABP, agent=("Disconnected", "2026-11-11 22:40"),
        tags=tags("prod", "team-branch", site="nyc"), fails="AUM012",
        covers="Arc Linux Disconnected (5-day-old assessment not judged by AUM005)",
        assessment=A("2026-11-11 00:30"),
        runs=[R("2026-10-20 21:00", 8, "Succeeded", "User", n=(4, 0, 0, 0, 0))]),
    ARC("arc-branch-chi-01", S2, "rg-arc-branch", EUS, "ws2019", ABOS, ABP,
        tags=tags("prod", "team-branch", site="chi"),
        covers="Arc, assessment CompletedWithWarnings via \"WU-WSUS\" (hyphen spelling); failed run 47 days ago (outside 30 d)",
        assessment=A("2026-11-15 23:50", status="CompletedWithWarnings", service="WU-WSUS",
                     error=("WSUS_PARTIAL_SCAN", "Some updates could not be evaluated against the WSUS server.")),
        runs=[R("2026-10-14 20:00", 42, "Succeeded", "User", "Completed", n=(3, 0, 0, 0, 0)),
              R("2026-09-29 14:00", 37, "Failed", "User", n=(1, 1, 0, 0, 0), error=("InstallationFailed", "KB5064398 failed to install: 0x80073712."))]),
    ARC("arc-branch-chi-02", S2, "rg-arc-branch", EUS, "rhel8", IMGDEF, ABP,
        tags=tags("prod", "team-branch", site="chi"), fails="AUM004",
        covers="Arc, FAILED user run 10 days ago (counts as strings)",
        assessment=A("2026-11-16 00:15"),
        runs=[R("2026-11-07 09:00", 6, "Succeeded", "User", n=(2, 0, 0, 0, 0)),
              R("2026-11-06 15:20", 9, "Failed", "User", n=(4, 2, 0, 0, 0), text=True,
                error=("PACKAGE_INSTALL_FAILED", "Package 'glibc-2.28-251.el8_10.5' failed to install."))]),
]

# The one scale set: the auditor reports it as out of scope.
SCALE_SET = ("vmss-web-prd", S1, "rg-web-prd", WEU)
# fmt: on

# =============================================================================================
# Row builders. Nothing below decides what the estate contains.

_counter: dict[str, int] = {}
_schedule_runs: dict[tuple[str, str], str] = {}


def guid(kind: str) -> str:
    """Zero-style GUIDs: a installation run, b assessment, c schedule run, d vmId, e patch."""
    _counter[kind] = _counter.get(kind, 0) + 1
    return f"00000000-0000-0000-0000-0000000{kind}{_counter[kind]:04d}"


def ts(text: str, minutes: int = 0) -> str:
    """'YYYY-MM-DD hh:mm' (UTC) + minutes as ISO 8601, with a few seconds added; every other
    timestamp gets 7-digit fractional seconds, as real exports have them."""
    n = _counter["ts"] = _counter.get("ts", 0) + 1
    t = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    t += timedelta(minutes=minutes, seconds=(n * 7) % 60)
    fraction = f".{(n * 137) % 1000:03d}0000" if n % 2 else ""
    return t.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def provider(m: M) -> str:
    if m.kind == "vm":
        return "Microsoft.Compute/virtualMachines"
    return "Microsoft.HybridCompute/machines"


def machine_id(m: M) -> str:
    return f"/subscriptions/{m.sub}/resourceGroups/{m.rg}/providers/{provider(m)}/{m.name}"


def alias_id(m: M) -> str:
    """The id as the patch and maintenance tables spell it: for a quirk machine, 'resourcegroups'
    and the resource group name in the opposite case (upper <-> lower)."""
    if not m.quirk:
        return machine_id(m)
    rg = m.rg.lower() if m.rg.isupper() else m.rg.upper()
    return f"/subscriptions/{m.sub}/resourcegroups/{rg}/providers/{provider(m)}/{m.name}"


def alias_rg(m: M) -> str:
    return alias_id(m).split("/")[4]


def os_of(m: M) -> str:
    return IMAGES[m.image][4] if m.kind == "vm" else ARC_OS[m.image][0].capitalize()


def service_of(m: M) -> str:
    return IMAGES[m.image][5] if m.kind == "vm" else ARC_OS[m.image][3]


def row(id_: str, name: str, type_: str, m_or_sub: M | str, props: Row,
        tags: dict[str, str] | None = None, rg: str | None = None, loc: str | None = None,
        **extra: Any) -> Row:
    """One Resource Graph row. Patch and maintenance rows carry their machine's sub/RG/location."""
    if isinstance(m_or_sub, M):
        sub, rg, loc = m_or_sub.sub, rg or alias_rg(m_or_sub), loc or m_or_sub.loc
    else:
        sub = m_or_sub
    return {"id": id_, "name": name, "type": type_, "tenantId": TENANT, "kind": "",
            "location": loc, "resourceGroup": rg, "subscriptionId": sub, "managedBy": "",
            "sku": None, "plan": None, "properties": props, "tags": tags or {},
            "identity": None, "zones": None, "extendedLocation": None, **extra}


def patch_settings(m: M) -> Row:
    ps: Row = {"patchMode": m.mode, "assessmentMode": m.assess}
    if m.hotpatch is not None:  # Windows VMs only; left out where the table says nothing
        ps["enableHotpatching"] = m.hotpatch
    if m.bypass is not None:
        ps["automaticByPlatformSettings"] = {
            "rebootSetting": m.reboot, "bypassPlatformSafetyChecksOnUserSchedule": m.bypass}
    return ps


def vm_row(m: M) -> Row:
    pub, offer, sku, version, os_type, _, size = IMAGES[m.image]
    if os_type == "Windows":
        auto = m.auto_updates if m.auto_updates is not None else m.mode != MANUAL
        conf: Row = {"provisionVMAgent": True, "enableAutomaticUpdates": auto}
    else:
        conf = {"disablePasswordAuthentication": True, "provisionVMAgent": True}
    if m.mode is not None:
        conf["patchSettings"] = patch_settings(m)
    rg_path = f"/subscriptions/{m.sub}/resourceGroups/{m.rg}/providers"
    os_disk = {"osType": os_type, "name": f"{m.name}_OsDisk_1", "createOption": "FromImage",
               "caching": "ReadWrite", "managedDisk": {"storageAccountType": "Premium_LRS"},
               "diskSizeGB": 128 if os_type == "Windows" else 30}
    power = {"code": f"PowerState/{m.power}", "level": "Info", "displayStatus": f"VM {m.power}"}
    props = {
        "vmId": guid("d"),
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {"imageReference": {"publisher": pub, "offer": offer, "sku": sku,
                                              "version": version},
                           "osDisk": os_disk, "dataDisks": []},
        "osProfile": {"computerName": m.name, "adminUsername": "azureadmin", "secrets": [],
                      "allowExtensionOperations": True, "requireGuestProvisionSignal": True,
                      f"{os_type.lower()}Configuration": conf},
        "networkProfile": {"networkInterfaces": [
            {"id": f"{rg_path}/Microsoft.Network/networkInterfaces/{m.name}-nic01"}]},
        "provisioningState": "Succeeded",
        "timeCreated": "2025-03-11T09:12:44.5231234+00:00",
        "extended": {"instanceView": {"powerState": power}},
    }
    return row(machine_id(m), m.name, "microsoft.compute/virtualmachines", m, props, m.tags, m.rg)


def arc_row(m: M) -> Row:
    os_type, os_sku, os_version, _ = ARC_OS[m.image]
    status, changed = m.agent
    errors = [{"code": "AZCM0026", "message": "Failed to refresh the access token: the Hybrid "
               "Instance Metadata Service is not reachable."}] if status == "Error" else []
    props = {
        "provisioningState": "Succeeded", "status": status, "lastStatusChange": ts(changed),
        "agentVersion": "1.47.02866.1943", "osName": os_type, "osType": os_type,
        "osSku": os_sku, "osVersion": os_version, "displayName": m.name,
        "machineFqdn": f"{m.name}.corp.contoso.com", "vmId": guid("d"),
        "osProfile": {"computerName": m.name,
                      f"{os_type}Configuration": {"patchSettings": patch_settings(m)}},
        "detectedProperties": {"manufacturer": "VMware, Inc.", "model": "VMware7,1"},
        "errorDetails": errors,
    }
    identity = {"type": "SystemAssigned", "principalId": guid("d"), "tenantId": TENANT}
    return row(machine_id(m), m.name, "microsoft.hybridcompute/machines", m, props, m.tags, m.rg,
               identity=identity)


def scale_set_row() -> Row:
    name, sub, rg, loc = SCALE_SET
    image = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
             "sku": "22_04-lts-gen2", "version": "latest"}
    linux = {"provisionVMAgent": True, "patchSettings": {"patchMode": ABP, "assessmentMode": ABP}}
    profile = {"storageProfile": {"imageReference": image},
               "osProfile": {"computerNamePrefix": "webprd", "linuxConfiguration": linux}}
    props = {"orchestrationMode": "Flexible", "provisioningState": "Succeeded",
             "uniqueId": guid("d"), "virtualMachineProfile": profile}
    rid = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute"
    rid += f"/virtualMachineScaleSets/{name}"
    return row(rid, name, "microsoft.compute/virtualmachinescalesets", sub, props,
               tags("prod", "team-web"), rg, loc,
               sku={"name": "Standard_D2s_v5", "tier": "Standard", "capacity": 3})


def config_id(name: str) -> str:
    sub, rg = next(((c[1], c[2]) for c in CONFIGS if c[0] == name), None) or DELETED_CONFIGS[name]
    return (f"/subscriptions/{sub}/resourceGroups/{rg}"
            f"/providers/Microsoft.Maintenance/maintenanceConfigurations/{name}")


def config_row(c: Schedule) -> Row:
    name, sub, rg, loc, scope, start, expiration, duration, tz, recur, reboot = c[:11]
    window = {"startDateTime": start, "expirationDateTime": expiration, "duration": duration,
              "timeZone": tz, "recurEvery": recur}
    if expiration is None:  # a window without expiration never expires
        del window["expirationDateTime"]
    props = {"namespace": "Microsoft.Maintenance", "maintenanceScope": scope,
             "visibility": "Custom", "extensionProperties": {}, "maintenanceWindow": window}
    if scope == "InGuestPatch":
        props["extensionProperties"] = {"InGuestPatchMode": "User"}
        props["installPatches"] = {
            "rebootSetting": reboot,
            "windowsParameters": {"classificationsToInclude": list(WIN_ALL),
                                  "kbNumbersToInclude": [],
                                  "kbNumbersToExclude": KB_EXCLUDED.get(name, []),
                                  "excludeKbsRequiringReboot": False},
            "linuxParameters": {"classificationsToInclude": list(LIN_ALL),
                                "packageNameMasksToInclude": [], "packageNameMasksToExclude": []}}
    return row(config_id(name), name, "microsoft.maintenance/maintenanceconfigurations", sub,
               props, {"owner": "team-platform"}, rg, loc)


def assignment_row(target_id: str, resource_id: str, sub: str, rg: str, loc: str, name: str,
                   cfg: str) -> Row:
    cid = config_id(cfg)
    if sub == S2:  # the REST examples spell 'resourcegroups' in lower case; keep both spellings
        cid = cid.replace("/resourceGroups/", "/resourcegroups/")
    props = {"maintenanceConfigurationId": cid, "resourceId": resource_id}
    return row(f"{target_id}/providers/Microsoft.Maintenance/configurationAssignments/{name}",
               name, "microsoft.maintenance/configurationassignments", sub, props, None, rg, loc)


def error_details(error: tuple[str, str] | None) -> Row | None:
    if not error:
        return None
    return {"code": "1", "message": "1 error/s reported.",
            "details": [{"code": error[0], "message": error[1]}]}


def counts(values: dict[str, int], text: bool) -> dict[str, int | str]:
    return {k: (str(v) if text else v) for k, v in values.items()}


def patch_row(m: M, parent_id: str, parent_type: str, p: P, modified: str) -> Row:
    windows = os_of(m) == "Windows"
    pid = guid("e") if windows else f"{p.name}_{p.kb_or_version}"
    props = {"patchName": p.name,
             **({"kbId": p.kb_or_version} if windows else {"version": p.kb_or_version}),
             "classifications": p.classes, "rebootRequired": p.reboot,
             "rebootBehavior": "CanRequestReboot" if p.reboot else "NeverReboots",
             "publishedDateTime": ts(p.published) if p.published else None,
             "lastModifiedDateTime": modified}
    if p.state:
        props["installationState"] = p.state
    rid = f"{parent_id}/softwarePatches/{pid}"
    return row(rid, pid, f"{parent_type}/softwarepatches", m, props)


def assessment_rows(m: M) -> list[Row]:
    a = m.assessment
    if a is None:
        return []
    base_type = f"{provider(m).lower()}/patchassessmentresults"
    rid = f"{alias_id(m)}/patchAssessmentResults/latest"
    keys = (["security", "critical", "definition", "updateRollup", "featurePack", "servicePack",
             "tools", "updates"] if os_of(m) == "Windows" else ["security", "critical", "other"])
    modified = ts(a.at, 3)
    props = {"status": a.status, "rebootPending": a.reboot_pending,
             "patchServiceUsed": a.service or service_of(m), "osType": os_of(m),
             "startDateTime": ts(a.at), "lastModifiedDateTime": modified,
             "startedBy": a.by or ("Platform" if m.assess == ABP else "User"),
             "errorDetails": error_details(a.error),
             "availablePatchCountByClassification":
                 counts({k: a.counts.get(k, 0) for k in keys}, a.text)}
    rows = [row(rid, guid("b"), base_type, m, props)]
    return rows + [patch_row(m, rid, base_type, p, modified) for p in a.patches]


def run_rows(m: M) -> tuple[list[Row], list[Row]]:
    """Installation runs and their patches, plus an applyupdates row per schedule-started run."""
    rows: list[Row] = []
    applied: list[Row] = []
    base_type = f"{provider(m).lower()}/patchinstallationresults"
    names = ["installedPatchCount", "failedPatchCount", "pendingPatchCount",
             "excludedPatchCount", "notSelectedPatchCount"]
    for r in m.runs:
        run = guid("a")
        rid = f"{alias_id(m)}/patchInstallationResults/{run}"
        run_id = _schedule_runs.setdefault((r.mc, r.start), guid("c")) if r.mc else None
        start, end = ts(r.start), ts(r.start, r.minutes)
        props = {"installationActivityId": run, "maintenanceWindowExceeded": r.mwe,
                 "lastModifiedDateTime": end, "startDateTime": start, "status": r.status,
                 "startedBy": r.by, "osType": os_of(m), "patchServiceUsed": service_of(m),
                 "rebootStatus": r.reboot, "errorDetails": error_details(r.error),
                 "maintenanceRunId": run_id, **counts(dict(zip(names, r.n, strict=True)), r.text)}
        rows.append(row(rid, run, base_type, m, props))
        rows += [patch_row(m, rid, base_type, p, end) for p in r.patches]
        if r.mc and run_id is not None:
            props = {"maintenanceConfigurationId": config_id(r.mc),
                     "maintenanceScope": "InGuestPatch", "resourceId": alias_id(m),
                     "correlationId": run_id,
                     "startDateTime": start, "endDateTime": end}
            aid = f"{alias_id(m)}/providers/Microsoft.Maintenance/applyUpdates/{run_id}"
            applied.append(row(aid, run_id, "microsoft.maintenance/applyupdates", m, props))
    return rows, applied


def build() -> dict[str, list[Row]]:
    resources = [vm_row(m) if m.kind == "vm" else arc_row(m) for m in MACHINES]
    resources += [scale_set_row()] + [config_row(c) for c in CONFIGS]

    maintenance: list[Row] = []
    for m in MACHINES:
        for cfg in m.schedules:
            # quirk machines: resourceId all in lower case, as Microsoft's sample KQL writes it
            resource_id = alias_id(m).lower() if m.quirk else machine_id(m)
            maintenance.append(assignment_row(alias_id(m), resource_id, m.sub, alias_rg(m), m.loc,
                                              cfg, cfg))
    sub, rg, name, cfg = ORPHAN_ASSIGNMENT
    orphan = machine_id(M(name, sub, rg, WEU, "vm", "ws2022", ABP))
    maintenance.append(assignment_row(orphan, orphan, sub, rg, WEU, cfg, cfg))
    for name, sub, cfg, scope_filter in DYNAMIC:
        loc = next(c[3] for c in CONFIGS if c[0] == cfg)
        scope = f"/subscriptions/{sub}"
        r = assignment_row(scope, scope, sub, "", loc, name, cfg)
        r["properties"]["filter"] = scope_filter
        maintenance.append(r)

    assessments = [r for m in MACHINES for r in assessment_rows(m)]
    sub, rg, loc, name, at = ORPHAN_ASSESSMENT
    ghost = M(name, sub, rg, loc, "vm", "ws2022", ABP, ABP, assessment=A(at))
    assessments += assessment_rows(ghost)

    installations: list[Row] = []
    for m in MACHINES:
        runs, applied = run_rows(m)
        installations += runs
        maintenance += applied
    return {"resources": resources, "maintenanceresources": maintenance,
            "patchassessmentresources": assessments, "patchinstallationresources": installations}


def orchestration(m: M) -> str:
    """The portal's patch orchestration option (DOMAIN.md section 2), for the README."""
    os_type = os_of(m)
    if m.mode is None:
        return "(no patchSettings)"
    if m.kind == "arc":
        return f"Arc: {m.mode}"
    if m.mode == ABP:
        return "Customer Managed Schedules" if m.bypass else "Azure Managed - Safe Deployment"
    portal = {("Windows", ABOS): "Windows Automatic Updates", ("Windows", MANUAL): "Manual updates",
              ("Linux", IMGDEF): "Image Default"}
    return portal.get((os_type, m.mode), f"INVALID ({m.mode} on {os_type})")


README_HEAD = """# Example estate

A small, hand-made Azure Update Manager estate in the snapshot bundle format
(`docs/snapshot-bundle.md`), captured at **{captured}**. Every machine is fake and deliberate:
each demonstrates something, and together they make every rule AUM001-AUM014 both pass and fail
somewhere. Generated by `scripts/make_example_estate.py`: do not edit these files by hand; edit
the tables in the script and run it again (the output is deterministic).

    python scripts/make_example_estate.py

Files: {files}.

- Subscriptions `{s1}` (prod, West/North Europe) and `{s2}` (dev/test, West US 2, East US).
- {n_machines} machines ({n_vms} Azure VMs, {n_arc} Arc machines) and one VM scale set
  (`vmss-web-prd`, out of scope).
- Orphans: an assessment of `vm-old-prd-07` and an assignment to `vm-decom-prd-09`, neither
  machine in the snapshot; an assignment on `vm-web-prd-04` to `mc-retired-weekly`, a
  configuration that does not exist.
- Mixed id casing: the machines in `RG-DATA-PRD` and `arc-sql-onprem-01` appear as
  `resourcegroups/<resource group in the other case>` in the patch and maintenance tables.
- Some counts are strings (`"3"`), as a `tostring()` KQL export writes them; one
  `maintenanceWindowExceeded` is the string `"True"`; `patchServiceUsed` is `WU-WSUS` once.
- `vm-ci-test-01` is only on `mc-test-fortnightly`, whose recurrence does not parse: AUM014
  cannot judge it.

## Schedules (maintenance configurations)

| configuration | sub | scope | recurEvery | duration | timeZone | expires | demonstrates | fails |
|---|---|---|---|---|---|---|---|---|
"""

# rule -> (what it checks, where it is designed to pass; every other applicable row passes too)
RULES = {
    "AUM001": ("assessmentMode AutomaticByPlatform",
               "vm-web-prd-01, vm-jump-prd-02, vm-dev-lnx-05, arc-sql-onprem-01"),
    "AUM002": ("VM on an InGuestPatch schedule is AutomaticByPlatform + bypass",
               "vm-web-prd-01, vm-web-prd-05, vm-sql-prd-01, vm-dev-lnx-01"),
    "AUM003": ("Customer Managed VM is on an existing, unexpired InGuestPatch schedule",
               "vm-web-prd-01, vm-web-prd-02 and vm-dev-lnx-07 (dynamic only), vm-sql-prd-01"),
    "AUM004": ("no Failed installation run in the last 30 days",
               "vm-web-prd-01, vm-etl-prd-01, vm-jump-prd-02, arc-branch-chi-01 (older failures)"),
    "AUM005": ("running/connected machine assessed successfully in the last 72 h",
               "vm-web-prd-01, vm-app-prd-06 (37 h), arc-branch-chi-01 (CompletedWithWarnings)"),
    "AUM006": ("no critical/security update available (published > 14 days ago)",
               "vm-web-prd-01 (definition update only), vm-web-prd-03 (published 6 days ago)"),
    "AUM007": ("patchMode and assessmentMode valid for the OS", "every machine but vm-dev-lnx-06"),
    "AUM008": ("hotpatch-eligible Windows VM has hotpatching on",
               "vm-web-prd-01, vm-web-prd-02, vm-dev-win-01"),
    "AUM009": ("InGuestPatch window valid: 01:30-03:55, parses, unexpired, mode User",
               "mc-prd-weekly-sun, mc-wave1-monthly, mc-arc-weekend, mc-dev-2weeks"),
    "AUM010": ("no maintenance window exceeded in the last 30 days",
               "vm-web-prd-01, vm-jump-prd-02 (overruns older than 30 days)"),
    "AUM011": ("no reboot pending, latest run rebootStatus not Required/Failed",
               "vm-web-prd-01, vm-web-prd-03 (latest run InProgress)"),
    "AUM012": ("Arc agent Connected", "arc-sql-onprem-01, arc-web-onprem-01, arc-branch-nyc-01"),
    "AUM013": ("assignments resolve to a configuration and a machine",
               "every other static assignment, both dynamic scopes"),
    "AUM014": ("scheduled machine had a Platform run within the recurrence period + 1 day",
               "vm-web-prd-02 (monthly), vm-dev-win-01 (2 weeks), vm-dev-lnx-01 (daily)"),
}
AUM013_FAILS = ["the assignment to vm-decom-prd-09 (no such machine)",
                "the assignment on vm-web-prd-04 to mc-retired-weekly (no such configuration)"]


def readme(tables: dict[str, list[Row]]) -> str:
    n_vms = sum(m.kind == "vm" for m in MACHINES)
    files = ", ".join(f"`{t}.jsonl` ({len(r)} rows)" for t, r in tables.items())
    out = README_HEAD.format(captured=CAPTURED_AT, s1=S1, s2=S2, files=files, n_vms=n_vms,
                             n_machines=len(MACHINES), n_arc=len(MACHINES) - n_vms)
    for name, sub, _, _, scope, _, exp, dur, tz, recur, _, covers, fails in CONFIGS:
        out += (f"| {name} | {sub[-1]} | {scope} | `{recur}` | {dur} | {tz} | {exp or 'never'} "
                f"| {covers} | {fails or '-'} |\n")
    out += "\nDynamic scopes: " + "; ".join(
        f"`{name}` (subscription {sub[-1]}) assigns `{cfg}`" for name, sub, cfg, _ in DYNAMIC)
    out += (".\n\n## Machines\n\nMatrix = DOMAIN.md section 5 (AutomaticByPlatform / bypass /"
            " schedule attached). \"fails\" lists the rules the machine is designed to fail;"
            " every other rule passes or does not apply.\n\n"
            "| name | sub | OS | kind | mode | schedule | covers | fails |\n"
            "|---|---|---|---|---|---|---|---|\n")
    for m in MACHINES:
        kind = "Azure VM" if m.kind == "vm" else f"Arc ({m.agent[0]})"
        if m.kind == "vm" and m.power != "running":
            kind += f" ({m.power})"
        sched = ", ".join(m.schedules + [f"{d} (dynamic)" for d in m.dyn]) or "-"
        out += (f"| {m.name} | {m.sub[-1]} | {os_of(m)} | {kind} | {orchestration(m)} | {sched} "
                f"| {m.covers} | {m.fails or '-'} |\n")
    out += ("\n## Where each rule passes and fails\n\n| rule | checks | passes on (examples) "
            "| fails on |\n|---|---|---|---|\n")
    for rule, (checks, passes) in RULES.items():
        failing = [m.name for m in MACHINES if rule in m.fails.split()]
        failing += [c[0] for c in CONFIGS if rule in c[12].split()]
        failing += AUM013_FAILS if rule == "AUM013" else []
        out += f"| {rule} | {checks} | {passes} | {', '.join(failing)} |\n"
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    tables = build()
    manifest: dict[str, Any] = {
        "format": "aum-auditor-snapshot", "formatVersion": 1, "capturedAt": CAPTURED_AT,
        "cloud": "AzureCloud", "scope": {"subscriptions": [S1, S2], "managementGroups": []},
        "tool": {"name": "aum-auditor", "version": "0.1.0"}, "tables": {}}
    for table, rows in tables.items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (OUT / f"{table}.jsonl").write_text(text, encoding="utf-8", newline="\n")
        manifest["tables"][table] = {"file": f"{table}.jsonl", "rows": len(rows)}
    manifest_text = json.dumps(manifest, indent=2) + "\n"
    (OUT / "manifest.json").write_text(manifest_text, encoding="utf-8", newline="\n")
    (OUT / "README.md").write_text(readme(tables), encoding="utf-8", newline="\n")
    print(f"wrote {len(MACHINES)} machines: "
          + ", ".join(f"{t} {len(r)} rows" for t, r in tables.items()))


if __name__ == "__main__":
    main()
