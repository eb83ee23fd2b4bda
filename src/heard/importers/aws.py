"""Amazon contact-centre analytics output (Transcribe Call Analytics, Connect Contact Lens, PCA).

Three importers, one per document shape:

- ``aws-transcribe``: Amazon Transcribe Call Analytics post-call output (``Transcript[]`` with
  ``ParticipantRole`` on every turn, word ``Items``, ``ConversationCharacteristics``).
- ``aws-connect``: Amazon Connect Contact Lens output files, voice and chat (``Participants[]``
  with ``ParticipantId`` → ``ParticipantRole``, ``Transcript[]`` items naming a ``ParticipantId``).
- ``aws-pca``: the parsed JSON that AWS Post-Call Analytics (PCA) writes
  (``ConversationAnalytics`` + ``SpeechSegments[]``, times in seconds).

See docs/formats/aws.md for the field mapping and limits.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

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

# ---------------------------------------------------------------- vendor schemas ---------

Millis = Annotated[float, Field(allow_inf_nan=False)]
"""Milliseconds from the start of the call; negative values are caught by `assemble`."""
WordMillis = Annotated[float, Field(ge=0, allow_inf_nan=False)]
WordSeconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class _Vendor(BaseModel):
    """A vendor record: only the fields heard reads are checked; the rest is ignored."""

    model_config = ConfigDict(extra="ignore")


class _TranscribeItem(_Vendor):
    """One word or punctuation mark of a Transcribe Call Analytics turn."""

    Content: str
    Type: str = "pronunciation"
    BeginOffsetMillis: WordMillis | None = None
    EndOffsetMillis: WordMillis | None = None
    Confidence: Probability | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> _TranscribeItem:
        begin, end = self.BeginOffsetMillis, self.EndOffsetMillis
        if begin is not None and end is not None and end < begin:
            raise ValueError(f"item end {end:g} ms is before its start {begin:g} ms")
        return self


class _TranscribeTurn(_Vendor):
    ParticipantRole: str
    Content: str
    BeginOffsetMillis: Millis
    EndOffsetMillis: Millis
    Items: list[_TranscribeItem] = Field(default_factory=list)


class _TranscribeDocument(_Vendor):
    Transcript: list[_TranscribeTurn]
    JobName: str | None = None
    LanguageCode: str | None = None


class _ConnectParticipant(_Vendor):
    ParticipantId: str
    ParticipantRole: str | None = None
    DisplayName: str | None = None


class _ConnectCustomerMetadata(_Vendor):
    ContactId: str | None = None
    InstanceId: str | None = None


class _ConnectDocument(_Vendor):
    Transcript: list[dict[str, JsonValue]]
    Participants: list[_ConnectParticipant] = Field(default_factory=list)
    Channel: str | None = None
    Version: str | None = None
    LanguageCode: str | None = None
    CustomerMetadata: _ConnectCustomerMetadata | None = None


class _ConnectVoiceTurn(_Vendor):
    ParticipantId: str
    Content: str
    BeginOffsetMillis: Millis
    EndOffsetMillis: Millis
    ParticipantRole: str | None = None


class _ConnectChatItem(_Vendor):
    Type: str
    ParticipantId: str | None = None
    ParticipantRole: str | None = None
    DisplayName: str | None = None
    Content: str | None = None
    ContentType: str | None = None
    AbsoluteTime: datetime | None = None


class _PcaSpeakerLabel(_Vendor):
    Speaker: str
    DisplayText: str | None = None


class _PcaJobInfo(_Vendor):
    TranscriptionJobName: str | None = None


class _PcaSourceInformation(_Vendor):
    TranscribeJobInfo: _PcaJobInfo | None = None


class _PcaAnalytics(_Vendor):
    SpeakerLabels: list[_PcaSpeakerLabel] = Field(default_factory=list)
    GUID: str | None = None
    Agent: str | None = None
    LanguageCode: str | None = None
    ConversationTime: str | None = None
    ConversationLocation: str | None = None
    SourceInformation: list[_PcaSourceInformation] = Field(default_factory=list)


class _PcaWord(_Vendor):
    Text: str
    StartTime: WordSeconds
    EndTime: WordSeconds
    Confidence: Probability | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> _PcaWord:
        if self.EndTime < self.StartTime:
            raise ValueError(
                f"word end {self.EndTime:g} s is before its start {self.StartTime:g} s"
            )
        return self


class _PcaSegment(_Vendor):
    SegmentStartTime: Annotated[float, Field(allow_inf_nan=False)]
    SegmentEndTime: Annotated[float, Field(allow_inf_nan=False)]
    SegmentSpeaker: str
    DisplayText: str
    OriginalText: str | None = None
    WordConfidence: list[_PcaWord] = Field(default_factory=list)


class _PcaDocument(_Vendor):
    ConversationAnalytics: _PcaAnalytics
    SpeechSegments: list[_PcaSegment]


# ---------------------------------------------------------------- shared helpers ---------

_CONNECT_ROLES: dict[str, Role] = {
    "agent": Role.AGENT,
    "customer": Role.CUSTOMER,
    "system": Role.SYSTEM,
    "custom_bot": Role.BOT,
    "supervisor": Role.AGENT,
}
"""Contact Lens ParticipantRole values (AGENT | CUSTOMER | SYSTEM | CUSTOM_BOT | SUPERVISOR)."""

_TRANSCRIBE_TURN_METADATA = (
    "Id",
    "Sentiment",
    "LoudnessScores",
    "IssuesDetected",
    "OutcomesDetected",
    "ActionItemsDetected",
    "Redaction",
)
_TRANSCRIBE_METADATA = (
    "JobName",
    "JobStatus",
    "LanguageCode",
    "Channel",
    "ContentMetadata",
    "Categories",
    "ConversationCharacteristics",
)
_CONNECT_TURN_METADATA = (*_TRANSCRIBE_TURN_METADATA, "LoudnessScore", "ContentType")
_CONNECT_METADATA = (
    "Version",
    "Channel",
    "ChatTranscriptVersion",
    "JobStatus",
    "LanguageCode",
    "ContentMetadata",
    "Categories",
    "ConversationCharacteristics",
)
_PCA_TURN_METADATA = (
    "SegmentInterruption",
    "SentimentIsPositive",
    "SentimentIsNegative",
    "SentimentScore",
    "BaseSentimentScores",
    "LoudnessScores",
    "EntitiesDetected",
    "CategoriesDetected",
    "FollowOnCategories",
    "IssuesDetected",
    "ActionItemsDetected",
    "OutcomesDetected",
)


def _picked(raw: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, JsonValue]:
    return {key: raw[key] for key in keys if key in raw}


def _seconds(millis: float) -> float:
    return millis / 1000


def _has_participant_ids(doc: Mapping[str, Any]) -> bool:
    participants = doc.get("Participants")
    transcript = doc.get("Transcript")
    items = (participants if isinstance(participants, list) else [])[:5] + (
        transcript if isinstance(transcript, list) else []
    )[:5]
    return any(isinstance(item, dict) and "ParticipantId" in item for item in items)


# ------------------------------------------------------------ Transcribe Call Analytics ---


def _transcribe_words(items: list[_TranscribeItem]) -> list[Word] | None:
    """Word timings from Items, punctuation appended to the word before it (as PCA does)."""
    words: list[dict[str, Any]] = []
    for item in items:
        if item.Type.strip().casefold() == "punctuation":
            if words:
                words[-1]["text"] += item.Content
            continue
        if item.BeginOffsetMillis is None or item.EndOffsetMillis is None:
            return None
        words.append(
            {
                "text": item.Content,
                "start": _seconds(item.BeginOffsetMillis),
                "end": _seconds(item.EndOffsetMillis),
                "confidence": item.Confidence,
            }
        )
    return [Word(**word) for word in words] or None


@register
class AwsTranscribe(Importer):
    name: ClassVar[str] = "aws-transcribe"
    title: ClassVar[str] = "Amazon Transcribe Call Analytics post-call output (JSON)"
    extensions: ClassVar[tuple[str, ...]] = (".json",)
    sample: ClassVar[str] = (
        "built from the Transcribe developer guide (tca-output-batch); see "
        "tests/data/formats/aws-transcribe/README.md"
    )

    def sniff(self, source: Source) -> float:
        doc = source.try_json()
        if not isinstance(doc, dict) or "ConversationAnalytics" in doc:
            return 0.0
        transcript = doc.get("Transcript")
        if not isinstance(transcript, list) or _has_participant_ids(doc):
            return 0.0
        head = transcript[:3]
        if head and all(
            isinstance(t, dict) and {"ParticipantRole", "Content", "BeginOffsetMillis"} <= t.keys()
            for t in head
        ):
            return 0.9
        if not transcript and "ConversationCharacteristics" in doc and "JobStatus" in doc:
            return 0.5
        return 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        raw = expect_object(source.json, source.where(path="$"), "a Call Analytics JSON object")
        doc = validate(_TranscribeDocument, raw, source.where())
        drafts = []
        for i, turn in enumerate(doc.Transcript):
            where = source.where(path=f"$.Transcript[{i}]")
            drafts.append(
                TurnDraft(
                    role=resolve_role(turn.ParticipantRole, options, where),
                    text=turn.Content,
                    where=where,
                    start=_seconds(turn.BeginOffsetMillis),
                    end=_seconds(turn.EndOffsetMillis),
                    words=_transcribe_words(turn.Items),
                    metadata=_picked(raw["Transcript"][i], _TRANSCRIBE_TURN_METADATA),
                )
            )
        return [
            assemble(
                source,
                drafts,
                id=conversation_id(doc.JobName, source),
                channel=Channel.CALL,
                options=options,
                source=self.name,
                external_id=doc.JobName,
                language=doc.LanguageCode,
                metadata=_picked(raw, _TRANSCRIBE_METADATA),
            )
        ]


# ------------------------------------------------------------------ Connect Contact Lens ---

_CONNECT_CHANNELS = {"VOICE": Channel.CALL, "CHAT": Channel.CHAT}


def _connect_channel(doc: _ConnectDocument, source: Source, options: ImportOptions) -> Channel:
    """Call or chat: from `Channel`, else the `Version` prefix, else the shape of the items."""
    if doc.Channel is not None:
        channel = _CONNECT_CHANNELS.get(doc.Channel.strip().upper())
        if channel is not None:
            return channel
        if options.channel is None:
            raise InputError(
                f"unsupported Contact Lens channel {doc.Channel!r}",
                where=source.where(path="$.Channel"),
                expected="VOICE or CHAT (or set --channel)",
                code="invalid_value",
            )
    version = (doc.Version or "").upper()
    if version.startswith("CHAT"):
        return Channel.CHAT
    if version.startswith("VOICE"):
        return Channel.CALL
    timed = any("BeginOffsetMillis" in item for item in doc.Transcript)
    chat_like = any("AbsoluteTime" in item for item in doc.Transcript)
    return Channel.CHAT if chat_like and not timed else Channel.CALL


def _connect_label(
    participant_id: str | None, role: str | None, roles_by_id: Mapping[str, str | None]
) -> str | None:
    """The role label of a transcript item: its own, its participant's, or its participant id."""
    return role or roles_by_id.get(participant_id or "") or participant_id


