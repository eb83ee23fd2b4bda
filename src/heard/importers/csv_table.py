"""CSV and TSV tables of turns, the shape most contact-centre tools can export.

One row per turn; a conversation-id column groups rows into conversations (in the order
each id first appears; rows keep file order). Columns are found by common header names,
case-insensitively, or named with `ImportOptions.columns` (`--column text=Message Body`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from heard.errors import InputError, Location
from heard.importers._transcript import CLOCK_FORMS, clock_ms
from heard.importers.base import (
    DEFAULT_ROLE_NAMES,
    Importer,
    ImportOptions,
    Source,
    TurnDraft,
    assemble,
    resolve_role,
)
from heard.importers.registry import register
from heard.model import Channel, Conversation, Role

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "conversation": ("conversation_id", "conversation", "call_id", "ticket_id", "id"),
    "role": ("role", "speaker_role", "participant", "speaker"),
    "text": ("text", "message", "utterance", "transcript", "content"),
    "speaker": ("speaker", "speaker_id", "speaker_name", "author", "sender"),
    "start": ("start", "start_time", "begin"),
    "end": ("end", "end_time", "stop"),
    "timestamp": ("timestamp", "sent_at", "time", "created_at"),
    "channel": ("channel",),
}
"""Header names tried for each column, in order, when `columns` does not name one."""

REQUIRED = ("role", "text")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

_SECONDS = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9})?")
_LINE_BREAK = re.compile(r"\r\n?")


@dataclass(frozen=True, slots=True)
class _Columns:
    """Which field of a row holds each column key, and the header it came from."""

    index: Mapping[str, int]
    header: list[str]

    def cell(self, row: list[str], key: str) -> str | None:
        at = self.index.get(key)
        return row[at].strip() if at is not None else None

    def name(self, key: str) -> str:
        return self.header[self.index[key]].strip()


def _delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most fields (comma on a tie)."""
    best, most = ",", 1
    for delimiter in DELIMITERS:
        try:
            fields = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(fields) > most:
            best, most = delimiter, len(fields)
    return best


def _first_line(text: str) -> tuple[int, str]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            return number, line.rstrip("\r")
    return 0, ""


def _find_columns(header: list[str], options: ImportOptions, where: Location) -> _Columns:
    folded = [name.strip().casefold() for name in header]
    found = ", ".join(repr(name.strip()) for name in header)
    unknown = set(options.columns) - set(COLUMN_NAMES)
    if unknown:
        raise InputError(
            f"unknown column key {sorted(unknown)[0]!r} in the column mapping",
            where=where,
            expected=f"keys among {', '.join(COLUMN_NAMES)}",
            code="invalid_value",
        )
    index: dict[str, int] = {}
    for key, wanted in options.columns.items():
        if wanted.strip().casefold() not in folded:
            raise InputError(
                f"column {wanted!r} (from --column {key}={wanted}) is not in the header; "
                f"the header has {found}",
                where=where,
                expected=f"--column {key}=HEADER naming one of the columns",
                code="missing_field",
            )
        index[key] = folded.index(wanted.strip().casefold())
    for key, names in COLUMN_NAMES.items():
        if key in index:
            continue
        taken = set(index.values())
        for name in names:
            if name in folded and folded.index(name) not in taken:
                index[key] = folded.index(name)
                break
    for key in REQUIRED:
        if key not in index:
            names = COLUMN_NAMES[key]
            raise InputError(
                f"no {key} column; the header has {found}",
                where=where,
                expected=f"a column named {', '.join(names[:-1])} or {names[-1]} "
                f"(or name yours with --column {key}=HEADER)",
                code="missing_field",
            )
    return _Columns(index=index, header=header)


def _seconds(value: str, column: str, where: Location) -> float | None:
    if not value:
        return None
    if _SECONDS.fullmatch(value):
        seconds = float(value)
        if math.isfinite(seconds):
            return seconds
    millis = clock_ms(value)
    if millis is not None:
        return millis / 1000
    raise InputError(
        f"{value!r} in column {column!r} is not a time",
        where=where,
        expected=f"seconds such as 12.5, or {CLOCK_FORMS}",
        code="bad_time",
    )


def _sent_at(value: str, column: str, where: Location) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(
            f"{value!r} in column {column!r} is not a date and time",
            where=where,
            expected="an ISO 8601 date-time such as 2024-05-01T14:03:22Z (for times from "
            f"the start of a call, map the column with --column start={column})",
            code="invalid_value",
        ) from exc


def _rows(source: Source, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the row, fields) for each non-blank row; csv errors located."""
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(
                f"malformed CSV: {exc}",
                where=source.where(line=line),
                expected=f'{DELIMITERS[delimiter]}-separated fields, quoted with " when needed',
                code="malformed",
            ) from exc
        if any(cell.strip() for cell in row):
            yield line, row
        line = reader.line_num + 1


@dataclass(slots=True)
class _Group:
    """The rows of one conversation as they are read."""

    id: str
    where: Location
    drafts: list[TurnDraft]
    channel: tuple[Channel, int] | None = None
    """The channel column's value and the line it was first seen on."""

    def inferred_channel(self) -> Channel:
        """The channel column's value, else call when rows have times, else chat."""
        if self.channel is not None:
            return self.channel[0]
        if any(d.start is not None or d.end is not None for d in self.drafts):
            return Channel.CALL
        return Channel.CHAT


