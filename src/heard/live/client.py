"""A client of the live feed WebSocket: sends a conversation's events at pace, collects the
frames that come back with their latency on the client's clock, and resumes after a dropped
connection (reconnect with `since=` the last frame seen, resend from `hello.last_event + 1`).
Used by `heard live replay --url` and `heard bench live`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403

FrameHandler = Callable[[dict[str, Any]], None]


FATAL = ("unauthorised", "forbidden")
"""Error codes after which no event of the conversation will be applied."""


class LiveClientError(Exception):
    """The server refused the stream (bad token, not allowed) or kept dropping it."""


@dataclass
class StreamResult:
    """What came back for one conversation."""

    conversation_id: str
    frames: list[dict[str, Any]] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    """Per applied event: send → ack, in milliseconds (client clock)."""
    nudge_ms: list[float] = field(default_factory=list)
    """Per nudge: send of the event that raised it → the nudge frame."""
    state_ms: list[float] = field(default_factory=list)
    """Per state frame: send of its event → the state frame."""
    sent_at: dict[str, list[float]] = field(
        default_factory=lambda: {"ack": [], "nudge": [], "state": []}
    )
    """When (`time.perf_counter()`) the event behind each latency above was sent, in the same
    order: lets a benchmark keep only the events of a time window."""
    errors: list[dict[str, Any]] = field(default_factory=list)
    reconnects: int = 0
    stored_id: int | None = None

    @property
    def nudges(self) -> list[dict[str, Any]]:
        return [f["nudge"] for f in self.frames if f["type"] == "nudge"]


def feed_url(base: str, conversation_id: str, *, since: int | None = None) -> str:
    """ws(s)://host/api/v1/live/{id} from an http(s) or ws(s) base URL."""
    parts = urlsplit(base)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss"):
        raise ValueError(f"--url: expected http(s):// or ws(s)://, got {base!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/api/v1/live"):
        path += "/api/v1/live"
    path += "/" + quote(conversation_id, safe="")
    return urlunsplit((scheme, parts.netloc, path, f"since={since}" if since else "", ""))


class _Outcome(Protocol):
    conversation_id: str
    reconnects: int


R = TypeVar("R", bound=_Outcome)

RECONNECT_DELAYS = (0.1, 0.3, 1.0, 2.0, 4.0)


