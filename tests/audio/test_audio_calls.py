"""Calls from audio, on real speech: espeak-ng calls with overlaps placed at known times, bad
recordings, and one Harper Valley Bank call from the shared data."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import require_shared_data
from heard.audio import word_error_rate
from heard.errors import InputError
from heard.importers import ImportOptions, read_file
from heard.model import Role
from speech import Placed, place, require_tools, say, to_mp3, write_wav

AGENT_GREETING = "Thank you for calling the bank, my name is Sam, how can I help you today?"
CUSTOMER_PROBLEM = "I lost my debit card yesterday and I need a new one sent to my home please."
AGENT_CUTS_IN = "I can certainly order a replacement card for you right away."
OVERLAP = 0.5


@pytest.fixture(scope="module")
def call(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Placed]]:
    """Agent on the left greets; the customer on the right answers 0.7 s after; the agent
    cuts in 0.5 s before the customer finishes."""
    require_tools()
    folder = tmp_path_factory.mktemp("call")
    greeting = say(AGENT_GREETING, folder, "greeting")
    problem = say(CUSTOMER_PROBLEM, folder, "problem", voice="en-us+f3")
    cut_in = say(AGENT_CUTS_IN, folder, "cut_in")
    greeting_end = 0.5 + len(greeting) / 16_000
    problem_start = greeting_end + 0.7
    problem_end = problem_start + len(problem) / 16_000
    left, right, placed = place(
        [
            (0, AGENT_GREETING, 0.5, greeting),
            (1, CUSTOMER_PROBLEM, problem_start, problem),
            (0, AGENT_CUTS_IN, problem_end - OVERLAP, cut_in),
        ]
    )
    path = folder / "call.wav"
    write_wav(path, [left, right])
    return path, placed


@pytest.mark.slow
def test_stereo_call_has_both_parties_their_words_and_times(call) -> None:
    path, placed = call
    fmt, [conversation] = read_file(path)
    assert fmt == "audio" and conversation.channel == "call" and conversation.timed
    assert conversation.metadata["agent_channel"] == "left"
    assert [t.role for t in conversation.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    for turn, truth in zip(conversation.turns, placed, strict=True):
        assert word_error_rate(truth.text, turn.text) < 0.35, turn.text
        assert abs(turn.start - truth.start) < 0.1, (turn.text, turn.start, truth.start)
        assert abs(turn.end - truth.end) < 0.15, (turn.text, turn.end, truth.end)
        assert turn.words and all(0 <= w.confidence <= 1 for w in turn.words)
        assert turn.words[0].start == turn.start and turn.words[-1].end == turn.end


@pytest.mark.slow
def test_the_interruption_detector_finds_the_overlap_within_100_ms(call) -> None:
    from heard.analysis import Analyzer

    path, placed = call
    [conversation] = read_file(path)[1]
    findings = [
        f
        for f in Analyzer().analyze(conversation).scorecard.findings
        if f.behaviour == "interruption"
    ]
    assert len(findings) == 1
    [finding] = findings
    cut_in = conversation.turns[finding.spans[0].turn]
    assert cut_in.role == Role.AGENT
    assert abs(cut_in.start - placed[2].start) <= 0.1
    assert abs(finding.data["overlap_seconds"] - OVERLAP) <= 0.1


@pytest.mark.slow
def test_the_agent_channel_is_sniffed_or_chosen(call, tmp_path: Path) -> None:
    path, _ = call
    swapped = tmp_path / "swapped.flac"  # also: another container, another sample rate
    subprocess.run(["sox", str(path), "-r", "8000", str(swapped), "remix", "2", "1"], check=True)
    [sniffed] = read_file(swapped)[1]
    assert sniffed.metadata["agent_channel"] == "right"
    assert [t.role for t in sniffed.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    [chosen] = read_file(swapped, options=ImportOptions(agent_channel="left"))[1]
    assert chosen.metadata["agent_channel_chosen_by"] == "--agent-channel"
    assert [t.role for t in chosen.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".ogg", ".mp3"])
def test_ogg_and_mp3_at_other_rates_read_alike(call, suffix: str, tmp_path: Path) -> None:
    path, placed = call
    copy = tmp_path / f"call{suffix}"
    if suffix == ".mp3":
        to_mp3(path, copy)
    else:  # Ogg Vorbis at 44.1 kHz
        subprocess.run(["sox", str(path), "-r", "44100", str(copy)], check=True)
    fmt, [conversation] = read_file(copy)
    assert fmt == "audio" and conversation.metadata["source_sample_rate"] != 16_000
    assert [t.role for t in conversation.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    for turn, truth in zip(conversation.turns, placed, strict=True):
        assert word_error_rate(truth.text, turn.text) < 0.35, turn.text
        assert abs(turn.start - truth.start) < 0.15, (turn.text, turn.start, truth.start)


AGENT_TALKS_ON = (
    "I have ordered a replacement card for you and it should arrive at your home within five "
    "working days"
)
THANKS = "Thank you."
NOTHING_ELSE = "No, that is all for today."


@pytest.mark.slow
def test_a_pause_the_other_party_talks_through_is_the_speakers_talk_time(tmp_path: Path) -> None:
    """The customer thanks the agent while the agent talks on, pauses 1.5 s, and says they need
    nothing else once the agent is done: one customer turn, pause and all, as the human
    timings are cut (turns once were cut at every word the agent began in the pause, and the
    customer's talk time lost it: a7ccc3379af44b9f's talk ratio was 9 points off)."""
    from heard.audio.call import Stretch, utterances

    require_tools()
    talk = say(AGENT_TALKS_ON, tmp_path, "talk")
    thanks = say(THANKS, tmp_path, "thanks", voice="en-us+f3")
    nothing = say(NOTHING_ELSE, tmp_path, "nothing", voice="en-us+f3")
    talk_end = 0.5 + len(talk) / 16_000
    left, right, placed = place(
        [
            (0, AGENT_TALKS_ON, 0.5, talk),
            (1, THANKS, talk_end - 1.6, thanks),
            (1, NOTHING_ELSE, talk_end + 0.4, nothing),
        ]
    )
    path = tmp_path / "call.wav"
    write_wav(path, [left, right])
    [conversation] = read_file(path)[1]
    truth = utterances([[Stretch(p.start, p.end) for p in placed if p.side == k] for k in (0, 1)])
    assert [t.role for t in conversation.turns] == [Role.AGENT, Role.CUSTOMER]
    for turn, cut in zip(conversation.turns, truth, strict=True):
        assert abs(turn.start - cut.start) < 0.1 and abs(turn.end - cut.end) < 0.15
        assert turn.words and turn.start <= turn.words[0].start <= turn.words[-1].end <= turn.end
    assert word_error_rate(f"{THANKS} {NOTHING_ELSE}", conversation.turns[1].text) < 0.35


def _silence(path: Path, channels: int) -> Path:
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-c", str(channels), str(path), "trim", "0", "2"], check=True
    )
    return path


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("empty.wav", lambda p: p.write_bytes(b""), "empty"),
        ("notes.wav", lambda p: p.write_text("these are my notes, not a recording\n"), "malformed"),
        ("header.wav", lambda p: p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), "malformed"),
        ("silence.wav", lambda p: _silence(p, 2), "empty"),
        ("mono.wav", lambda p: _silence(p, 1), "empty"),  # a mono recording of silence
    ],
)
def test_bad_recordings_give_a_clear_error_naming_the_file(
    name: str, make, code: str, tmp_path: Path
) -> None:
    require_tools()
    path = tmp_path / name
    make(path)
    with pytest.raises(InputError) as caught:
        read_file(path)
    assert caught.value.code == code and caught.value.where.file == str(path)


@pytest.mark.slow
def test_a_truncated_recording_keeps_what_it_holds(call, tmp_path: Path) -> None:
    path, _ = call
    cut = tmp_path / "cut.wav"
    cut.write_bytes(path.read_bytes()[: 44 + 4 * 16_000 * 3])  # the header and 3 s of 15
    [conversation] = read_file(cut)[1]
    assert conversation.turns[0].role == Role.AGENT
    assert conversation.turns[-1].end <= 3.0


def test_the_cli_reports_bad_audio_without_a_traceback(tmp_path: Path) -> None:
    require_tools()
    from heard.cli.main import app

    bad = tmp_path / "call.mp3"
    bad.write_bytes(b"\xff\xfb" + bytes(range(256)) * 4)
    result = CliRunner().invoke(app, ["analyze", str(bad), "--agent-channel", "left"])
    assert result.exit_code == 1, result.output
    assert str(bad) in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["import", str(bad), "--agent-channel", "middle"])
    assert result.exit_code == 2 and "left or right" in result.output


def _human_words(transcript: Path, role: str) -> str:
    segments = json.loads(transcript.read_text())
    return " ".join(
        s["human_transcript"]
        for s in sorted(segments, key=lambda s: s["start_ms"])
        if s["speaker_role"] == role
    )


@pytest.mark.slow
def test_a_harper_valley_call_folder_is_one_timed_call() -> None:
    folder = require_shared_data() / "audio" / "harper_valley_bank" / "0002f70f7386445b"
    if not folder.is_dir():
        pytest.skip(f"the Harper Valley Bank calls are not in the shared data ({folder})")
    require_tools()
    from heard.cli.importing import import_one

    result = import_one(folder, format="auto", options=ImportOptions(), redact=False)
    assert result.error is None, result.error
    [conversation] = result.conversations
    assert conversation.timed and conversation.turns[0].role == Role.AGENT
    assert {t.role for t in conversation.turns} == {Role.AGENT, Role.CUSTOMER}
    transcript = folder / "transcript.json"
    for role, ours in ((Role.AGENT, "agent"), (Role.CUSTOMER, "caller")):
        heard = " ".join(t.text for t in conversation.by_role(role))
        assert word_error_rate(_human_words(transcript, ours), heard) < 0.4
    # talk ratio against the human segment timings
    segments = json.loads(transcript.read_text())
    talk = {
        r: sum(s["duration_ms"] for s in segments if s["speaker_role"] == r)
        for r in ("agent", "caller")
    }
    human_ratio = talk["agent"] / (talk["agent"] + talk["caller"])
    agent = sum(t.duration or 0 for t in conversation.by_role(Role.AGENT))
    customer = sum(t.duration or 0 for t in conversation.by_role(Role.CUSTOMER))
    assert abs(agent / (agent + customer) - human_ratio) < 0.1
    # the agent starting while the caller speaks: the same times as in the human timings
    from heard.analysis import Analyzer

    caller = [s for s in segments if s["speaker_role"] == "caller"]
    human_cut_ins = [
        s["start_ms"] / 1000
        for s in segments
        if s["speaker_role"] == "agent"
        and any(c["start_ms"] < s["start_ms"] < c["start_ms"] + c["duration_ms"] for c in caller)
    ]
    found = [
        conversation.turns[f.spans[0].turn].start
        for f in Analyzer().analyze(conversation).scorecard.findings
        if f.behaviour in ("interruption", "backchannel_overlap")
    ]
    assert len(found) == len(human_cut_ins) > 0
    assert all(abs(a - b) < 0.4 for a, b in zip(sorted(found), human_cut_ins, strict=True))
