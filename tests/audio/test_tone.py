"""Tone of voice from audio: pitch, loudness and rate per turn against the speaker's own
baseline, on espeak-ng speech made louder, faster or flatter for one turn; the agent-tone and
customer-tone detectors on it and on hand-built turns; skip reasons without audio."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from heard.analysis import Analyzer
from heard.audio.tone import add_tone, pitch_track, speaking_rate
from heard.importers import ImportOptions, read_file
from heard.model import Channel, Conversation, Role, Tone, Turn, Word
from speech import RATE, place, read_wav, require_tools, write_wav

TONE_DETECTORS = ("heard.agent_tone.v1", "heard.customer_tone.v1")

# (side, text, how it is spoken): the agent (left) speaks five turns, one loud, one fast and
# one flat; the customer (right) answers between them.
LINES = [
    (0, "Thank you for calling the bank, my name is Sam, how can I help you today?", {}),
    (1, "I was charged twice for the same order last week.", {"voice": "en-us+f3"}),
    (0, "I am sorry to hear that, let me look at your account for you now.", {}),
    (1, "Thank you, the order number is in the email you sent me.", {"voice": "en-us+f3"}),
    (
        0,
        "Okay so the first charge is still pending and the second one has posted and I will "
        "reverse the second one for you right now.",
        {"speed": 290},
    ),
    (1, "Okay, thanks.", {"voice": "en-us+f3"}),
    (0, "Please listen to me, I have already explained this to you twice today.", {"gain": 1.0}),
    (1, "Fine, go on.", {"voice": "en-us+f3"}),
    (0, "I will send you a confirmation email with all the details of the refund.", {"flat": True}),
]
FAST, LOUD, FLAT = 4, 6, 8
"""Turn indexes of the agent's fast, loud and flat turns."""


