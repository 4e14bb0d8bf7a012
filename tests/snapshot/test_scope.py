"""Dynamic scopes: which machines a subscription- or resource-group-level filter covers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.model import CoverageKind, DynamicScopeFilter, LoadWarning, Machine
from auditor.snapshot import load_estate, load_rows
from auditor.snapshot.scope import covers, filter_matches, scope_contains

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SUB1 = "00000000-0000-0000-0000-000000000001"
SUB2 = "00000000-0000-0000-0000-000000000002"
CONFIGURATION = (f"/subscriptions/{SUB1}/resourceGroups/rg-schedules/providers/"
                 "Microsoft.Maintenance/maintenanceConfigurations/mc-dyn")


def machine(name: str = "vm-1", group: str = "RG-Apps", os_name: str = "Windows",
            location: str = "japaneast", tags: dict[str, str] | None = None,
            subscription: str = SUB1, arc: bool = False) -> dict[str, Any]:
    provider = "Microsoft.HybridCompute/machines" if arc else "Microsoft.Compute/virtualMachines"
    properties: dict[str, Any] = {"osType": os_name.lower()} if arc else {
        "storageProfile": {"osDisk": {"osType": os_name}}}
    return {"id": f"/subscriptions/{subscription}/resourceGroups/{group}/providers/"
                  f"{provider}/{name}",
            "name": name, "type": provider.lower(), "subscriptionId": subscription,
            "resourceGroup": group, "location": location, "tags": tags or {},
            "properties": properties}


def dynamic(scope: str, criteria: dict[str, Any] | None) -> dict[str, Any]:
    properties: dict[str, Any] = {"maintenanceConfigurationId": CONFIGURATION, "resourceId": scope}
    if criteria is not None:
        properties["filter"] = criteria
    return {"id": f"{scope}/providers/Microsoft.Maintenance/configurationAssignments/dyn",
            "name": "dyn", "type": "microsoft.maintenance/configurationassignments",
            "properties": properties}


SUBSCRIPTION = f"/subscriptions/{SUB1}"
GROUP = f"/subscriptions/{SUB1}/resourceGroups/rg-apps"  # the machine's group, other casing
TAGS = {"env": ["prod"], "team": ["web", "db"]}

CASES = [
    # name, assignment scope, filter, machine overrides, covered
    ("subscription scope, empty filter", SUBSCRIPTION, {}, {}, True),
    ("other subscription", f"/subscriptions/{SUB2}", {}, {}, False),
    ("resource group scope, any casing", GROUP, {}, {}, True),
    ("other resource group", f"/subscriptions/{SUB1}/resourceGroups/rg-data", {}, {}, False),
    ("same group name in another subscription", GROUP, {}, {"subscription": SUB2}, False),
    ("resourceTypes in ARM casing", SUBSCRIPTION,
     {"resourceTypes": ["Microsoft.Compute/virtualMachines"]}, {}, True),
    ("resourceTypes: Arc only", SUBSCRIPTION,
     {"resourceTypes": ["Microsoft.HybridCompute/machines"]}, {}, False),
    ("resourceTypes: Arc machine", SUBSCRIPTION,
     {"resourceTypes": ["Microsoft.HybridCompute/machines"]}, {"arc": True}, True),
    ("resourceGroups, other casing", SUBSCRIPTION, {"resourceGroups": ["rg-apps"]}, {}, True),
    ("resourceGroups, not listed", SUBSCRIPTION, {"resourceGroups": ["rg-data"]}, {}, False),
    ("osTypes", SUBSCRIPTION, {"osTypes": ["Windows"]}, {}, True),
    ("osTypes, lowercase", SUBSCRIPTION, {"osTypes": ["windows"]}, {}, True),
    ("osTypes, other OS", SUBSCRIPTION, {"osTypes": ["Linux"]}, {}, False),
    ("osTypes, Arc machine", SUBSCRIPTION, {"osTypes": ["Linux"]},
     {"arc": True, "os_name": "linux"}, True),
    ("locations, display name", SUBSCRIPTION, {"locations": ["Japan East"]}, {}, True),
    ("locations, programmatic name", SUBSCRIPTION, {"locations": ["japaneast"]}, {}, True),
    ("locations, other region", SUBSCRIPTION, {"locations": ["UK South"]}, {}, False),
    ("tags All: both match", SUBSCRIPTION,
     {"tagSettings": {"tags": TAGS, "filterOperator": "All"}},
     {"tags": {"env": "prod", "team": "db"}}, True),
    ("tags All: one missing", SUBSCRIPTION,
     {"tagSettings": {"tags": TAGS, "filterOperator": "All"}}, {"tags": {"env": "prod"}}, False),
    ("tags Any: one matches", SUBSCRIPTION,
     {"tagSettings": {"tags": TAGS, "filterOperator": "Any"}}, {"tags": {"team": "web"}}, True),
    ("tags Any: none matches", SUBSCRIPTION,
     {"tagSettings": {"tags": TAGS, "filterOperator": "Any"}}, {"tags": {"team": "ops"}}, False),
    ("tag name case-insensitive", SUBSCRIPTION,
     {"tagSettings": {"tags": {"Env": ["prod"]}, "filterOperator": "All"}},
     {"tags": {"ENV": "prod"}}, True),
    ("tag value exact", SUBSCRIPTION,
     {"tagSettings": {"tags": {"env": ["prod"]}, "filterOperator": "All"}},
     {"tags": {"env": "Prod"}}, False),
    ("no tags on the machine", SUBSCRIPTION,
     {"tagSettings": {"tags": {"env": ["prod"]}, "filterOperator": "Any"}}, {}, False),
    ("criteria are ANDed: all match", SUBSCRIPTION,
     {"resourceTypes": ["Microsoft.Compute/virtualMachines"], "resourceGroups": ["RG-APPS"],
      "osTypes": ["Windows"], "locations": ["Japan East"],
      "tagSettings": {"tags": {"env": ["prod"]}, "filterOperator": "All"}},
     {"tags": {"env": "prod"}}, True),
    ("criteria are ANDed: one fails", SUBSCRIPTION,
     {"resourceTypes": ["Microsoft.Compute/virtualMachines"], "resourceGroups": ["RG-APPS"],
      "osTypes": ["Windows"], "locations": ["UK South"],
      "tagSettings": {"tags": {"env": ["prod"]}, "filterOperator": "All"}},
     {"tags": {"env": "prod"}}, False),
]


@pytest.mark.parametrize(("scope", "criteria", "overrides", "covered"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_dynamic_scope(scope: str, criteria: dict[str, Any], overrides: dict[str, Any],
                       covered: bool) -> None:
    snapshot = load_rows([machine(**overrides), dynamic(scope, criteria)])
    (loaded,) = snapshot.machines
    (assignment,) = snapshot.assignments
    assert assignment.dynamic is True
    assert covers(assignment, loaded) is covered
    expected = [(CONFIGURATION.lower(), assignment.key, CoverageKind.DYNAMIC)] if covered else []
    assert [(c.configuration_key, c.assignment_key, c.how)
            for c in snapshot.coverage.get(loaded.key, ())] == expected


def test_a_dynamic_scope_without_filter_covers_nothing_and_warns() -> None:
    snapshot = load_rows([machine(), dynamic(SUBSCRIPTION, None)], name="rows.json")
    (loaded,) = snapshot.machines
    (assignment,) = snapshot.assignments
    assert (assignment.dynamic, assignment.filter) == (True, None)
    assert covers(assignment, loaded) is False
    assert snapshot.coverage == {}
    assert snapshot.warnings == (LoadWarning(
        "dynamic-scope-without-filter",
        "this dynamic scope carries no filter in the export, so the machines it covers cannot "
        "be resolved; export it with properties.filter", "rows.json", 1, "properties.filter"),)


def test_an_absent_filter_operator_means_any() -> None:
    snapshot = load_rows([machine(tags={"team": "web"}),
                          dynamic(SUBSCRIPTION, {"tagSettings": {"tags": TAGS}})])
    assert snapshot.assignments[0].filter is not None
    assert snapshot.assignments[0].filter.tag_operator == "Any"
    assert len(snapshot.coverage[snapshot.machines[0].key]) == 1


def a_machine(**overrides: Any) -> Machine:
    (loaded,) = load_rows([machine(**overrides)]).machines
    return loaded


EVERYTHING = DynamicScopeFilter(resource_types=(), resource_groups=(), os_types=(), locations=(),
                                tags={}, tag_operator="Any")


@pytest.mark.parametrize(("criteria", "matched"), [
    (EVERYTHING, True),
    (DynamicScopeFilter(resource_types=("microsoft.compute/virtualmachines",),
                        resource_groups=("rg-apps",), os_types=("windows",),
                        locations=("japaneast",), tags={"ENV": ("prod",)}, tag_operator="All"),
     True),
    (DynamicScopeFilter(resource_types=(), resource_groups=(), os_types=("linux",),
                        locations=(), tags={}, tag_operator="Any"), False),
    (DynamicScopeFilter(resource_types=(), resource_groups=(), os_types=(),
                        locations=(), tags={"env": ("dev",), "team": ("web",)},
                        tag_operator="All"), False),
    (DynamicScopeFilter(resource_types=(), resource_groups=(), os_types=(),
                        locations=(), tags={"env": ("dev",), "team": ("web",)},
                        tag_operator="Any"), True),
])
def test_filter_matches(criteria: DynamicScopeFilter, matched: bool) -> None:
    target = a_machine(tags={"env": "prod", "team": "web"})
    assert filter_matches(criteria, target) is matched


@pytest.mark.parametrize(("scope", "contained"), [
    (f"/subscriptions/{SUB1}", True),
    (f"/subscriptions/{SUB1}/", True),
    (f"/subscriptions/{SUB1}/resourcegroups/rg-apps", True),
    (f"/subscriptions/{SUB1}/resourcegroups/rg-data", False),
    (f"/subscriptions/{SUB2}", False),
    ((f"/subscriptions/{SUB1}/resourcegroups/rg-apps/providers/microsoft.compute/"
      "virtualmachines/vm-1"), False),
])
def test_scope_contains(scope: str, contained: bool) -> None:
    assert scope_contains(scope, a_machine()) is contained


def test_coverage_of_the_fixture_estate() -> None:
    path = EXPORTS / "dynamic-scopes.json"
    snapshot = load_estate([path])
    assignments = {a.key: a.name for a in snapshot.assignments}
    coverage = {m.name: sorted(assignments[c.assignment_key]
                               for c in snapshot.coverage.get(m.key, ()))
                for m in snapshot.machines}
    assert coverage == {
        "arc-jpe-win": ["dyn-rg-all-tags"],
        "vm-jpe-lnx": [],  # no team tag; not Windows
        "vm-jpe-win": ["dyn-rg-all-tags", "dyn-sub-windows"],
        "vm-uks-win": ["dyn-sub-any-tags-rgs"],  # env=Prod matches the value Prod exactly
        "vm-sub2-win": ["dyn-sub2-empty-filter"],
    }
    assert all(c.how is CoverageKind.DYNAMIC for v in snapshot.coverage.values() for c in v)
    assert [(w.code, w.row) for w in snapshot.warnings] == [("dynamic-scope-without-filter", 10)]
    assert snapshot.orphans.total() == 0
