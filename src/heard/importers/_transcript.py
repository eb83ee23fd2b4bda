"""Clock times and speaker labels as people write them in transcripts, tables and subtitles."""

from __future__ import annotations

import re

_CLOCK = re.compile(r"(?:([0-9]{1,4}):)?([0-9]{1,3}):([0-9]{2})(?:[.,]([0-9]{1,3}))?")

CLOCK_FORMS = "HH:MM:SS or MM:SS, optionally with .mmm"
"""How the clock times `clock_ms` reads are described to users."""

SPEAKER_LABEL = re.compile(r"[^\W\d_][\w.'’&()-]*(?: +[\w.'’&()-]+){0,3}")
"""A speaker label: up to four words, the first starting with a letter ("Agent Jane")."""

MAX_LABEL_CHARS = 40


def clock_ms(text: str) -> int | None:
    """Milliseconds for `HH:MM:SS(.mmm)` or `MM:SS(.mmm)`, or None when `text` is not one.

    With hours, minutes must be two digits under 60; without, minutes may run past 59
    (`75:10` is 75 minutes). Seconds are always two digits under 60.
    """
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) >= 60:
        return None
    if hours is not None and (len(minutes) != 2 or int(minutes) >= 60):
        return None
    millis = int(fraction.ljust(3, "0")) if fraction else 0
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def is_speaker_label(text: str) -> bool:
    """True when `text` (stripped) reads as a speaker label, not as a sentence or a time."""
    text = text.strip()
    return len(text) <= MAX_LABEL_CHARS and SPEAKER_LABEL.fullmatch(text) is not None


def format_clock(millis: int) -> str:
    """`HH:MM:SS.mmm` for a number of milliseconds, as error messages show times."""
    seconds, ms = divmod(millis, 1000)
    minutes, sec = divmod(seconds, 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:{sec:02d}.{ms:03d}"