class Feed(Generic[R]):
    """One conversation's connection to the feed, shared by the event and the audio clients:
    connects with the token and checks the hello, reads frames in the background (passing
    each to `_frame`), sends with reconnects, and reconnects from the last frame seen."""

    def __init__(self, base: str, token: str, result: R, *, retries: int) -> None:
        self.base = base
        self.token = token
        self.result = result
        self.retries = retries
        self.last_frame = 0
        self.fatal: str | None = None
        """Why the server refused the conversation (forbidden start): the stream stops."""
        self.connection: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None

    async def _open(self) -> dict[str, Any]:
        """(Re)connect from the last frame seen; returns the server's hello."""
        url = feed_url(self.base, self.result.conversation_id, since=self.last_frame or None)
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            self.connection = await connect(url, additional_headers=headers, open_timeout=10)
        except InvalidStatus as exc:
            raise LiveClientError(f"the server refused the WebSocket: {exc}") from None
        hello = orjson.loads(await self.connection.recv())
        if hello.get("type") != "hello":
            if hello.get("type") == "error" and hello.get("code") in FATAL:
                raise LiveClientError(f"{hello['code']}: {hello['message']}")
            raise LiveClientError(f"expected a hello frame, got {hello!r}")
        self.reader = asyncio.create_task(self._read(self.connection))
        return dict(hello)

    async def _read(self, connection: ClientConnection) -> None:
        try:
            async for raw in connection:
                frame = orjson.loads(raw)
                seq = frame.get("seq")
                if seq is not None:
                    if seq <= self.last_frame:
                        continue  # seen before a reconnect
                    self.last_frame = seq
                self._frame(frame)
        except ConnectionClosed:
            pass

    def _frame(self, frame: dict[str, Any]) -> None:
        """Take a frame not seen before."""
        raise NotImplementedError

    async def _send(self, message: str | bytes) -> None:
        """Send, reconnecting (`resume`) up to `retries` times if the connection drops."""
        if self.fatal:
            raise LiveClientError(self.fatal)
        for attempt in range(self.retries + 1):
            try:
                assert self.connection is not None
                await self.connection.send(message)
                return
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
                if code in (CLOSE_UNAUTHORISED, CLOSE_FORBIDDEN):
                    reason = exc.rcvd.reason if exc.rcvd else ""
                    raise LiveClientError(
                        f"the server closed the stream ({code}): {reason}"
                    ) from None
                if attempt == self.retries:
                    raise LiveClientError("the connection kept dropping") from None
                await self.resume()

    async def resume(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Close the connection and wait for the reader to finish."""
        if self.connection is not None:
            await self.connection.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)

    async def _reconnect(self) -> dict[str, Any]:
        """Count a reconnect, stop reading the old connection and open a new one (trying a
        few times); returns the new hello."""
        self.result.reconnects += 1
        if self.reader is not None:
            self.reader.cancel()
        for delay in RECONNECT_DELAYS:
            try:
                return await self._open()
            except (OSError, ConnectionClosed, TimeoutError):
                await asyncio.sleep(delay)
        raise LiveClientError("could not reconnect")


class _Stream(Feed[StreamResult]):
    def __init__(
        self,
        base: str,
        token: str,
        conversation_id: str,
        *,
        on_frame: FrameHandler | None,
        retries: int,
    ) -> None:
        super().__init__(base, token, StreamResult(conversation_id), retries=retries)
        self.on_frame = on_frame
        self.sent: dict[int, float] = {}
        self.events: dict[int, bytes] = {}
        self.acked = 0
        self.done = asyncio.Event()
        self.final_seq = 0
        self.final_is_end = False
        self.all_sent = False
        self.refused = False
        self.ended = False

    async def connect(self) -> int:
        """(Re)connect; returns the server's last applied event."""
        return int((await self._open())["last_event"])

    def _frame(self, frame: dict[str, Any]) -> None:
        now = time.perf_counter()
        kind = frame["type"]
        result = self.result
        result.frames.append(frame)
        event = frame.get("event")
        sent = self.sent.get(event) if isinstance(event, int) else None
        if kind == "ack":
            self.acked = max(self.acked, event)
            if sent is not None and not frame.get("duplicate"):
                result.ack_ms.append((now - sent) * 1000)
                result.sent_at["ack"].append(sent)
        elif kind == "nudge" and sent is not None:
            result.nudge_ms.append((now - sent) * 1000)
            result.sent_at["nudge"].append(sent)
        elif kind == "state" and sent is not None:
            result.state_ms.append((now - sent) * 1000)
            result.sent_at["state"].append(sent)
        elif kind == "error":
            result.errors.append(frame)
            if frame.get("code") in FATAL:  # the start was refused: nothing more will apply
                self.fatal = f"{frame['code']}: {frame['message']}"
                self.done.set()
            if isinstance(event, int) and event >= self.final_seq:
                self.refused = True
        elif kind == "ended":
            result.stored_id = frame.get("stored_id")
            self.ended = True
        if self.on_frame is not None:
            self.on_frame(frame)
        self._check_done()

    def _check_done(self) -> None:
        """Done when every event is sent and acknowledged (and the end answered)."""
        if self.all_sent and self.refused:
            self.done.set()
        if not self.all_sent or self.acked < self.final_seq:
            return
        if not self.final_is_end or self.ended:
            self.done.set()

    async def send(self, seq: int, body: bytes) -> None:
        if self.fatal:
            raise LiveClientError(self.fatal)
        self.events[seq] = body
        self.sent[seq] = time.perf_counter()
        await self._send(body.decode())

    async def resume(self) -> None:
        """Reconnect and resend what the server has not applied."""
        last = int((await self._reconnect())["last_event"])
        assert self.connection is not None
        for seq in sorted(s for s in self.events if s > last):
            self.sent[seq] = time.perf_counter()
            await self.connection.send(self.events[seq].decode())

    async def finish(self, timeout: float) -> None:
        self.all_sent = True
        self._check_done()
        deadline = time.monotonic() + timeout
        while not self.done.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                raise LiveClientError(
                    f"no answer to event {self.final_seq} within {timeout:g} s "
                    f"(last acknowledged: {self.acked})"
                )
            if self.reader is not None and self.reader.done():
                await self.resume()
            try:
                await asyncio.wait_for(self.done.wait(), min(left, 0.5))
            except TimeoutError:
                continue
        await self.close()
        if self.fatal:
            raise LiveClientError(self.fatal)


async def stream(
    url: str,
    token: str,
    conversation_id: str,
    events: Iterable[tuple[float, Any]],
    *,
    on_frame: FrameHandler | None = None,
    retries: int = 5,
    timeout: float = 60.0,
) -> StreamResult:
    """Feed `events` — (seconds to wait first, event) pairs, as `heard.live.replay.events`
    gives them — to the live WebSocket at `url` (the app's base URL) with an API token of
    scope write; returns every frame with latencies. A dropped connection is resumed (up to
    `retries` times per send) with nothing lost or applied twice."""
    client = _Stream(url, token, conversation_id, on_frame=on_frame, retries=retries)
    last = await client.connect()
    for wait, event in events:
        if wait > 0:
            await asyncio.sleep(wait)
        body = event.model_dump_json(exclude_none=True).encode()
        if event.seq <= last:
            client.events[event.seq] = body  # applied before we connected (a resumed replay)
            continue
        client.final_seq = event.seq
        client.final_is_end = event.type == "end"
        await client.send(event.seq, body)
    if client.final_seq:
        await client.finish(timeout)
    elif client.connection is not None:
        await client.connection.close()
    return client.result
