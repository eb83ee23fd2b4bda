"""Errors heard raises on purpose, each with a code, a place and what was expected."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from pydantic import ValidationError

from heard.model.values import describe


class HeardError(Exception):
    """Base class of every error heard raises on purpose."""

    code = "heard_error"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in an input something is: a file, a line, a JSON path."""

    file: str | None = None
    line: int | None = None
    path: str | None = None

    def at(self, *, line: int | None = None, path: str | None = None) -> Location:
        return Location(
            file=self.file,
            line=line if line is not None else self.line,
            path=path if path is not None else self.path,
        )

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)


class InputError(HeardError):
    """Input that heard cannot read: names the file, line or JSON path, and what was expected.

    Codes: ``encoding``, ``malformed``, ``missing_field``, ``invalid_value``, ``empty``,
    ``unknown_role``, ``bad_time``, ``too_large``, ``unknown_format``, ``not_a_file``.
    """

    code = "input"

    def __init__(
        self,
        message: str,
        *,
        where: Location | None = None,
        expected: str | None = None,
        code: str = "invalid_value",
    ) -> None:
        self.message = message
        self.where = where or Location()
        self.expected = expected
        self.code = code
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.where)
        text = f"{where}: {self.message}" if where else self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.where.file,
            "line": self.where.line,
            "path": self.where.path,
            "expected": self.expected,
        }


def json_path(loc: Sequence[int | str], prefix: str = "$") -> str:
    """A JSON path such as $.Transcript[3].Content from a pydantic error location."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            path += f".{part}"
        else:
            path += f"[{orjson.dumps(part).decode()}]"
    return path


_EXPECTED = {
    "missing": "this field to be present",
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "literal_error": None,
    "enum": None,
    "datetime_type": "an ISO 8601 date-time",
    "datetime_parsing": "an ISO 8601 date-time",
    "datetime_from_date_parsing": "an ISO 8601 date-time",
    "greater_than_equal": None,
    "too_short": None,
}


def input_error_from_validation(
    exc: ValidationError, where: Location, *, prefix: str = "$"
) -> InputError:
    """The first problem of a pydantic ValidationError, as an InputError with a JSON path."""
    first = exc.errors(include_url=False)[0]
    kind = first["type"]
    path = json_path(first["loc"], prefix)
    expected = _EXPECTED.get(kind)
    if kind == "missing":
        return InputError(
            "required field is missing",
            where=where.at(path=path),
            code="missing_field",
            expected=expected,
        )
    found = first.get("input")
    message = describe(first)
    if not isinstance(found, dict | list):  # a whole object is no help to show
        shown = orjson.dumps(found, default=str).decode() if found is not None else "null"
        message += f", got {shown[:57] + '...' if len(shown) > 60 else shown}"
    code = "bad_time" if "before its start" in message else "invalid_value"
    return InputError(message, where=where.at(path=path), expected=expected, code=code)
