"""What every importer shares: the input source, options, and assembling checked conversations."""

from __future__ import annotations

import codecs
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import PurePath
from typing import Any, ClassVar, TypeVar

import orjson
from pydantic import BaseModel, JsonValue, ValidationError

from heard.errors import InputError, Location, input_error_from_validation
from heard.model import Channel, Conversation, Role, Turn, Word

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
"""Files larger than this are refused before reading (override with ``max_bytes``)."""

DEFAULT_ROLE_NAMES: dict[str, Role] = {
    "agent": Role.AGENT,
    "rep": Role.AGENT,
    "representative": Role.AGENT,
    "advisor": Role.AGENT,
    "operator": Role.AGENT,
    "support": Role.AGENT,
    "wizard": Role.AGENT,
    "customer": Role.CUSTOMER,
    "caller": Role.CUSTOMER,
    "client": Role.CUSTOMER,
    "user": Role.CUSTOMER,
    "end-user": Role.CUSTOMER,
    "end_user": Role.CUSTOMER,
    "contact": Role.CUSTOMER,
    "system": Role.SYSTEM,
    "bot": Role.BOT,
    "virtual agent": Role.BOT,
    "ivr": Role.BOT,
}


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """Options an importer may use; each importer documents which it reads."""

    speaker_roles: Mapping[str, Role] = field(default_factory=dict)
    """Extra speaker label → role mapping (case-insensitive), tried before the defaults."""
    channel: Channel | None = None
    """Override the channel an importer would infer."""
    columns: Mapping[str, str] = field(default_factory=dict)
    """CSV column mapping: conversation, role, text, speaker, start, end, timestamp, channel."""
    max_bytes: int = DEFAULT_MAX_BYTES
    overlap_tolerance: float = 0.5
    """Seconds one speaker's turn may start before that speaker's previous turn ends."""
    agent_channel: str | None = None
    """Audio: the stereo channel the agent is on, left or right (default: who speaks first)."""
    asr_model: str | None = None
    """Audio: a local CTranslate2 Whisper model folder (default: $HEARD_ASR_MODEL, else the
    packaged tiny.en)."""
    timing_only: bool = False
    """Audio: voice activity only, no speech recognition: turns with times and no words, for
    the timed detectors (docs/audio.md, "Timing only")."""
    speakers: str | None = None
    """Audio: a side file (RTTM or heard's speaker JSON) saying who spoke when in a mono
    recording, instead of the diarizer (docs/audio.md, "Mono recordings")."""

    def role_for(self, label: str) -> Role | None:
        """The role for a speaker label, or None when the label is unknown."""
        key = label.strip().casefold()
        for name, role in self.speaker_roles.items():
            if name.strip().casefold() == key:
                return role
        if key in DEFAULT_ROLE_NAMES:
            return DEFAULT_ROLE_NAMES[key]
        first = key.split()[0] if key.split() else key
        return DEFAULT_ROLE_NAMES.get(first)


_LINE_COL = re.compile(r"line (\d+) column (\d+)")