@register
class AwsConnect(Importer):
    name: ClassVar[str] = "aws-connect"
    title: ClassVar[str] = "Amazon Connect Contact Lens output file, voice or chat (JSON)"
    extensions: ClassVar[tuple[str, ...]] = (".json",)
    sample: ClassVar[str] = (
        "Amazon Connect admin guide example output (shared data, CC BY-SA 4.0) and fixtures "
        "in its shape; see tests/data/formats/aws-connect/README.md"
    )

    def sniff(self, source: Source) -> float:
        doc = source.try_json()
        if not isinstance(doc, dict) or not isinstance(doc.get("Transcript"), list):
            return 0.0
        if _has_participant_ids(doc):
            return 0.9
        version = doc.get("Version")
        if isinstance(version, str) and version.upper().startswith(("VOICE-", "CHAT-")):
            return 0.8
        if isinstance(doc.get("CustomerMetadata"), dict):
            return 0.6
        return 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        raw = expect_object(source.json, source.where(path="$"), "a Contact Lens JSON object")
        doc = validate(_ConnectDocument, raw, source.where())
        channel = _connect_channel(doc, source, options)
        roles_by_id = {p.ParticipantId: p.ParticipantRole for p in doc.Participants}
        metadata = _picked(raw, _CONNECT_METADATA)
        if doc.CustomerMetadata is not None:
            metadata["CustomerMetadata"] = doc.CustomerMetadata.model_dump(exclude_none=True)
        if channel == Channel.CALL:
            drafts = self._voice_drafts(doc, roles_by_id, source, options)
            fields: dict[str, Any] = {}
        else:
            drafts, fields = self._chat_drafts(doc, roles_by_id, source, options, metadata)
        external_id = doc.CustomerMetadata.ContactId if doc.CustomerMetadata else None
        return [
            assemble(
                source,
                drafts,
                id=conversation_id(external_id, source),
                channel=channel,
                options=options,
                source=self.name,
                external_id=external_id,
                language=doc.LanguageCode,
                metadata=metadata,
                **fields,
            )
        ]

    def _voice_drafts(
        self,
        doc: _ConnectDocument,
        roles_by_id: Mapping[str, str | None],
        source: Source,
        options: ImportOptions,
    ) -> list[TurnDraft]:
        drafts = []
        for i, raw_turn in enumerate(doc.Transcript):
            prefix = f"$.Transcript[{i}]"
            where = source.where(path=prefix)
            turn = validate(_ConnectVoiceTurn, raw_turn, source.where(), prefix=prefix)
            label = _connect_label(turn.ParticipantId, turn.ParticipantRole, roles_by_id)
            drafts.append(
                TurnDraft(
                    role=resolve_role(label or "", options, where, vendor_roles=_CONNECT_ROLES),
                    text=turn.Content,
                    where=where,
                    speaker_id=turn.ParticipantId,
                    start=_seconds(turn.BeginOffsetMillis),
                    end=_seconds(turn.EndOffsetMillis),
                    metadata=_picked(raw_turn, _CONNECT_TURN_METADATA),
                )
            )
        return drafts

    def _chat_drafts(
        self,
        doc: _ConnectDocument,
        roles_by_id: Mapping[str, str | None],
        source: Source,
        options: ImportOptions,
        metadata: dict[str, JsonValue],
    ) -> tuple[list[TurnDraft], dict[str, Any]]:
        drafts = []
        events: list[JsonValue] = []
        skipped = 0
        times = []
        names: dict[Role, str] = {}
        for participant in doc.Participants:
            label = participant.ParticipantRole or ""
            role = _CONNECT_ROLES.get(label.casefold())
            if role is not None and participant.DisplayName and role not in names:
                names[role] = participant.DisplayName
        for i, raw_item in enumerate(doc.Transcript):
            prefix = f"$.Transcript[{i}]"
            where = source.where(path=prefix)
            item = validate(_ConnectChatItem, raw_item, source.where(), prefix=prefix)
            if item.AbsoluteTime is not None:
                times.append(item.AbsoluteTime)
            if item.Type.upper() != "MESSAGE":
                events.append(
                    _picked(raw_item, ("Type", "ContentType", "ParticipantRole", "AbsoluteTime"))
                )
                continue
            if item.Content is None:
                skipped += 1
                continue
            label = _connect_label(item.ParticipantId, item.ParticipantRole, roles_by_id)
            role = resolve_role(label or "", options, where, vendor_roles=_CONNECT_ROLES)
            if item.DisplayName and role not in names:
                names[role] = item.DisplayName
            drafts.append(
                TurnDraft(
                    role=role,
                    text=item.Content,
                    where=where,
                    speaker_id=item.ParticipantId,
                    sent_at=item.AbsoluteTime,
                    metadata=_picked(raw_item, _CONNECT_TURN_METADATA),
                )
            )
        if events:
            metadata["events"] = events
        if skipped:
            metadata["messages_without_content"] = skipped
        fields: dict[str, Any] = {}
        if times:
            fields["started_at"] = min(times, key=_sortable)
        if Role.AGENT in names:
            fields["agent"] = dict(name=names[Role.AGENT])
        if Role.CUSTOMER in names:
            fields["customer"] = dict(name=names[Role.CUSTOMER])
        return drafts, fields


