"""Errors in JSON input, in words: where a file is malformed, and what a field should hold."""

from __future__ import annotations

import mmap
import re

import msgspec

from auditor.errors import Location, UserError

Text = bytes | memoryview | mmap.mmap | msgspec.Raw


def line_at(path: str, text: Text, offset: int) -> Location:
    """The file and line of a byte offset."""
    return Location(path, line=bytes(text[:offset]).count(b"\n") + 1)


def reason(error: msgspec.DecodeError) -> str:
    """msgspec's complaint about malformed JSON, in the auditor's words."""
    message = str(error)
    message = message.removeprefix("JSON is malformed: ").split(" (byte ")[0]
    if message == "Input data was truncated":
        return "the text ends before the JSON is complete"
    return message[:1].lower() + message[1:]


def malformed(path: str, text: Text, error: msgspec.DecodeError) -> UserError:
    """Malformed JSON, at the line where the parser stopped."""
    message = str(error)
    offset = len(text)
    if "(byte " in message:
        offset = int(message.rsplit("(byte ", 1)[1].rstrip(")"))
    elif "truncated" not in message:
        offset = 0
    return UserError(f"malformed JSON: {reason(error)}; fix the file or export it again",
                     line_at(path, memoryview(text), offset))


def invalid(path: str, index: int | None, error: msgspec.ValidationError) -> UserError:
    """A field of the wrong type, at its row and field path."""
    what, field_path = validation_message(error)
    return UserError(what, Location(path, row=index, field=field_path))


_KINDS = {"str": "a string", "int": "an integer", "float": "a number", "bool": "a boolean",
          "object": "an object", "array": "an array", "null": "null"}
_EXPECTED = re.compile(r"Expected `([^`]*)`, got `([^`]*)`")


def validation_message(error: msgspec.ValidationError) -> tuple[str, str]:
    """msgspec's "Expected `str | null`, got `int` - at `$.name`" as ("expected a string, got
    a number", "name"): the problem in plain words, and the field path it is at."""
    what, _, where = str(error).partition(" - at `$")
    field_path = where.rstrip("`").lstrip(".")
    match = _EXPECTED.fullmatch(what)
    if match is None:
        return (what[:1].lower() + what[1:], field_path)
    wanted = [kind for kind in match.group(1).split(" | ") if kind != "null"] or ["null"]
    if "float" in wanted and "int" in wanted:
        wanted.remove("int")
    words = [_KINDS.get(kind, f"`{kind}`") for kind in wanted]
    expected = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    got = match.group(2)
    got = "a number" if got in ("int", "float") else _KINDS.get(got, f"`{got}`")
    return f"expected {expected}, got {got}", field_path
