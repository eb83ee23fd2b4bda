"""Plain-text transcripts (`Agent: Hello`), the lowest common format people paste and export.

One conversation per file. Each turn starts on a line with a speaker label and a colon,
optionally with a time stamp before or after the label::

    [00:00:05] Agent: Thanks for calling, this is Dana.
    Customer [00:00:09]: Hi, my card was charged twice.
    Agent: Sorry to hear that.
      Let me look it up.          <- a line without a label continues the turn

Labels map to roles through `ImportOptions.speaker_roles` (`--role Dana=agent`) and then
the default names (Agent, Customer, Caller, Rep, …, also as the first word: "Agent Jane").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from heard.errors import InputError, Location
from heard.importers._transcript import CLOCK_FORMS, clock_ms, is_speaker_label
from heard.importers.base import (
    Importer,
    ImportOptions,
    Source,
    TurnDraft,
    assemble,
    resolve_role,
)
from heard.importers.registry import register
from heard.model import Channel, Conversation, Role

_BARE_STAMP = r"[0-9]{1,4}(?::[0-9]{1,3}){1,2}(?:[.,][0-9]{1,3})?"
_STAMP_BEFORE = re.compile(
    rf"\[(?P<bracketed>[^\]\n]{{0,24}})\][ \t]*|(?P<bare>{_BARE_STAMP})[ \t]+"
)
_LABEL_AFTER = re.compile(
    r"(?P<label>[^:\[\]\n]{1,60}?)"
    rf"(?:[ \t]*\[(?P<bracketed>[^\]\n]{{0,24}})\]|[ \t]+(?P<bare>{_BARE_STAMP}))?"
    r"[ \t]*:(?:[ \t]+|$)"
)

SNIFF_LINES = 20
"""Non-blank lines at the top of a file that sniffing looks at."""
SNIFF_SHARE = 0.6
"""Share of those lines that must read as `Label: text` for the file to count as a transcript."""


@dataclass(frozen=True, slots=True)
class LabelLine:
    """A line that starts a turn: the speaker label as written, its time stamp, the text."""

    label: str
    text: str
    stamp: str | None = None
    start_ms: int | None = None


def read_label_line(line: str, where: Location) -> LabelLine | None:
    """The turn a line starts, or None for a continuation line; InputError for a bad stamp."""
    if not line or line[0].isspace():
        return None
    before = _STAMP_BEFORE.match(line)
    match = _LABEL_AFTER.match(line, before.end() if before else 0)
    if match is None or not is_speaker_label(match.group("label")):
        bracketed = before.group("bracketed") if before is not None else None
        if bracketed is not None and clock_ms(bracketed) is not None:
            raise InputError(
                f"time stamp [{bracketed}] without a speaker label",
                where=where,
                expected="a label after the stamp, such as '[00:01:02] Agent: …'",
                code="malformed",
            )
        return None
    stamps = [
        (m.group("bracketed"), m.group("bare"))
        for m in (before, match)
        if m is not None and (m.group("bracketed") is not None or m.group("bare") is not None)
    ]
    if len(stamps) > 1:
        raise InputError(
            "two time stamps around one speaker label",
            where=where,
            expected="one stamp, before or after the label",
            code="bad_time",
        )
    stamp: str | None = None
    start_ms: int | None = None
    if stamps:
        bracketed, bare = stamps[0]
        stamp = f"[{bracketed}]" if bracketed is not None else bare
        start_ms = clock_ms(bracketed if bracketed is not None else bare)
        if start_ms is None:
            raise InputError(
                f"{stamp} is not a time stamp",
                where=where,
                expected=f"a time such as [00:01:02] or [01:02] ({CLOCK_FORMS})",
                code="bad_time",
            )
    return LabelLine(
        label=match.group("label").strip(),
        text=line[match.end() :].strip(),
        stamp=stamp,
        start_ms=start_ms,
    )


def _looks_like_label_line(line: str) -> bool:
    try:
        return read_label_line(line, Location()) is not None
    except InputError:
        return False


def _is_other_format(first: str, second: str) -> bool:
    """JSON, WebVTT and SRT files start in ways a transcript line never does."""
    if first.startswith(("{", "WEBVTT")):
        return True
    if first.startswith("[") and not _looks_like_label_line(first):
        return True
    return "-->" in first or (first.isdigit() and "-->" in second)


def _role(label: str, options: ImportOptions, where: Location) -> Role:
    try:
        return resolve_role(label, options, where)
    except InputError as exc:
        raise InputError(
            exc.message,
            where=exc.where,
            expected=f"{exc.expected}, or an indented line if it continues the previous turn",
            code=exc.code,
        ) from exc


@register
class PlainTranscript(Importer):
    name: ClassVar[str] = "text"
    title: ClassVar[str] = "plain-text transcript: 'Agent: Hello' lines, optional [HH:MM:SS] stamps"
    extensions: ClassVar[tuple[str, ...]] = (".txt",)
    sample: ClassVar[str] = "written for heard's tests in the shape of pasted chat and call logs"

    def sniff(self, source: Source) -> float:
        lines = [line for line in source.head().splitlines() if line.strip()][:SNIFF_LINES]
        if not lines:
            return 0.0
        first = lines[0].strip()
        second = lines[1].strip() if len(lines) > 1 else ""
        if _is_other_format(first, second) or not _looks_like_label_line(lines[0]):
            return 0.0
        share = sum(_looks_like_label_line(line) for line in lines) / len(lines)
        return 0.6 if share >= SNIFF_SHARE else 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        drafts: list[TurnDraft] = []
        texts: list[list[str]] = []
        last_stamp: tuple[int, str, int] | None = None  # (ms, stamp, line)
        for number, line in source.lines():
            if not line.strip():
                continue
            where = source.where(line=number)
            turn = read_label_line(line, where)
            if turn is None:
                if not drafts:
                    raise InputError(
                        f"the first line has no speaker label: {_shown(line)}",
                        where=where,
                        expected="a line such as 'Agent: Hello' or '[00:00:05] Customer: Hi'",
                        code="malformed",
                    )
                texts[-1].append(line.strip())
                continue
            if turn.start_ms is not None and turn.stamp is not None:
                if last_stamp is not None and turn.start_ms < last_stamp[0]:
                    raise InputError(
                        f"time stamp {turn.stamp} is earlier than {last_stamp[1]} "
                        f"on line {last_stamp[2]}",
                        where=where,
                        expected="time stamps in order through the file",
                        code="bad_time",
                    )
                last_stamp = (turn.start_ms, turn.stamp, number)
            drafts.append(
                TurnDraft(
                    role=_role(turn.label, options, where),
                    text="",
                    where=where,
                    speaker_id=turn.label,
                    start=turn.start_ms / 1000 if turn.start_ms is not None else None,
                )
            )
            texts.append([turn.text] if turn.text else [])
        if not drafts:
            raise InputError(
                "no transcript lines in file",
                where=source.where(),
                expected="lines such as 'Agent: Hello'",
                code="empty",
            )
        for draft, lines in zip(drafts, texts, strict=True):
            draft.text = "\n".join(lines)
            if not draft.text:
                raise InputError(
                    f"{draft.speaker_id!r} says nothing",
                    where=draft.where,
                    expected=f"text after '{draft.speaker_id}:' or on the lines below it",
                    code="missing_field",
                )
        channel = Channel.CALL if last_stamp is not None else Channel.CHAT
        return [
            assemble(
                source,
                drafts,
                id=Path(source.name).stem or "conversation",
                channel=channel,
                options=options,
                source=self.name,
            )
        ]


def _shown(line: str, limit: int = 40) -> str:
    line = line.strip()
    return repr(line if len(line) <= limit else line[: limit - 1] + "…")