def _channel(value: str, group: _Group, column: str, line: int, where: Location) -> None:
    try:
        channel = Channel(value.casefold())
    except ValueError as exc:
        raise InputError(
            f"{value!r} in column {column!r} is not a channel",
            where=where,
            expected=f"one of {', '.join(c.value for c in Channel)}",
            code="invalid_value",
        ) from exc
    if group.channel is not None and group.channel[0] != channel:
        raise InputError(
            f"conversation {group.id!r} is {channel.value} here but "
            f"{group.channel[0].value} on line {group.channel[1]}",
            where=where,
            expected="one channel per conversation",
            code="invalid_value",
        )
    group.channel = (channel, line)


@register
class CsvTable(Importer):
    name: ClassVar[str] = "csv"
    title: ClassVar[str] = "CSV/TSV table: one turn per row, grouped by a conversation-id column"
    extensions: ClassVar[tuple[str, ...]] = (".csv", ".tsv")
    sample: ClassVar[str] = "written for heard's tests in the shape of contact-centre exports"

    def sniff(self, source: Source) -> float:
        head = source.head()
        _, header_line = _first_line(head)
        if not header_line or header_line.lstrip().startswith(("{", "[", "WEBVTT")):
            return 0.0
        delimiter = _delimiter(header_line)
        try:
            header = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            return 0.0
        if len(header) < 2:
            return 0.0
        folded = {name.strip().casefold() for name in header}
        if all(folded & set(COLUMN_NAMES[key]) for key in REQUIRED):
            return 0.7
        return 0.3 if source.name.casefold().endswith(self.extensions) else 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        header_number, header_line = _first_line(source.text)
        if not header_number:
            raise InputError(
                "empty file",
                where=source.where(),
                expected="a header line naming the columns, then one row per turn",
                code="empty",
            )
        delimiter = _delimiter(header_line)
        rows = _rows(source, delimiter)
        first = next(rows, None)
        if first is None:
            raise InputError(
                "no header line: every row is blank",
                where=source.where(),
                expected="a header line naming the columns, then one row per turn",
                code="empty",
            )
        header_number, header = first
        columns = _find_columns(header, options, source.where(line=header_number))
        groups: dict[str, _Group] = {}
        default_id = Path(source.name).stem or "conversation"
        for number, row in rows:
            where = source.where(line=number)
            if len(row) != len(header):
                raise InputError(
                    f"row has {len(row)} fields but the header has {len(header)}",
                    where=where,
                    expected=f"{len(header)} {DELIMITERS[delimiter]}-separated fields "
                    "(quote fields that contain the separator)",
                    code="malformed",
                )
            conversation_id = columns.cell(row, "conversation")
            if conversation_id == "":
                raise InputError(
                    f"no conversation id in column {columns.name('conversation')!r}",
                    where=where,
                    expected="every row to name its conversation",
                    code="missing_field",
                )
            conversation_id = conversation_id or default_id
            group = groups.get(conversation_id)
            if group is None:
                group = groups[conversation_id] = _Group(conversation_id, where, [])
            group.drafts.append(self._draft(row, columns, options, where))
            channel = columns.cell(row, "channel")
            if channel:
                _channel(channel, group, columns.name("channel"), number, where)
        if not groups:
            raise InputError(
                "no rows after the header",
                where=source.where(line=header_number),
                expected="one row per turn below the header",
                code="empty",
            )
        return [
            assemble(
                source,
                group.drafts,
                id=group.id,
                channel=group.inferred_channel(),
                where=group.where,
                options=options,
                source=self.name,
            )
            for group in groups.values()
        ]

    def _draft(
        self, row: list[str], columns: _Columns, options: ImportOptions, where: Location
    ) -> TurnDraft:
        role_cell = columns.cell(row, "role") or ""
        text = _LINE_BREAK.sub("\n", columns.cell(row, "text") or "")
        if not role_cell:
            raise InputError(
                f"no role in column {columns.name('role')!r}",
                where=where,
                expected="a role or speaker on every row",
                code="missing_field",
            )
        if not text:
            raise InputError(
                f"no text in column {columns.name('text')!r}",
                where=where,
                expected="the words of the turn on every row",
                code="missing_field",
            )
        role = resolve_role(role_cell, options, where)
        speaker = columns.cell(row, "speaker")
        if speaker is None and not _is_role_word(role_cell):
            speaker = role_cell
        start = end = None
        if "start" in columns.index:
            start = _seconds(columns.cell(row, "start") or "", columns.name("start"), where)
        if "end" in columns.index:
            end = _seconds(columns.cell(row, "end") or "", columns.name("end"), where)
        sent_at = None
        if "timestamp" in columns.index:
            sent_at = _sent_at(
                columns.cell(row, "timestamp") or "", columns.name("timestamp"), where
            )
        return TurnDraft(
            role=role,
            text=text,
            where=where,
            speaker_id=speaker or None,
            start=start,
            end=end,
            sent_at=sent_at,
        )


def _is_role_word(value: str) -> bool:
    key = value.strip().casefold()
    return key in DEFAULT_ROLE_NAMES or key in {r.value for r in Role}