class Source:
    """One input: its display name and its bytes; text and JSON decoded once, on demand."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self.data = data
        self.warnings: list[str] = []
        """What an importer skipped or doubted without failing, for the user to see."""

    def warn(self, message: str, where: Location | None = None) -> None:
        self.warnings.append(f"{where}: {message}" if where else message)

    def where(self, *, line: int | None = None, path: str | None = None) -> Location:
        return Location(file=self.name, line=line, path=path)

    @cached_property
    def text(self) -> str:
        data = self.data
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8-sig"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(
                f"byte {exc.start} is not valid {'UTF-16' if encoding == 'utf-16' else 'UTF-8'} "
                f"({data[exc.start : exc.start + 1]!r})",
                where=self.where(line=line),
                expected="UTF-8 text (convert with: iconv -f CP1252 -t UTF-8)",
                code="encoding",
            ) from exc
        if "\x00" in text:
            self.warn(f"dropped {text.count(chr(0)):,} NUL characters")
            text = text.replace("\x00", "")
        return text

    @cached_property
    def json(self) -> Any:
        return parse_json(self.text, self.where())

    def head(self, size: int = 4096) -> str:
        """The first characters of the text, or '' when the bytes do not decode."""
        try:
            return self.text[:size]
        except InputError:
            return ""

    def try_json(self) -> Any:
        """The parsed JSON document, or None when the input is not one JSON document."""
        head = self.head(64).lstrip()
        if not head.startswith(("{", "[")):
            return None
        try:
            return self.json
        except InputError:
            return None

    def lines(self) -> Iterator[tuple[int, str]]:
        """(line number from 1, line without its end) for every line.

        Only \\n, \\r\\n and \\r end a line: U+2028, U+0085 and the like are legal inside a
        JSON string, so `str.splitlines` would cut a JSON Lines record in two.
        """
        parts = _LINE_BREAK.split(self.text)
        if parts[-1] == "":
            parts.pop()  # the break after the last line does not start another
        yield from enumerate(parts, start=1)


def without_nul(value: Any) -> Any:
    """A parsed JSON value with NUL characters dropped from every string and key: no store
    keeps them alike (heard.model.values), and in another system's export they mean nothing."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def parse_json(text: str, where: Location) -> Any:
    """Parse JSON, turning a syntax error into an InputError that names line and column; NULs
    escaped in strings (\\u0000) are dropped."""
    try:
        found = orjson.loads(text)
        return without_nul(found) if "\\u0000" in text else found
    except orjson.JSONDecodeError as exc:
        match = _LINE_COL.search(str(exc))
        # Text parsed on its own (a JSONL line) keeps the caller's line number.
        line = where.line if where.line is not None or not match else int(match.group(1))
        reason = str(exc).split(":")[0]
        message = f"malformed JSON: {reason}" + (f" at column {match.group(2)}" if match else "")
        if match and where.line is None:
            lines = text.splitlines()
            found = lines[line - 1].strip() if line and 0 < line <= len(lines) else ""
            if found.startswith("..."):
                message += "; the file elides content with '...' (a documentation excerpt?)"
        raise InputError(
            message,
            where=where.at(line=line) if line is not None else where,
            expected="a JSON document",
            code="malformed",
        ) from exc


def first_json_line(source: Source, size: int = 1 << 17) -> Any:
    """The first line of the input parsed as a JSON object, or None (for cheap sniffing)."""
    first = source.head(size).lstrip().split("\n", 1)[0]
    if not first.startswith("{"):
        return None
    try:
        return parse_json(first, source.where())
    except InputError:
        return None


def json_lines(source: Source) -> list[tuple[Location, Any]]:
    """(location, parsed document) for every non-blank line; an InputError when there is none."""
    records = [
        (source.where(line=number), parse_json(line, source.where(line=number)))
        for number, line in source.lines()
        if line.strip()
    ]
    if not records:
        raise InputError(
            "no conversations in file",
            where=source.where(),
            expected="one JSON conversation per line",
            code="empty",
        )
    return records


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], obj: Any, where: Location, *, prefix: str = "$") -> M:
    """Validate a parsed document against a vendor schema model, with located errors."""
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        raise input_error_from_validation(exc, where, prefix=prefix) from exc


@dataclass(slots=True)
class TurnDraft:
    """A turn as an importer read it, before checks; `where` says where it came from."""

    role: Role
    text: str
    where: Location
    speaker_id: str | None = None
    start: float | None = None
    end: float | None = None
    words: list[Word] | None = None
    sent_at: datetime | None = None
    subject: str | None = None
    metadata: dict[str, JsonValue] = field(default_factory=dict)


def resolve_role(
    label: str,
    options: ImportOptions,
    where: Location,
    *,
    vendor_roles: Mapping[str, Role] | None = None,
) -> Role:
    """The role for a speaker label: the user's --role mapping first, then the vendor's own
    role names (`vendor_roles`, keys case-folded), then heard's defaults; else an InputError
    naming the label and the way out."""
    key = label.strip().casefold()
    if vendor_roles and key in vendor_roles:
        mapped_by_user = any(name.strip().casefold() == key for name in options.speaker_roles)
        if not mapped_by_user:
            return vendor_roles[key]
    role = options.role_for(label)
    if role is None:
        raise InputError(
            f"unknown role or speaker {label!r}",
            where=where,
            expected=f"one of {', '.join(r.value for r in Role)} "
            f"(map other speakers with --role '{label}=agent')",
            code="unknown_role",
        )
    return role


