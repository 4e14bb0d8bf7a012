"""The template-expression subset: what evaluates, and what is unknown (never guessed)."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.planned.expressions import Scope, Unknown, evaluate
from auditor.planned.functions import FUNCTIONS

SUB = "00000000-0000-0000-0000-000000000001"


def scope(**parameters: Any) -> Scope:
    return Scope(parameters, {"name": "[concat(parameters('prefix'), '-vm')]",
                              "settings": {"mode": "[parameters('mode')]"},
                              "loop": "[variables('loop')]"},
                 SUB, "rg-web", "westeurope", FUNCTIONS)


VALUES = {"prefix": "web", "mode": "AutomaticByPlatform", "flag": True, "count": 2,
          "empty": "", "nothing": None, "list": ["a", "b"], "object": {"Key": "v"},
          "unknown": Unknown("a Key Vault reference is read at deployment")}


@pytest.mark.parametrize(("expression", "expected"), [
    ("[parameters('prefix')]", "web"),
    ("[PARAMETERS('Prefix')]", "web"),  # function names and parameter names ignore case
    ("[variables('name')]", "web-vm"),
    ("[variables('settings').mode]", "AutomaticByPlatform"),
    ("[concat('a', 'b', 'c')]", "abc"),
    ("[concat(parameters('list'), createArray('c'))]", ["a", "b", "c"]),
    ("[format('{0}-{1:D2}', parameters('prefix'), 7)]", "web-07"),
    ("[format('{{literal}} {0}', 1)]", "{literal} 1"),
    ("[if(parameters('flag'), 'yes', 'no')]", "yes"),
    ("[if(equals(parameters('mode'), 'Manual'), parameters('unknown'), 'known')]", "known"),
    ("[createObject('patchMode', parameters('mode'))]", {"patchMode": "AutomaticByPlatform"}),
    ("[union(createObject('a', 1, 'b', createObject('x', 1)), createObject('b', "
     "createObject('y', 2)))]", {"a": 1, "b": {"x": 1, "y": 2}}),
    ("[coalesce(parameters('nothing'), 'fallback')]", "fallback"),
    ("[empty(parameters('empty'))]", True),
    ("[empty(parameters('list'))]", False),
    ("[not(parameters('flag'))]", False),
    ("[and(parameters('flag'), equals(1, 1))]", True),
    ("[or(false(), parameters('flag'))]", True),
    ("[contains(parameters('list'), 'b')]", True),
    ("[contains(parameters('object'), 'key')]", True),
    ("[contains('AutomaticByPlatform', 'ByPlatform')]", True),
    ("[toLower('ABC')]", "abc"),
    ("[last(split('/a/b/vm-web', '/'))]", "vm-web"),
    ("[tryGet(parameters('object'), 'missing')]", None),
    ("[parameters('object').key]", "v"),  # object keys ignore case, as ARM's do
    ("[parameters('list')[1]]", "b"),
    ("[json('null')]", None),
    ("[add(copyIndex(), 1)]", Unknown("copyIndex() is used outside a copy loop")),
    ("[[not an expression]", "[not an expression]"),
    ("plain [text]", "plain [text]"),
    ("[resourceId('Microsoft.Compute/virtualMachines', 'vm1')]",
     f"/subscriptions/{SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm1"),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets/', 'net', 'sub1')]",
     f"/subscriptions/{SUB}/resourceGroups/rg-web/providers/Microsoft.Network/virtualNetworks/"
     "net/subnets/sub1"),
    ("[resourceId('rg-other', 'Microsoft.Compute/virtualMachines', 'vm1')]",
     f"/subscriptions/{SUB}/resourceGroups/rg-other/providers/Microsoft.Compute/"
     "virtualMachines/vm1"),
    ("[subscriptionResourceId('Microsoft.Maintenance/configurationAssignments', 'dyn')]",
     f"/subscriptions/{SUB}/providers/Microsoft.Maintenance/configurationAssignments/dyn"),
    ("[extensionResourceId(resourceId('Microsoft.Compute/virtualMachines', 'vm1'), "
     "'Microsoft.Maintenance/configurationAssignments', 'a1')]",
     f"/subscriptions/{SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/"
     "vm1/providers/Microsoft.Maintenance/configurationAssignments/a1"),
    ("[resourceGroup().location]", "westeurope"),
    ("[subscription().subscriptionId]", SUB),
    ("['it''s']", "it's"),
])
def test_the_subset_evaluates(expression: str, expected: Any) -> None:
    assert evaluate(expression, scope(**VALUES)) == expected


@pytest.mark.parametrize(("expression", "reason"), [
    ("[reference('vm1').osProfile]", "reference() reads the deployed resource"),
    ("[listKeys('sa', '2023-01-01').keys[0].value]", "listkeys() reads the deployed resource"),
    ("[utcNow()]", "utcnow() changes with every deployment"),
    ("[uniqueString(resourceGroup().id)]", "the function uniquestring() is not evaluated offline"),
    ("[contoso.naming('vm')]", "the user-defined function contoso.naming() is not evaluated "
                                "offline"),
    ("[parameters('unknown')]", "a Key Vault reference is read at deployment"),
    ("[concat('vm-', parameters('unknown'))]", "a Key Vault reference is read at deployment"),
    ("[equals(parameters('unknown'), 'x')]", "a Key Vault reference is read at deployment"),
    ("[if(parameters('unknown'), 'a', 'b')]", "a Key Vault reference is read at deployment"),
    ("[and(true(), parameters('unknown'))]", "a Key Vault reference is read at deployment"),
    ("[parameters('missing')]", "parameter 'missing' is not declared"),
    ("[variables('loop')]", "variable 'loop' refers to itself"),
    ("[parameters('object').absent]", "the object has no property 'absent'"),
    ("[concat('a', ]", "the expression \"[concat('a', ]\" does not parse: the expression ends "
                       "too early"),
    ("[format('{0:N2}', 1)]", "format() failed: the format {0:N2} is not supported"),
])
def test_what_cannot_be_known_offline_is_unknown(expression: str, reason: str) -> None:
    assert evaluate(expression, scope(**VALUES)) == Unknown(reason)


def test_known_arguments_decide_and_and_or_whatever_the_unknown_one_is() -> None:
    assert evaluate("[and(false(), parameters('unknown'))]", scope(**VALUES)) is False
    assert evaluate("[or(parameters('unknown'), true())]", scope(**VALUES)) is True


def test_an_unknown_value_inside_an_object_stays_in_place() -> None:
    value = evaluate({"patchSettings": {"patchMode": "[parameters('mode')]",
                                        "assessmentMode": "[reference('x').mode]"}},
                     scope(**VALUES))
    assert value == {"patchSettings": {"patchMode": "AutomaticByPlatform",
                                       "assessmentMode": Unknown("reference() reads the "
                                                                 "deployed resource")}}


def test_a_property_copy_loop_is_expanded() -> None:
    value = evaluate({"copy": [{"name": "dataDisks", "count": 2,
                                "input": {"lun": "[copyIndex('dataDisks')]"}}]},
                     scope(**VALUES))
    assert value == {"dataDisks": [{"lun": 0}, {"lun": 1}]}
