"""Genesys Cloud speech and text analytics transcripts (the JSON behind the transcript URL).

The document holds `transcripts[].phrases[]`, each phrase with `participantPurpose`
(internal = agent, external = customer), `startTimeMs` (epoch milliseconds) and
`duration.milliseconds`. Call times become seconds from the first moment the file knows
(the communication's `startTime` or its first phrase). See docs/formats/genesys.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from heard.errors import InputError, Location
from heard.importers.base import (
    Importer,
    ImportOptions,
    Source,
    TurnDraft,
    assemble,
    conversation_id,
    expect_object,
    resolve_role,
    validate,
)
from heard.importers.registry import register
from heard.model import Channel, Conversation, Role, Word

_LAST_EPOCH_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: the last moment a datetime can hold."""

EpochMs = Annotated[float, Field(ge=0, le=_LAST_EPOCH_MS, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class _Vendor(BaseModel):
    """A vendor record: only the fields heard reads are checked; the rest is ignored."""

    model_config = ConfigDict(extra="ignore")


class _Duration(_Vendor):
    milliseconds: Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Word(_Vendor):
    word: str
    startTimeMs: EpochMs | None = None
    duration: _Duration | None = None
    confidence: Probability | None = None


class _Phrase(_Vendor):
    participantPurpose: str
    text: str | None = None
    decoratedText: str | None = None
    startTimeMs: EpochMs | None = None
    duration: _Duration | None = None
    confidence: float | None = None
    words: list[_Word] = Field(default_factory=list)


class _Sentiment(_Vendor):
    phraseIndex: int | None = None
    sentiment: float | None = None


class _Analytics(_Vendor):
    sentiment: list[_Sentiment] = Field(default_factory=list)
    topics: list[JsonValue] = Field(default_factory=list)


class _Transcript(_Vendor):
    phrases: list[_Phrase]
    transcriptId: str | None = None
    language: str | None = None
    startTime: EpochMs | None = None
    subject: str | None = None
    messageType: str | None = None
    analytics: _Analytics | None = None


class _Participant(_Vendor):
    participantPurpose: str | None = None
    userId: str | None = None


class _Document(_Vendor):
    transcripts: list[_Transcript]
    conversationId: str | None = None
    communicationId: str | None = None
    mediaType: str | None = None
    conversationStartTime: EpochMs | None = None
    startTime: EpochMs | None = None
    participants: list[_Participant] = Field(default_factory=list)


_PURPOSE_ROLES: dict[str, Role] = {
    "internal": Role.AGENT,
    "agent": Role.AGENT,
    "user": Role.AGENT,
    "external": Role.CUSTOMER,
    "customer": Role.CUSTOMER,
    "acd": Role.SYSTEM,
    "ivr": Role.BOT,
    "bot": Role.BOT,
}
"""participantPurpose values: in Genesys a `user` is a staff member, not the customer."""

_MEDIA_CHANNELS: dict[str, Channel] = {
    "call": Channel.CALL,
    "voice": Channel.CALL,
    "callback": Channel.CALL,
    "chat": Channel.CHAT,
    "message": Channel.CHAT,
    "messaging": Channel.CHAT,
    "email": Channel.EMAIL,
}
_MESSAGE_CHANNELS: dict[str, Channel] = {
    "sms": Channel.SMS,
    "facebook": Channel.SOCIAL,
    "twitter": Channel.SOCIAL,
    "instagram": Channel.SOCIAL,
    "line": Channel.SOCIAL,
    "whatsapp": Channel.SOCIAL,
    "webmessaging": Channel.CHAT,
    "open": Channel.CHAT,
}
_PARTICIPANT_METADATA = (
    "participantPurpose",
    "userId",
    "queueId",
    "initialDirection",
    "startTimeMs",
    "endTimeMs",
)


def _moment(epoch_ms: float) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


def _channel(doc: _Document, source: Source, options: ImportOptions) -> Channel:
    media = (doc.mediaType or "call").strip().casefold()
    channel = _MEDIA_CHANNELS.get(media)
    if media in ("message", "messaging"):
        kinds = {(t.messageType or "").strip().casefold() for t in doc.transcripts}
        found = {_MESSAGE_CHANNELS[k] for k in kinds if k in _MESSAGE_CHANNELS}
        if len(found) == 1:
            channel = found.pop()
    if channel is None:
        if options.channel is not None:
            return options.channel
        raise InputError(
            f"unsupported mediaType {doc.mediaType!r}",
            where=source.where(path="$.mediaType"),
            expected=f"one of {', '.join(sorted(_MEDIA_CHANNELS))} (or set --channel)",
            code="invalid_value",
        )
    return channel


def _origin(doc: _Document) -> float | None:
    """Epoch ms that call times count from: the earliest start the file gives."""
    starts = [doc.startTime] + [t.startTime for t in doc.transcripts]
    for transcript in doc.transcripts:
        for phrase in transcript.phrases:
            starts.append(phrase.startTimeMs)
            starts.extend(w.startTimeMs for w in phrase.words)
    known = [s for s in starts if s is not None]
    return min(known) if known else None


def _words(phrase: _Phrase, origin: float) -> list[Word] | None:
    words = []
    for word in phrase.words:
        if word.startTimeMs is None or word.duration is None:
            return None
        offset = word.startTimeMs - origin
        words.append(
            Word(
                text=word.word,
                start=offset / 1000,
                end=(offset + word.duration.milliseconds) / 1000,
                confidence=word.confidence,
            )
        )
    return words or None


@register
class GenesysTranscript(Importer):
    name: ClassVar[str] = "genesys"
    title: ClassVar[str] = "Genesys Cloud speech and text analytics transcript (JSON)"
    extensions: ClassVar[tuple[str, ...]] = (".json",)
    sample: ClassVar[str] = (
        "built from the Genesys Cloud developer centre transcript schema; see "
        "tests/data/formats/genesys/README.md"
    )

    def sniff(self, source: Source) -> float:
        doc = source.try_json()
        if not isinstance(doc, dict) or not isinstance(doc.get("transcripts"), list):
            return 0.0
        first = doc["transcripts"][0] if doc["transcripts"] else None
        if isinstance(first, dict) and isinstance(first.get("phrases"), list):
            return 0.9
        if "conversationId" in doc and "communicationId" in doc:
            return 0.6
        return 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        raw = expect_object(source.json, source.where(path="$"), "a Genesys transcript object")
        doc = validate(_Document, raw, source.where())
        channel = _channel(doc, source, options)
        timed = (options.channel or channel) == Channel.CALL
        origin = _origin(doc)
        drafts = []
        topics: list[JsonValue] = []
        for t, transcript in enumerate(doc.transcripts):
            sentiments = {
                s.phraseIndex: s.sentiment
                for s in (transcript.analytics.sentiment if transcript.analytics else [])
                if s.phraseIndex is not None and s.sentiment is not None
            }
            if transcript.analytics:
                topics.extend(transcript.analytics.topics)
            for p, phrase in enumerate(transcript.phrases):
                path = f"$.transcripts[{t}].phrases[{p}]"
                drafts.append(
                    self._draft(
                        phrase,
                        source.where(path=path),
                        origin,
                        timed,
                        options,
                        sentiment=sentiments.get(p),
                        subject=transcript.subject,
                    )
                )
        first = doc.transcripts[0] if doc.transcripts else None
        return [
            assemble(
                source,
                drafts,
                id=conversation_id(doc.conversationId, source),
                channel=channel,
                options=options,
                source=self.name,
                external_id=doc.conversationId,
                started_at=_moment(origin) if origin is not None else None,
                language=first.language if first else None,
                agent=self._agent(doc),
                metadata=self._metadata(doc, raw, topics),
            )
        ]

    @staticmethod
    def _draft(
        phrase: _Phrase,
        where: Location,
        origin: float | None,
        timed: bool,
        options: ImportOptions,
        *,
        sentiment: float | None,
        subject: str | None,
    ) -> TurnDraft:
        text = phrase.decoratedText if phrase.decoratedText is not None else phrase.text
        if text is None:
            raise InputError(
                "phrase has neither text nor decoratedText",
                where=where.at(path=f"{where.path}.text"),
                expected="this field to be present",
                code="missing_field",
            )
        metadata: dict[str, JsonValue] = {"participantPurpose": phrase.participantPurpose}
        if phrase.text is not None and phrase.text != text:
            metadata["text"] = phrase.text
        if phrase.confidence is not None:
            metadata["confidence"] = phrase.confidence
        if sentiment is not None:
            metadata["sentiment"] = sentiment
        draft = TurnDraft(
            role=resolve_role(
                phrase.participantPurpose, options, where, vendor_roles=_PURPOSE_ROLES
            ),
            text=text,
            where=where,
            subject=subject,
            metadata=metadata,
        )
        if phrase.startTimeMs is None or origin is None:
            return draft
        if not timed:
            draft.sent_at = _moment(phrase.startTimeMs)
            return draft
        offset = phrase.startTimeMs - origin
        draft.start = offset / 1000
        if phrase.duration is not None:
            draft.end = (offset + phrase.duration.milliseconds) / 1000
        draft.words = _words(phrase, origin)
        return draft

    @staticmethod
    def _agent(doc: _Document) -> dict[str, str] | None:
        for participant in doc.participants:
            purpose = (participant.participantPurpose or "").casefold()
            if purpose in ("agent", "user") and participant.userId:
                return dict(id=participant.userId)
        return None

    @staticmethod
    def _metadata(
        doc: _Document, raw: dict[str, Any], topics: list[JsonValue]
    ) -> dict[str, JsonValue]:
        metadata: dict[str, JsonValue] = {
            key: raw[key]
            for key in ("conversationId", "communicationId", "mediaType")
            if key in raw
        }
        if doc.conversationStartTime is not None:
            metadata["conversationStartTime"] = _moment(doc.conversationStartTime).isoformat()
        ids = [t.transcriptId for t in doc.transcripts if t.transcriptId]
        if ids:
            metadata["transcriptIds"] = list(ids)
        if topics:
            metadata["topics"] = topics
        participants: list[JsonValue] = []
        for item in raw.get("participants") or []:
            if isinstance(item, dict):
                participants.append({k: item[k] for k in _PARTICIPANT_METADATA if k in item})
        if participants:
            metadata["participants"] = participants
        return metadata
