"""Where planned resources will be deployed, as the command line says (and what it leaves out)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from auditor.errors import Location, UserError
from auditor.planned.rows import PLACEHOLDER_RESOURCE_GROUP, PLACEHOLDER_SUBSCRIPTION

_PARAMETERS_SCHEMA = "deploymentparameters.json"


@dataclass(frozen=True)
class PlannedContext:
    """The deployment target of templates and plans that do not name it themselves.

    Without `--subscription` and `--resource-group`, planned ids use placeholders (the zero
    GUID and `rg-planned`), and a warning says so: they cannot match a live snapshot's ids."""

    subscription: str | None = None
    resource_group: str | None = None
    location: str | None = None
    parameters_file: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def subscription_or_placeholder(self) -> str:
        return self.subscription or PLACEHOLDER_SUBSCRIPTION

    @property
    def resource_group_or_placeholder(self) -> str:
        return self.resource_group or PLACEHOLDER_RESOURCE_GROUP


def add_arguments(command: argparse.ArgumentParser, subscription: bool) -> None:
    """The pre-deployment flags; `--subscription` is added only where no other group has it
    (`audit` shares the collection flag: it names the planned resources' subscription too)."""
    group = command.add_argument_group("pre-deployment checks (templates, what-if, plans)")
    if subscription:
        group.add_argument("--subscription", action="append", default=[], metavar="ID",
                           help="the subscription planned resources are deployed to")
    group.add_argument("--resource-group", metavar="NAME",
                       help="the resource group planned resources are deployed to (templates "
                            "and plans that do not name it)")
    group.add_argument("--location", metavar="REGION",
                       help="the deployment's region, for resourceGroup().location")
    group.add_argument("--parameters", type=Path, metavar="FILE",
                       help="an ARM deployment parameters file for the template (values are "
                            "literal); compile a .bicepparam with `bicep build-params` first")


def context_from(args: argparse.Namespace) -> PlannedContext:
    """The context the flags describe; the parameters file is read and checked here."""
    subscriptions = [s.strip() for value in args.subscription or []
                     for s in value.split(",") if s.strip()]
    if len(subscriptions) > 1 and not getattr(args, "collect", False):
        raise UserError("give one --subscription for the planned resources, not "
                        f"{len(subscriptions)}")
    parameters: dict[str, Any] = {}
    path = args.parameters
    if path is not None:
        parameters = read_parameters(path)
    return PlannedContext(subscriptions[0] if subscriptions else None, args.resource_group,
                          args.location, str(path) if path else None, parameters)


def read_parameters(path: Path) -> dict[str, Any]:
    """`{parameters: {name: {value} | {reference}}}`; a Key Vault reference is kept as is."""
    if not path.is_file():
        raise UserError("no such parameters file", Location(str(path)))
    try:
        document = msgspec.json.decode(path.read_bytes())
    except msgspec.DecodeError:
        raise UserError("the parameters file is not JSON; compile a .bicepparam file with "
                        "`bicep build-params` and give the JSON it writes",
                        Location(str(path))) from None
    if not isinstance(document, dict) or not isinstance(document.get("parameters"), dict):
        raise UserError("not a deployment parameters file: expected {\"$schema\": "
                        "\"...deploymentParameters.json#\", \"parameters\": {...}}",
                        Location(str(path)))
    result: dict[str, Any] = {}
    for name, entry in document["parameters"].items():
        if not isinstance(entry, dict) or not ("value" in entry or "reference" in entry):
            raise UserError("each parameter is {\"value\": ...} or {\"reference\": ...}",
                            Location(str(path), field=f"parameters.{name}"))
        result[name] = entry
    return result


def is_parameters_file(document: dict[str, Any]) -> bool:
    schema = document.get("$schema")
    return isinstance(schema, str) and schema.lower().rstrip("#").endswith(_PARAMETERS_SCHEMA)
