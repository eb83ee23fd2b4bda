"""The STAR and Harper Valley loaders read the whole shared corpora."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from heard.cli.main import app
from heard.importers import read_file
from heard.importers.registry import load_source, read_source
from heard.model import Channel, Role


@pytest.mark.slow
def test_heard_import_json_over_all_of_star(shared_data) -> None:
    star = shared_data / "star" / "star.jsonl"
    result = CliRunner().invoke(app, ["import", "--json", str(star)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["failed"] == 0
    assert summary["files"][0]["format"] == "star"
    # 5,305 dialogues, 343 abandoned before anyone typed; 86,226 turns (shared/data/star/README)
    assert summary["conversations"] == 5305 - 343
    assert summary["turns"] == 86226
    assert summary["files"][0]["warnings"] == ["skipped 343 dialogues with no messages"]


def test_star_maps_roles_times_and_questionnaires(shared_data) -> None:
    source = load_source(shared_data / "star" / "star.jsonl")
    source.data = source.data.split(b"\n", 1)[0]
    name, (conversation,) = read_source(source)
    assert name == "star"
    assert conversation.id == "star-1"
    assert conversation.channel == Channel.CHAT
    assert [t.role for t in conversation.turns[:2]] == [Role.CUSTOMER, Role.AGENT]
    assert conversation.turns[1].metadata["action_label"] == "ask_name"
    assert conversation.turns[0].sent_at is not None
    questions = conversation.metadata["star"]["UserQuestionnaire"]
    assert questions[0]["Question"].startswith("Did the assistant stay calm")


def test_harper_valley_calls_are_timed(shared_data) -> None:
    name, conversations = read_file(shared_data / "harper_valley_bank" / "hvb_sample.jsonl")
    assert name == "harper-valley"
    assert len(conversations) == 10
    assert sum(len(c.turns) for c in conversations) == 194
    for conversation in conversations:
        assert conversation.timed
        assert conversation.channel == Channel.CALL
        starts = [t.start for t in conversation.turns]
        assert starts == sorted(starts)
    first = conversations[0]
    assert first.agent is not None and first.agent.name == "Elizabeth"
    assert first.customer is not None and first.customer.name == "Patricia Brown"
    # word timings only where they line up with the human transcript
    assert first.turns[0].words is None  # 7 words transcribed, 6 timed
    turn = first.turns[1]
    assert turn.text == "my name is elizabeth"
    assert [w.text for w in turn.words or []] == ["my", "name", "is", "elizabeth"]
    assert turn.words[0].start == pytest.approx(turn.start)
    assert turn.words[-1].end == pytest.approx(turn.end)
