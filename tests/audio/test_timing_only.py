"""Calls read for timing only (`--timing-only`): voice activity, no speech recognition, turns with
times and no words; the timed detectors judge them and every word-reading detector is skipped
with its reason."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import require_shared_data
from heard.analysis import Analyzer
from heard.analysis.analyzer import OUTCOME
from heard.errors import InputError
from heard.importers import ImportOptions, read_file
from heard.model import Channel, Conversation, Role, Turn
from speech import Placed, place, say, write_wav

TIMING = ImportOptions(timing_only=True)
WORDS_REASON = "needs the words said"


def require_timing_tools() -> None:
    """espeak-ng and sox to make the call; PyAV and webrtcvad (the audio extra) to read it."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (apt-get install espeak-ng sox)")
    pytest.importorskip("av", reason="needs the audio extra: pip install heard[audio]")
    pytest.importorskip("webrtcvad", reason="needs the audio extra: pip install heard[audio]")


@pytest.fixture(scope="module")
def call(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Placed]]:
    """Agent on the left; the customer on the right 0.8 s after; the agent cuts in 0.6 s
    before the customer finishes, and later a 7 s silence before the customer speaks."""
    require_timing_tools()
    folder = tmp_path_factory.mktemp("timing")
    greeting = say("Thank you for calling, this is Sam, how can I help?", folder, "a1")
    problem = say(
        "My card was charged twice for the same order last week.", folder, "c1", "en-us+f3"
    )
    cut_in = say("I see the two charges and I will refund one now.", folder, "a2")
    thanks = say("Thank you so much.", folder, "c2", "en-us+f3")
    problem_start = 0.4 + len(greeting) / 16_000 + 0.8
    cut_start = problem_start + len(problem) / 16_000 - 0.6
    thanks_start = cut_start + len(cut_in) / 16_000 + 7.0
    left, right, placed = place(
        [
            (0, "greeting", 0.4, greeting),
            (1, "problem", problem_start, problem),
            (0, "cut in", cut_start, cut_in),
            (1, "thanks", thanks_start, thanks),
        ]
    )
    path = folder / "call.wav"
    write_wav(path, [left, right])
    return path, placed


def test_turns_have_the_times_of_the_speech_and_no_words(call) -> None:
    path, placed = call
    fmt, [conversation] = read_file(path, options=TIMING)
    assert fmt == "audio" and conversation.timed and conversation.channel == Channel.CALL
    assert conversation.metadata["timing_only"] is True
    assert "asr_model" not in conversation.metadata
    assert conversation.metadata["agent_channel"] == "left"  # it spoke first
    assert [t.role for t in conversation.turns] == [
        Role.AGENT,
        Role.CUSTOMER,
        Role.AGENT,
        Role.CUSTOMER,
    ]
    for turn, truth in zip(conversation.turns, placed, strict=True):
        assert turn.text == "" and turn.words is None
        assert abs(turn.start - truth.start) <= 0.1, (truth.text, turn.start, truth.start)
        assert abs(turn.end - truth.end) <= 0.1, (truth.text, turn.end, truth.end)


def test_the_timed_detectors_judge_it_and_the_others_say_why_not(call) -> None:
    path, placed = call
    [conversation] = read_file(path, options=TIMING)[1]
    analysis = Analyzer().analyze(conversation)
    card = analysis.scorecard
    [interruption] = [f for f in card.findings if f.behaviour == "interruption"]
    assert interruption.spans[0].turn == 2
    overlap = placed[1].end - placed[2].start
    assert abs(interruption.data["overlap_seconds"] - overlap) <= 0.1
    [dead_air] = [f for f in card.findings if f.behaviour == "dead_air"]
    assert dead_air.spans[0].turn == 3 and abs(dead_air.data["silence_seconds"] - 7.0) <= 0.15
    assert card.metrics["talk_ratio"] is not None and card.metrics["holds"] == 0
    assert card.metrics["agent_words_per_minute"] is None  # unknown without words, not 0
    assert "heard.call_timing.v1" not in analysis.skipped
    assert analysis.skipped["heard.phrases.v1"].startswith(WORDS_REASON)
    assert analysis.skipped["heard.customer_emotion.v1"].startswith(WORDS_REASON)
    assert analysis.skipped[OUTCOME].startswith(WORDS_REASON) and card.outcome is None
    verdicts = {item.behaviour: item for item in card.checklist}
    assert verdicts["acknowledgement"].verdict == "n/a"
    assert "timing only" in verdicts["acknowledgement"].reason
    assert verdicts["interruption"].verdict == "missed"
    scored = [c.component for c in card.components if c.score is not None]
    assert scored == ["interruptions"]


def test_a_silence_of_both_parties_is_a_hold_without_words() -> None:
    turns = [
        Turn(index=0, role=Role.AGENT, text="", start=0.0, end=4.0),
        Turn(index=1, role=Role.CUSTOMER, text="", start=4.5, end=6.0),
        Turn(index=2, role=Role.AGENT, text="", start=50.0, end=52.0),
    ]
    conversation = Conversation(id="held", channel=Channel.CALL, turns=turns)
    card = Analyzer(outcome=False).analyze(conversation).scorecard
    [hold] = [f for f in card.findings if f.behaviour == "hold"]
    assert hold.spans[0].turn == 2 and hold.data["seconds"] == 44.0
    assert card.metrics["holds"] == 1 and card.metrics["hold_seconds"] == 44.0
    assert any(f.behaviour == "dead_air" for f in card.findings)
    # with words, a silence is not taken for a hold: the detector listens for the announcement
    worded = conversation.model_copy(deep=True)
    worded.turns[0].text = "Hello, how can I help?"
    card = Analyzer(outcome=False).analyze(worded).scorecard
    assert not [f for f in card.findings if f.behaviour == "hold"]


def test_the_cli_analyzes_timing_only_and_refuses_a_speech_model_with_it(
    call, tmp_path: Path
) -> None:
    from heard.cli.main import app

    path, _ = call
    result = CliRunner().invoke(app, ["analyze", str(path), "--timing-only", "-f", "json"])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    assert {f["behaviour"] for f in report["scorecard"]["findings"]} >= {"interruption"}
    result = CliRunner().invoke(app, ["analyze", str(path), "--timing-only", "--asr-model", "x"])
    assert result.exit_code == 2 and "takes no speech model" in result.output


def test_silence_only_is_a_clear_error(tmp_path: Path) -> None:
    require_timing_tools()
    path = tmp_path / "silence.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "2", str(path), "trim", "0", "2"], check=True)
    with pytest.raises(InputError) as caught:
        read_file(path, options=TIMING)
    assert caught.value.code == "empty" and "no speech heard" in caught.value.message


def test_a_harper_valley_call_read_for_timing_agrees_with_its_human_timings() -> None:
    folder = require_shared_data() / "audio" / "harper_valley_bank" / "0002f70f7386445b"
    if not folder.is_dir():
        pytest.skip(f"the Harper Valley Bank calls are not in the shared data ({folder})")
    pytest.importorskip("webrtcvad", reason="needs the audio extra")
    from heard.evaluation.audio import human_call, timing
    from heard.importers.audio import read_call_folder

    [conversation] = read_call_folder(folder, TIMING)
    assert conversation.metadata["source_sample_rate"] == 8000
    ours, human = timing(conversation), timing(human_call(folder))
    assert abs(ours.talk_ratio - human.talk_ratio) <= 0.05
    assert human.overlaps == 2 and abs(ours.overlaps - human.overlaps) <= 1
    assert abs(ours.dead_air_seconds - human.dead_air_seconds) <= 0.5
