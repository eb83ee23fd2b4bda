"""Open live sockets follow their credentials: a feed or watch socket whose token is revoked
or expires, whose user is deactivated or may no longer feed or watch its conversation (a new
role, agent or team), or whose panel key expires, is sent an error frame saying why and
closed (4401 when the credentials no longer work, 4403 when they no longer allow it).

One guard per app (per live hub) re-checks every open socket's credentials every
`RECHECK_SECONDS` in one batch — a few queries on a worker thread, however many sockets —
and every incoming event is checked against what it last confirmed. A revocation or
deactivation made through this process's own API closes the affected sockets at once
(`revoked`, `deactivated`); the timer covers other processes and the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from heard.live.conversations import Subscriber, may_feed, may_watch
from heard.live.events import ErrorFrame
from heard.live.hub import LiveHub
from heard.store import Scope, Store
from heard.web.auth import Lapse, Principal, recheck

log = logging.getLogger(__name__)

RECHECK_SECONDS = 0.5
"""How often every open socket's credentials are checked again (one batch for all)."""
STALE_SECONDS = 1.0
"""An event arriving on a socket whose credentials were last confirmed longer ago than this
(the timer fell behind) waits for a fresh check of that socket first."""

CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_CODES = {"unauthorised": CLOSE_UNAUTHORISED, "forbidden": CLOSE_FORBIDDEN}
"""The close code of each kind of lapse: the credentials no longer work (4401), or no longer
allow feeding or watching this conversation (4403)."""


def socket_guard(app: Any) -> SocketGuard:
    """The app's guard of its open live sockets (`app.state.live_sockets`)."""
    return app.state.live_sockets


@dataclass(eq=False)
class GuardedSocket:
    """An open feed or watch socket and the credentials it was opened with (refreshed by each
    check)."""

    principal: Principal
    conversation_id: str
    subscriber: Subscriber
    scope: Scope
    """The scope the socket needs: write for a feed, read for a watch stream."""
    confirmed: float = field(default_factory=time.monotonic)
    """When its credentials were last found to stand (monotonic clock)."""
    lapse: Lapse | None = None
    """Why it was closed, once it is."""


class SocketGuard:
    """Every open live socket of one app, checked again on a timer and on notice."""

    def __init__(self, store: Store, hub: LiveHub, *, interval: float = RECHECK_SECONDS) -> None:
        self.store = store
        self.hub = hub
        self.interval = interval
        self.sockets: set[GuardedSocket] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ sockets

    def add(self, socket: GuardedSocket) -> None:
        """Guard `socket` (on the event loop), starting the timer if it is not running."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a test client may run each connection on its own loop
            self._loop, self._wake, self._task = loop, asyncio.Event(), None
        self.sockets.add(socket)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())

    def discard(self, socket: GuardedSocket) -> None:
        self.sockets.discard(socket)

    async def admit(self, socket: GuardedSocket) -> bool:
        """Whether an event that just arrived on `socket` may be handled: its credentials
        stood at the last check (checked again first when that is older than
        `STALE_SECONDS`)."""
        if socket.lapse is None and time.monotonic() - socket.confirmed > STALE_SECONDS:
            await self.check([socket])
        return socket.lapse is None

    # ------------------------------------------------------------------ checking

    async def check(self, sockets: Iterable[GuardedSocket] | None = None) -> None:
        """Check the credentials of `sockets` (all by default) again, in one batch on a worker
        thread, and close those that no longer stand."""
        chosen = [s for s in (self.sockets if sockets is None else sockets) if s.lapse is None]
        if not chosen:
            return
        began = time.monotonic()
        try:
            found = await asyncio.to_thread(recheck, self.store, [s.principal for s in chosen])
        except Exception as exc:  # the store is unreachable: keep the sockets, try again
            log.warning("live: the open sockets' credentials could not be checked: %s", exc)
            return
        for socket, now in zip(chosen, found, strict=True):
            if socket.lapse is not None:  # closed meanwhile
                continue
            lapse = now if isinstance(now, Lapse) else self._refused(socket, now)
            if lapse is not None:
                self.close(socket, lapse)
            else:
                assert isinstance(now, Principal)
                socket.principal, socket.confirmed = now, began
                socket.subscriber.viewer = now.viewer  # whom a summary frame may link

    def _refused(self, socket: GuardedSocket, principal: Principal) -> Lapse | None:
        """Why `principal` may no longer use `socket` (None when it still may)."""
        if socket.scope not in principal.scopes:
            return Lapse("forbidden", f"the credentials no longer carry the {socket.scope} scope")
        live = self.hub.subscribed(socket.conversation_id, socket.subscriber)
        if live is None:  # a feed before its start event: nothing to check against yet
            return None
        feed = not socket.subscriber.watch
        if (may_feed if feed else may_watch)(live.record, principal.viewer):
            return None
        what = "feed" if feed else "watch"
        return Lapse("forbidden", f"you may no longer {what} this conversation")

    def close(self, socket: GuardedSocket, lapse: Lapse) -> None:
        """Send `socket` an error frame saying why, then close it; nothing more reaches it."""
        if socket.lapse is not None:
            return
        socket.lapse = lapse
        self.sockets.discard(socket)
        self.hub.unsubscribe(
            self.hub.subscribed(socket.conversation_id, socket.subscriber), socket.subscriber
        )
        frame = ErrorFrame(code=lapse.code, message=lapse.message).model_dump_json()
        socket.subscriber.shut_out(frame, CLOSE_CODES[lapse.code], lapse.code)

    async def _run(self) -> None:
        """The timer: check every socket each `interval` (or at once when woken), until none
        is left."""
        wake = self._wake
        assert wake is not None
        while self.sockets:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.interval)
            wake.clear()
            try:
                await self.check()
            except Exception:  # a bug here must not leave the sockets unguarded from now on
                log.exception("live: checking the open sockets' credentials failed")

    # ------------------------------------------------------------------ notices (any thread)

    def revoked(self, *, token_id: int) -> None:
        """A token was revoked through this process: close its sockets now."""
        lapse = Lapse("unauthorised", "the token was revoked")
        self._soon(self._close_where, lambda p: p.token_id == token_id, lapse)

    def deactivated(self, *, user_id: int) -> None:
        """A user was deactivated through this process: close their sockets now."""
        lapse = Lapse("unauthorised", "the user was deactivated")
        self._soon(self._close_where, lambda p: p.user.id == user_id, lapse)

    def recheck_soon(self) -> None:
        """Something about credentials changed (a sign-out, a role): check every socket now
        rather than at the next tick."""
        self._soon(self._set_wake)

    def _set_wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _close_where(self, match: Callable[[Principal], bool], lapse: Lapse) -> None:
        for socket in [s for s in self.sockets if match(s.principal)]:
            self.close(socket, lapse)
        self._set_wake()

    def _soon(self, action: Callable[..., None], *args: object) -> None:
        """Run `action` on the guard's event loop: now when called on it, else as soon as the
        loop turns (before anything the calling thread does next reaches the loop)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            action(*args)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(action, *args)
