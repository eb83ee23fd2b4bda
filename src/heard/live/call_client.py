"""A client that streams a call's audio to the live feed WebSocket as it would arrive from a
telephone system: both parties' channels in small frames at real pace (or `speed` × faster),
then the end event; it collects the recognised turns and nudges that come back and how long
after the end of each utterance they arrived. Used by `heard live replay call.wav --url` and
`heard bench live --audio`; after a dropped connection it reconnects and sends again from the
offsets the server's hello names.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heard.live.audio import CHANNELS, RATE, encode_frame
from heard.live.client import FATAL, Feed, LiveClientError
from heard.live.events import EndEvent, StartEvent
from heard.model import Channel, Role

FRAME_SECONDS = 0.1
"""Audio per frame and channel (telephony bridges send 20–100 ms)."""
RECONNECTS = 5

FrameHandler = Callable[[dict[str, Any]], None]


@dataclass
class CallResult:
    """What came back while one call streamed."""

    conversation_id: str
    seconds: float = 0.0
    """Seconds of audio streamed (the longer channel)."""
    frames: list[dict[str, Any]] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)
    """Recognised turns (as in their frames), each with `latency_ms`: from the moment its
    speech ended (on the streaming clock) to the turn frame's arrival."""
    nudges: list[dict[str, Any]] = field(default_factory=list)
    """Nudges, each with `latency_ms` when a recognised turn raised it (from the end of that
    turn's speech), else None."""
    errors: list[dict[str, Any]] = field(default_factory=list)
    reconnects: int = 0
    stored_id: int | None = None


class _Call(Feed[CallResult]):
    def __init__(
        self,
        base: str,
        token: str,
        conversation_id: str,
        channels: dict[Role, np.ndarray],
        *,
        speed: float,
        on_frame: FrameHandler | None,
    ) -> None:
        super().__init__(base, token, CallResult(conversation_id), retries=RECONNECTS)
        self.channels = channels
        self.speed = speed
        self.on_frame = on_frame
        self.began = 0.0
        """`time.perf_counter()` at the call's 0 s, on the streaming clock."""
        self.sent_until: dict[Role, int] = dict.fromkeys(channels, 0)
        self.sent_at: list[tuple[int, float]] = []
        """(samples streamed on every channel, when): for latencies at speed 0."""
        self.turn_ends: dict[int, float] = {}
        """audio_seq of a recognised turn → when its speech ended on the streaming clock."""
        self.ended = asyncio.Event()
        self.start_body = ""
        self.end_seq = 0

    async def connect(self) -> dict[str, Any]:
        return await self._open()

    def spoken_at(self, seconds: float) -> float:
        """When the audio at `seconds` of the call was spoken, on the streaming clock."""
        if self.speed > 0:
            return self.began + seconds / self.speed
        sample = int(seconds * RATE)
        for upto, at in self.sent_at:
            if upto >= sample:
                return at
        return time.perf_counter()

    def _frame(self, frame: dict[str, Any]) -> None:
        now = time.perf_counter()
        result = self.result
        result.frames.append(frame)
        kind = frame["type"]
        if kind == "turn":
            end = frame["turn"].get("end")
            spoken = self.spoken_at(end) if end is not None else None
            if spoken is not None:
                self.turn_ends[frame["audio_seq"]] = spoken
            latency = round((now - spoken) * 1000, 1) if spoken is not None else None
            result.turns.append({**frame["turn"], "audio_seq": frame["audio_seq"]})
            result.turns[-1]["latency_ms"] = latency
        elif kind == "nudge":
            spoken = self.turn_ends.get(frame.get("audio_seq") or 0)
            latency = round((now - spoken) * 1000, 1) if spoken is not None else None
            result.nudges.append({**frame["nudge"], "latency_ms": latency})
        elif kind == "error":
            result.errors.append(frame)
            if frame.get("code") in FATAL:
                self.fatal = f"{frame['code']}: {frame['message']}"
                self.ended.set()
            elif self.end_seq and frame.get("event") == self.end_seq:
                self.fatal = f"the end was refused: {frame['code']}: {frame['message']}"
                self.ended.set()
        elif kind == "ended":
            result.stored_id = frame.get("stored_id")
            self.ended.set()
        if self.on_frame is not None:
            self.on_frame(frame)

    async def send(self, message: str | bytes) -> None:
        await self._send(message)

    async def resume(self) -> None:
        """Reconnect; send the start again if it was not applied, and go back to the offsets
        the server holds."""
        hello = await self._reconnect()
        assert self.connection is not None
        if hello["last_event"] < 1:
            await self.connection.send(self.start_body)
        held = hello.get("audio") or {}
        for role in self.sent_until:
            self.sent_until[role] = min(self.sent_until[role], int(held.get(role.value, 0)))


async def stream_call(
    url: str,
    token: str,
    conversation_id: str,
    channels: dict[Role, np.ndarray] | dict[str, np.ndarray],
    *,
    start: StartEvent | None = None,
    speed: float = 1.0,
    frame_seconds: float = FRAME_SECONDS,
    on_frame: FrameHandler | None = None,
    timeout: float = 120.0,
) -> CallResult:
    """Stream a call — 16-bit 16 kHz samples per party (`Role.AGENT`, `Role.CUSTOMER`) — to
    the live feed at `url` (the app's base URL) with an API token of scope write: the start
    event, both channels in frames of `frame_seconds` at `speed` × real time (0: as fast as
    the server takes them), then the end event; waits for the `ended` frame."""
    if speed < 0:
        raise ValueError(f"speed must be 0 (as fast as possible) or more, not {speed}")
    unknown = {str(k) for k in channels} - {r.value for r in CHANNELS}
    if unknown:
        raise ValueError(f"channels are the agent's and the customer's, not {sorted(unknown)}")
    channels = {Role(k): v for k, v in channels.items()}
    call = _Call(url, token, conversation_id, channels, speed=speed, on_frame=on_frame)
    start = start or StartEvent(seq=1, channel=Channel.CALL, time=0.0)
    call.start_body = start.model_dump_json(exclude_none=True)
    hello = await call.connect()
    if hello["last_event"] >= 1:
        raise LiveClientError(
            f"conversation {conversation_id!r} exists already (event {hello['last_event']} "
            "applied): choose another id"
        )
    await call.send(call.start_body)
    step = max(1, int(frame_seconds * RATE))
    length = max((len(c) for c in channels.values()), default=0)
    call.result.seconds = length / RATE
    call.began = time.perf_counter()
    at = 0
    while at < length:
        upto = min(length, at + step)
        if speed > 0:
            wait = call.began + upto / RATE / speed - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
        for role, samples in channels.items():
            # after a reconnect, first what the server lost
            while call.sent_until[role] < min(upto, len(samples)):
                begin = call.sent_until[role]
                end = min(begin + RATE, upto, len(samples))
                call.sent_until[role] = end
                await call.send(encode_frame(role, begin, samples[begin:end]))
        call.sent_at.append((upto, time.perf_counter()))
        at = upto
    end_event = EndEvent(seq=start.seq + 1, time=round(length / RATE, 3))
    call.end_seq = end_event.seq
    await call.send(end_event.model_dump_json(exclude_none=True))
    try:
        await asyncio.wait_for(call.ended.wait(), timeout)
    except TimeoutError:
        raise LiveClientError(
            f"the call was not ended within {timeout:g} s of its last audio"
        ) from None
    finally:
        await call.close()
    if call.fatal:
        raise LiveClientError(call.fatal)
    return call.result
