"""Loaders for the public labelled corpora heard is evaluated and benchmarked on.

STAR (RasaHQ, MIT): typed Wizard-of-Oz chats, User = customer, Wizard = agent.
Harper Valley Bank (Gridspace–Stanford, CC BY 4.0): simulated bank calls with timings.
Both as laid out in the JSONL files under shared/data (one conversation per line).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from heard.errors import InputError, Location
from heard.importers.base import (
    Importer,
    ImportOptions,
    Source,
    TurnDraft,
    assemble,
    first_json_line,
    json_lines,
    resolve_role,
    validate,
)
from heard.importers.registry import register
from heard.model import Channel, Conversation, Word


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class _StarTurn(_Lenient):
    role: str
    text: str
    unix_time: float | None = None
    original_action: str | None = None
    action_label: str | None = None


class _StarRecord(_Lenient):
    id: str | int
    turns: list[_StarTurn]
    original: dict[str, JsonValue] = Field(default_factory=dict)


class _HvbTurn(_Lenient):
    role: str
    text: str
    start_ms: float
    duration_ms: float = Field(ge=0)
    asr_text: str | None = None
    dialog_acts: list[str] = Field(default_factory=list)
    emotion: dict[str, float] = Field(default_factory=dict)
    word_offsets_ms: list[float] | None = None
    word_durations_ms: list[float] | None = None


class _HvbRecord(_Lenient):
    id: str
    turns: list[_HvbTurn]
    original: dict[str, JsonValue] = Field(default_factory=dict)


@register
class Star(Importer):
    name: ClassVar[str] = "star"
    title: ClassVar[str] = "STAR corpus chats (shared/data/star/star.jsonl)"
    extensions: ClassVar[tuple[str, ...]] = (".jsonl",)
    sample: ClassVar[str] = "shared/data/star (RasaHQ/STAR, MIT)"

    def sniff(self, source: Source) -> float:
        doc = first_json_line(source)
        if not isinstance(doc, dict) or not isinstance(doc.get("original"), dict):
            return 0.0
        star = "DialogueID" in doc["original"] or str(doc.get("source", "")).startswith("STAR")
        return 0.99 if star else 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        conversations = []
        skipped = 0
        for where, doc in json_lines(source):
            record = validate(_StarRecord, doc, where)
            if not any(t.text.strip() for t in record.turns):
                skipped += 1  # dialogues abandoned before anyone typed (EarlyDisconnect…)
                continue
            conversations.append(self._conversation(source, where, record, options))
        if skipped:
            source.warn(f"skipped {skipped} dialogues with no messages")
        if not conversations:
            raise InputError(
                "no dialogue with messages",
                where=source.where(),
                expected="STAR dialogues with turns",
                code="empty",
            )
        return conversations

    def _conversation(
        self, source: Source, where: Location, record: _StarRecord, options: ImportOptions
    ) -> Conversation:
        drafts = []
        for i, turn in enumerate(record.turns):
            turn_where = where.at(path=f"$.turns[{i}]")
            metadata: dict[str, JsonValue] = {}
            if turn.original_action:
                metadata["action"] = turn.original_action
            if turn.action_label:
                metadata["action_label"] = turn.action_label
            drafts.append(
                TurnDraft(
                    role=resolve_role(
                        turn.role, options, turn_where.at(path=f"{turn_where.path}.role")
                    ),
                    text=turn.text,
                    where=turn_where,
                    sent_at=_utc(turn.unix_time, turn_where),
                    metadata=metadata,
                )
            )
        original = record.original
        started = drafts[0].sent_at if drafts else None
        return assemble(
            source,
            drafts,
            id=f"star-{record.id}",
            channel=Channel.CHAT,
            where=where,
            options=options,
            external_id=str(record.id),
            source="star",
            started_at=started,
            language="en",
            agent=dict(id=_str(original.get("AnonymizedWizardWorkerID"))),
            customer=dict(id=_str(original.get("AnonymizedUserWorkerID"))),
            metadata={"star": original},
        )


@register
class HarperValley(Importer):
    name: ClassVar[str] = "harper-valley"
    title: ClassVar[str] = "Harper Valley Bank calls (shared/data/harper_valley_bank/*.jsonl)"
    extensions: ClassVar[tuple[str, ...]] = (".jsonl",)
    sample: ClassVar[str] = "shared/data/harper_valley_bank (Gridspace–Stanford, CC BY 4.0)"

    def sniff(self, source: Source) -> float:
        doc = first_json_line(source)
        if not isinstance(doc, dict) or not isinstance(doc.get("original"), dict):
            return 0.0
        turns = doc.get("turns")
        first = turns[0] if isinstance(turns, list) and turns else None
        timed = isinstance(first, dict) and "start_ms" in first and "duration_ms" in first
        return 0.99 if timed else 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        records = json_lines(source)
        return [self._conversation(source, where, doc, options) for where, doc in records]

    def _conversation(
        self, source: Source, where: Location, doc: Any, options: ImportOptions
    ) -> Conversation:
        record = validate(_HvbRecord, doc, where)
        drafts = []
        for i, turn in enumerate(record.turns):
            turn_where = where.at(path=f"$.turns[{i}]")
            start = turn.start_ms / 1000
            drafts.append(
                TurnDraft(
                    role=resolve_role(
                        turn.role, options, turn_where.at(path=f"{turn_where.path}.role")
                    ),
                    text=turn.text,
                    where=turn_where,
                    speaker_id=turn.role,
                    start=start,
                    end=start + turn.duration_ms / 1000,
                    words=_hvb_words(turn, start),
                    metadata={
                        "asr_text": turn.asr_text,
                        "dialog_acts": list(turn.dialog_acts),
                        "emotion": dict(turn.emotion),
                    },
                )
            )
        meta = record.original.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        agent_meta = _dig(meta, "agent", "metadata")
        caller_meta = _dig(meta, "caller", "metadata")
        start_ms = meta.get("start_time_ms")
        return assemble(
            source,
            drafts,
            id=f"hvb-{record.id}",
            channel=Channel.CALL,
            where=where,
            options=options,
            external_id=record.id,
            source="harper-valley",
            started_at=_utc(start_ms / 1000, where) if isinstance(start_ms, int | float) else None,
            language="en",
            agent=dict(
                id=_str(_dig(meta, "agent").get("speaker_id")),
                name=_str(agent_meta.get("agent_name")),
            ),
            customer=dict(
                id=_str(_dig(meta, "caller").get("speaker_id")),
                name=_str(caller_meta.get("first and last name")),
            ),
            metadata={"harper_valley": meta},
        )


def _hvb_words(turn: _HvbTurn, start: float) -> list[Word] | None:
    """Word timings, only where they line up one-to-one with the human transcript."""
    words = turn.text.split()
    offsets, durations = turn.word_offsets_ms, turn.word_durations_ms
    if not offsets or not durations or not (len(words) == len(offsets) == len(durations)):
        return None
    if any(o < 0 or d < 0 for o, d in zip(offsets, durations, strict=True)):
        return None
    return [
        Word(text=w, start=start + o / 1000, end=start + (o + d) / 1000)
        for w, o, d in zip(words, offsets, durations, strict=True)
    ]


def _utc(seconds: float | None, where: Location) -> datetime | None:
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InputError(
            f"time stamp {seconds!r} is out of range",
            where=where,
            expected="seconds since 1970",
            code="bad_time",
        ) from exc


def _dig(mapping: dict[str, Any], *keys: str) -> dict[str, Any]:
    value: Any = mapping
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