def conversation_id(external_id: str | None, source: Source) -> str:
    """The conversation's id: the source system's id, else the file's name without suffix."""
    return external_id or PurePath(source.name).stem or "conversation"


def assemble(
    origin: Source,
    drafts: list[TurnDraft],
    /,
    *,
    id: str,
    channel: Channel,
    where: Location | None = None,
    options: ImportOptions | None = None,
    keep_order: bool = False,
    **fields: Any,
) -> Conversation:
    """Check drafts (some text, sane times) and build the Conversation.

    `origin` is the input read (for error locations); keyword `fields` such as `source=`,
    `external_id=`, `agent=` go to the Conversation.

    Timed turns are put in order of start time unless `keep_order` is set; one speaker's
    turns may not overlap each other by more than `options.overlap_tolerance`.
    """
    options = options or ImportOptions()
    where = where or origin.where()
    if not any(d.text.strip() for d in drafts):
        raise InputError(
            "empty conversation: no turn with text",
            where=where,
            expected="at least one turn with text",
            code="empty",
        )
    for draft in drafts:
        for name in ("start", "end"):
            value = getattr(draft, name)
            if value is not None and not (value >= 0 and value < float("inf")):
                raise InputError(
                    f"negative or invalid {name} time {value}",
                    where=draft.where,
                    expected="a time of 0 seconds or more",
                    code="bad_time",
                )
        if draft.start is not None and draft.end is not None and draft.end < draft.start:
            raise InputError(
                f"turn ends at {draft.end:g} s, before it starts at {draft.start:g} s",
                where=draft.where,
                expected="end time at or after start time",
                code="bad_time",
            )
    if all(d.start is not None for d in drafts):
        if not keep_order:
            drafts = sorted(drafts, key=lambda d: d.start or 0.0)
        _check_self_overlap(drafts, options.overlap_tolerance)
    turns = []
    for i, d in enumerate(drafts):
        try:
            turns.append(
                Turn(
                    index=i,
                    role=d.role,
                    text=d.text,
                    speaker_id=d.speaker_id,
                    start=d.start,
                    end=d.end,
                    words=d.words,
                    sent_at=d.sent_at,
                    subject=d.subject,
                    metadata=d.metadata,
                )
            )
        except ValidationError as exc:
            raise input_error_from_validation(exc, d.where, prefix=d.where.path or "$") from exc
    try:
        return Conversation(id=id, channel=options.channel or channel, turns=turns, **fields)
    except ValidationError as exc:
        raise input_error_from_validation(exc, where) from exc


def _check_self_overlap(drafts: list[TurnDraft], tolerance: float) -> None:
    last_end: dict[str, tuple[float, TurnDraft]] = {}
    for draft in drafts:
        if draft.start is None or draft.end is None:
            continue
        speaker = draft.speaker_id or draft.role.value
        previous = last_end.get(speaker)
        if previous is not None and draft.start < previous[0] - tolerance:
            raise InputError(
                f"overlapping times: {speaker} starts this turn at {draft.start:g} s while "
                f"their previous turn ({previous[1].where.path or previous[1].where.line}) "
                f"runs to {previous[0]:g} s",
                where=draft.where,
                expected="one speaker's turns not to overlap each other",
                code="bad_time",
            )
        if previous is None or draft.end > previous[0]:
            last_end[speaker] = (draft.end, draft)


class Importer(ABC):
    """Reads one input format into conversations."""

    name: ClassVar[str]
    """Registry name used with --format."""
    title: ClassVar[str]
    """One line for `heard formats`."""
    extensions: ClassVar[tuple[str, ...]] = ()
    sample: ClassVar[str] = ""
    """Where the test sample for this format comes from."""

    @abstractmethod
    def sniff(self, source: Source) -> float:
        """How sure (0–1) this importer is that it can read the source; cheap."""

    @abstractmethod
    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        """Every conversation in the source, or an InputError."""


def expect_object(value: Any, where: Location, what: str = "an object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(
            f"found {type_name(value)}", where=where, expected=what, code="invalid_value"
        )
    return value


def type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true/false",
        type(None): "null",
    }.get(type(value), type(value).__name__)
