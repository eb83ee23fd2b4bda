"""The words a coaching note or a dispute was made on, as stored (so redacted): a span of a
turn, or the turn itself cut to a readable length."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.store.tables import ConversationRow

QUOTE_LENGTH = 240
"""The most characters a quote of a whole turn shows (a span is shown whole up to twice this)."""


def quoted(
    turns: Sequence[str],
    turn: int | None,
    start: int | None = None,
    end: int | None = None,
    *,
    limit: int = QUOTE_LENGTH,
) -> str | None:
    """The words of `turn` from `start` to `end` (the whole turn without them), cut at a word
    near `limit` characters with "…"; None without a turn, or one the conversation lacks."""
    if turn is None or not 0 <= turn < len(turns):
        return None
    text = turns[turn]
    if start is not None and end is not None and 0 <= start < end <= len(text):
        text, limit = text[start:end], limit * 2
    text = " ".join(text.split())
    if len(text) <= limit:
        return text or None
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(",;:.") + "…"


def turn_texts(session: Session, conversation_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each conversation's turn texts, by id (one query; an empty list for no turns)."""
    wanted = sorted(set(conversation_ids))
    found: dict[int, list[str]] = {}
    for chunk in range(0, len(wanted), 500):
        for conversation_id, body in session.execute(
            select(ConversationRow.id, ConversationRow.body).where(
                ConversationRow.id.in_(wanted[chunk : chunk + 500])
            )
        ):
            found[conversation_id] = [t["text"] for t in orjson.loads(body).get("turns", [])]
    return found
