"""Recognise the shape of a JSON export and yield its rows, whatever envelope they came in.

Shapes (DOMAIN.md section 6): `az graph query -o json` (`{count, data, skip_token,
total_records}` or a bare list), Resource Graph REST pages (`data` as objectArray or as a
table), ARM REST lists (`{value, nextLink}`) and single GETs, JSON Lines, and the
`{parameters, responses}` examples of the REST API specs.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from auditor.errors import Location, UserError
from auditor.model import LoadWarning
from auditor.snapshot import actions, coerce
from auditor.snapshot.json_errors import invalid, line_at, malformed, reason
from auditor.snapshot.pages import Page
from auditor.snapshot.rows import NO_RAW, Row

if TYPE_CHECKING:
    from auditor.planned import PlannedContext

Count = int | str | None  # envelopes are read leniently: only their shape matters
Flag = bool | str | None

_row_decoder = msgspec.json.Decoder(Row)
_raw_list_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_any_decoder = msgspec.json.Decoder()


class _Envelope(msgspec.Struct):
    data: msgspec.Raw = NO_RAW
    count: Count = None
    total_records: Count = None
    skip_token: str | None = None
    totalRecords: Count = None
    resultTruncated: Flag = None
    skipToken: str | None = msgspec.field(default=None, name="$skipToken")
    value: msgspec.Raw = NO_RAW
    nextLink: str | None = None
    responses: msgspec.Raw = NO_RAW
    parameters: msgspec.Raw = NO_RAW
    error: msgspec.Raw = NO_RAW
    id: str | None = None
    type: str | None = None
    # Planned state (auditor.planned): templates, Terraform plans, what-if output.
    schema: msgspec.Raw = msgspec.field(default=NO_RAW, name="$schema")
    format_version: msgspec.Raw = NO_RAW
    changes: msgspec.Raw = NO_RAW
    properties: msgspec.Raw = NO_RAW


_envelope_decoder = msgspec.json.Decoder(_Envelope)


class _RowsEnvelope(_Envelope):
    """The common case, rows as objects: decoded in the same pass as the envelope."""

    data: list[msgspec.Raw] | None = None  # type: ignore[assignment]


_rows_envelope_decoder = msgspec.json.Decoder(_RowsEnvelope)


Buffer = bytes | memoryview | mmap.mmap
_RELEASE_STEP = 64 << 20  # bytes of rows read between two releases of their pages


Item = msgspec.Raw | bytes  # one row's JSON
Items = Iterator[tuple[int, Item]]  # rows with their index in the document


@dataclass
class Document:
    """One input's rows (each its index and its JSON, decoded by the loader), the name of the
    shape they came in, and what was odd about it. `release(stop, start)` may be called to
    say that the input's bytes in that range are no longer needed.

    For reading in parts (snapshot/parallel.py): `count` is how many rows there are (or a
    manifest says there are), `rows_from(index)` reads the rows again from that index on, and
    `offset(index)`, when the rows are mapped from the input, is a lower bound of where that
    row starts in it."""

    path: str
    format: str
    rows: Items
    warnings: list[LoadWarning] = field(default_factory=list)
    release: Callable[[int, int], None] | None = None
    count: int | None = None
    rows_from: Callable[[int], Items] | None = None
    offset: Callable[[int], int] | None = None
    page: Page | None = None


def read_document(path: str, text: Buffer, context: PlannedContext | None = None) -> Document:
    """Classify a UTF-8 JSON (or JSON Lines) document and return its rows lazily. `context`
    places planned resources of templates and plans that do not name their target."""
    start = _first_byte(text)
    if start == -1:
        raise UserError("the file is empty; expected a JSON export of Resource Graph rows",
                        Location(path))
    # A projection flattens the same columns in every row: the head of the file tells.
    flattened = b'"properties_' in bytes(text[:1 << 20])
    if path.lower().endswith((".jsonl", ".jsonl.gz")):
        return _json_lines(path, text, flattened)
    if text[start] == ord("["):
        items = _decode(path, text, _raw_list_decoder)
        return _rows_document(path, "JSON array of rows", items, flattened)
    if text[start] != ord("{"):
        raise UserError("this is not JSON: expected an object or an array",
                        line_at(path, text, start))
    try:
        return _from_rows_envelope(path, _rows_envelope_decoder.decode(text), flattened)
    except msgspec.ValidationError:
        pass  # data is a table, or something unexpected: look closer
    except msgspec.DecodeError as error:
        if "trailing characters" in str(error):
            return _json_lines(path, text, flattened)
        raise malformed(path, text, error) from None
    try:
        envelope = _envelope_decoder.decode(text)
    except msgspec.ValidationError as error:
        raise invalid(path, None, error) from None
    except msgspec.DecodeError as error:
        if "trailing characters" in str(error):
            return _json_lines(path, text, flattened)
        raise malformed(path, text, error) from None
    return _from_envelope(path, text, envelope, flattened, context)


def decode_row(path: str, index: int, raw: msgspec.Raw | bytes) -> Row:
    """Decode one row, turning a wrong type into an error that names the row and the field.
    The loader tries a faster decoder first (rows.TypedRow) and comes here when it refuses."""
    try:
        return _row_decoder.decode(raw)
    except msgspec.ValidationError as error:
        raise invalid(path, index, error) from None
    except msgspec.DecodeError as error:
        raise UserError(f"malformed JSON: {reason(error)}", Location(path, row=index)) from None


def _from_rows_envelope(path: str, env: _RowsEnvelope, flattened: bool) -> Document:
    if not env.data:
        raise msgspec.ValidationError("not a page of rows")  # decide with the general path
    return _resource_graph(path, env, env.data, flattened)


def _from_envelope(path: str, text: Buffer, env: _Envelope, flattened: bool,
                   context: PlannedContext | None = None) -> Document:
    if env.schema or env.format_version or env.changes or (env.properties and not env.id):
        document = _planned(path, _any_decoder.decode(text), context)
        if document is not None:
            return document
    if env.error and bytes(env.error).strip() != b"null" and not env.data and not env.value:
        detail = _any_decoder.decode(env.error)
        code = detail.get("code", "") if isinstance(detail, dict) else ""
        message = detail.get("message", "") if isinstance(detail, dict) else ""
        raise UserError(f"the file holds an Azure error response ({code}: {message}), not rows; "
                        "export again", Location(path))
    if env.responses and env.parameters:
        body = actions.success_body(path, _any_decoder.decode(env.responses))
        planned = _planned(path, body, context)
        if planned is not None:
            planned.format = f"REST API example ({planned.format})"
            return planned
        if any(key in body for key in ("id", "value", "data")):
            document = read_document(path, _encode(body))
        else:
            rows = actions.patch_result_rows(path, _any_decoder.decode(env.parameters), body)
            document = _rows_document(path, "", [_encode(r) for r in rows], False)
        document.format = f"REST API example ({document.format or 'patch result'})"
        return document
    if env.data:
        return _resource_graph(path, env, None, flattened)
    if env.value:
        document = _rows_document(path, "ARM REST list",
                                  _decode(path, env.value, _raw_list_decoder), flattened)
        if env.nextLink:
            document.warnings.append(LoadWarning(
                "incomplete-export", "the list has a nextLink: more rows exist than this page "
                "holds; follow nextLink and include every page", path))
        return document
    if env.id is not None or env.type is not None:
        return _rows_document(path, "ARM REST resource", [msgspec.Raw(text)], flattened)
    raise UserError("unrecognised JSON shape: expected az graph query output, a Resource Graph "
                    "or ARM REST response, a list of rows, a snapshot bundle, an ARM template, "
                    "what-if output or a Terraform plan", Location(path))


def _planned(path: str, value: Any, context: PlannedContext | None) -> Document | None:
    """A template, what-if output or Terraform plan, as rows (None when it is none of them)."""
    from auditor.planned import PlannedContext, is_planned, read_planned
    if not is_planned(value):
        return None
    planned = read_planned(path, value, context or PlannedContext())
    document = _rows_document(path, planned.format, [_encode(r) for r in planned.rows], False)
    document.warnings.extend(planned.warnings)
    return document


def _resource_graph(path: str, env: _Envelope, rows: list[msgspec.Raw] | None,
                    flattened: bool) -> Document:
    snake = env.totalRecords is None and (env.total_records is not None
                                          or env.skip_token is not None)
    items: list[msgspec.Raw] | list[bytes]
    if rows is not None:
        items = rows
    elif bytes(memoryview(env.data)[:64]).lstrip().startswith(b"{"):  # the table form
        items = [_encode(row) for row in _table_rows(path, _any_decoder.decode(env.data))]
        flattened = True
    else:
        items = _decode(path, env.data, _raw_list_decoder)
    name = "az graph query output" if snake else "Resource Graph REST response"
    document = _rows_document(path, name, items, flattened)
    more = None
    if env.skip_token:
        more = LoadWarning(
            "incomplete-export", "skip_token is set: az graph query stopped before the last row; "
            "export again with a larger --first, or continue with --skip-token", path)
    elif env.skipToken:
        more = LoadWarning(
            "incomplete-export", "$skipToken is set: more rows exist than this page holds; "
            "include every page", path)
    elif str(env.resultTruncated).lower() == "true":
        document.warnings.append(LoadWarning(
            "incomplete-export", "resultTruncated is true and there is no $skipToken: the query "
            "must project id for paging to work; rows are missing", path))
    if more is not None:
        document.warnings.append(more)
    try:
        total = coerce.to_int(env.totalRecords if env.totalRecords is not None
                              else env.total_records)
    except ValueError:  # an unreadable total: this page cannot be matched with the others
        total = None
    if total is not None:
        document.page = Page(total, more)
    return document


def _table_rows(path: str, table: Any) -> Iterator[dict[Any, Any]]:
    """Rows keyed by column name; a column that is not an object gives the key None."""
    if not isinstance(table, dict) or not isinstance(table.get("columns"), list) \
            or not isinstance(table.get("rows"), list):
        raise UserError("data is an object but not a table with columns and rows", Location(path))
    names = [column.get("name") if isinstance(column, dict) else None
             for column in table["columns"]]
    for index, values in enumerate(table["rows"]):
        if not isinstance(values, list) or len(values) != len(names):
            raise UserError(f"a table row must have {len(names)} values, one per column",
                            Location(path, row=index))
        yield dict(zip(names, values, strict=True))


def _rows_document(path: str, name: str, items: list[msgspec.Raw] | list[bytes],
                   flattened: bool) -> Document:
    def offset(index: int) -> int:
        return sum(map(len, items[:index]))  # the items' bytes, without what lies between

    def rows(start: int) -> Items:
        released = consumed = offset(start)
        for index in range(start, len(items)):
            item = items[index]
            consumed += len(item)
            if consumed - released > _RELEASE_STEP and document.release is not None:
                document.release(consumed, released)
                released = consumed
            yield index, _unflatten_raw(path, index, item) if flattened else item
    document = Document(path, name, rows(0), count=len(items), rows_from=rows, offset=offset)
    return document


def _json_lines(path: str, text: Buffer, flattened: bool) -> Document:
    lines = [line for line in bytes(text).splitlines() if line.strip()]
    return _rows_document(path, "JSON Lines", [msgspec.Raw(line) for line in lines], flattened)


def _unflatten_raw(path: str, index: int, item: msgspec.Raw | bytes) -> bytes:
    """Put projected columns such as `properties_storageProfile_osDisk_osType` back in place."""
    value = _any_decoder.decode(item)
    if not isinstance(value, dict):
        raise UserError("a row must be a JSON object", Location(path, row=index))
    return _encode(unflatten(value))


def unflatten(row: dict[str, Any]) -> dict[str, Any]:
    """Resource Graph names an unaliased projected path `a_b_c`; nest it back as `a.b.c`."""
    result: dict[str, Any] = {}
    for key, value in row.items():
        if key.startswith("properties_") and value is not None:
            target = result.setdefault("properties", {})
            parts = key.split("_")[1:]
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
        elif key == "properties" and isinstance(value, dict):
            result.setdefault("properties", {}).update(value)
        else:
            result[key] = value
    return result


def _encode(value: Any) -> bytes:
    return msgspec.json.encode(value)


def _decode(path: str, text: Buffer | msgspec.Raw, decoder: msgspec.json.Decoder[Any]) -> Any:
    try:
        return decoder.decode(text)
    except msgspec.ValidationError:
        raise UserError("expected a list of rows", Location(path)) from None
    except msgspec.DecodeError as error:
        raise malformed(path, text, error) from None


def _first_byte(text: Buffer) -> int:
    head = bytes(text[:4096])
    stripped = head.lstrip()
    if stripped:
        return len(head) - len(stripped)
    rest = bytes(text[4096:]).lstrip()
    return -1 if not rest else len(text) - len(rest)
