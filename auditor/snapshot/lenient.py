"""The forgiving second pass: decode a row that the strict types refused, then coerce it.

Each strict property type in rows.py has a lenient twin, derived here rather than written
twice: a Literal becomes str, a time becomes str, a flag also accepts "True"/"False", a count
also accepts "3". The twin's values are then coerced to the strict types one field at a time;
what cannot be coerced is kept (an unknown enum spelling) or dropped (an unreadable time) and
always reported as a warning naming the field.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, Literal

import msgspec

from auditor.snapshot import coerce

Warn = Callable[[str, str], None]  # (field path, message)


def _without_none(annotation: Any) -> tuple[Any, bool]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return options[0], True
    return annotation, False


def _base(annotation: Any) -> Any:
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _loose(annotation: Any) -> Any:
    inner, optional = _without_none(annotation)
    inner = _base(inner)
    origin = typing.get_origin(inner)
    if origin is Literal or inner is datetime:
        loose: Any = str
    elif inner is bool:
        loose = bool | str
    elif inner is int:
        loose = int | str
    elif isinstance(inner, type) and issubclass(inner, msgspec.Struct):
        loose = twin(inner)
    elif origin is list:
        loose = types.GenericAlias(list, (_loose(typing.get_args(inner)[0]),))
    elif origin is dict:
        key, value = typing.get_args(inner)
        loose = types.GenericAlias(dict, (key, _loose(value)))
    else:
        return annotation
    return loose | None if optional else loose


@cache
def twin(strict: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """The lenient twin of a strict property type (cached: built once per type)."""
    fields = [(f.name, _loose(f.type), f.default) for f in msgspec.structs.fields(strict)]
    return msgspec.defstruct(f"Lenient{strict.__name__}", fields)


@cache
def decoder(strict: type[msgspec.Struct]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(twin(strict))


def coerce_struct(value: msgspec.Struct, strict: type[Any], path: str, warn: Warn) -> Any:
    """Build the strict record from its lenient twin, field by field."""
    values = {}
    for info in msgspec.structs.fields(strict):
        values[info.name] = _coerce(getattr(value, info.name), info.type,
                                    f"{path}.{info.name}", warn)
    return strict(**values)


def _coerce(value: Any, annotation: Any, path: str, warn: Warn) -> Any:
    if value is None:
        return None
    inner = _base(_without_none(annotation)[0])
    origin = typing.get_origin(inner)
    try:
        if origin is Literal:
            allowed = tuple(typing.get_args(inner))
            result, known = coerce.canonical(value, allowed)
            if not known:
                warn(path, f"{value!r} is not one of {', '.join(allowed)}; kept as it is")
            return result
        if inner is datetime:
            return coerce.to_time(value)
        if inner is bool:
            return coerce.to_bool(value)
        if inner is int:
            return coerce.to_int(value)
    except ValueError as error:
        warn(path, f"{error}; treated as absent")
        return None
    if isinstance(inner, type) and issubclass(inner, msgspec.Struct):
        return coerce_struct(value, inner, path, warn)
    if origin is list:
        item = typing.get_args(inner)[0]
        return [_coerce(v, item, path, warn) for v in value]
    if origin is dict:
        item = typing.get_args(inner)[1]
        return {k: _coerce(v, item, f"{path}.{k}", warn) for k, v in value.items()}
    return value
