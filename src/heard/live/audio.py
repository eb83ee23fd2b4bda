"""A call's audio on the live feed: binary frames of 16 kHz 16-bit mono PCM per party, cut
into utterances by voice activity as they arrive, recognised on a bounded pool of worker
threads, and applied in order as turns (and ticks of the audio clock) through the hub, so
they reach the same live analysis, nudges and frames as typed turns (docs/live.md, "Audio").

Frame layout (little-endian), one party's samples per binary WebSocket message:

    bytes 0–1   b"HA"            magic (no JSON text starts with it)
    byte  2     1                version
    byte  3     0 or 1           channel: 0 the agent, 1 the customer
    bytes 4–11  unsigned 64-bit  offset: the index of the first sample on that channel,
                                 counted from the call's start (16,000 a second)
    bytes 12–   signed 16-bit    1 to 16,000 samples (at most a second), mono, 16 kHz

Each channel's offsets run on without gaps: a frame that repeats samples already received
(a resend after a reconnect) is trimmed to what is new, and a gap (silence the client did not
send) counts as silence, up to `MAX_GAP_SECONDS`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import struct
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from heard.live.errors import LiveError
from heard.live.events import TickEvent, TurnEvent
from heard.model import Role, Word

if TYPE_CHECKING:
    from heard.audio.recognise import HeardWord, Recogniser
    from heard.audio.utterances import Cut, UtteranceCutter
    from heard.live.conversations import LiveConversation
    from heard.live.metrics import LiveMetrics
    from heard.live.recording import CallTape

log = logging.getLogger(__name__)

MAGIC = b"HA"
VERSION = 1
HEADER = struct.Struct("<2sBBQ")
"""magic, version, channel, offset: 12 bytes."""
RATE = 16_000
"""Samples a second of every channel."""
MAX_FRAME_SAMPLES = RATE
"""The most samples one frame carries (a second)."""
CHANNELS = (Role.AGENT, Role.CUSTOMER)
"""The channel byte's meaning: 0 the agent, 1 the customer."""
MAX_GAP_SECONDS = 300.0
"""The longest gap in a channel's offsets counted as silence (a longer one is refused)."""
MAX_OFFSET_SECONDS = 86_400.0
"""No call lasts longer than a day: a larger offset is refused."""
TICK_SECONDS = 5.0
"""While both parties are silent, the audio clock ticks the session every this many seconds
(silence nudges need it), as `heard live replay` does for a timed call."""
CORES_PER_WORKER = 2
"""By default one recognition worker per two cores (`live_audio_workers`), each worker on its
own thread with its share of the cores, one model shared by all. Measured with 4 calls at
real time on 2 busy cores (`heard bench live --audio`): one worker on 2 threads recognised an
utterance in 118 ms at the median and gave turns p95 789 ms after the speech ended; two
workers on a thread each, 198 ms and 861 ms."""


