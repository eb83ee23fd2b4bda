"""AWS, Genesys and Twilio importers: speaker-role options, vendor role names and sniffing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from heard.errors import InputError
from heard.importers import ImportOptions, Source, importers, read_source
from heard.model import Role

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"
VENDOR_FORMATS = ["aws-transcribe", "aws-connect", "aws-pca", "genesys", "twilio"]


def _parse(name: str, doc: Any, **options: Any) -> list[Role]:
    source = Source("case.json", json.dumps(doc).encode())
    conversations = importers()[name]().parse(source, ImportOptions(**options))
    return [turn.role for turn in conversations[0].turns]


def _sentences(*channels: int) -> dict[str, Any]:
    return {
        "sentences": [
            {
                "media_channel": ch,
                "sentence_index": i,
                "start_time": i,
                "end_time": i + 0.5,
                "transcript": f"sentence {i}",
            }
            for i, ch in enumerate(channels)
        ]
    }


def test_twilio_channel_one_is_customer_by_default() -> None:
    assert _parse("twilio", _sentences(1, 2)) == [Role.CUSTOMER, Role.AGENT]


@pytest.mark.parametrize("key", ["1", "channel 1", "Channel_1", "media_channel 1", "ch1"])
def test_twilio_channel_roles_can_be_overridden(key: str) -> None:
    roles = {key: Role.AGENT, "2": Role.CUSTOMER}
    assert _parse("twilio", _sentences(1, 2), speaker_roles=roles) == [Role.AGENT, Role.CUSTOMER]


def test_twilio_unmapped_channel_names_the_way_out() -> None:
    with pytest.raises(InputError) as info:
        _parse("twilio", _sentences(0, 2))
    assert info.value.code == "unknown_role"
    assert info.value.where.path == "$.sentences[0]"
    assert _parse("twilio", _sentences(0, 2), speaker_roles={"channel 0": Role.BOT})[0] == Role.BOT


def _phrases(*purposes: str) -> dict[str, Any]:
    return {
        "conversationId": "c1",
        "transcripts": [
            {
                "phrases": [
                    {
                        "text": f"phrase {i}",
                        "participantPurpose": p,
                        "startTimeMs": 1_000 * i,
                        "duration": {"milliseconds": 500},
                    }
                    for i, p in enumerate(purposes)
                ]
            }
        ],
    }


def test_genesys_purposes_map_to_roles() -> None:
    roles = _parse("genesys", _phrases("internal", "external", "user", "ivr", "acd"))
    assert roles == [Role.AGENT, Role.CUSTOMER, Role.AGENT, Role.BOT, Role.SYSTEM]


def test_genesys_user_mapping_wins_over_vendor_names() -> None:
    roles = _parse(
        "genesys", _phrases("internal", "external"), speaker_roles={"internal": Role.BOT}
    )
    assert roles == [Role.BOT, Role.CUSTOMER]


def test_genesys_times_count_from_the_first_phrase() -> None:
    source = Source("case.json", json.dumps(_phrases("internal", "external")).encode())
    conversation = importers()["genesys"]().parse(source, ImportOptions())[0]
    assert [(t.start, t.end) for t in conversation.turns] == [(0.0, 0.5), (1.0, 1.5)]
    assert conversation.started_at is not None
    assert conversation.started_at.timestamp() == 0


def test_pca_speaker_id_mapping_wins_over_its_label() -> None:
    doc = {
        "ConversationAnalytics": {
            "SpeakerLabels": [
                {"Speaker": "spk_0", "DisplayText": "Agent"},
                {"Speaker": "spk_1", "DisplayText": "Customer"},
            ]
        },
        "SpeechSegments": [
            {
                "SegmentStartTime": 0,
                "SegmentEndTime": 1,
                "SegmentSpeaker": "spk_0",
                "DisplayText": "Thank you for calling.",
            },
            {
                "SegmentStartTime": 1,
                "SegmentEndTime": 2,
                "SegmentSpeaker": "spk_1",
                "DisplayText": "Hi.",
            },
        ],
    }
    assert _parse("aws-pca", doc) == [Role.AGENT, Role.CUSTOMER]
    swapped = {"spk_0": Role.CUSTOMER, "spk_1": Role.AGENT}
    assert _parse("aws-pca", doc, speaker_roles=swapped) == [Role.CUSTOMER, Role.AGENT]


def test_connect_bot_and_supervisor_roles() -> None:
    doc = {
        "Channel": "CHAT",
        "Participants": [
            {"ParticipantId": "b", "ParticipantRole": "CUSTOM_BOT"},
            {"ParticipantId": "s", "ParticipantRole": "SUPERVISOR"},
        ],
        "Transcript": [
            {"Type": "MESSAGE", "ParticipantId": "b", "Content": "Hi, I'm the bot."},
            {"Type": "MESSAGE", "ParticipantId": "s", "Content": "Supervisor here."},
        ],
    }
    assert _parse("aws-connect", doc) == [Role.BOT, Role.AGENT]


def _samples() -> list[tuple[str, Path]]:
    return [
        (fmt, path)
        for fmt in VENDOR_FORMATS
        for path in sorted((FORMATS / fmt).glob("*.json"))
        if not path.name.endswith((".golden.json", ".error.json"))
    ]


@pytest.mark.parametrize(("fmt", "path"), _samples(), ids=lambda v: str(v)[-40:])
def test_only_the_own_vendor_importer_claims_a_sample(fmt: str, path: Path) -> None:
    source = Source(path.name, path.read_bytes())
    claims = {name: importers()[name]().sniff(source) for name in VENDOR_FORMATS}
    assert claims[fmt] > 0
    assert [name for name, score in claims.items() if score > 0] == [fmt]


BROKEN = {
    "aws-transcribe": '{"JobStatus": "COMPLETED", "Transcript": [{"ParticipantRole": "AGENT",\n'
    '"Content": "Hi", "BeginOffsetMillis": 0, "EndOffsetMillis": 5,}]}',
    "aws-connect": '{"Participants": [{"ParticipantId": "A", "ParticipantRole": "AGENT"}],\n'
    '"Transcript": [...]}',
    "aws-pca": '{"ConversationAnalytics": {"SpeakerLabels": []},\n"SpeechSegments": [}',
    "genesys": '{"transcripts": [{"phrases": [{"participantPurpose": "internal"\n"text": "hi"}]}]}',
    "twilio": '{"sentences": [{"media_channel": 1,\n"transcript": "hi",}]}',
}


@pytest.mark.parametrize("fmt", VENDOR_FORMATS)
def test_broken_json_reports_its_line(fmt: str) -> None:
    for reader in (sniff_and_read, importers()[fmt]().parse):
        source = Source("broken.json", BROKEN[fmt].encode())
        with pytest.raises(InputError) as info:
            reader(source, ImportOptions())
        assert info.value.code == "malformed"
        assert info.value.where.line == 2


def sniff_and_read(source: Source, options: ImportOptions) -> object:
    return read_source(source, format="auto", options=options)
