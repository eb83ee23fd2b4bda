"""How big one live event may be: bounds on a turn's (or partial's) text and words and on the
raw WebSocket message. The message's size is checked before it is parsed and the text and
words before the event is validated, so an oversized message costs next to nothing, is
refused with an error frame naming the field, its size and the limit, and the session goes
on (issue 18: one 15 MB turn had held the event loop for 12.4 s)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LiveLimits:
    """The `HEARD_LIVE_MAX_*` settings."""

    turn_chars: int = 20_000
    """Characters of text in one turn or partial (`live_max_turn_chars`)."""
    turn_words: int = 5_000
    """Recognised words one turn carries (`live_max_turn_words`)."""
    message_bytes: int = 1_048_576
    """Size of one WebSocket message: characters of a text message, bytes of a binary one
    (`live_max_message_bytes`)."""

    @classmethod
    def from_settings(cls, settings: object | None = None) -> LiveLimits:
        from heard.settings import Settings

        s = settings if isinstance(settings, Settings) else Settings()
        return cls(
            turn_chars=s.live_max_turn_chars,
            turn_words=s.live_max_turn_words,
            message_bytes=s.live_max_message_bytes,
        )

    def message_excess(self, raw: str | bytes) -> str | None:
        """Why a raw message is too large to parse (None when it is not)."""
        if len(raw) <= self.message_bytes:
            return None
        unit = "characters" if isinstance(raw, str) else "bytes"
        return _excess("the message", len(raw), unit, self.message_bytes, "live_max_message_bytes")

    def event_excess(self, data: Any) -> str | None:
        """Why a parsed, not yet validated event is too large (None when it is not)."""
        if not isinstance(data, dict):
            return None
        kind = data.get("type") if isinstance(data.get("type"), str) else "event"
        text = data.get("text")
        if isinstance(text, str) and len(text) > self.turn_chars:
            return _excess(
                f"{kind}.text", len(text), "characters", self.turn_chars, "live_max_turn_chars"
            )
        words = data.get("words")
        if isinstance(words, list) and len(words) > self.turn_words:
            return _excess(
                f"{kind}.words", len(words), "words", self.turn_words, "live_max_turn_words"
            )
        return None


def _excess(where: str, size: int, unit: str, limit: int, setting: str) -> str:
    return (
        f"{where}: {size:,} {unit}, more than the limit of {limit:,} (setting {setting}, "
        f"HEARD_{setting.upper()}); nothing was applied: send the event again within the limit"
    )
