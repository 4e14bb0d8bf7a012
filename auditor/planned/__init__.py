"""Planned state from infrastructure as code: ARM templates and compiled Bicep, what-if output
and Terraform plan JSON, read into the same rows as an export (docs/planned-state.md)."""

from __future__ import annotations

from typing import Any

from auditor.errors import Location, UserError
from auditor.planned.arm import read_template, template_scope
from auditor.planned.context import PlannedContext, is_parameters_file
from auditor.planned.rows import Planned
from auditor.planned.terraform import is_plan, read_plan
from auditor.planned.whatif import changes_of, read_whatif

__all__ = ["Planned", "PlannedContext", "is_planned", "read_planned"]


def is_planned(document: Any) -> bool:
    """Whether a decoded JSON document is a template, what-if output or a plan (or a
    parameters file, which is refused with a hint)."""
    if not isinstance(document, dict):
        return False
    return template_scope(document) is not None or is_plan(document) \
        or changes_of(document) is not None or is_parameters_file(document)


def read_planned(path: str, document: dict[str, Any], context: PlannedContext) -> Planned:
    """The planned rows of a document `is_planned` accepted."""
    if is_parameters_file(document):
        raise UserError("this is a deployment parameters file: give it with --parameters FILE "
                        "beside its template", Location(path))
    if template_scope(document) is not None:
        return read_template(path, document, context)
    if is_plan(document):
        return read_plan(path, document, context)
    changes = changes_of(document)
    assert changes is not None
    return read_whatif(path, changes)
