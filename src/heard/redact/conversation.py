"""Redact a whole conversation before it is stored, keeping evidence spans traceable.

Every turn's text, subject and word timings are redacted; names and metadata are left
alone. Each turn keeps its offset map in ``metadata["redactions"]`` so that
:func:`span_to_original` can point a span in the stored text back at the original.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import JsonValue

from heard.errors import InputError, Location
from heard.model.conversation import Conversation, Turn, Word
from heard.model.evidence import Span
from heard.redact.detect import ALL_KINDS, Kind
from heard.redact.text import RedactedText, Redaction, compose, redact_text

REDACTIONS_KEY = "redactions"
SUBJECT_REDACTIONS_KEY = "subject_redactions"
CONVERSATION_KEY = "redacted"


def redact_conversation(
    conversation: Conversation, *, kinds: Iterable[Kind] = ALL_KINDS, region: str = "US"
) -> Conversation:
    """A redacted copy of ``conversation``; the input is not changed.

    Each turn's ``text`` and ``subject`` get typed placeholders; each word in
    ``words`` that holds redacted characters gets the placeholder in their place, so
    the word count and timings stay. ``turn.metadata["redactions"]`` (and
    ``"subject_redactions"``) record what was replaced, and
    ``conversation.metadata["redacted"]`` the kinds looked for and how many were found.
    """
    wanted = sorted(frozenset(kinds), key=list(Kind).index)
    # a copy through JSON: ~2.5x faster than a deep copy (the conversation is JSON to start with)
    result = type(conversation).model_validate_json(conversation.model_dump_json())
    count = 0
    for turn in result.turns:
        count += _redact_turn(turn, wanted, region)
    previous = result.metadata.get(CONVERSATION_KEY)
    if isinstance(previous, dict) and isinstance(previous.get("count"), int):
        earlier = previous.get("kinds")
        known = {str(k) for k in earlier} if isinstance(earlier, list) else set()
        wanted_names = [k.value for k in Kind if k.value in known or k in wanted]
        count += int(previous["count"])  # type: ignore[call-overload]
    else:
        wanted_names = [k.value for k in wanted]
    names: list[JsonValue] = list(wanted_names)
    result.metadata[CONVERSATION_KEY] = {"kinds": names, "count": count}
    return result


def _redact_turn(turn: Turn, kinds: list[Kind], region: str) -> int:
    count = 0
    redacted = redact_text(turn.text, kinds=kinds, region=region)
    if redacted.redactions:
        turn.text = redacted.text
        _store(turn, REDACTIONS_KEY, redacted)
        count += len(redacted.redactions)
    if turn.subject:
        subject = redact_text(turn.subject, kinds=kinds, region=region)
        if subject.redactions:
            turn.subject = subject.text
            _store(turn, SUBJECT_REDACTIONS_KEY, subject)
            count += len(subject.redactions)
    if turn.words:
        turn.words = redact_words(turn.words, kinds=kinds, region=region)
    return count


def _store(turn: Turn, key: str, redacted: RedactedText) -> None:
    """Record the map, composed with an earlier one when the turn was redacted before."""
    earlier = stored_redactions(turn, key)
    redactions = compose(earlier, redacted) if earlier else redacted.redactions
    stored: list[JsonValue] = [dict(r.to_dict()) for r in redactions]
    turn.metadata[key] = stored


def redact_words(
    words: list[Word], *, kinds: Iterable[Kind] = ALL_KINDS, region: str = "US"
) -> list[Word]:
    """Words with redacted characters replaced by the placeholder; same count and timings.

    The words are joined by spaces and redacted as one text, so a phone number that
    speech recognition split over three words is still found.
    """
    bounds: list[tuple[int, int]] = []
    cursor = 0
    for word in words:
        bounds.append((cursor, cursor + len(word.text)))
        cursor += len(word.text) + 1
    joined = " ".join(w.text for w in words)
    redacted = redact_text(joined, kinds=kinds, region=region)
    if not redacted.redactions:
        return words
    result: list[Word] = []
    for word, (start, end) in zip(words, bounds, strict=True):
        inside = [
            r for r in redacted.redactions if r.original_start < end and start < r.original_end
        ]
        if not inside:
            result.append(word)
            continue
        pieces: list[str] = []
        at = start
        for r in inside:
            pieces.append(joined[at : max(at, r.original_start)])
            pieces.append(r.kind.placeholder)
            at = max(at, r.original_end)
        pieces.append(joined[at:end])
        result.append(word.model_copy(update={"text": "".join(pieces)}))
    return result


def stored_redactions(turn: Turn, key: str = REDACTIONS_KEY) -> list[Redaction]:
    """The redactions recorded on a turn by :func:`redact_conversation`."""
    raw = turn.metadata.get(key)
    if not raw:
        return []
    if not isinstance(raw, list):
        raise InputError(
            f"turn metadata {key!r} is not a list",
            where=Location(path=f"turns[{turn.index}].metadata.{key}"),
            expected="a list of redactions",
        )
    try:
        return [Redaction.from_dict(item) for item in raw if isinstance(item, dict)]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"turn metadata {key!r} holds a malformed redaction: {exc}",
            where=Location(path=f"turns[{turn.index}].metadata.{key}"),
            expected="kind, start, end, original_start, original_end",
        ) from exc


def span_to_original(conversation: Conversation, span: Span) -> Span:
    """The span in the original (unredacted) text of a span in a redacted conversation.

    A span that touches a placeholder covers the whole original personal data;
    offsets after a placeholder shift by the difference in length.
    """
    if span.turn >= len(conversation.turns):
        raise InputError(
            f"span points at turn {span.turn} but the conversation has "
            f"{len(conversation.turns)} turns",
            where=Location(path="turn"),
            expected=f"a turn index below {len(conversation.turns)}",
        )
    turn = conversation.turns[span.turn]
    redactions = stored_redactions(turn)
    if not redactions:
        return span
    start, end = RedactedText(turn.text, redactions).span_to_original(span.start, span.end)
    return Span(turn=span.turn, start=start, end=end)
