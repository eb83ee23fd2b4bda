"""Who spoke when in a mono recording, from a side file: RTTM (NIST's Rich Transcription Time
Marked format, what diarization tools write) or heard's own JSON. Each bad line or field is an
error naming the file, the line (RTTM) or JSON path, and the field. See docs/audio.md, "Mono
recordings"."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from heard.errors import InputError, Location

RTTM_FIELDS = (
    "type",
    "file",
    "channel",
    "onset",
    "duration",
    "orthography",
    "speaker type",
    "speaker",
    "confidence",
    "lookahead",
)
"""An RTTM line's ten space-separated fields; heard reads type, file, onset, duration and
speaker (the last two may be missing)."""
JSON_EXPECTED = (
    'heard\'s speaker JSON: {"turns": [{"speaker": "agent", "start": 0.0, "end": 2.5}, …]}, '
    'times in seconds, optionally "recording": the recording\'s file name without extension'
)


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """A stretch of one speaker's speech, in seconds from the start of the recording."""

    start: float
    end: float
    speaker: str


def read_speaker_turns(
    data: bytes, name: str, *, recording: str | None = None
) -> list[SpeakerTurn]:
    """The speaker turns in a side file (RTTM, or heard's JSON when it starts with `{` or
    `[`), in order of start. `recording` (a recording's file name) picks its turns out of a
    file with turns for several recordings."""
    where = Location(file=name)
    stem = PurePath(recording).stem if recording else None
    turns = _for_recording(speaker_files(data, name), where, stem)
    return sorted(turns, key=lambda t: (t.start, t.end, t.speaker))


def speaker_files(data: bytes, name: str) -> dict[str, list[SpeakerTurn]]:
    """Every recording's speaker turns in a side file, by the recording named in it (RTTM's
    file field; JSON's `recording`, or "" when not given); an error naming the file, line or
    JSON path and field at the first bad one, or when there are none."""
    where = Location(file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"byte {exc.start} is not valid UTF-8",
            where=where.at(line=data.count(b"\n", 0, exc.start) + 1),
            expected="UTF-8 text",
            code="encoding",
        ) from exc
    by_file = (
        _json_turns(text, where)
        if text.lstrip().startswith(("{", "["))
        else _rttm_turns(text, where)
    )
    if not any(by_file.values()):
        raise InputError(
            "no speaker turns in the file",
            where=where,
            expected="RTTM SPEAKER lines or " + JSON_EXPECTED,
            code="empty",
        )
    return by_file


