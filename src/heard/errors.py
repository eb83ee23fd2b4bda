"""Errors heard raises on purpose, each with a code, a place and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


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
