"""Replay: conversations as timed live events, and `heard live replay` in process."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.cli.main import app
from heard.live.events import EndEvent, PartialEvent, StartEvent, TickEvent, TurnEvent
from heard.live.replay import events, timeline
from heard.model import Channel, Conversation, Role, Turn, Word

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples"


def _call() -> Conversation:
    words = [
        Word(text=w, start=i * 0.5, end=i * 0.5 + 0.4)
        for i, w in enumerate(["my", "line", "keeps", "dropping", "every", "night"])
    ]
    return Conversation(
        id="c",
        channel=Channel.CALL,
        turns=[
            Turn(
                index=0,
                role=Role.CUSTOMER,
                text="my line keeps dropping every night",
                start=0.0,
                end=2.9,
                words=words,
            ),
            Turn(index=1, role=Role.AGENT, text="I'm sorry to hear that.", start=14.0, end=16.0),
        ],
    )


def test_a_call_replays_partials_finals_and_ticks_in_time_order() -> None:
    items = timeline(_call())
    assert [e.seq for _, e in items] == list(range(1, len(items) + 1))
    assert [type(e).__name__ for _, e in items] == [
        "StartEvent",
        "PartialEvent",
        "TurnEvent",
        "TickEvent",
        "TickEvent",
        "TurnEvent",
        "EndEvent",
    ]
    assert [t for t, _ in items] == [0.0, 1.9, 2.9, 7.9, 12.9, 16.0, 16.0]
    partial = items[1][1]
    assert isinstance(partial, PartialEvent) and partial.text == "my line keeps dropping"


def test_speed_scales_the_waits_and_zero_means_none() -> None:
    normal = [d for d, _ in events(_call(), speed=1)]
    double = [d for d, _ in events(_call(), speed=2)]
    assert double == pytest.approx([d / 2 for d in normal])
    assert {d for d, _ in events(_call(), speed=0)} == {0.0}
    with pytest.raises(ValueError, match="speed must be 0"):
        list(events(_call(), speed=-1))


def test_chats_use_the_gaps_between_sent_times() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    chat = Conversation(
        id="s",
        channel=Channel.CHAT,
        turns=[
            Turn(index=0, role=Role.CUSTOMER, text="hi", sent_at=at),
            Turn(index=1, role=Role.AGENT, text="hello", sent_at=at + timedelta(seconds=17)),
        ],
    )
    items = timeline(chat)
    assert [(t, type(e).__name__, e.time) for t, e in items] == [
        (0.0, "StartEvent", 0.0),
        (0.0, "TurnEvent", 0.0),
        (17.0, "TurnEvent", 17.0),
        (17.0, "EndEvent", 17.0),
    ]


def test_untimed_chats_are_paced_by_typing_and_carry_no_clock() -> None:
    chat = Conversation(
        id="u",
        channel=Channel.CHAT,
        turns=[
            Turn(index=0, role=Role.CUSTOMER, text="x" * 50),
            Turn(index=1, role=Role.AGENT, text="ok"),
        ],
    )
    items = timeline(chat)
    assert [t for t, _ in items] == [0.0, 10.0, 11.0, 11.0]
    assert all(e.time is None for _, e in items)
    assert isinstance(items[0][1], StartEvent) and isinstance(items[-1][1], EndEvent)
    assert not any(isinstance(e, TickEvent | PartialEvent) for _, e in items)
    assert all(isinstance(e, TurnEvent) for _, e in items[1:-1])


def test_cli_prints_nudges_adoption_and_latency() -> None:
    result = runner.invoke(
        app, ["live", "replay", str(EXAMPLES / "05-chat-jargon.json"), "--speed", "0"]
    )
    assert result.exit_code == 0, result.output
    out = re.sub(r"\s+", " ", result.output)
    assert out.startswith("ex-05-chat-jargon (chat, 11 turns) ")
    assert "plain words: “ACH” is jargon here — say “bank transfer” try: bank transfer" in out
    assert "adoption by nudge kind" in out
    assert re.search(
        r"1 conversations, 13 events, \d+ nudges \([\d.]+ per conversation\); "
        r"per-event latency p50 [\d.]+ ms, p99 [\d.]+ ms",
        out,
    )


def test_cli_json_matches_the_stream() -> None:
    result = runner.invoke(
        app, ["live", "replay", str(EXAMPLES / "05-chat-jargon.json"), "--speed", "0", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [run] = data["replays"]
    assert run["events"] == 13 and data["events"] == 13
    kinds = [n["kind"] for n in run["nudges"]]
    assert "jargon" in kinds
    assert data["nudges"] == len(kinds)
    shown = {k: v["shown"] for k, v in data["adoption"].items()}
    assert shown == {k: kinds.count(k) for k in set(kinds)}


def test_cli_names_a_bad_file(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = runner.invoke(app, ["live", "replay", str(bad)])
    assert result.exit_code == 1
    assert "bad.json" in result.output