def _rttm_turns(text: str, where: Location) -> dict[str, list[SpeakerTurn]]:
    by_file: dict[str, list[SpeakerTurn]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith(";;"):
            continue  # blank or a comment
        here = where.at(line=number)
        if fields[0] != "SPEAKER":
            if (fields[0].isupper() and "-" in fields[0]) or fields[0] in _OTHER_TYPES:
                continue  # SPKR-INFO, SEGMENT, LEXEME…: not turns
            raise InputError(
                f"{fields[0][:40]!r} is not an RTTM line type",
                where=here.at(path="type"),
                expected="an RTTM line: SPEAKER <file> <channel> <onset> <duration> <NA> <NA> "
                "<speaker> <NA> <NA>",
                code="malformed",
            )
        if len(fields) < 8:
            missing = RTTM_FIELDS[len(fields)]
            raise InputError(
                f"{len(fields)} fields; the {missing} is missing",
                where=here.at(path=missing),
                expected="ten space-separated fields: SPEAKER <file> <channel> <onset> "
                "<duration> <NA> <NA> <speaker> <NA> <NA>",
                code="missing_field",
            )
        onset = _seconds(fields[3], here.at(path="onset"))
        duration = _seconds(fields[4], here.at(path="duration"))
        if duration <= 0:
            raise InputError(
                f"duration {fields[4]} is not positive",
                where=here.at(path="duration"),
                expected="the turn's length in seconds, more than 0",
                code="bad_time",
            )
        by_file.setdefault(fields[1], []).append(
            SpeakerTurn(start=onset, end=round(onset + duration, 6), speaker=fields[7])
        )
    return by_file


_OTHER_TYPES = frozenset({"SEGMENT", "NOSCORE", "NO_RT_METADATA", "LEXEME", "NON-LEX", "FILLER"})


def _seconds(value: str, where: Location) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise InputError(
            f"{value[:40]!r} is not a time",
            where=where,
            expected="seconds, a number of at least 0",
            code="bad_time",
        )
    return seconds


def _for_recording(
    by_file: dict[str, list[SpeakerTurn]], where: Location, stem: str | None
) -> list[SpeakerTurn]:
    """The turns of the recording named `stem`: its own, or the only recording's."""
    if stem is not None and stem in by_file:
        return by_file[stem]
    if len(by_file) <= 1:
        return next(iter(by_file.values()), [])
    raise InputError(
        f"the file has turns for {len(by_file)} recordings "
        f"({', '.join(sorted(by_file)[:5])}{'…' if len(by_file) > 5 else ''})"
        + (f" and none for {stem!r}" if stem else ""),
        where=where,
        expected="turns for this recording: its file name without extension in the file field",
        code="invalid_value",
    )


def _json_turns(text: str, where: Location) -> dict[str, list[SpeakerTurn]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON ({exc.msg}, column {exc.colno})",
            where=where.at(line=exc.lineno),
            expected=JSON_EXPECTED,
            code="malformed",
        ) from exc
    documents = document if isinstance(document, list) else [document]
    by_file: dict[str, list[SpeakerTurn]] = {}
    for index, item in enumerate(documents):
        path = f"[{index}]" if isinstance(document, list) else ""
        if not isinstance(item, dict) or not isinstance(item.get("turns"), list):
            raise InputError(
                "no list of turns" if isinstance(item, dict) else "not an object",
                where=where.at(
                    path=f"{path}.turns".lstrip(".") if isinstance(item, dict) else path or "$"
                ),
                expected=JSON_EXPECTED,
                code="missing_field",
            )
        recording = item.get("recording", "")
        if not isinstance(recording, str):
            raise InputError(
                "recording is not a string",
                where=where.at(path=f"{path}.recording".lstrip(".")),
                expected="the recording's file name without extension",
                code="invalid_value",
            )
        turns = by_file.setdefault(recording, [])
        for number, turn in enumerate(item["turns"]):
            turns.append(_json_turn(turn, where, f"{path}.turns[{number}]".lstrip(".")))
    return by_file


def _json_turn(turn: object, where: Location, path: str) -> SpeakerTurn:
    if not isinstance(turn, dict):
        raise InputError(
            "a turn is not an object",
            where=where.at(path=path),
            expected='{"speaker": "agent", "start": 0.0, "end": 2.5}',
            code="malformed",
        )
    for key in ("speaker", "start", "end"):
        if key not in turn:
            raise InputError(
                f"no {key}",
                where=where.at(path=f"{path}.{key}"),
                expected='{"speaker": "agent", "start": 0.0, "end": 2.5}',
                code="missing_field",
            )
    speaker = turn["speaker"]
    if not isinstance(speaker, str | int) or isinstance(speaker, bool) or not str(speaker).strip():
        raise InputError(
            f"speaker {speaker!r} is not a name",
            where=where.at(path=f"{path}.speaker"),
            expected="a speaker's name or label, such as agent, caller or spk0",
            code="invalid_value",
        )
    times = []
    for key in ("start", "end"):
        value = turn[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(
                f"{key} {value!r} is not a number",
                where=where.at(path=f"{path}.{key}"),
                expected="seconds from the start of the recording",
                code="bad_time",
            )
        times.append(_seconds(repr(float(value)), where.at(path=f"{path}.{key}")))
    start, end = times
    if end <= start:
        raise InputError(
            f"end {end:g} is not after start {start:g}",
            where=where.at(path=f"{path}.end"),
            expected="a turn that ends after it starts",
            code="bad_time",
        )
    return SpeakerTurn(start=start, end=end, speaker=str(speaker).strip())


def rttm(turns: Sequence[SpeakerTurn], recording: str) -> str:
    """The turns as RTTM lines for `recording` (its file name without extension)."""
    return "".join(
        f"SPEAKER {recording} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {t.speaker} "
        "<NA> <NA>\n"
        for t in turns
    )


def speaker_json(turns: Sequence[SpeakerTurn], recording: str | None = None) -> str:
    """The turns as heard's speaker JSON."""
    document: dict[str, object] = {} if recording is None else {"recording": recording}
    document["turns"] = [{"speaker": t.speaker, "start": t.start, "end": t.end} for t in turns]
    return json.dumps(document, indent=1)