def _sortable(moment: datetime) -> float:
    """A sort key for date-times that may or may not carry a time zone (naive taken as UTC)."""
    if moment.tzinfo is None:
        return (moment - datetime(1970, 1, 1)).total_seconds()
    return moment.timestamp()


# --------------------------------------------------------------- Post-Call Analytics ------

_PCA_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")
_TZ_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}")


def _pca_started_at(analytics: _PcaAnalytics) -> datetime | None:
    """ConversationTime, in the ConversationLocation time zone when that names one."""
    text = (analytics.ConversationTime or "").strip()
    moment = None
    for layout in _PCA_TIME_FORMATS:
        try:
            moment = datetime.strptime(text, layout)
            break
        except ValueError:
            continue
    if moment is None:
        return None
    location = (analytics.ConversationLocation or "").strip()
    if _TZ_NAME.fullmatch(location):
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError, OSError):
            moment = moment.replace(tzinfo=ZoneInfo(location))
    return moment


def _pca_real(value: str | None) -> str | None:
    """PCA writes the string "None" for an unknown GUID or agent."""
    if value is None or value.strip() in ("", "None"):
        return None
    return value


@register
class AwsPca(Importer):
    name: ClassVar[str] = "aws-pca"
    title: ClassVar[str] = "AWS Post-Call Analytics (PCA) parsed output (JSON)"
    extensions: ClassVar[tuple[str, ...]] = (".json",)
    sample: ClassVar[str] = (
        "aws-samples/amazon-transcribe-post-call-analytics pca-ui/src/lambda/testfile.json "
        "(shared data, Apache-2.0) and fixtures built from output_json_structure.md"
    )

    def sniff(self, source: Source) -> float:
        doc = source.try_json()
        if (
            isinstance(doc, dict)
            and isinstance(doc.get("ConversationAnalytics"), dict)
            and isinstance(doc.get("SpeechSegments"), list)
        ):
            return 0.95
        return 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        raw = expect_object(source.json, source.where(path="$"), "a PCA JSON object")
        doc = validate(_PcaDocument, raw, source.where())
        analytics = doc.ConversationAnalytics
        labels = {label.Speaker: label.DisplayText for label in analytics.SpeakerLabels}
        drafts = []
        for i, segment in enumerate(doc.SpeechSegments):
            where = source.where(path=f"$.SpeechSegments[{i}]")
            raw_segment = raw["SpeechSegments"][i]
            metadata = _picked(raw_segment, _PCA_TURN_METADATA)
            if segment.OriginalText is not None and segment.OriginalText != segment.DisplayText:
                metadata["OriginalText"] = segment.OriginalText
            words = [
                Word(text=w.Text.strip(), start=w.StartTime, end=w.EndTime, confidence=w.Confidence)
                for w in segment.WordConfidence
            ]
            drafts.append(
                TurnDraft(
                    role=self._role(segment.SegmentSpeaker, labels, options, where),
                    text=segment.DisplayText,
                    where=where,
                    speaker_id=segment.SegmentSpeaker,
                    start=segment.SegmentStartTime,
                    end=segment.SegmentEndTime,
                    words=words or None,
                    metadata=metadata,
                )
            )
        external_id = _pca_real(analytics.GUID) or next(
            (
                info.TranscribeJobInfo.TranscriptionJobName
                for info in analytics.SourceInformation
                if info.TranscribeJobInfo and info.TranscribeJobInfo.TranscriptionJobName
            ),
            None,
        )
        agent_id = _pca_real(analytics.Agent)
        return [
            assemble(
                source,
                drafts,
                id=conversation_id(external_id, source),
                channel=Channel.CALL,
                options=options,
                source=self.name,
                external_id=external_id,
                started_at=_pca_started_at(analytics),
                language=analytics.LanguageCode,
                agent=dict(id=agent_id) if agent_id else None,
                metadata={"ConversationAnalytics": raw["ConversationAnalytics"]},
            )
        ]

    @staticmethod
    def _role(
        speaker: str, labels: Mapping[str, str | None], options: ImportOptions, where: Location
    ) -> Role:
        """A mapping for the speaker id (spk_0) wins; otherwise its display label is read."""
        key = speaker.strip().casefold()
        for name, role in options.speaker_roles.items():
            if name.strip().casefold() == key:
                return role
        return resolve_role(labels.get(speaker) or speaker, options, where)
