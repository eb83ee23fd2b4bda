"""Twilio Conversational (Voice) Intelligence transcript sentences, as the list API returns them.

Reads `GET /v2/Transcripts/{sid}/Sentences` responses: `{"sentences": [...], "meta": {...}}`,
a list of such pages, or a bare list of sentence objects. Each sentence's `media_channel`
says who spoke: by default channel 1 is the customer and channel 2 the agent, the layout of
Twilio's dual-channel recordings (customer left, agent right). See docs/formats/twilio.md.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from heard.errors import InputError, Location
from heard.importers.base import (
    Importer,
    ImportOptions,
    Source,
    TurnDraft,
    assemble,
    conversation_id,
    resolve_role,
    type_name,
    validate,
)
from heard.importers.registry import register
from heard.model import Channel, Conversation, Role, Word

DEFAULT_CHANNEL_ROLES: dict[int, Role] = {1: Role.CUSTOMER, 2: Role.AGENT}
"""media_channel → role when the user maps nothing (Twilio dual-channel: customer, agent)."""

_CHANNEL_KEY = re.compile(r"(?:media[ _-]?)?(?:channel|ch)?[ _:-]*(\d+)")
_TRANSCRIPT_SID = re.compile(r"GT[0-9a-fA-F]{32}")

Time = Annotated[float, Field(allow_inf_nan=False)]
WordTime = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Vendor(BaseModel):
    """A vendor record: only the fields heard reads are checked; the rest is ignored."""

    model_config = ConfigDict(extra="ignore")


class _Word(_Vendor):
    word: str
    start_time: WordTime | None = None
    end_time: WordTime | None = None
    confidence: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> _Word:
        start, end = self.start_time, self.end_time
        if start is not None and end is not None and end < start:
            raise ValueError(f"word end {end:g} s is before its start {start:g} s")
        return self


class _Sentence(_Vendor):
    media_channel: int
    transcript: str
    sentence_index: int | None = None
    start_time: Time | None = None
    end_time: Time | None = None
    confidence: Time | None = None
    sid: str | None = None
    transcript_sid: str | None = None
    words: list[_Word] | None = None


class _Meta(_Vendor):
    page: int | None = None
    page_size: int | None = None
    url: str | None = None
    next_page_url: str | None = None


class _Page(_Vendor):
    sentences: list[dict[str, Any]]
    meta: _Meta | None = None


def _is_sentence(value: Any) -> bool:
    return isinstance(value, dict) and "media_channel" in value and "transcript" in value


def _is_page(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("sentences"), list)


def channel_role(channel: int, options: ImportOptions, where: Location) -> Role:
    """The role on a media channel: the user's mapping ("1", "channel 1"), else the default."""
    for name, role in options.speaker_roles.items():
        match = _CHANNEL_KEY.fullmatch(name.strip().casefold())
        if match and int(match.group(1)) == channel:
            return role
    if channel in DEFAULT_CHANNEL_ROLES:
        return DEFAULT_CHANNEL_ROLES[channel]
    return resolve_role(f"channel {channel}", options, where)


def _words(sentence: _Sentence) -> list[Word] | None:
    if not sentence.words:
        return None
    words = []
    for word in sentence.words:
        if word.start_time is None or word.end_time is None:
            return None
        words.append(
            Word(
                text=word.word, start=word.start_time, end=word.end_time, confidence=word.confidence
            )
        )
    return words


@register
class TwilioSentences(Importer):
    name: ClassVar[str] = "twilio"
    title: ClassVar[str] = "Twilio Conversational Intelligence transcript sentences (JSON)"
    extensions: ClassVar[tuple[str, ...]] = (".json",)
    sample: ClassVar[str] = (
        "built from Twilio's Transcript Sentence subresource documentation; see "
        "tests/data/formats/twilio/README.md"
    )

    def sniff(self, source: Source) -> float:
        doc = source.try_json()
        if doc is None:
            return 0.0
        if _is_page(doc):
            meta = doc.get("meta")
            if isinstance(meta, dict) and meta.get("key") == "sentences":
                return 0.95
            head = doc["sentences"][:3]
            return 0.9 if head and all(_is_sentence(s) for s in head) else 0.0
        if isinstance(doc, list) and doc:
            if all(_is_sentence(s) for s in doc[:3]):
                return 0.8
            if all(_is_page(p) for p in doc[:3]):
                return 0.85
        return 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        pages = self._pages(source)
        drafts = []
        transcript_sids: list[str] = []
        metadata: dict[str, Any] = {}
        records = [(f"{path}[{i}]", raw) for path, items, _ in pages for i, raw in enumerate(items)]
        for path, raw in records:
            sentence = validate(_Sentence, raw, source.where(), prefix=path)
            where = source.where(path=path)
            if sentence.transcript_sid:
                transcript_sids.append(sentence.transcript_sid)
            turn_metadata: dict[str, Any] = {
                key: value
                for key, value in (
                    ("sid", sentence.sid),
                    ("sentence_index", sentence.sentence_index),
                    ("confidence", sentence.confidence),
                )
                if value is not None
            }
            drafts.append(
                (
                    sentence.sentence_index,
                    TurnDraft(
                        role=channel_role(sentence.media_channel, options, where),
                        text=sentence.transcript,
                        where=where,
                        speaker_id=str(sentence.media_channel),
                        start=sentence.start_time,
                        end=sentence.end_time,
                        words=_words(sentence),
                        metadata=turn_metadata,
                    ),
                )
            )
        last_meta = next((meta for _, _, meta in reversed(pages) if meta is not None), None)
        if last_meta is not None:
            for url in (last_meta.url, last_meta.next_page_url):
                found = _TRANSCRIPT_SID.search(url or "")
                if found:
                    transcript_sids.append(found.group(0))
            if last_meta.next_page_url:
                metadata["more_pages"] = True
                metadata["next_page_url"] = last_meta.next_page_url
        if all(index is not None for index, _ in drafts):
            drafts.sort(key=lambda pair: pair[0] or 0)
        external_id = transcript_sids[0] if transcript_sids else None
        return [
            assemble(
                source,
                [draft for _, draft in drafts],
                id=conversation_id(external_id, source),
                channel=Channel.CALL,
                options=options,
                source=self.name,
                external_id=external_id,
                metadata=metadata,
            )
        ]

    @staticmethod
    def _pages(source: Source) -> list[tuple[str, list[Any], _Meta | None]]:
        """(JSON path, sentence records, paging metadata) for each page in the file."""
        doc = source.json
        if isinstance(doc, dict):
            page = validate(_Page, doc, source.where())
            return [("$.sentences", page.sentences, page.meta)]
        if not isinstance(doc, list) or not doc:
            raise InputError(
                f"found {type_name(doc)}" if doc != [] else "found an empty list",
                where=source.where(path="$"),
                expected="a Sentences page object with a `sentences` list, or a list of sentences",
                code="empty" if doc == [] else "invalid_value",
            )
        if not all(_is_page(item) for item in doc):
            return [("$", doc, None)]
        pages = []
        for i, item in enumerate(doc):
            page = validate(_Page, item, source.where(), prefix=f"$[{i}]")
            pages.append((f"$[{i}].sentences", page.sentences, page.meta))
        return pages
