"""`auditor.yaml`: which rules run, their severities and parameters, and the waivers."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from auditor.engine.results import Waiver
from auditor.errors import Location, UserError, UserErrors
from auditor.rules.load import check_parameter, describe_type, schema_problems
from auditor.rules.spec import Rule, Severity
from auditor.yamlfile import Path as KeyPath
from auditor.yamlfile import dotted, parse

CONFIG_NAMES = ("auditor.yaml", "auditor.yml")


@dataclass(frozen=True)
class Config:
    file: str = ""
    preset: str | None = None
    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    fail_on: Severity | None = None
    lines: dict[KeyPath, int] = field(default_factory=dict, compare=False, repr=False)

    def error(self, path: KeyPath, message: str) -> UserError:
        """An error about one key of the configuration, at its line."""
        line = next((self.lines[path[:n]] for n in range(len(path), 0, -1)
                     if path[:n] in self.lines), None)
        return UserError(message, Location(self.file, line=line, field=dotted(path)))


@cache
def config_schema() -> dict[str, Any]:
    text = resources.files("auditor").joinpath("schemas/config.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def find_config(explicit: Path | None, directory: Path) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise UserError("no such configuration file", Location(str(explicit)))
        return explicit
    return next((directory / name for name in CONFIG_NAMES if (directory / name).is_file()), None)


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    document = parse(str(path), path.read_text("utf-8"))
    if document.data is None:  # an empty file, or only comments
        return Config(file=str(path))
    data = document.data
    if not isinstance(data, dict):
        raise UserError("the configuration is one mapping (rules, waivers, ...)",
                        Location(str(path), line=1))
    problems = schema_problems(document, config_schema())
    if problems:
        raise UserErrors(problems)
    rules = data.get("rules", {})
    waivers = []
    for index, item in enumerate(data.get("waivers", [])):
        try:
            date.fromisoformat(str(item["expires"]))
        except ValueError:
            raise document.error(("waivers", index, "expires"),
                                 "expected a date such as 2027-03-31") from None
        waivers.append(Waiver(rule=item["rule"], resource=item["resource"],
                              reason=item["reason"], owner=item["owner"],
                              expires=str(item["expires"])))
    return Config(
        file=str(path), preset=rules.get("preset"), select=tuple(rules.get("select", ())),
        exclude=tuple(rules.get("exclude", ())),
        severity={k: Severity(v) for k, v in rules.get("severity", {}).items()},
        parameters=rules.get("parameters", {}), waivers=tuple(waivers),
        fail_on=Severity(data["failOn"]) if "failOn" in data else None, lines=document.lines)


def select_rules(rules: list[Rule], config: Config, preset: str | None,
                 select: tuple[str, ...]) -> list[Rule]:
    """Apply a preset, then `select` (ids or `tag:NAME`), then `exclude`.

    Every rule id the configuration names must exist: a typo in an override or an exclusion
    must not pass unnoticed."""
    _check_names(rules, config)
    chosen = list(rules)
    preset = preset or config.preset
    if preset is not None:
        presets = {p for rule in rules for p in rule.presets} | {"baseline"}
        if preset not in presets:
            raise UserError(f"unknown preset '{preset}'; known: {', '.join(sorted(presets))}")
        chosen = [r for r in chosen if preset == "baseline" or preset in r.presets]
    wanted = select or config.select
    if wanted:
        chosen = [r for r in chosen if _picked(r, wanted)]
        known = {r.id for r in rules} | {f"tag:{t}" for r in rules for t in r.tags}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise UserError(f"unknown rule or tag in the selection: {', '.join(unknown)}")
    return [r for r in chosen if not _picked(r, config.exclude)]


def _check_names(rules: list[Rule], config: Config) -> None:
    ids = sorted(rule.id for rule in rules)
    tags = sorted({f"tag:{tag}" for rule in rules for tag in rule.tags})
    errors = []
    for key in ("severity", "parameters"):
        for name in getattr(config, key):
            if name not in ids:
                errors.append(config.error(("rules", key, name),
                                           f"unknown rule '{name}'{_closest(name, ids)}"))
    for index, name in enumerate(config.exclude):
        if name not in ids and name not in tags:
            errors.append(config.error(("rules", "exclude", index),
                                       f"unknown rule or tag '{name}'{_closest(name, ids + tags)}"))
    if errors:
        raise UserErrors(errors)


def _closest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _picked(rule: Rule, names: tuple[str, ...]) -> bool:
    return rule.id in names or any(f"tag:{tag}" in names for tag in rule.tags)


def parameters_for(rule: Rule, config: Config) -> dict[str, Any]:
    values = {name: p.default for name, p in rule.parameters.items()}
    for name, value in config.parameters.get(rule.id, {}).items():
        where = ("rules", "parameters", rule.id, name)
        if name not in rule.parameters:
            raise config.error(where, f"{rule.id} has no parameter '{name}'; it has "
                                      f"{', '.join(rule.parameters) or 'none'}")
        if not check_parameter(rule.parameters[name], value):
            raise config.error(where, f"expected {describe_type(rule.parameters[name].type)} "
                                      f"for {rule.id}'s {name}, got {value!r}")
        values[name] = value
    return values
