"""The hub's edges without a network: the frame log's bound, parse errors that name the
field, the need order of the board, and a burst of events applied exactly once in order."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from heard.ingest import IngestService
from heard.live import conversations as conversations_module
from heard.live import hub as hub_module
from heard.live.conversations import Subscriber, need
from heard.live.errors import LiveError
from heard.live.events import LiveState, Nudge
from heard.live.hub import LiveHub, parse_event
from heard.live.limits import LiveLimits
from heard.store import live_sessions
from teamdata import build_world, open_store


@pytest.fixture
def hub(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'heard.db'}")
    world = build_world(store)
    yield LiveHub(store, IngestService(store)), world.viewer("ann")
    store.close()


def test_parse_errors_name_the_field() -> None:
    with pytest.raises(LiveError) as bad:
        parse_event(b'{"type": "turn", "seq": 4, "role": "customer"}')
    assert (bad.value.code, bad.value.event) == ("bad_event", 4)
    assert bad.value.message.startswith("turn.text: Field required")
    with pytest.raises(LiveError) as wrong:
        parse_event('{"type": "turn", "seq": 0, "role": "customer", "text": "x"}')
    assert wrong.value.message.startswith("turn.seq: ")
    with pytest.raises(LiveError) as broken:
        parse_event("[1, 2")
    assert broken.value.code == "bad_json"


def test_events_over_the_limits_are_refused_naming_field_size_limit_and_setting() -> None:
    limits = LiveLimits(turn_chars=10, turn_words=2, message_bytes=2000)
    word = {"text": "a", "start": 0.0, "end": 0.1}
    cases = {
        "x" * 2001: ("the message: 2,001 characters", "2,000 (setting live_max_message_bytes"),
        b"x" * 2001: ("the message: 2,001 bytes", "2,000 (setting live_max_message_bytes"),
        json.dumps({"type": "turn", "seq": 5, "role": "agent", "text": "x" * 11}): (
            "turn.text: 11 characters",
            "10 (setting live_max_turn_chars, HEARD_LIVE_MAX_TURN_CHARS)",
        ),
        json.dumps(
            {"type": "partial", "seq": 5, "role": "agent", "text": "x" * 11, "start": 0, "end": 1}
        ): ("partial.text: 11 characters", "10 (setting live_max_turn_chars"),
        json.dumps(
            {"type": "turn", "seq": 5, "role": "agent", "text": "a a a", "words": [word] * 3}
        ): ("turn.words: 3 words", "2 (setting live_max_turn_words, HEARD_LIVE_MAX_TURN_WORDS)"),
    }
    for raw, (what, limit) in cases.items():
        with pytest.raises(LiveError) as refused:
            parse_event(raw, limits=limits, expected=5)
        error = refused.value
        assert error.code == "too_large" and error.expected == 5
        assert error.message.startswith(f"{what}, more than the limit of {limit}"), error.message
        assert error.event == (None if "message" in what else 5)
    fits = {"type": "turn", "seq": 5, "role": "agent", "text": "x" * 10, "words": [word] * 2}
    assert parse_event(json.dumps(fits), limits=limits).text == "x" * 10


def test_a_since_older_than_the_log_is_refused(hub, monkeypatch: pytest.MonkeyPatch) -> None:
    live_hub, ann = hub
    monkeypatch.setattr(conversations_module, "FRAME_LOG", 3)

    async def run() -> tuple[list[str], LiveError]:
        own = Subscriber(watch=False)
        await live_hub.feed("c-log", '{"type": "start", "seq": 1}', ann, own)
        for seq in range(2, 5):
            await live_hub.feed(
                "c-log", f'{{"type": "tick", "seq": {seq}, "time": {seq}}}', ann, own
            )
        live = live_hub.in_memory("c-log")[0]
        kept = live.since(1, watch=False)
        with pytest.raises(LiveError) as old:
            live.since(0, watch=False)
        return kept, old.value

    kept, old = asyncio.run(run())
    assert len(kept) == 3
    assert old.code == "since_too_old"
    assert "oldest kept is 2" in old.message


def test_need_puts_escalation_first() -> None:
    calm = LiveState(conversation_id="a", listening_score=90.0)
    angry = LiveState(conversation_id="b", listening_score=60.0, escalation_risk=0.8)
    urgent = Nudge(id="n1", kind="acknowledge_emotion", severity="urgent", message="m")
    assert need(angry, []) > need(calm, [urgent]) > need(calm, [])
    assert 0.0 <= need(calm, []) <= 1.0


def test_concurrent_messages_are_applied_once_in_order(hub) -> None:
    """Events of one conversation sent from two sockets at once, each twice: every seq is
    stored once and the acks come in order."""
    live_hub, ann = hub

    async def run() -> list[int | None]:
        one, two = Subscriber(watch=False), Subscriber(watch=False)
        await live_hub.feed("c-burst", '{"type": "start", "seq": 1}', ann, one)
        messages = [f'{{"type": "tick", "seq": {seq}, "time": {seq}}}' for seq in range(2, 12)]
        for message in messages:
            await asyncio.gather(
                live_hub.feed("c-burst", message, ann, one),
                live_hub.feed("c-burst", message, ann, two),
            )
        live = live_hub.in_memory("c-burst")[0]
        return [seq for seq, kind, *_ in live.frames if kind == "ack"]

    acks = asyncio.run(run())
    assert acks == list(range(1, 12))
    stored = live_sessions.live_events(
        live_hub.store, live_sessions.live_session(live_hub.store, "c-burst").id
    )
    assert [r.seq for r in stored] == list(range(1, 12))


def test_an_event_the_store_refused_is_not_acknowledged_and_can_be_sent_again(
    hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    live_hub, ann = hub
    real = live_sessions.add_live_events
    failures = iter([OSError("disk full")])

    def flaky(store, rows):
        if any(seq == 3 for _, seq, _, _ in rows):
            error = next(failures, None)
            if error is not None:
                raise error
        return real(store, rows)

    monkeypatch.setattr(live_sessions, "add_live_events", flaky)

    async def run() -> list[dict]:
        own = Subscriber(watch=False)
        await live_hub.feed("c-flaky", '{"type": "start", "seq": 1}', ann, own)
        for seq in (2, 3, 3, 4):
            await live_hub.feed("c-flaky", f'{{"type": "tick", "seq": {seq}, "time": 1}}', ann, own)
        frames = []
        while not own.queue.empty():
            frames.append(json.loads(own.queue.get_nowait()))
        return frames

    frames = asyncio.run(run())
    assert [(f["type"], f.get("event"), f.get("code")) for f in frames] == [
        ("ack", 1, None),
        ("ack", 2, None),
        ("error", 3, "store_error"),
        ("ack", 3, None),
        ("ack", 4, None),
    ]
    stored = live_sessions.live_events(
        live_hub.store, live_sessions.live_session(live_hub.store, "c-flaky").id
    )
    assert [r.seq for r in stored] == [1, 2, 3, 4]


def test_a_quiet_conversation_leaves_memory_and_comes_back_from_the_store(
    hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    live_hub, ann = hub
    monkeypatch.setattr(hub_module, "IDLE_SECONDS", 0.0)

    async def run() -> tuple[bool, int, int]:
        own = Subscriber(watch=False)
        await live_hub.feed("c-quiet", '{"type": "start", "seq": 1}', ann, own)
        turn = '{"type": "turn", "seq": 2, "role": "customer", "text": "My parcel is late."}'
        await live_hub.feed("c-quiet", turn, ann, own)
        before = live_hub.in_memory("c-quiet")[0].last_frame
        live_hub.unsubscribe(live_hub.in_memory("c-quiet")[0], own)
        await live_hub.feed("c-other", '{"type": "start", "seq": 1}', ann, Subscriber(watch=False))
        gone = not live_hub.in_memory("c-quiet")
        back = await live_hub.find("c-quiet")
        assert back is not None
        return gone, back.last_event, back.last_frame - before

    gone, last_event, frames_difference = asyncio.run(run())
    assert gone
    assert (last_event, frames_difference) == (2, 0)


def test_sentence_encoding_runs_off_the_loop(hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one conversation's turn waits for the sentence encoder (held here on its thread
    until released), another conversation's events are applied and acknowledged; then the
    held turn finishes with the analysis a batch run gives."""
    import threading

    from heard import embed

    if not embed.available():
        pytest.skip(embed.INSTALL_HINT)
    live_hub, ann = hub
    real = embed.encode
    entered, gate = threading.Event(), threading.Event()

    def held(texts):  # the detectors call it on the loop (deferred); the hub on a thread
        if threading.current_thread() is not threading.main_thread():
            entered.set()
            assert gate.wait(10)
        return real(texts)

    monkeypatch.setattr(embed, "encode", held)
    customer = "My parcel to 12 Elm Road went to the wrong town and the courier will not answer."
    restated = "So you're saying the delivery ended up somewhere else and nobody replies to you?"

    def turn(seq: int, role: str, text: str) -> str:
        return json.dumps({"type": "turn", "seq": seq, "role": role, "text": text})

    async def run() -> tuple[Subscriber, Subscriber, bool]:
        a, b = Subscriber(watch=False), Subscriber(watch=False)
        await live_hub.feed("c-held", '{"type": "start", "seq": 1}', ann, a)
        await live_hub.feed("c-held", turn(2, "customer", customer), ann, a)
        await live_hub.feed("c-free", '{"type": "start", "seq": 1}', ann, b)
        waiting = asyncio.create_task(live_hub.feed("c-held", turn(3, "agent", restated), ann, a))
        assert await asyncio.to_thread(entered.wait, 10)
        await live_hub.feed("c-free", turn(2, "customer", "Hello, is anyone there?"), ann, b)
        finished_first = waiting.done()
        gate.set()
        await waiting
        return a, b, finished_first

    a, b, finished_first = asyncio.run(run())
    assert not finished_first

    def acks(subscriber: Subscriber) -> list[int]:
        queued = [subscriber.queue.get_nowait() for _ in range(subscriber.queue.qsize())]
        return [f["event"] for f in map(json.loads, queued) if f["type"] == "ack"]

    assert acks(b) == [1, 2] and acks(a) == [1, 2, 3]
    session = live_hub.in_memory("c-held")[0].session
    assert session.analysis is not None
    batch = session.analyzer.analyze(session.conversation).scorecard
    assert session.analysis.scorecard.model_dump() == batch.model_dump()


