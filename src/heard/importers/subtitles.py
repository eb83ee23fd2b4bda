"""WebVTT and SRT subtitles with speaker names, as meeting and call-recording tools export them.

WebVTT names the speaker in a voice tag (`<v Jane Doe>Hello</v>`); SRT in a prefix on the
cue's text (`Jane Doe: Hello`). Speakers map to roles through `ImportOptions.speaker_roles`
(`--role 'Jane Doe=agent'`) and the default names. Captions cut one utterance into cues of a
line or two, so consecutive cues by one speaker less than `MERGE_GAP_SECONDS` apart are
merged into one turn. One conversation per file, channel call.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import srt

from heard.errors import InputError, Location
from heard.importers._transcript import format_clock, is_speaker_label
from heard.importers.base import (
    Importer,
    ImportOptions,
    Source,
    TurnDraft,
    assemble,
    resolve_role,
)
from heard.importers.registry import register
from heard.model import Channel, Conversation

MERGE_GAP_SECONDS = 1.0
"""Consecutive cues by one speaker closer than this (end to start) become one turn.

Range 0–3 s. Caption tools split a sentence into cues with no gap or a few frames between
them, while a pause of a second or more usually starts a new turn. Chosen on the shape of
Teams, Zoom and YouTube caption files, not tuned on a metric.
"""

_TAG = re.compile(r"<[^>\n]*>")
_SRT_STYLE = re.compile(r"\{\\[^}\n]*\}")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(slots=True)
class _Cue:
    """One speaker's words in one cue; `where` is the line that names the speaker."""

    speaker: str
    text: str
    start_ms: int
    end_ms: int
    where: Location
    cue_where: Location


def _clean(text: str, *, srt: bool = False) -> str:
    """Cue text without markup, lines joined by spaces (caption line breaks are layout).

    WebVTT escapes `&`, `<` and `>` as HTML entities; SRT has no escapes but may carry
    `{\\an8}` style codes.
    """
    text = _TAG.sub("", text)
    text = _SRT_STYLE.sub("", text) if srt else html.unescape(text)
    return " ".join(line.strip() for line in text.split("\n") if line.strip())


def _check_times(start_ms: int, end_ms: int, previous: _Cue | None, where: Location) -> None:
    if end_ms < start_ms:
        raise InputError(
            f"cue ends at {format_clock(end_ms)}, before it starts at {format_clock(start_ms)}",
            where=where,
            expected="end time at or after start time",
            code="bad_time",
        )
    if previous is not None and start_ms < previous.start_ms:
        raise InputError(
            f"cue starts at {format_clock(start_ms)}, before the cue on line "
            f"{previous.cue_where.line} (at {format_clock(previous.start_ms)})",
            where=where,
            expected="cues in order of start time",
            code="bad_time",
        )


def _merge_cues(cues: list[_Cue], options: ImportOptions) -> list[TurnDraft]:
    """Turns from cues: a speaker's consecutive cues under MERGE_GAP_SECONDS apart join."""
    drafts: list[TurnDraft] = []
    last: _Cue | None = None
    for cue in cues:
        role = resolve_role(cue.speaker, options, cue.where)
        if (
            last is not None
            and last.speaker.casefold() == cue.speaker.casefold()
            and (cue.start_ms - last.end_ms) < MERGE_GAP_SECONDS * 1000
        ):
            turn = drafts[-1]
            turn.text = f"{turn.text} {cue.text}"
            end_ms = max(last.end_ms, cue.end_ms)
            turn.end = end_ms / 1000
            last = _Cue(last.speaker, "", last.start_ms, end_ms, last.where, last.cue_where)
            continue
        drafts.append(
            TurnDraft(
                role=role,
                text=cue.text,
                where=cue.cue_where,
                speaker_id=cue.speaker,
                start=cue.start_ms / 1000,
                end=cue.end_ms / 1000,
            )
        )
        last = cue
    return drafts


