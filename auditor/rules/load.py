"""Load rule files and validate them in layers: YAML, shape, JSON Schema, then meaning.

Every problem in every file is reported, sorted, as `file:line: path.to.key: what is wrong`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jsonschema

from auditor.errors import Location, UserError, UserErrors
from auditor.rules.compile import Compiler
from auditor.rules.spec import Docs, Example, Parameter, Rule, Severity
from auditor.yamlfile import Document, parse

_PARAMETER_TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int, "number": (int, float), "string": str, "boolean": bool, "list": list}


@cache
def rule_schema() -> dict[str, Any]:
    text = resources.files("auditor").joinpath("schemas/rule.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def builtin_rule_files() -> list[Traversable]:
    pack = resources.files("auditor.rulepack")
    return sorted((f for f in pack.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories to the `.yaml`/`.yml` files below them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        elif path.is_file():
            found.append(path)
        else:
            raise UserError("no such rule file or directory", Location(str(path)))
    return found


def load_rules(builtin: bool, paths: Iterable[Path] = ()) -> list[Rule]:
    """Load the built-in pack and/or the user's files; raise every error at once."""
    sources: list[tuple[str, str]] = []
    if builtin:
        sources.extend((f"rules/{f.name}", f.read_text("utf-8")) for f in builtin_rule_files())
    for path in rule_files(paths):
        try:
            sources.append((str(path), path.read_text("utf-8")))
        except UnicodeDecodeError:
            raise UserError("not UTF-8 text", Location(str(path))) from None
    rules: list[Rule] = []
    errors: list[UserError] = []
    for name, text in sources:
        rule, problems = validate_rule(name, text)
        errors.extend(problems)
        if rule is not None:
            rules.append(rule)
    errors.extend(_duplicates(rules))
    if errors:
        raise UserErrors(errors)
    return sorted(rules, key=lambda r: r.id)


def validate_rule(file: str, text: str) -> tuple[Rule | None, list[UserError]]:
    try:
        document = parse(file, text)
    except UserError as error:
        return None, [error]
    data = document.data
    if not isinstance(data, dict):
        got = "nothing" if data is None else _describe(data)
        return None, [UserError(f"a rule file holds one mapping (id, name, severity, ...), "
                                f"got {got}", Location(file, line=1))]
    problems = schema_problems(document, rule_schema())
    if problems:
        return None, problems
    rule = _rule(document)
    compiler = Compiler(rule, {name: p.default for name, p in rule.parameters.items()})
    compiler.compile()
    problems = [document.error(path, message) for path, message in compiler.problems]
    problems.extend(_semantics(document, rule))
    return (None if problems else rule), problems


def schema_problems(document: Document, schema: dict[str, Any]) -> list[UserError]:
    """JSON Schema errors, worded for people, each at its line."""
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in validator.iter_errors(document.data):
        for path, message in _humane(error, schema):
            problems.append(document.error(path, message))
    unique = {str(p): p for p in problems}
    return list(unique.values())


def _humane(error: jsonschema.ValidationError, schema: dict[str, Any]) -> list[tuple[Any, str]]:
    path = tuple(error.absolute_path)
    # Errors from iter_errors always carry these; only a bare ValidationError leaves them unset.
    kind = error.validator
    instance: Any = error.instance
    expected: Any = error.validator_value
    if kind == "additionalProperties":
        known = _declared(error)
        extras = [key for key in instance if key not in known]
        return [((*path, key), f"unknown key '{key}'{_suggest(key, known)}") for key in extras]
    if kind == "required":
        missing = [key for key in expected if key not in instance]
        known = _declared(error)
        typos = {_closest(key, known) for key in instance if key not in known}
        # `severty:` already says "did you mean 'severity'?"; do not also say it is missing
        return [(path, f"missing required key '{key}'") for key in missing if key not in typos]
    if kind == "type" and path and path[-1] in ("within", "olderThan"):
        return [(path, f"expected {{days: N}} or {{hours: N}}, got {_shown(instance)}")]
    if kind == "type":
        wanted = " or ".join(describe_type(t) for t in (expected if isinstance(expected, list)
                                                         else [expected]))
        return [(path, f"expected {wanted}, got {_describe(instance)}")]
    if kind == "enum":
        return [(path, f"expected one of {', '.join(map(str, expected))}, got {instance!r}")]
    if kind == "pattern":
        field = str(path[-1]) if path else ""
        hint = {"id": "an id such as AUM004", "name": "a kebab-case name such as "
                "no-failed-installations", "expires": "a date such as 2027-03-31"
                }.get(field, f"text matching {expected}")
        return [(path, f"expected {hint}, got {instance!r}")]
    if kind in ("anyOf", "oneOf") and error.context:
        options = list(expected)
        fitting = {index for index, option in enumerate(options) if _fits(option, instance, schema)}
        # The alternative the value's type chose explains best what is wrong inside it.
        inner = [e for e in error.context if e.relative_schema_path[0] in fitting
                 and e.validator not in ("type", "pattern")]
        if inner:
            return [found for e in inner for found in _humane(e, schema)]
        phrases = [_phrase(option, schema) for option in options]
        return [(path, f"expected {_either(phrases)}, got {_shown(instance)}")]
    if kind == "minItems":
        return [(path, f"needs at least {expected} item(s)")]
    if kind == "minProperties":
        return [(path, "must not be empty")]
    if kind == "maxProperties":
        return [(path, "expected {days: N} or {hours: N}")]
    if kind == "uniqueItems":
        return [(path, "holds the same item twice")]
    if kind == "minLength":
        return [(path, "must not be empty")]
    return [(path, error.message)]


