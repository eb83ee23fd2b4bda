"""A call's channels worked on side by side (heard.audio.channels): the items keep their order,
two really run at once, and Silero voice activity and tone read side by side give exactly what
they give one channel at a time. No speech model runs here (Silero does, on real audio)."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass

import numpy as np
import pytest

from conftest import require_shared_data
from heard.audio.channels import side_by_side

CALL = "0002f70f7386445b"


def harper_recordings() -> list:
    """The agent's and the caller's recordings of a Harper Valley Bank call, at 16 kHz."""
    pytest.importorskip("faster_whisper", reason="needs the audio extra: pip install heard[audio]")
    from heard.audio import decode

    folder = require_shared_data() / "audio" / "harper_valley_bank" / CALL
    return [decode((folder / name).read_bytes(), name) for name in ("agent.wav", "caller.wav")]


def meeting(parties: int) -> threading.Barrier:
    """A barrier that `parties` threads must reach together (within 10 s): one thread alone
    breaks it, so a function waiting at it fails unless the items run at once."""
    return threading.Barrier(parties, timeout=10)


def test_side_by_side_runs_two_at_once_and_keeps_the_order() -> None:
    barrier = meeting(2)
    threads: list[int] = []

    def square(x: int) -> int:
        threads.append(threading.get_ident())
        barrier.wait()
        return x * x

    assert side_by_side(square, [3, 1, 2, 5], workers=2) == [9, 1, 4, 25]
    assert len(set(threads)) == 2 and threading.get_ident() not in threads


def test_one_worker_or_one_item_runs_in_the_calling_thread() -> None:
    here = threading.get_ident()
    assert side_by_side(lambda x: (x, threading.get_ident()), [1, 2], workers=1) == [
        (1, here),
        (2, here),
    ]
    assert side_by_side(lambda x: threading.get_ident(), [1], workers=2) == [here]
    assert side_by_side(lambda x: x, [], workers=2) == []


def test_an_error_in_one_item_is_raised() -> None:
    def check(x: int) -> int:
        if x == 2:
            raise ValueError("two")
        return x

    with pytest.raises(ValueError, match="two"):
        side_by_side(check, [1, 2], workers=2)


@dataclass
class Unheard:
    """Stands in for the recogniser: two workers, and no words (Whisper does not run)."""

    workers: int = 2

    def call_words(self, channels: list) -> list[list]:
        return [[] for _ in channels]


def test_a_calls_silero_runs_on_both_channels_at_once_and_gives_the_same_speech(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import heard.audio.silero as silero
    from heard.audio.call import Party, _recognise
    from heard.model import Role

    channels = [r.channels[0] for r in harper_recordings()]
    alone = [silero.speech_activity(audio) for audio in channels]
    barrier, run = meeting(2), silero.speech_activity

    def together(audio: np.ndarray) -> silero.SpeechActivity:
        barrier.wait()  # both channels' runs have started
        return run(audio)

    monkeypatch.setattr(silero, "speech_activity", together)
    parties = [Party(Role.AGENT, "agent", channels[0]), Party(Role.CUSTOMER, "caller", channels[1])]
    _recognise(parties, Unheard())  # type: ignore[arg-type]
    assert [p.speech for p in parties] == [a.boundaries for a in alone]
    assert all(p.speech for p in parties)


def test_tone_measured_side_by_side_is_the_tone_measured_one_channel_at_a_time() -> None:
    from heard.audio import SAMPLE_RATE, two_file_call
    from heard.audio.tone import add_tone

    agent, caller = harper_recordings()
    timed = two_file_call(agent, caller, recogniser=None, id=CALL)
    audio = {"agent": agent.channels[0], "customer": caller.channels[0]}
    found = []
    for workers in (1, 2):
        conversation = copy.deepcopy(timed)
        add_tone(conversation, audio, SAMPLE_RATE, pitch=True, workers=workers)
        found.append(([t.tone for t in conversation.turns], conversation.metadata["tone_baseline"]))
    assert found[0] == found[1]
    assert any(t.pitch_median_hz for t in found[0][0] if t is not None)
