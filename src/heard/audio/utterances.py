"""Cutting one party's channel into utterances while it arrives, a few milliseconds at a time:
WebRTC's voice-activity detector on 30 ms frames (as `heard.audio.activity` does for whole
recordings), an utterance closed by a pause, for live calls (`heard.live.audio`)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from heard.audio.activity import AGGRESSIVENESS, QUIET_DB
from heard.audio.decode import SAMPLE_RATE, missing_extra
from heard.errors import Location

FRAME = int(SAMPLE_RATE * 0.03)
"""Samples per voice-activity frame (30 ms at 16 kHz)."""
PAUSE_SECONDS = 0.5
"""A pause this long closes an utterance (`live_audio_pause`). Every utterance waits this long
after its last word before it is recognised, so it is most of the live latency; pauses
within a sentence run 0.2–0.7 s, so shorter values split more sentences in two."""
MIN_SPEECH_SECONDS = 0.2
"""An utterance with less speech than this is a click, a breath or line noise (as
`heard.audio.activity.MIN_SPEECH_SECONDS`): dropped, never recognised."""
MAX_UTTERANCE_SECONDS = 20.0
"""A longer stretch of speech without a pause is cut here (recognition reads at most 30 s)."""
PRE_ROLL_SECONDS = 0.2
"""Audio kept before the first speech frame, so recognition hears the word's onset."""
TAIL_SECONDS = 0.2
"""Audio kept after the last speech frame (of the pause that closed the utterance)."""
FLOOR_DB = 30.0
"""A frame quieter than this (10·log10 of its mean square on the 16-bit scale, about
−60 dBFS) is silence whatever the detector says."""


@dataclass(frozen=True, slots=True)
class Cut:
    """One utterance cut from a channel: its audio and where its speech starts and ends."""

    audio: np.ndarray
    """16-bit samples, from `first` (a little before the speech) to a little after it."""
    first: int
    """The sample (since the channel started) `audio` starts at."""
    speech_start: int
    speech_end: int
    """Samples since the channel started; the speech itself, without the pre-roll and tail."""

    @property
    def start(self) -> float:
        return self.speech_start / SAMPLE_RATE

    @property
    def end(self) -> float:
        return self.speech_end / SAMPLE_RATE

    @property
    def offset(self) -> float:
        """Seconds since the channel started at which `audio` starts."""
        return self.first / SAMPLE_RATE


@dataclass
class UtteranceCutter:
    """One channel, fed in order; `push` returns the utterances each piece of audio closes."""

    position: int = 0
    """Samples received so far (where the next piece must start)."""
    pause_seconds: float = PAUSE_SECONDS
    _rest: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    _recent: deque[np.ndarray] = field(default_factory=deque)
    """The last frames while nobody speaks (the pre-roll of the next utterance)."""
    _frames: list[np.ndarray] = field(default_factory=list)
    """The open utterance's frames."""
    _first: int = 0
    _speech_start: int | None = None
    _speech_end: int = 0
    _speech_frames: int = 0
    _peak: float = 0.0
    _vad: object | None = None

    def __post_init__(self) -> None:
        try:
            import webrtcvad
        except ImportError as exc:
            raise missing_extra(Location(file="webrtcvad")) from exc
        self._vad = webrtcvad.Vad(AGGRESSIVENESS)

    @property
    def speaking(self) -> bool:
        """Whether an utterance is open (speech heard and not yet closed by a pause)."""
        return self._speech_start is not None

    @property
    def seconds(self) -> float:
        return self.position / SAMPLE_RATE

    def push(self, samples: np.ndarray) -> list[Cut]:
        """Take the next 16-bit samples (they start at `position`); the utterances closed."""
        cuts: list[Cut] = []
        data = np.concatenate((self._rest, samples)) if len(self._rest) else samples
        whole = len(data) // FRAME * FRAME
        at = self.position - len(self._rest)
        for begin in range(0, whole, FRAME):
            cut = self._frame(data[begin : begin + FRAME], at + begin)
            if cut is not None:
                cuts.append(cut)
        self._rest = data[whole:].copy()
        self.position += len(samples)
        return cuts

    def skip(self, count: int) -> list[Cut]:
        """`count` samples of silence the client did not send (a gap in its offsets): closes
        an open utterance when the gap is a pause, without reading the silence frame by frame."""
        if count <= 0:
            return []
        if self._frames and count < int(self.pause_seconds * SAMPLE_RATE):
            return self.push(np.zeros(count, dtype=np.int16))
        cuts = self.flush()
        self._rest = np.zeros(0, dtype=np.int16)
        self._recent.clear()
        self.position += count
        return cuts

    def flush(self) -> list[Cut]:
        """Close the open utterance now (the call ended); [] when there is none."""
        cut = self._close()
        return [cut] if cut is not None else []

    def _loud(self, frame: np.ndarray) -> float:
        return float(10 * np.log10(np.mean(frame.astype(np.float32) ** 2) + 1.0))

    def _frame(self, frame: np.ndarray, at: int) -> Cut | None:
        energy = self._loud(frame)
        speech = (
            energy >= FLOOR_DB
            and energy >= self._peak - QUIET_DB
            and self._vad.is_speech(frame.tobytes(), SAMPLE_RATE)  # type: ignore[attr-defined]
        )
        if speech:
            self._peak = max(self._peak, energy)
        if self._speech_start is None:
            self._recent.append(frame)
            if len(self._recent) > int(PRE_ROLL_SECONDS / 0.03):
                self._recent.popleft()
            if not speech:
                return None
            self._frames = list(self._recent)
            self._recent.clear()
            self._first = at + FRAME - FRAME * len(self._frames)
            self._speech_start = at
            self._speech_end = at + FRAME
            self._speech_frames = 1
            return None
        self._frames.append(frame)
        if speech:
            self._speech_end = at + FRAME
            self._speech_frames += 1
        end = at + FRAME
        if end - self._speech_end >= self.pause_seconds * SAMPLE_RATE:
            return self._close()
        if end - self._speech_start >= MAX_UTTERANCE_SECONDS * SAMPLE_RATE:
            self._speech_end = end
            return self._close()
        return None

    def _close(self) -> Cut | None:
        start = self._speech_start
        if start is None:
            return None
        frames, first = self._frames, self._first
        speech_end, speech_frames = self._speech_end, self._speech_frames
        self._frames, self._speech_start, self._speech_frames = [], None, 0
        self._recent.clear()
        if speech_frames * FRAME < MIN_SPEECH_SECONDS * SAMPLE_RATE:
            return None
        audio = np.concatenate(frames) if frames else np.zeros(0, dtype=np.int16)
        keep = speech_end + int(TAIL_SECONDS * SAMPLE_RATE) - first
        return Cut(
            audio=audio[: max(0, keep)], first=first, speech_start=start, speech_end=speech_end
        )
