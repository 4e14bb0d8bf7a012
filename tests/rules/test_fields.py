"""Field paths: the vocabulary of docs/rule-language.md, raw paths, and unknown names."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.engine.examples import judge_rows
from auditor.model import Assignment, Machine, MaintenanceConfiguration
from auditor.rules.fields import PathError, resolve

AS_OF = "2026-11-16T06:00:00Z"


def observe(make_rule: Any, path: str, data: list[dict[str, Any]],
            resource: str = "machine", **kwargs: Any) -> str:
    """The value at PATH as a message shows it (the check always fails, so a message is made)."""
    rule = make_rule(f"""
        appliesTo: {{resource: {resource}}}
        check: {{field: id, equals: "-"}}
        message: "{{{{ {path} }}}}"
    """)
    finding = judge_rows(rule, data, kwargs.pop("as_of", AS_OF), **kwargs)
    assert finding.outcome.value == "fail", finding.message
    return finding.message


def holds(make_rule: Any, condition: str, data: list[dict[str, Any]],
          resource: str = "machine", as_of: str = AS_OF) -> str:
    rule = make_rule(f"""
        appliesTo: {{resource: {resource}}}
        check: {condition}
        message: m
    """)
    return judge_rows(rule, data, as_of).outcome.value


# ----- raw properties and tags --------------------------------------------------------------

@pytest.mark.parametrize(("path", "value"), [
    ("properties.osProfile.computerName", "vm-web-01"),
    ("properties.OSPROFILE.COMPUTERNAME", "vm-web-01"),
    ("Properties.osprofile.windowsconfiguration.patchsettings.patchMode", "AutomaticByOS"),
    ("properties.storageProfile.dataDisks.1.lun", "7"),
    ("properties.storageProfile.dataDisks.2.lun", "absent"),
    ("properties.storageProfile.osDisk.osType.name", "absent"),   # past a text value
    ("properties.hardwareProfile.vmSize", "absent"),
    ("properties.osProfile.allowExtensionOperations", "false"),
])
def test_raw_properties_paths(make_rule: Any, rows: Any, path: str, value: str) -> None:
    machine = rows.vm(patch_mode="AutomaticByOS", storageProfile={
        "osDisk": {"osType": "Windows"}, "dataDisks": [{"lun": 0}, {"lun": 7}]})
    machine["properties"]["osProfile"]["allowExtensionOperations"] = False
    assert observe(make_rule, path, [machine]) == value


def test_raw_keys_match_ignoring_case_whatever_the_export_spelled(make_rule: Any,
                                                                  rows: Any) -> None:
    machine = rows.vm()
    machine["properties"]["LicenseType"] = "Windows_Server"
    assert observe(make_rule, "properties.licensetype", [machine]) == "Windows_Server"
    assert holds(make_rule, "{field: properties.licenseType, equals: windows_server}",
                 [machine]) == "pass"


@pytest.mark.parametrize("path", ["tags.PatchGroup", "tags.patchgroup", "TAGS.PATCHGROUP"])
def test_tags_by_name_ignoring_case(make_rule: Any, rows: Any, path: str) -> None:
    machine = rows.vm(tags={"PatchGroup": "wave1", "env": "prod"})
    assert observe(make_rule, path, [machine]) == "wave1"


def test_a_missing_tag_is_absent(make_rule: Any, rows: Any) -> None:
    assert observe(make_rule, "tags.owner", [rows.vm(tags={"env": "prod"})]) == "absent"
    assert holds(make_rule, "{field: tags.owner, exists: false}", [rows.vm()]) == "pass"


# ----- machines -----------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "value"), [
    ("name", "vm-web-01"),
    ("NAME", "vm-web-01"),
    ("kind", "azureVm"),
    ("osType", "Linux"),
    ("resourceGroup", "RG-Web"),
    ("location", "westeurope"),
    ("subscriptionId", "00000000-0000-0000-0000-000000000001"),
    ("powerState", "running"),
    ("patch.mode", "AutomaticByPlatform"),
    ("patch.modeExplicit", "true"),
    ("patch.assessmentMode", "ImageDefault"),
    ("patch.assessmentModeExplicit", "false"),
    ("patch.orchestrationMode", "Customer Managed Schedules"),
])
def test_machine_fields(make_rule: Any, rows: Any, path: str, value: str) -> None:
    machine = rows.vm(os="Linux", patch_mode="AutomaticByPlatform", power="running")
    machine["properties"]["osProfile"]["linuxConfiguration"]["patchSettings"][
        "automaticByPlatformSettings"] = {"bypassPlatformSafetyChecksOnUserSchedule": True}
    assert observe(make_rule, path, [machine]) == value


def test_arc_fields(make_rule: Any, rows: Any) -> None:
    server = rows.arc(status="Disconnected", lastStatusChange="2026-11-01T10:00:00.5Z")
    assert observe(make_rule, "agentStatus", [server]) == "Disconnected"
    assert observe(make_rule, "lastStatusChange", [server]) == "2026-11-01T10:00:00Z"
    assert observe(make_rule, "kind", [server]) == "arcMachine"


def test_assessment_latest(make_rule: Any, rows: Any) -> None:
    machine = rows.vm()
    data = [machine, rows.assessment(
        machine, rebootPending=True, criticalAndSecurityPatchCount=3,
        lastModifiedDateTime="2026-11-15T02:17:10.1234567Z",
        availablePatchCountByClassification={"critical": 1, "security": 2, "definition": 4})]
    assert observe(make_rule, "assessment.latest.status", data) == "Succeeded"
    assert observe(make_rule, "assessment.latest.rebootPending", data) == "true"
    assert observe(make_rule, "assessment.latest.criticalAndSecurityCount", data) == "3"
    assert observe(make_rule, "assessment.latest.lastModifiedDateTime", data) == \
        "2026-11-15T02:17:10Z"
    assert observe(make_rule,
                   "assessment.latest.availablePatchCountByClassification.Definition", data) == "4"
    assert observe(make_rule,
                   "assessment.latest.availablePatchCountByClassification.tools", data) == "absent"
    assert holds(make_rule, "{field: assessment.latest, exists: true}", data) == "pass"
    assert holds(make_rule, "{field: assessment.latest, exists: true}", [machine]) == "fail"
    assert observe(make_rule, "assessment.latest.status", [machine]) == "absent"


def test_installations_latest_and_latest_failed(make_rule: Any, rows: Any) -> None:
    machine = rows.vm()
    data = [machine,
            rows.run(machine, 1, "Failed", "2026-11-01T22:00:00Z", failedPatchCount=2),
            rows.run(machine, 2, "Failed", "2026-11-08T22:00:00Z", failedPatchCount=1),
            rows.run(machine, 3, "Succeeded", "2026-11-15T22:00:00Z", installedPatchCount=4),
            rows.run(machine, 4, "Failed", None)]
    assert observe(make_rule, "installations.latest.status", data) == "Succeeded"
    assert observe(make_rule, "installations.latest.installedPatchCount", data) == "4"
    assert observe(make_rule, "installations.latestFailed.startDateTime", data) == \
        "2026-11-08T22:00:00Z"
    assert observe(make_rule, "installations.LATESTFAILED.failedPatchCount", data) == "1"
    assert observe(make_rule, "installations.latestFailed.status", [machine, data[3]]) == "absent"
    assert observe(make_rule, "installations.latest.status", [machine]) == "absent"


def test_schedules_count_with_configuration_fields(make_rule: Any, rows: Any) -> None:
    machine = rows.vm()
    weekly = rows.configuration("mc-weekly", recur="Week Sunday")
    expired = rows.configuration("mc-old", expiration="2026-01-01 00:00", recur="Day")
    other = rows.configuration("mc-host", scope="Host")
    data = [machine, weekly, expired, other, rows.assignment(machine, weekly),
            rows.assignment(machine, expired), rows.assignment(machine, other)]

    def count(where: str) -> str:
        rule = make_rule(f"""
            check:
              count: schedules
              where: {where}
              equals: -1
            message: "{{{{ count }}}}"
        """)
        return judge_rows(rule, data, AS_OF).message
    assert count("{field: configuration.maintenanceScope, equals: inguestpatch}") == "2"
    assert count("{field: configuration.expired, equals: true}") == "1"
    assert count("{field: configuration.expired, equals: false}") == "2"
    assert count("{field: configuration.name, like: 'mc-w*'}") == "1"
    assert count("{field: how, equals: static}") == "3"
    assert count("{field: configuration.window.recurrence.unit, equals: day}") == "1"
    assert count("{field: configurationId, like: '*/mc-host'}") == "1"
    assert observe(make_rule, "schedules.shortestPeriodDays", data) == "1"
    assert observe(make_rule, "schedules.shortestPeriodDays", [machine]) == "absent"


def test_a_schedule_whose_configuration_is_not_in_the_snapshot(make_rule: Any,
                                                               rows: Any) -> None:
    machine = rows.vm()
    missing = rows.configuration("mc-elsewhere")
    rule = make_rule("""
        check:
          count: schedules
          where: {field: configuration, exists: false}
          equals: 0
        message: "{{ count }} schedule(s) not in the snapshot"
    """)
    finding = judge_rows(rule, [machine, rows.assignment(machine, missing)], AS_OF)
    assert (finding.outcome.value, finding.message) == \
        ("fail", "1 schedule(s) not in the snapshot")


# ----- maintenance configurations and assignments ---------------------------------------------

def test_configuration_fields(make_rule: Any, rows: Any) -> None:
    schedule = rows.configuration("mc-monthly", recur="Month Last Sunday", duration="02:30",
                                  expiration="2026-11-16 08:00", tags={"Owner": "team-platform"})

    def seen(path: str, as_of: str = AS_OF) -> str:
        return observe(make_rule, path, [schedule], resource="maintenanceConfiguration",
                       as_of=as_of)
    assert seen("maintenanceScope") == "InGuestPatch"
    assert seen("inGuestPatchMode") == "User"
    assert seen("tags.owner") == "team-platform"
    assert seen("window.durationMinutes") == "150"
    assert seen("window.duration") == "02:30"
    assert seen("window.recurEvery") == "Month Last Sunday"
    assert seen("window.recurrence.unit") == "Month"
    assert seen("window.recurrence.periodHours") == str(35 * 24)
    # W. Europe Standard Time is UTC+1 in November: the window expires at 07:00Z
    assert seen("expired", as_of="2026-11-16T06:59:59Z") == "false"
    assert seen("expired", as_of="2026-11-16T07:00:01Z") == "true"


def test_a_configuration_without_expiration_never_expires(make_rule: Any, rows: Any) -> None:
    for expiration in (None, "9999-12-31 23:59"):
        schedule = rows.configuration(expiration=expiration)
        assert observe(make_rule, "expired", [schedule], resource="maintenanceConfiguration",
                       as_of="2099-01-01T00:00:00Z") == "false"


def test_configuration_assignments_count(make_rule: Any, rows: Any) -> None:
    schedule = rows.configuration("mc-weekly")
    idle = rows.configuration("mc-idle")
    web, db = rows.vm("vm-web-01"), rows.vm("vm-db-01")
    rule = make_rule("""
        appliesTo: {resource: maintenanceConfiguration}
        check: {count: assignments, greater: 0}
        message: "{{ name }} is assigned to nothing"
    """)
    data = [schedule, idle, web, db, rows.assignment(web, schedule), rows.assignment(db, schedule)]
    findings = {judge_rows(rule, data, AS_OF, resource=row["id"]).message
                for row in (schedule, idle)}
    assert findings == {"", "mc-idle is assigned to nothing"}


def test_assignment_fields(make_rule: Any, rows: Any) -> None:
    machine = rows.vm("vm-web-01")
    schedule = rows.configuration("mc-weekly")
    link = rows.assignment(machine, schedule)

    def seen(path: str, data: list[dict[str, Any]]) -> str:
        return observe(make_rule, path, data, resource="assignment")
    assert seen("configuration.name", [link, schedule, machine]) == "mc-weekly"
    assert seen("machine.name", [link, schedule, machine]) == "vm-web-01"
    assert seen("machine.patch.mode", [link, schedule, machine]) == "AutomaticByOS"
    assert seen("dynamic", [link]) == "false"
    assert seen("configuration.name", [link]) == "absent"
    assert seen("machine.name", [link]) == "absent"


# ----- unknown paths --------------------------------------------------------------------------

@pytest.mark.parametrize(("subject", "path", "message"), [
    (Machine, "patch.mde", "unknown field 'mde' in patch; did you mean 'mode'?"),
    (Machine, "patch.assesmentMode",
     "unknown field 'assesmentMode' in patch; did you mean 'assessmentMode'?"),
    (Machine, "installations.latestfaild",
     "unknown field 'latestfaild' in installations; did you mean 'latestFailed'?"),
    (Machine, "installations.latest.stauts",
     "unknown field 'stauts' in installations.latest; did you mean 'status'?"),
    (Machine, "powerstat", "unknown field 'powerstat' in the resource; did you mean 'powerState'?"),
    (Machine, "schedules.shortestPeriod",
     "unknown field 'shortestPeriod' in schedules; did you mean 'shortestPeriodDays'?"),
    (Machine, "color", ("unknown field 'color' in the resource; known: agentStatus, "
                        "allowExtensionOperations, assessment, id, image, installations, kind, "
                        "lastStatusChange, location, name, osName, osType, patch, powerState, "
                        "properties, resourceGroup, schedules, subscriptionId, tags, type")),
    (Machine, "name.first", "name has no field 'first'"),
    (Machine, "tags.env.x", "tags.env has no field 'x'"),
    (MaintenanceConfiguration, "window.recurence",
     "unknown field 'recurence' in window; did you mean 'recurrence'?"),
    (MaintenanceConfiguration, "window.recurrence.periodhour",
     "unknown field 'periodhour' in window.recurrence; did you mean 'periodHours'?"),
    (Assignment, "machine.patch.mod", "unknown field 'mod' in machine.patch; did you mean 'mode'?"),
    (Assignment, "configuraton", ("unknown field 'configuraton' in the resource; did you mean "
                                  "'configuration'?")),
])
def test_unknown_fields_suggest_what_was_meant(subject: Any, path: str, message: str) -> None:
    with pytest.raises(PathError) as raised:
        resolve(subject, path)
    assert str(raised.value) == message


@pytest.mark.parametrize("path", ["source", "key", "raw", "machineKey"])
def test_internal_fields_are_not_in_the_vocabulary(path: str) -> None:
    with pytest.raises(PathError):
        resolve(Machine, path)


def test_raw_paths_mark_the_rule_as_reading_raw_rows() -> None:
    assert resolve(Machine, "properties.osProfile.computerName").uses_raw
    assert resolve(Machine, "properties").uses_raw
    assert not resolve(Machine, "patch.mode").uses_raw


# ----- per-update rows of installation runs ---------------------------------------------------

def _installed(machine: dict[str, Any], run: dict[str, Any], number: int,
               state: str) -> dict[str, Any]:
    name = f"kb{number}"
    return {"id": f"{run['id']}/softwarePatches/{name}", "name": name,
            "type": f"{machine['type']}/patchinstallationresults/softwarepatches",
            "properties": {"patchName": f"Update {number}", "classifications": ["Security"],
                           "installationState": state}}


def test_installation_patches_are_countable_per_machine_and_per_run(
        make_rule: Any, rows: Any) -> None:
    machine = rows.vm()
    older, newer = rows.run(machine, 1, start="2026-11-01T22:00:00Z"), rows.run(machine, 2)
    # The run rows use the machine id as exported; the patch rows lowercase it, as Resource
    # Graph tables may: they still link, ignoring case.
    data = [machine, older, newer, _installed(machine, older, 1, "Failed"),
            {**_installed(machine, newer, 2, "Failed"),
             "id": _installed(machine, newer, 2, "Failed")["id"].lower()},
            _installed(machine, newer, 3, "Installed")]
    failed = "{field: installationState, equals: Failed}"
    everywhere = f"{{count: installations.patches, where: {failed}, equals: 2}}"
    runs_with_a_failed_update = ("{count: installations, where: {count: patches, where: "
                                 f"{failed}, greater: 0}}, equals: 2}}")
    assert holds(make_rule, everywhere, data) == "pass"
    assert holds(make_rule, runs_with_a_failed_update, data) == "pass"
    assert holds(make_rule, runs_with_a_failed_update, data[:-3]) == "fail"  # none exported
