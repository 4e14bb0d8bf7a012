"""User errors: one line that says which file, where, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where in an input a problem sits: file, line, row index and field path, each optional."""

    file: str = ""
    line: int | None = None
    row: int | None = None
    field: str = ""

    def __str__(self) -> str:
        text = self.file or "<input>"
        if self.line is not None:
            text += f":{self.line}"
        if self.row is not None:
            text += f": row {self.row}"
        if self.field:
            text += f": {self.field}"
        return text


class UserError(Exception):
    """A mistake in the user's input, rules or command line; the CLI prints it and exits 2."""

    def __init__(self, message: str, where: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        if self.where is None:
            return self.message
        return f"{self.where}: {self.message}"


class UserErrors(UserError):
    """Several user errors found together (for example every problem in a rule file), sorted."""

    def __init__(self, errors: list[UserError]) -> None:
        self.errors = sorted(errors, key=_sort_key)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return self.message


def _sort_key(error: UserError) -> tuple[str, int, int, str, str]:
    where = error.where or Location()
    return (where.file, where.line or 0, where.row or 0, where.field, error.message)