def speak(
    text: str,
    folder: Path,
    name: str,
    *,
    voice: str = "en-us",
    speed: int = 160,
    gain: float = 0.35,
    flat: bool = False,
) -> np.ndarray:
    """`text` by espeak-ng at 16 kHz, trimmed; `gain` scales it (1.0 is ~9 dB over 0.35) and
    `flat` narrows its intonation (SSML prosody range x-low)."""
    raw, trimmed = folder / f"{name}.raw.wav", folder / f"{name}.wav"
    spoken = f'<speak><prosody range="x-low">{text}</prosody></speak>' if flat else text
    command = ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw)]
    subprocess.run([*command, *(["-m"] if flat else []), spoken], check=True)
    trim = ["silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse"]
    subprocess.run(
        ["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(trimmed), *trim], check=True
    )
    return (read_wav(trimmed).astype(np.float64) * gain).astype(np.int16)


@pytest.fixture(scope="module")
def call(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, list[np.ndarray]]:
    """The call as a stereo WAV, where each line was placed, and the two channels."""
    import shutil

    if any(shutil.which(tool) is None for tool in ("espeak-ng", "sox")):
        pytest.skip("needs espeak-ng and sox (apt-get install espeak-ng sox)")
    pytest.importorskip("av", reason="needs the audio extra: pip install heard[audio]")
    pytest.importorskip("webrtcvad", reason="needs the audio extra: pip install heard[audio]")
    folder = tmp_path_factory.mktemp("tone")
    at, lines = 0.4, []
    for i, (side, text, how) in enumerate(LINES):
        clip = speak(text, folder, f"line{i}", **how)
        lines.append((side, text, at, clip))
        at += len(clip) / RATE + 0.8
    left, right, placed = place(lines)
    path = folder / "call.wav"
    write_wav(path, [left, right])
    return path, placed, [left, right]


def placed_call(placed: list, channels: list[np.ndarray]) -> Conversation:
    """The call as recognition would give it, built by hand from where each line was placed:
    its words spread evenly over the line (enough for the rate), then its tone measured."""
    turns = []
    for i, line in enumerate(placed):
        words = line.text.split()
        step = (line.end - line.start) / len(words)
        turns.append(
            Turn(
                index=i,
                role=Role.AGENT if line.side == 0 else Role.CUSTOMER,
                speaker_id="left" if line.side == 0 else "right",
                text=line.text,
                start=line.start,
                end=line.end,
                words=[
                    Word(text=w, start=line.start + k * step, end=line.start + (k + 1) * step)
                    for k, w in enumerate(words)
                ],
            )
        )
    conversation = Conversation(id="tone", channel=Channel.CALL, turns=turns)
    audio = {
        label: c.astype(np.float32) / 32768
        for label, c in zip(("left", "right"), channels, strict=True)
    }
    return add_tone(conversation, audio, RATE)


def tone_findings(conversation: Conversation) -> list[tuple[str, int]]:
    analysis = Analyzer().analyze(conversation)
    return sorted(
        (f.behaviour, f.spans[0].turn)
        for f in analysis.scorecard.findings
        if f.detector in TONE_DETECTORS
    )


def test_pitch_of_a_pure_tone_and_of_silence() -> None:
    t = np.arange(RATE) / RATE
    track = pitch_track((0.3 * np.sin(2 * np.pi * 123.0 * t)).astype(np.float32), RATE)
    assert abs(float(np.median(track[track > 0])) - 123.0) < 1.0
    assert (track > 0).mean() > 0.9
    assert not pitch_track(np.zeros(RATE, dtype=np.float32), RATE).any()
    assert len(pitch_track(np.zeros(100, dtype=np.float32), RATE)) == 0  # shorter than a frame


def test_speaking_rate_leaves_out_pauses() -> None:
    words = [(0.0, 0.3), (0.3, 0.6), (0.6, 1.0), (2.0, 2.5)]  # a 1 s pause before the last
    assert speaking_rate(words) == pytest.approx(4 / 1.5)
    assert speaking_rate(words[:2]) is None


def test_the_loud_fast_and_flat_turns_stand_out_against_the_agents_baseline(call) -> None:
    _, placed, channels = call
    conversation = placed_call(placed, channels)
    tones = [t.tone for t in conversation.turns]
    assert all(tones)
    agent = [i for i, t in enumerate(conversation.turns) if t.role == Role.AGENT]
    normal = [i for i in agent if i not in (FAST, LOUD, FLAT)]
    # loudness: espeak at 0.35 of its level against 1.0 is 9.1 dB
    assert 8.0 <= tones[LOUD].loudness_change_db <= 10.0
    assert all(abs(tones[i].loudness_change_db) < 1.5 for i in agent if i != LOUD)
    # rate: 290 against 160 words a minute
    assert tones[FAST].rate_change_ratio >= 1.5
    assert all(0.8 <= tones[i].rate_change_ratio <= 1.2 for i in agent if i != FAST)
    # pitch: espeak-ng's male voice near 100 Hz, its female one near 200 Hz; x-low range is flat
    assert all(85 <= tones[i].pitch_median_hz <= 120 for i in agent)
    customer = [i for i, t in enumerate(conversation.turns) if t.role == Role.CUSTOMER]
    assert all(170 <= tones[i].pitch_median_hz <= 240 for i in customer)
    assert tones[FLAT].pitch_range_semitones < 1.5
    assert all(tones[i].pitch_range_semitones > 2.5 for i in normal)
    baseline = conversation.metadata["tone_baseline"]
    assert set(baseline) == {"agent", "customer"}
    assert tone_findings(conversation) == [
        ("fast_speech", FAST),
        ("flat_tone", FLAT),
        ("raised_voice", LOUD),
    ]


def test_timing_only_measures_loudness_alone_and_finds_the_raised_voice(call) -> None:
    path, placed, _ = call
    _, [conversation] = read_file(path, options=ImportOptions(timing_only=True))
    assert len(conversation.turns) == len(placed)
    loud = conversation.turns[LOUD].tone
    assert loud is not None and loud.loudness_change_db >= 8.0
    assert loud.pitch_median_hz is None and loud.words_per_second is None
    analysis = Analyzer().analyze(conversation)
    assert [
        (f.behaviour, f.spans[0].turn)
        for f in analysis.scorecard.findings
        if f.detector in TONE_DETECTORS
    ] == [("raised_voice", LOUD)]
    assert analysis.skipped["heard.customer_tone.v1"].startswith("needs the words said")


def test_without_audio_the_tone_detectors_are_skipped_with_their_reason() -> None:
    conversation = Conversation(
        id="text",
        channel=Channel.CALL,
        turns=[
            Turn(index=0, role=Role.AGENT, text="Hello, how can I help?", start=0, end=2),
            Turn(index=1, role=Role.CUSTOMER, text="This is ridiculous!", start=2.5, end=4),
        ],
    )
    skipped = Analyzer().analyze(conversation).skipped
    for name in TONE_DETECTORS:
        assert skipped[name].startswith("needs tone of voice measured from the call's audio")


def customer_says(text: str, loudness_change_db: float) -> Conversation:
    return Conversation(
        id="c",
        channel=Channel.CALL,
        turns=[
            Turn(index=0, role=Role.AGENT, text="How can I help?", start=0, end=1),
            Turn(
                index=1,
                role=Role.CUSTOMER,
                text=text,
                start=1.5,
                end=4,
                tone=Tone(loudness_dbfs=-18.0, loudness_change_db=loudness_change_db),
            ),
        ],
    )


@pytest.mark.parametrize(
    ("text", "louder", "cue"),
    [
        ("This is ridiculous, I am so fed up with this.", 9.0, True),  # raised and angry words
        ("This is ridiculous, I am so fed up with this.", 3.0, False),  # angry words, usual voice
        ("I would like to check my balance please.", 9.0, False),  # raised voice, calm words
    ],
)
def test_a_raised_voice_with_angry_words_is_an_escalation_cue(
    text: str, louder: float, cue: bool
) -> None:
    findings = [
        f
        for f in Analyzer().analyze(customer_says(text, louder)).scorecard.findings
        if f.detector == "heard.customer_tone.v1"
    ]
    assert [f.behaviour for f in findings] == (["escalation_cue"] if cue else [])
    if cue:
        assert findings[0].data["source"] == "tone" and findings[0].spans[0].turn == 1


def test_tone_round_trips_through_json_and_old_json_still_reads() -> None:
    conversation = customer_says("Fine.", 2.0)
    again = Conversation.model_validate_json(conversation.to_json())
    assert again.turns[1].tone == conversation.turns[1].tone
    assert (
        Conversation.model_validate_json(customer_says("Fine.", 2.0).to_json()).turns[0].tone
        is None
    )


@pytest.mark.slow
def test_recognised_call_carries_tone_and_the_agent_tone_findings(call) -> None:
    require_tools()
    path, placed, _ = call
    _, [conversation] = read_file(path)
    assert [t.role for t in conversation.turns] == [
        Role.AGENT if p.side == 0 else Role.CUSTOMER for p in placed
    ]
    assert all(t.tone and t.tone.words_per_second for t in conversation.turns if len(t.words) >= 3)
    assert tone_findings(conversation) == [
        ("fast_speech", FAST),
        ("flat_tone", FLAT),
        ("raised_voice", LOUD),
    ]
