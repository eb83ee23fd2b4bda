"""heard's own JSON (one conversation or a list) and JSONL (one conversation per line)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationError

from heard.errors import InputError, Location
from heard.importers.base import (
    Importer,
    ImportOptions,
    Source,
    TurnDraft,
    assemble,
    expect_object,
    first_json_line,
    input_error_from_validation,
    json_lines,
)
from heard.importers.registry import register
from heard.model import Conversation


def _looks_like_heard(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("turns"), list):
        return False
    if "original" in doc or "channel" not in doc or "id" not in doc:
        return False
    turns = doc["turns"]
    return all(isinstance(t, dict) and ("role" in t or "text" in t) for t in turns[:3])


def conversation_from_document(
    doc: Any, where: Location, source: Source, options: ImportOptions
) -> Conversation:
    """Validate one heard JSON conversation; turns may omit `index` (position is used)."""
    doc = expect_object(doc, where, "a conversation object with id, channel and turns")
    turns = doc.get("turns")
    if isinstance(turns, list):
        doc = dict(doc)
        doc["turns"] = [
            {"index": i, **t} if isinstance(t, dict) and "index" not in t else t
            for i, t in enumerate(turns)
        ]
    try:
        conversation = Conversation.model_validate(doc)
    except ValidationError as exc:
        raise input_error_from_validation(exc, where) from exc
    drafts = [
        TurnDraft(
            role=t.role,
            text=t.text,
            where=where.at(path=f"$.turns[{t.index}]"),
            speaker_id=t.speaker_id,
            start=t.start,
            end=t.end,
        )
        for t in conversation.turns
    ]
    # Checks only (some text, sane times); the validated conversation is kept as it is.
    assemble(
        source,
        drafts,
        id=conversation.id,
        channel=conversation.channel,
        where=where,
        options=options,
        keep_order=True,
    )
    if options.channel is not None:
        conversation.channel = options.channel
    return conversation


@register
class HeardJson(Importer):
    name: ClassVar[str] = "json"
    title: ClassVar[str] = "heard JSON: one conversation object, or a list of them"
    extensions: ClassVar[tuple[str, ...]] = (".json",)
    sample: ClassVar[str] = "heard's own format (docs/format.md); examples/ are written in it"

    def sniff(self, source: Source) -> float:
        doc = source.try_json()
        if isinstance(doc, list) and doc:
            return 0.9 if _looks_like_heard(doc[0]) else 0.0
        return 0.9 if _looks_like_heard(doc) else 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        doc = source.json
        if isinstance(doc, list):
            if not doc:
                raise InputError(
                    "empty list",
                    where=source.where(path="$"),
                    expected="at least one conversation",
                    code="empty",
                )
            return [
                conversation_from_document(item, source.where(path=f"$[{i}]"), source, options)
                for i, item in enumerate(doc)
            ]
        return [conversation_from_document(doc, source.where(), source, options)]


@register
class HeardJsonl(Importer):
    name: ClassVar[str] = "jsonl"
    title: ClassVar[str] = "heard JSON Lines: one conversation object per line"
    extensions: ClassVar[tuple[str, ...]] = (".jsonl", ".ndjson")
    sample: ClassVar[str] = "heard's own format (docs/format.md); `heard import --out` writes it"

    def sniff(self, source: Source) -> float:
        if not _looks_like_heard(first_json_line(source)):
            return 0.0
        rest = source.head(1 << 17).lstrip().partition("\n")[2]
        # One object on one line is a JSON file too; prefer JSONL only when it is one.
        if source.name.endswith(self.extensions) or rest.strip():
            return 0.95
        return 0.5

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        return [
            conversation_from_document(doc, where, source, options)
            for where, doc in json_lines(source)
        ]