def _declared(error: jsonschema.ValidationError) -> list[str]:
    """The keys the failing object's schema declares (a keyword's schema is a mapping)."""
    node = error.schema
    return sorted(node.get("properties", {})) if isinstance(node, Mapping) else []


_ARTICLES = {"string": "a string", "object": "a mapping", "array": "a list",
             "number": "a number", "integer": "a whole number", "boolean": "true or false",
             "null": "null", "list": "a list"}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else type(value).__name__


def _closest(key: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return close[0] if close else None


def _suggest(key: str, known: list[str]) -> str:
    close = _closest(key, known)
    if close:
        return f"; did you mean '{close}'?"
    return f"; expected one of {', '.join(known)}" if known else ""


_JSON_TYPES = {bool: ("boolean",), int: ("integer", "number"), float: ("number",),
               str: ("string",), list: ("array",), dict: ("object",), type(None): ("null",)}
_REFERENCES = {"#/$defs/param": "a parameter such as ${name}",
               "#/$defs/fieldValue": "{field: PATH}"}


def _dereference(option: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in option:
        node: Any = schema
        for part in option["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        option = node
    return option


def _fits(option: dict[str, Any], instance: Any, schema: dict[str, Any]) -> bool:
    """Whether the instance has a JSON type the alternative accepts."""
    option = _dereference(option, schema)
    if "anyOf" in option:
        return any(_fits(inner, instance, schema) for inner in option["anyOf"])
    types = option.get("type")
    if types is None:
        return True
    types = types if isinstance(types, list) else [types]
    return any(t in types for t in _JSON_TYPES.get(type(instance), ()))


def _phrase(option: dict[str, Any], schema: dict[str, Any]) -> str:
    """An alternative in words: `a number`, `a parameter such as ${name}`, `{field: PATH}`."""
    if option.get("$ref") in _REFERENCES:
        return _REFERENCES[option["$ref"]]
    option = _dereference(option, schema)
    if "anyOf" in option:
        return " or ".join(_phrase(inner, schema) for inner in option["anyOf"])
    types = option.get("type", [])
    types = types if isinstance(types, list) else [types]
    if len(types) == 1:
        return describe_type(str(types[0]))
    return "a single value"


def _either(phrases: list[str]) -> str:
    """`a string or a list`; `a number, a parameter such as ${name}, or {field: PATH}`."""
    if len(phrases) == 2 and " or " not in phrases[0]:
        return " or ".join(phrases)
    return ", ".join(phrases[:-1]) + ", or " + phrases[-1] if len(phrases) > 1 else phrases[0]


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return _describe(value)
    return json.dumps(value) if not isinstance(value, str) else repr(value)


def _rule(document: Document) -> Rule:
    data, file = document.data, document.file
    applies = data["appliesTo"]
    docs = data["docs"]
    return Rule(
        id=data["id"], name=data["name"], severity=Severity(data["severity"]),
        tags=tuple(data.get("tags", ())), presets=tuple(data.get("presets", ())),
        resource=applies["resource"], kinds=tuple(applies.get("kinds", ())),
        os=tuple(applies.get("os", ())), precondition=applies.get("precondition"),
        parameters={name: Parameter(name, spec["type"], spec["default"],
                                    spec.get("description", ""))
                    for name, spec in data.get("parameters", {}).items()},
        check=data["check"], message=data["message"],
        docs=Docs(summary=docs["summary"], why=docs["why"], fix=docs["fix"],
                  links=tuple(docs["links"]), notes=docs.get("notes", ""),
                  examples=tuple(Example(title=e["title"], outcome=e["outcome"], rows=e["rows"],
                                         as_of=e.get("asOf"), message=e.get("message"),
                                         resource=e.get("resource"),
                                         parameters=e.get("parameters", {}),
                                         line=document.line(("docs", "examples", index)))
                                 for index, e in enumerate(docs["examples"]))),
        file=file, line=document.line(("id",)), applies_to=applies.get("description", ""))


def _semantics(document: Document, rule: Rule) -> list[UserError]:
    problems = []
    if rule.resource != "machine":
        for key in ("kinds", "os"):
            if getattr(rule, key):
                problems.append(document.error(("appliesTo", key),
                                               f"'{key}' applies only to machines"))
    for name, parameter in rule.parameters.items():
        if not check_parameter(parameter, parameter.default):
            problems.append(document.error(("parameters", name, "default"),
                                           f"expected {describe_type(parameter.type)}"
                                           f" as declared, got {_describe(parameter.default)}"))
    outcomes = {example.outcome for example in rule.docs.examples}
    for needed in ("pass", "fail"):
        if needed not in outcomes:
            problems.append(document.error(("docs", "examples"),
                                           f"needs at least one example whose outcome is {needed}"))
    return problems


def describe_type(parameter_type: str) -> str:
    """A parameter type in words: `integer` is `a whole number`."""
    return _ARTICLES.get(parameter_type, parameter_type)


def check_parameter(parameter: Parameter, value: Any) -> bool:
    expected = _PARAMETER_TYPES[parameter.type]
    if isinstance(value, bool) and parameter.type in ("integer", "number"):
        return False
    return isinstance(value, expected)


def _duplicates(rules: list[Rule]) -> list[UserError]:
    errors = []
    for key in ("id", "name"):
        seen: dict[str, Rule] = {}
        for rule in rules:
            value = getattr(rule, key)
            if value in seen:
                errors.append(UserError(f"duplicate rule {key} '{value}' (also in "
                                        f"{seen[value].file})", Location(rule.file,
                                                                         line=rule.line,
                                                                         field=key)))
            else:
                seen[value] = rule
    return errors
