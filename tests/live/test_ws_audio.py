"""Live audio on the feed WebSocket of a real server: a stereo call spoken by espeak-ng is
streamed as binary frames, recognised turns come back in order with their roles, times and
redacted text, a nudge fires on the customer's anger, the call is stored when it ends; bad
frames get a clear error frame and the socket goes on."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from heard.audio import word_error_rate
from heard.live.audio import encode_frame
from heard.live.call_client import stream_call
from heard.live.events import StartEvent
from heard.model import Role
from heard.store import live_sessions
from live.liveserver import Site, live_site, open_socket
from speech import RATE, Placed, place, require_tools, say

GREETING = "Thank you for calling the bank, my name is Sam, how can I help you today?"
COMPLAINT = (
    "My name is Patricia Brown. I was charged twice for my order and I am really angry about it."
)
APOLOGY = "I am so sorry about that, let me check your account right away."


@pytest.fixture(scope="module")
def call(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[Role, np.ndarray], list[Placed]]:
    """The agent greets; 0.7 s later the customer, angry, gives her name; 0.8 s after she
    stops the agent apologises."""
    require_tools()
    folder = tmp_path_factory.mktemp("live-call")
    greeting = say(GREETING, folder, "greeting")
    complaint = say(COMPLAINT, folder, "complaint", voice="en-us+f3")
    apology = say(APOLOGY, folder, "apology")
    complaint_at = 0.3 + len(greeting) / RATE + 0.7
    apology_at = complaint_at + len(complaint) / RATE + 0.8
    agent, customer, placed = place(
        [
            (0, GREETING, 0.3, greeting),
            (1, COMPLAINT, complaint_at, complaint),
            (0, APOLOGY, apology_at, apology),
        ],
        tail=1.0,
    )
    return {Role.AGENT: agent.astype(np.int16), Role.CUSTOMER: customer.astype(np.int16)}, placed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with live_site(f"sqlite:///{tmp_path_factory.mktemp('audio') / 'heard.db'}") as site:
        yield site


def test_a_streamed_call_gives_its_turns_in_order_redacted_with_a_nudge(site: Site, call) -> None:
    channels, placed = call
    start = StartEvent(seq=1, channel="call", time=0.0, customer_name="Patricia Brown")
    result = asyncio.run(
        stream_call(site.url, site.tokens["agent"], "audio-1", channels, start=start, speed=0)
    )
    assert result.errors == []
    turns = result.turns
    assert [t["role"] for t in turns] == ["agent", "customer", "agent"]
    assert [t["index"] for t in turns] == [0, 1, 2]
    assert [t["audio_seq"] for t in turns] == sorted(t["audio_seq"] for t in turns)
    for turn, truth in zip(turns, placed, strict=True):
        assert abs(turn["start"] - truth.start) <= 0.1, (turn, truth)
        assert abs(turn["end"] - truth.end) <= 0.15, (turn, truth)
        words = turn["words"]
        assert words[0]["start"] == turn["start"] and words[-1]["end"] == turn["end"]
    assert word_error_rate(GREETING, turns[0]["text"]) < 0.35, turns[0]["text"]
    assert word_error_rate(APOLOGY, turns[2]["text"]) < 0.35, turns[2]["text"]
    # the customer's name is redacted in the recognised turn, as in a typed one
    complaint = turns[1]["text"]
    assert "Patricia" not in complaint and "Brown" not in complaint
    assert "[FIRST_NAME]" in complaint and "charged twice" in complaint
    # her anger raised a nudge right after her turn, and the apology adopted it
    [nudge] = [f for f in result.frames if f["type"] == "nudge"]
    assert nudge["nudge"]["kind"] == "acknowledge_emotion"
    assert nudge["audio_seq"] == turns[1]["audio_seq"] and nudge["event"] is None
    [adoption] = [f for f in result.frames if f["type"] == "adoption"]
    assert adoption["adoption"]["adopted"] is True
    # frames are numbered in order; the end's ack and ended frame come after the last turn (the
    # summary frame right after it may come before the client stops reading)
    numbers = [f["seq"] for f in result.frames if f.get("seq") is not None]
    assert numbers == sorted(numbers)
    assert [f["type"] for f in result.frames if f["type"] != "summary"][-1] == "ended"
    stored = site.store.get_conversation(site.world.viewer("ann"), result.stored_id)
    assert [t.role for t in stored.conversation.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert [t.text for t in stored.conversation.turns] == [t["text"] for t in turns]
    assert stored.conversation.timed
    record = live_sessions.live_session(site.store, "audio-1")
    events = live_sessions.live_events(site.store, record.id)
    assert [e.type for e in events].count("audio") == 3
    assert not any("Patricia" in e.payload for e in events)


def frame(channel: int, offset: int, samples: int, *, version: int = 1) -> bytes:
    return struct.pack("<2sBBQ", b"HA", version, channel, offset) + b"\0\0" * samples


def test_bad_frames_get_an_error_frame_and_the_socket_goes_on(site: Site) -> None:
    async def run() -> dict[str, dict]:
        errors: dict[str, dict] = {}
        feed = await open_socket(site.feed_url("audio-bad"), site.auth("agent"))
        await feed.until("hello")
        await feed.connection.send(frame(0, 0, 160))
        errors["before start"] = await feed.until("error")
        await feed.send({"type": "start", "seq": 1, "channel": "call"})
        await feed.until("ack")
        cases = {
            "short header": b"HA\x01\x00\x00",
            "unknown channel": frame(7, 0, 160),
            "odd bytes": frame(0, 0, 160) + b"\x01",
            "no samples": frame(1, 0, 0),
            "too long": frame(0, 0, RATE + 1),
            "version": frame(0, 0, 160, version=2),
            "far gap": frame(1, 400 * RATE, 160),
        }
        for name, raw in cases.items():
            await feed.connection.send(raw)
            errors[name] = await feed.until("error")
        # good frames and a typed turn still work on the same socket
        await feed.connection.send(frame(0, 0, 1600))
        await feed.connection.send(frame(1, 0, 1600))
        await feed.send({"type": "turn", "seq": 2, "role": "customer", "text": "Hello?"})
        assert (await feed.until("ack"))["event"] == 2
        await feed.send({"type": "end", "seq": 3})
        await feed.until("ended")
        await feed.connection.send(frame(0, 1600, 160))
        errors["after end"] = await feed.until("error")
        await feed.close()
        chat = await open_socket(site.feed_url("audio-chat"), site.auth("agent"))
        await chat.until("hello")
        await chat.send({"type": "start", "seq": 1, "channel": "chat"})
        await chat.until("ack")
        await chat.connection.send(frame(0, 0, 160))
        errors["chat"] = await chat.until("error")
        await chat.close()
        return errors

    errors = asyncio.run(run())
    expected = {
        "before start": ("unknown_conversation", "send a start event (JSON, seq 1) before"),
        "short header": ("bad_audio", "needs a 12-byte header; this message has 5 bytes"),
        "unknown channel": ("bad_audio", "unknown audio channel 7: 0 is the agent, 1 the customer"),
        "odd bytes": ("bad_audio", "not a whole number of samples"),
        "no samples": ("bad_audio", "0 bytes after the header is none"),
        "too long": (
            "bad_audio",
            "at most 16,000 samples (a second at 16 kHz); this one has 16,001",
        ),
        "version": ("bad_audio", "version 2 is unknown"),
        "far gap": ("bad_audio", "leaves a gap of 400.0 s"),
        "after end": ("ended", "no more audio"),
        "chat": ("bad_audio", "audio frames are for calls; this conversation's channel is chat"),
    }
    for name, (code, words) in expected.items():
        assert errors[name]["code"] == code, (name, errors[name])
        assert words in errors[name]["message"], (name, errors[name])


def test_audio_needs_a_token_that_may_feed(site: Site) -> None:
    async def run() -> dict:
        feed = await open_socket(site.feed_url("audio-read-only"), site.auth("reader"))
        refusal = await feed.frame()
        await feed.close()
        return refusal

    assert asyncio.run(run())["code"] == "forbidden"


def test_hello_says_where_each_channel_resumes(site: Site) -> None:
    async def run() -> dict:
        feed = await open_socket(site.feed_url("audio-resume"), site.auth("agent"))
        await feed.until("hello")
        await feed.send({"type": "start", "seq": 1, "channel": "call"})
        await feed.until("ack")
        silence = np.zeros(RATE // 2, dtype=np.int16)
        await feed.connection.send(encode_frame("agent", 0, silence))
        await feed.connection.send(encode_frame("customer", 0, silence[:4000]))
        await feed.connection.send(encode_frame("agent", 4000, silence))  # half a repeat
        await feed.send({"type": "tick", "seq": 2, "time": 0.5})
        await feed.until("ack")
        await feed.close()
        again = await open_socket(site.feed_url("audio-resume"), site.auth("agent"))
        hello = await again.until("hello")
        await again.close()
        return hello

    hello = asyncio.run(run())
    assert hello["last_event"] == 2
    assert hello["audio"] == {"agent": 12_000, "customer": 4_000}


def test_replaying_a_recording_prints_turns_and_nudges(site: Site, call, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from heard.cli.main import app
    from speech import write_wav

    channels, _ = call
    path = tmp_path / "call.wav"
    write_wav(path, [channels[Role.CUSTOMER], channels[Role.AGENT]])  # the agent on the right
    args = ["live", "replay", str(path), "--speed", "8", "--url", site.url]
    result = CliRunner().invoke(
        app, [*args, "--token", site.tokens["agent"]], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "the agent: the right channel (spoke first)" in lines[0]
    spoken = [
        line.split()[1] for line in lines[1:] if line.split()[1:2] in (["agent"], ["customer"])
    ]
    assert spoken == ["agent", "customer", "agent"]
    assert "acknowledge the feeling" in result.output  # the kind by its human name
    assert "acknowledge_emotion" not in result.output
    assert "ended: stored as conversation" in result.output
    assert "1 calls streamed as audio, 3 turns recognised" in result.output
    assert "end of utterance → turn p50" in result.output
