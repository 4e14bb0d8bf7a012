"""YAML that remembers where each value came from, and refuses duplicate keys."""

from __future__ import annotations

from typing import Any

import yaml

from auditor.errors import Location, UserError

Path = tuple[str | int, ...]
_MERGE = "tag:yaml.org,2002:merge"
# libyaml's parser when PyYAML was built with it (its wheels are): several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def dotted(path: Path) -> str:
    """`("check", "allOf", 1, "equals")` → `check.allOf[1].equals`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Document:
    """A parsed YAML document and the line of every mapping key and sequence item in it."""

    def __init__(self, file: str, data: Any, lines: dict[Path, int]) -> None:
        self.file = file
        self.data = data
        self.lines = lines

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, path: Path, message: str) -> UserError:
        return UserError(message, Location(self.file, line=self.line(path), field=dotted(path)))


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        # Ask the pure-Python parser again: its messages are the ones users see (and tests
        # pin), and they say more than libyaml's.
        return yaml.compose(text, Loader=yaml.SafeLoader)


def parse(file: str, text: str) -> Document:
    """Parse one YAML document; syntax errors and duplicate keys are user errors."""
    try:
        node = _compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark is not None else None
        raise UserError(f"YAML syntax error: {problem}", Location(file, line=line)) from None
    lines: dict[Path, int] = {(): 1}
    if node is None:
        return Document(file, None, lines)
    constructor = yaml.SafeLoader("")
    return Document(file, _convert(file, node, (), lines, constructor), lines)


def _convert(file: str, node: yaml.Node, path: Path, lines: dict[Path, int],
             constructor: yaml.SafeLoader) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        explicit = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
        constructor.flatten_mapping(node)  # resolves `<<: *anchor` merges, placed first
        merged = len(node.value) - explicit  # keys a merge brings may be overridden
        result: dict[Any, Any] = {}
        given: set[str] = set()
        for position, (key_node, value_node) in enumerate(node.value):
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if position >= merged and key in given:
                raise UserError(f"duplicate key '{key}' (first given on line "
                                f"{lines[(*path, key)]})",
                                Location(file, line=key_node.start_mark.line + 1,
                                         field=dotted((*path, key))))
            if position >= merged:
                given.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _convert(file, value_node, (*path, key), lines, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(file, item, (*path, index), lines, constructor)
                for index, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value  # dates stay text: JSON has none, and the schema expects strings
    return constructor.construct_object(node, deep=True)