def _conversation(
    source: Source, cues: list[_Cue], options: ImportOptions, name: str, **fields: Any
) -> Conversation:
    if not cues:
        raise InputError(
            "no cues in file",
            where=source.where(),
            expected="at least one cue with a speaker and text",
            code="empty",
        )
    return assemble(
        source,
        _merge_cues(cues, options),
        id=Path(source.name).stem or "conversation",
        channel=Channel.CALL,
        options=options,
        source=name,
        **fields,
    )


# --- WebVTT -------------------------------------------------------------------------------

_VTT_HEADER = re.compile(r"WEBVTT(?:[ \t][^\n]*)?")
_VTT_TIME = r"(?:([0-9]{2,5}):)?([0-5][0-9]):([0-5][0-9])\.([0-9]{3})"
_VTT_TIMING = re.compile(rf"{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t][^\n]*)?")
_VTT_SKIPPED = re.compile(r"(?:NOTE(?:[ \t].*)?|STYLE[ \t]*|REGION[ \t]*)")
_VOICE = re.compile(r"<v(?:\.[^\s.>]+)*(?:[ \t]+([^>\n]*))?>")
VTT_TIMING_FORM = "HH:MM:SS.mmm --> HH:MM:SS.mmm"


def _vtt_ms(groups: tuple[str | None, ...]) -> int:
    hours, minutes, seconds, millis = groups
    return ((int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(seconds or 0)) * 1000 + int(
        millis or 0
    )


def _vtt_blocks(lines: list[str], first: int) -> list[tuple[int, list[str]]]:
    """(line number of its first line, lines) for each blank-line separated block."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number in range(first, len(lines) + 1):
        line = lines[number - 1]
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _vtt_cue(
    source: Source, number: int, block: list[str], previous: _Cue | None
) -> list[_Cue] | None:
    """The cues (one per voice) of one block, or None for a NOTE, STYLE or REGION block."""
    if _VTT_SKIPPED.fullmatch(block[0]):
        return None
    timing_at = 0 if "-->" in block[0] else 1
    if timing_at >= len(block) or "-->" not in block[timing_at]:
        raise InputError(
            f"expected a cue timing line, found {_shown(block[0])}",
            where=source.where(line=number),
            expected=f"{VTT_TIMING_FORM} (or a NOTE, STYLE or REGION block)",
            code="malformed",
        )
    timing_number = number + timing_at
    where = source.where(line=timing_number)
    timing = _VTT_TIMING.fullmatch(block[timing_at].rstrip())
    if timing is None:
        hint = ""
        if _SRT_TIMING.fullmatch(block[timing_at].rstrip()):
            hint = " (WebVTT puts a dot before the milliseconds, not a comma)"
        raise InputError(
            f"timing line is malformed: {_shown(block[timing_at])}{hint}",
            where=where,
            expected=VTT_TIMING_FORM,
            code="bad_time",
        )
    start_ms, end_ms = _vtt_ms(timing.groups()[:4]), _vtt_ms(timing.groups()[4:])
    _check_times(start_ms, end_ms, previous, where)
    payload_lines = block[timing_at + 1 :]
    for offset, line in enumerate(payload_lines, start=1):
        if "-->" in line:
            raise InputError(
                "a cue timing line inside a cue's text",
                where=source.where(line=timing_number + offset),
                expected="a blank line between cues",
                code="malformed",
            )
    payload = "\n".join(payload_lines)
    voices = list(_VOICE.finditer(payload))
    before = payload[: voices[0].start()] if voices else payload
    if _clean(before) or not voices:
        raise InputError(
            f"cue without speaker: {_shown(before) if before.strip() else 'no text'}",
            where=source.where(line=timing_number + 1) if payload_lines else where,
            expected="a voice tag naming the speaker, such as <v Agent>Hello</v>",
            code="missing_field",
        )
    cues = []
    for i, voice in enumerate(voices):
        line = source.where(line=timing_number + 1 + payload.count("\n", 0, voice.start()))
        speaker = (voice.group(1) or "").strip()
        if not speaker:
            raise InputError(
                "voice tag without a speaker name",
                where=line,
                expected="a name in the tag, such as <v Agent> or <v Jane Doe>",
                code="missing_field",
            )
        end = voices[i + 1].start() if i + 1 < len(voices) else len(payload)
        text = _clean(payload[voice.end() : end])
        if text:
            cues.append(_Cue(speaker, text, start_ms, end_ms, line, where))
    if not cues:
        raise InputError(
            "cue has no text",
            where=where,
            expected="words after the voice tag",
            code="missing_field",
        )
    return cues


@register
class WebVtt(Importer):
    name: ClassVar[str] = "vtt"
    title: ClassVar[str] = "WebVTT captions with <v Speaker> voice tags (Teams, Zoom, …)"
    extensions: ClassVar[tuple[str, ...]] = (".vtt",)
    sample: ClassVar[str] = "written for heard's tests in the shape of Teams and Zoom exports"

    def sniff(self, source: Source) -> float:
        head = source.head(64)
        return 0.95 if _VTT_HEADER.fullmatch(_LINE_BREAK.split(head, maxsplit=1)[0]) else 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        lines = _LINE_BREAK.split(source.text)
        if not source.text.strip():
            raise InputError(
                "empty file", where=source.where(), expected="a WebVTT file", code="empty"
            )
        if not _VTT_HEADER.fullmatch(lines[0]):
            raise InputError(
                f"the first line is {_shown(lines[0])}, not the WebVTT header",
                where=source.where(line=1),
                expected="WEBVTT as the first line",
                code="malformed",
            )
        number = 2
        language: str | None = None
        while number <= len(lines) and lines[number - 1].strip():
            key, _, value = lines[number - 1].partition(":")
            if "-->" in lines[number - 1]:
                raise InputError(
                    "a cue right after the header",
                    where=source.where(line=number),
                    expected="a blank line after the WEBVTT header lines",
                    code="malformed",
                )
            if key.strip().casefold() == "language" and value.strip():
                language = value.strip()
            number += 1
        cues: list[_Cue] = []
        for start, block in _vtt_blocks(lines, number):
            found = _vtt_cue(source, start, block, cues[-1] if cues else None)
            if found:
                cues += found
        fields = {"language": language} if language else {}
        return [_conversation(source, cues, options, self.name, **fields)]


# --- SRT ----------------------------------------------------------------------------------

_SRT_CANDIDATE = re.compile(r"\s*[0-9][^\n]*?-[ -] *>")
_SRT_TIME = r"([0-9]{1,3}):([0-5][0-9]):([0-5][0-9])[,.]([0-9]{3})"
_SRT_TIMING = re.compile(rf"\s*{_SRT_TIME}[ \t]+-->[ \t]+{_SRT_TIME}(?:[ \t][^\n]*)?")
_SRT_LABEL = re.compile(r"(?:-[ \t]*)?(?P<label>[^:\n]{1,60}?)[ \t]*:(?:[ \t]+|$)")
SRT_TIMING_FORM = "HH:MM:SS,mmm --> HH:MM:SS,mmm"
_MS = timedelta(milliseconds=1)


def _srt_timing_lines(source: Source, lines: list[str]) -> list[tuple[int, int, int]]:
    """(line number, start ms, end ms) of every timing line; malformed ones are errors."""
    found = []
    for number, line in enumerate(lines, start=1):
        if not _SRT_CANDIDATE.match(line):
            continue
        timing = _SRT_TIMING.fullmatch(line.rstrip())
        if timing is None:
            raise InputError(
                f"timing line is malformed: {_shown(line)}",
                where=source.where(line=number),
                expected=SRT_TIMING_FORM,
                code="bad_time",
            )
        found.append((number, _vtt_ms(timing.groups()[:4]), _vtt_ms(timing.groups()[4:])))
    return found


def _srt_subtitles(source: Source, text: str) -> list[srt.Subtitle]:
    try:
        return list(srt.parse(text))
    except srt.SRTParseError as exc:
        unmatched = exc.unmatched_content
        at = exc.expected_start + len(unmatched) - len(unmatched.lstrip())
        raise InputError(
            f"not an SRT cue: {_shown((unmatched.strip().splitlines() or [''])[0])}",
            where=source.where(line=text.count("\n", 0, at) + 1),
            expected=f"a cue number, a line {SRT_TIMING_FORM}, the text, then a blank line",
            code="malformed",
        ) from exc
    except (srt.TimestampParseError, OverflowError) as exc:
        raise InputError(
            f"unreadable cue time: {exc}",
            where=source.where(),
            expected=SRT_TIMING_FORM,
            code="bad_time",
        ) from exc


def _srt_cues(
    source: Source, subtitle: srt.Subtitle, number: int | None, previous: _Cue | None
) -> list[_Cue]:
    """The cues (one per speaker) of one subtitle whose timing line is line `number`."""

    def line_at(offset: int) -> Location:
        return source.where(line=number + offset if number is not None else None)

    where = line_at(0)
    start_ms, end_ms = subtitle.start // _MS, subtitle.end // _MS
    _check_times(start_ms, end_ms, previous, where)
    cues: list[_Cue] = []
    texts: list[list[str]] = []
    blank = False
    for offset, raw in enumerate(subtitle.content.split("\n"), start=1):
        if not raw.strip():
            blank = True
            continue
        if blank:
            raise InputError(
                f"text after a blank line, outside any cue: {_shown(raw)}",
                where=line_at(offset),
                expected="a cue number and a timing line after each blank line",
                code="malformed",
            )
        line = _clean(raw, srt=True)
        if not line:
            continue
        label = _SRT_LABEL.match(line)
        if label is not None and is_speaker_label(label.group("label")):
            cue_line = line_at(offset)
            cues.append(_Cue(label.group("label").strip(), "", start_ms, end_ms, cue_line, where))
            texts.append([line[label.end() :].strip()])
        elif cues:
            texts[-1].append(line)
        else:
            raise InputError(
                f"cue without speaker: {_shown(line)}",
                where=line_at(offset),
                expected="the speaker before the text, such as 'Agent: Hello'",
                code="missing_field",
            )
    for cue, words in zip(cues, texts, strict=True):
        cue.text = " ".join(w for w in words if w)
    cues = [cue for cue in cues if cue.text]
    if not cues:
        raise InputError(
            "cue has no text",
            where=where,
            expected="the speaker and their words below the timing line",
            code="missing_field",
        )
    return cues


@register
class Srt(Importer):
    name: ClassVar[str] = "srt"
    title: ClassVar[str] = "SRT subtitles whose cues start with the speaker ('Agent: …')"
    extensions: ClassVar[tuple[str, ...]] = (".srt",)
    sample: ClassVar[str] = "written for heard's tests in the shape of call-recording exports"

    def sniff(self, source: Source) -> float:
        lines = [line for line in source.head(512).split("\n") if line.strip()][:2]
        if lines and _SRT_TIMING.fullmatch(lines[0].rstrip()):
            return 0.8
        if len(lines) == 2 and lines[0].strip().isascii() and lines[0].strip().isdigit():
            return 0.9 if _SRT_TIMING.fullmatch(lines[1].rstrip()) else 0.0
        return 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        text = source.text
        timing_lines = _srt_timing_lines(source, text.split("\n"))
        subtitles = _srt_subtitles(source, text)
        cues: list[_Cue] = []
        at = 0
        for subtitle in subtitles:
            wanted = (subtitle.start // _MS, subtitle.end // _MS)
            while at < len(timing_lines) and timing_lines[at][1:] != wanted:
                at += 1
            number = timing_lines[at][0] if at < len(timing_lines) else None
            at += 1
            cues += _srt_cues(source, subtitle, number, cues[-1] if cues else None)
        return [_conversation(source, cues, options, self.name)]


def _shown(text: str, limit: int = 40) -> str:
    text = text.strip()
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