def test_a_large_conversation_is_analysed_off_the_loop(
    hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a conversation holds OFF_LOOP_CHARS of text its events are redacted and analysed
    on a worker thread, with the same analysis a batch run gives; smaller ones stay on the
    loop."""
    import threading

    from heard.live.session import LiveSession

    live_hub, ann = hub
    monkeypatch.setattr(hub_module, "OFF_LOOP_CHARS", 150)
    threads: list[bool] = []
    real = LiveSession.apply

    def apply(self, event):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return real(self, event)

    monkeypatch.setattr(LiveSession, "apply", apply)
    turns = [
        ("customer", "My card was charged twice for order 5521 and I'm upset."),  # 56
        ("agent", "I'm so sorry, that sounds frustrating. Let me look at it."),  # 57, 113
        ("customer", "Please refund to my card 4111 1111 1111 1111 now."),  # 163: off the loop
        ("agent", "Thanks, I have refunded the second charge."),
    ]

    async def run() -> Subscriber:
        own = Subscriber(watch=False)
        await live_hub.feed("c-big", '{"type": "start", "seq": 1}', ann, own)
        for seq, (role, text) in enumerate(turns, start=2):
            message = json.dumps({"type": "turn", "seq": seq, "role": role, "text": text})
            await live_hub.feed("c-big", message, ann, own)
        return own

    own = asyncio.run(run())
    assert threads == [True, True, False, False]
    queued = [json.loads(own.queue.get_nowait()) for _ in range(own.queue.qsize())]
    assert [f["event"] for f in queued if f["type"] == "ack"] == [1, 2, 3, 4, 5]
    session = live_hub.in_memory("c-big")[0].session
    assert "4111" not in session.turns[2].text  # redacted on the thread too
    batch = session.analyzer.analyze(session.conversation).scorecard
    assert session.analysis is not None
    assert session.analysis.scorecard.model_dump() == batch.model_dump()