def default_workers() -> int:
    return max(1, (os.cpu_count() or 2) // CORES_PER_WORKER)


PENDING_PER_WORKER = 8
"""Utterances that may wait for recognition per worker; beyond them, the hub stops reading
the feeds that send more audio until one is done (back-pressure, not an unbounded queue)."""


def is_audio(raw: str | bytes) -> bool:
    """Whether a WebSocket message is an audio frame (binary, starting with the magic)."""
    return isinstance(raw, bytes | bytearray) and raw[:2] == MAGIC


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """One party's samples at an offset on its channel."""

    role: Role
    offset: int
    samples: np.ndarray
    """16-bit samples."""

    @classmethod
    def parse(cls, raw: bytes) -> AudioFrame:
        """A frame from a binary message (LiveError bad_audio saying what is wrong)."""
        if len(raw) < HEADER.size:
            raise LiveError(
                "bad_audio",
                f"an audio frame needs a {HEADER.size}-byte header; this message has "
                f"{len(raw)} bytes",
            )
        _, version, channel, offset = HEADER.unpack_from(raw)
        if version != VERSION:
            raise LiveError(
                "bad_audio", f"audio frame version {version} is unknown: version {VERSION} is"
            )
        if channel >= len(CHANNELS):
            raise LiveError(
                "bad_audio",
                f"unknown audio channel {channel}: 0 is the agent, 1 the customer",
            )
        body = len(raw) - HEADER.size
        if body == 0 or body % 2:
            raise LiveError(
                "bad_audio",
                f"an audio frame carries 16-bit samples: {body} bytes after the header is "
                f"{'none' if body == 0 else 'not a whole number of samples'}",
            )
        if body // 2 > MAX_FRAME_SAMPLES:
            raise LiveError(
                "bad_audio",
                f"an audio frame carries at most {MAX_FRAME_SAMPLES:,} samples (a second at "
                f"16 kHz); this one has {body // 2:,}",
            )
        if offset > MAX_OFFSET_SECONDS * RATE:
            raise LiveError("bad_audio", f"audio offset {offset:,} is past a day of audio")
        samples = np.frombuffer(raw, dtype="<i2", offset=HEADER.size).astype(np.int16)
        return cls(role=CHANNELS[channel], offset=offset, samples=samples)

    def encode(self) -> bytes:
        return encode_frame(self.role, self.offset, self.samples)


def encode_frame(role: Role | str, offset: int, samples: np.ndarray) -> bytes:
    """The binary message carrying `samples` (16-bit) of `role`'s channel from `offset`."""
    channel = CHANNELS.index(Role(role))
    return HEADER.pack(MAGIC, VERSION, channel, offset) + samples.astype("<i2").tobytes()


class AudioEvent(BaseModel):
    """An event the server made from a call's audio, as the hub stores it (type `audio`)."""

    model_config = ConfigDict(extra="forbid")

    audio_seq: int = Field(ge=1)
    event: Annotated[TurnEvent | TickEvent, Field(discriminator="type")]


@dataclass(frozen=True)
class AudioSettings:
    """The `HEARD_LIVE_AUDIO_*` settings."""

    workers: int | None = None
    """Recognition workers (None: one per two cores)."""
    window: float | None = None
    """Recognition's encoder window in seconds (None: heard.audio.recognise.WINDOW_SECONDS)."""
    pause: float | None = None
    """The pause that closes an utterance (None: heard.audio.utterances.PAUSE_SECONDS)."""
    model: str | None = None
    """A local CTranslate2 Whisper folder (None: $HEARD_ASR_MODEL, else the packaged tiny.en)."""
    keep: bool = True
    """Whether a call's audio is kept, redacted, when it ends (heard.live.recording)."""

    @classmethod
    def from_settings(cls, settings: object | None = None) -> AudioSettings:
        from heard.settings import Settings

        s = settings if isinstance(settings, Settings) else Settings()
        return cls(
            workers=s.live_audio_workers,
            window=s.live_audio_window,
            pause=s.live_audio_pause,
            keep=s.live_audio_keep,
        )


class Recognition:
    """The hub's speech recognition: `workers` threads sharing one model, at most
    `workers × PENDING_PER_WORKER` utterances taken in at once."""

    def __init__(self, settings: AudioSettings | None = None) -> None:
        self.settings = settings or AudioSettings()
        self.workers = self.settings.workers or default_workers()
        self._recogniser: Recogniser | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def recogniser(self) -> Recogniser:
        """The recogniser (LiveError audio_unavailable when the audio extra is missing)."""
        if self._recogniser is None:
            from heard.errors import InputError

            try:
                import webrtcvad  # noqa: F401  (the cutter's voice activity)

                from heard.audio.recognise import Recogniser

                if importlib.util.find_spec("faster_whisper") is None:  # imported on a worker
                    raise ImportError("faster_whisper")

                self._recogniser = Recogniser(
                    self.settings.model,
                    threads=max(1, (os.cpu_count() or 2) // self.workers),
                    beam_size=1,
                    workers=self.workers,
                )
            except (ImportError, InputError) as exc:
                detail = str(exc) if isinstance(exc, InputError) else "pip install 'heard[audio]'"
                raise LiveError(
                    "audio_unavailable",
                    f"this server cannot recognise speech ({detail}); send turns as text",
                ) from None
        return self._recogniser

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.workers, thread_name_prefix="heard-asr"
            )
        return self._executor

    def warm(self) -> None:
        """Load the model on a worker thread now (the first utterance need not wait for it)."""
        self._pool().submit(self.recogniser().load)

    async def slot(self) -> None:
        """Wait for room to take in one more utterance (released by `words`)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots = asyncio.Semaphore(self.workers * PENDING_PER_WORKER)
            self._loop = loop
        await self._slots.acquire()

    async def words(self, audio: np.ndarray, metrics: LiveMetrics | None = None) -> list[Any]:
        """The words of one utterance (16-bit samples), recognised on a worker thread; frees
        the slot taken for it."""
        from heard.audio.recognise import WINDOW_SECONDS

        window = self.settings.window or WINDOW_SECONDS
        queued = time.perf_counter()
        try:
            recogniser = self.recogniser()

            def run() -> tuple[list[HeardWord], float, float]:
                began = time.perf_counter()
                found = recogniser.utterance(audio.astype(np.float32) / 32768.0, window=window)
                return found, began, time.perf_counter()

            found, began, ended = await asyncio.get_running_loop().run_in_executor(
                self._pool(), run
            )
        finally:
            if self._slots is not None:
                self._slots.release()
        if metrics is not None:
            metrics.add("recognise_wait", (began - queued) * 1000)
            metrics.add("recognise", (ended - began) * 1000)
        return found

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


Apply = Callable[[TurnEvent | TickEvent], Awaitable[None]]
"""Applies an event made from the audio (the hub numbers, stores, analyses and publishes it)."""
Complain = Callable[[LiveError], None]
"""Tells the feed sockets about a failure that is nobody's event (a recognition failed)."""


@dataclass
class CallAudio:
    """One call's audio: a cutter per party, the utterances in recognition, applied in the
    order they were cut."""

    apply: Apply
    complain: Complain
    recognition: Recognition
    metrics: LiveMetrics | None = None
    start: dict[Role, int] = field(default_factory=dict)
    """Samples each channel starts from (after a restart: what the stored events cover)."""
    cutters: dict[Role, UtteranceCutter] = field(init=False)
    heard: set[Role] = field(default_factory=set)
    """The channels that sent audio (the audio clock is the slowest of them)."""
    next_tick: float = TICK_SECONDS
    tape: CallTape | None = None
    """Where the frames are spooled for the recording kept at the end (heard.live.recording);
    None when no recording is kept."""
    _tail: asyncio.Task[None] | None = None
    """The last utterance (or tick) scheduled: each waits for the one before to be applied."""
    _pending: int = 0

    def __post_init__(self) -> None:
        from heard.audio.utterances import PAUSE_SECONDS, UtteranceCutter

        pause = self.recognition.settings.pause or PAUSE_SECONDS
        self.cutters = {
            role: UtteranceCutter(position=self.start.get(role, 0), pause_seconds=pause)
            for role in CHANNELS
        }
        if self.start:
            self.next_tick = (min(self.start.values()) // RATE // TICK_SECONDS + 1) * TICK_SECONDS

    def positions(self) -> dict[str, int]:
        """Per channel, the sample offset the next frame should start at."""
        return {role.value: cutter.position for role, cutter in self.cutters.items()}

    @property
    def clock(self) -> float:
        """Seconds of audio every channel that speaks has sent."""
        heard = [self.cutters[r].seconds for r in self.heard] or [0.0]
        return min(heard)

    async def take(self, frame: AudioFrame) -> None:
        """Cut one frame into its channel; the utterances it closes go to recognition (this
        waits while too many are waiting already)."""
        cutter = self.cutters[frame.role]
        began = time.perf_counter()
        have = cutter.position
        samples = frame.samples
        if frame.offset + len(samples) <= have:
            return  # sent before: a resend after a reconnect
        cuts: list[Cut] = []
        if frame.offset < have:
            samples = samples[have - frame.offset :]
        elif frame.offset > have:
            gap = frame.offset - have
            if gap > MAX_GAP_SECONDS * RATE:
                raise LiveError(
                    "bad_audio",
                    f"{frame.role.value} audio at offset {frame.offset:,} leaves a gap of "
                    f"{gap / RATE:,.1f} s after the {have:,} samples received (at most "
                    f"{MAX_GAP_SECONDS:g} s is taken as silence): send from offset {have:,}",
                )
            cuts += cutter.skip(gap)
        self.heard.add(frame.role)
        if self.tape is not None:
            self.tape.write(frame.role, max(frame.offset, have), samples)
        cuts += cutter.push(samples)
        if self.metrics is not None:
            self.metrics.add("audio_cut", (time.perf_counter() - began) * 1000)
        for cut in cuts:
            await self._recognise(frame.role, cut)
        self._tick()

    async def finish(self) -> None:
        """The call ends: close the open utterances and wait until every one is applied."""
        for role, cutter in self.cutters.items():
            for cut in cutter.flush():
                await self._recognise(role, cut)
        while self._tail is not None and not self._tail.done():
            await asyncio.shield(self._tail)

    async def _recognise(self, role: Role, cut: Cut) -> None:
        await self.recognition.slot()
        self._schedule(self._utterance(role, cut))

    def _schedule(self, work: Awaitable[TurnEvent | TickEvent | None]) -> None:
        previous = self._tail
        self._pending += 1

        async def run() -> None:
            try:
                event = await work
                if previous is not None:
                    await previous
                if event is not None:
                    await self.apply(event)
            except LiveError as exc:
                self.complain(exc)
            except Exception:  # one utterance failing must not stop the call
                log.exception("live audio: an utterance could not be applied")
            finally:
                self._pending -= 1

        self._tail = asyncio.create_task(run())

    async def _utterance(self, role: Role, cut: Cut) -> TurnEvent | None:
        try:
            words = await self.recognition.words(cut.audio, self.metrics)
        except Exception as exc:
            log.exception("live audio: recognition failed")
            raise LiveError(
                "recognition_failed",
                f"the {role.value}'s utterance at {cut.start:.2f}–{cut.end:.2f} s could not be "
                f"recognised ({type(exc).__name__}); it is left out",
            ) from None
        return turn_event(role, cut, words)

    def _tick(self) -> None:
        """Tick the session when the audio clock passed the next tick with both parties
        silent and nothing in recognition (a turn still to come would end the silence)."""
        clock = self.clock
        if clock < self.next_tick or self._pending:
            return
        if any(c.speaking for c in self.cutters.values()):
            return
        self.next_tick = (clock // TICK_SECONDS + 1) * TICK_SECONDS

        async def tick() -> TickEvent:
            return TickEvent(seq=1, time=round(clock, 3))

        self._schedule(tick())


def turn_event(role: Role, cut: Cut, words: list[HeardWord]) -> TurnEvent | None:
    """The turn of a recognised utterance: its speech's start and end, the words placed on the
    call's clock within them (None when nothing was recognised)."""
    if not words:
        return None
    start, end = round(cut.start, 3), round(cut.end, 3)
    placed = []
    at = start
    for k, word in enumerate(words):
        first = start if k == 0 else min(max(at, round(cut.offset + word.start, 3)), end)
        last = end if k == len(words) - 1 else min(max(first, round(cut.offset + word.end, 3)), end)
        placed.append(
            Word(text=word.text, start=first, end=last, confidence=round(word.probability, 3))
        )
        at = last
    return TurnEvent(
        seq=1,
        role=role,
        text=" ".join(w.text for w in placed),
        start=start,
        end=end,
        words=placed,
        time=end,
    )


def feed_positions(live: LiveConversation | None) -> dict[str, int] | None:
    """Per channel, the sample offset a feed streaming the call's audio sends from (None for a
    conversation without audio)."""
    if live is None:
        return None
    if live.audio is not None:
        return live.audio.positions()
    if live.audio_seq or live.audio_from:
        return {r.value: live.audio_from.get(r, 0) for r in CHANNELS}
    return None
