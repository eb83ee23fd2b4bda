"""The live hub with a call's audio, in process: espeak-ng utterances cut by the real voice
activity, the words given by a scripted recogniser (the unit edge), so that what is tested
is the hub's part: order, redaction, storage, failures and the rebuild after a restart."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from heard.audio.recognise import HeardWord
from heard.ingest import IngestService
from heard.live.audio import AudioSettings, Recognition, encode_frame, feed_positions
from heard.live.conversations import Subscriber
from heard.live.hub import LiveHub
from heard.model import Role
from heard.store import live_sessions
from speech import RATE, require_tools, say
from teamdata import build_world, open_store


class Scripted:
    """A recogniser whose words are given: `text_for(seconds of audio)` says what each
    utterance said, after `delay_for(seconds)` seconds of "recognition"."""

    def __init__(self, text_for, delay_for=lambda seconds: 0.0) -> None:
        self.text_for, self.delay_for = text_for, delay_for
        self.calls = 0
        self.lock = threading.Lock()

    def load(self) -> None:
        pass

    def utterance(self, audio: np.ndarray, *, window: float) -> list[HeardWord]:
        seconds = len(audio) / RATE
        with self.lock:
            self.calls += 1
        time.sleep(self.delay_for(seconds))
        text = self.text_for(seconds)
        if isinstance(text, Exception):
            raise text
        words = text.split()
        step = seconds / max(1, len(words))
        return [HeardWord(w, k * step, (k + 1) * step, 0.9) for k, w in enumerate(words)]


def scripted_hub(store, recogniser: Scripted, workers: int = 1) -> LiveHub:
    hub = LiveHub(store, IngestService(store), audio=AudioSettings(workers=workers))
    recognition = Recognition(hub.recognition.settings)
    recognition.recogniser = lambda: recogniser  # type: ignore[method-assign]
    hub.recognition = recognition
    return hub


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, np.ndarray]:
    require_tools()
    folder = tmp_path_factory.mktemp("hub-audio")
    long = say(
        "I was charged twice for my order this month and nobody has called me back.", folder, "long"
    )
    short = say("I see.", folder, "short")
    return long, short


@pytest.fixture
def store(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'heard.db'}")
    world = build_world(store)
    yield store, world.viewer("ann")
    store.close()


def channels(*lines: tuple[Role, float, np.ndarray], tail: float = 1.0) -> dict[Role, np.ndarray]:
    length = max(int(at * RATE) + len(c) for _, at, c in lines) + int(tail * RATE)
    found = {r: np.zeros(length, dtype=np.int16) for r in (Role.AGENT, Role.CUSTOMER)}
    for role, at, clip in lines:
        found[role][int(at * RATE) : int(at * RATE) + len(clip)] = clip
    return found


async def stream(
    hub: LiveHub, viewer, conversation_id: str, audio, *, end: bool = True
) -> list[dict]:
    """Start a call, send its audio in 100 ms frames per channel, end it; every frame back."""
    own = Subscriber(watch=False)
    start = {"type": "start", "seq": 1, "channel": "call", "customer_name": "Patricia Brown"}
    await hub.feed(conversation_id, json.dumps(start), viewer, own)
    length = len(audio[Role.AGENT])
    for at in range(0, length, 1600):
        for role, samples in audio.items():
            await hub.feed(
                conversation_id, encode_frame(role, at, samples[at : at + 1600]), viewer, own
            )
    if end:
        await hub.feed(conversation_id, '{"type": "end", "seq": 2}', viewer, own)
    else:
        for _ in range(200):  # until every utterance cut so far is applied
            live = hub.in_memory(conversation_id)[0]
            if live.audio is not None and not live.audio._pending:
                break
            await asyncio.sleep(0.02)
    found = []
    while not own.queue.empty():
        found.append(json.loads(own.queue.get_nowait()))
    return found


def test_turns_apply_in_the_order_spoken_though_recognised_out_of_order(store, clips) -> None:
    """The customer's long complaint is cut first and recognised slowly; the agent's short
    "I see" after it is recognised at once: the complaint is still turn 0."""
    long, short = clips
    store_, ann = store
    recogniser = Scripted(
        lambda s: "I was charged twice for my order" if s > 2 else "I see",
        delay_for=lambda s: 0.6 if s > 2 else 0.0,
    )
    hub = scripted_hub(store_, recogniser, workers=2)
    audio = channels((Role.CUSTOMER, 0.2, long), (Role.AGENT, 0.4 + len(long) / RATE, short))
    frames = asyncio.run(stream(hub, ann, "c-order", audio))
    turns = [f["turn"] for f in frames if f["type"] == "turn"]
    assert [(t["index"], t["role"], t["text"]) for t in turns] == [
        (0, "customer", "I was charged twice for my order"),
        (1, "agent", "I see"),
    ]
    assert [f["audio_seq"] for f in frames if f["type"] == "turn"] == [1, 2]
    assert [f["type"] for f in frames][-2:] == ["ended", "summary"]


def test_recognised_text_is_redacted_as_typed_text_is(store, clips) -> None:
    long, _ = clips
    store_, ann = store
    said = "my card is 4111 1111 1111 1111 and my name is Patricia Brown"
    hub = scripted_hub(store_, Scripted(lambda s: said))
    frames = asyncio.run(stream(hub, ann, "c-card", channels((Role.CUSTOMER, 0.2, long))))
    [turn] = [f["turn"] for f in frames if f["type"] == "turn"]
    assert "4111" not in turn["text"] and "Patricia" not in turn["text"]
    assert "[CARD]" in turn["text"] and "[FIRST_NAME]" in turn["text"]
    assert all("4111" not in w["text"] and "Patricia" not in w["text"] for w in turn["words"])
    record = live_sessions.live_session(store_, "c-card")
    payloads = [e.payload for e in live_sessions.live_events(store_, record.id)]
    assert not any("4111" in p or "Patricia" in p for p in payloads)


def test_a_failed_recognition_is_reported_and_the_call_goes_on(store, clips) -> None:
    long, short = clips
    store_, ann = store
    hub = scripted_hub(
        store_, Scripted(lambda s: RuntimeError("model crashed") if s > 2 else "I see")
    )
    audio = channels((Role.CUSTOMER, 0.2, long), (Role.AGENT, 0.4 + len(long) / RATE, short))
    frames = asyncio.run(stream(hub, ann, "c-fail", audio))
    [error] = [f for f in frames if f["type"] == "error"]
    assert error["code"] == "recognition_failed"
    assert "customer's utterance at 0." in error["message"]
    assert "could not be recognised (RuntimeError)" in error["message"]
    assert [f["turn"]["text"] for f in frames if f["type"] == "turn"] == ["I see"]
    assert [f["type"] for f in frames][-2:] == ["ended", "summary"]


def test_a_restarted_server_rebuilds_the_call_and_says_where_its_audio_resumes(
    store, clips
) -> None:
    long, short = clips
    store_, ann = store
    script = Scripted(lambda s: "I was charged twice" if s > 2 else "I see")
    audio = channels((Role.CUSTOMER, 0.2, long), (Role.AGENT, 0.4 + len(long) / RATE, short))
    first = scripted_hub(store_, script)
    frames = asyncio.run(stream(first, ann, "c-restart", audio, end=False))
    live = first.in_memory("c-restart")[0]
    turn_frames = [f for f in frames if f["type"] == "turn"]
    assert len(turn_frames) == 2 and live.audio_seq == 2

    async def rebuild() -> tuple:
        again = scripted_hub(store_, script)
        found = await again.find("c-restart", viewer=ann, feed=True)
        assert found is not None
        return found, feed_positions(found)

    rebuilt, positions = asyncio.run(rebuild())
    assert [t.text for t in rebuilt.session.turns] == ["I was charged twice", "I see"]
    assert rebuilt.audio_seq == 2 and rebuilt.last_frame == live.last_frame
    replayed = [json.loads(text) for _, kind, text, _ in rebuilt.frames if kind == "turn"]
    assert replayed == turn_frames
    ends = {t["turn"]["role"]: t["turn"]["end"] for t in turn_frames}
    assert positions == {
        "agent": round(ends["agent"] * RATE),
        "customer": round(ends["customer"] * RATE),
    }


def test_a_server_that_cannot_recognise_speech_says_so(store, tmp_path: Path) -> None:
    store_, ann = store
    hub = LiveHub(
        store_, IngestService(store_), audio=AudioSettings(model=str(tmp_path / "no-model"))
    )

    async def run() -> dict:
        own = Subscriber(watch=False)
        await hub.feed("c-deaf", '{"type": "start", "seq": 1, "channel": "call"}', ann, own)
        silence = np.zeros(1600, dtype=np.int16)
        await hub.feed("c-deaf", encode_frame("agent", 0, silence), ann, own)
        frames = [json.loads(own.queue.get_nowait()) for _ in range(own.queue.qsize())]
        return frames[-1]

    error = asyncio.run(run())
    assert error["code"] == "audio_unavailable"
    assert "not a CTranslate2 Whisper model folder" in error["message"]
    assert "send turns as text" in error["message"]
