"""What the live hub keeps about each conversation in progress: the sockets listening to it
(with their queues of frames), its session, sequence numbers and log of frames, who may watch
or feed it, and once it ended, its summary and who may open the conversation stored."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from heard.live.errors import LiveError
from heard.live.events import EndSummary, Hint, LiveState, Nudge, SummaryFrame
from heard.live.session import LiveSession
from heard.model import Role
from heard.redact import CustomerName
from heard.store import UserRole, Viewer
from heard.store.records import LiveOutcome, LiveSessionRecord
from heard.store.scoping import sees

if TYPE_CHECKING:
    from heard.live.audio import CallAudio

FRAME_LOG = 1000
"""Server frames kept per conversation for `since=N` resumes."""
QUEUE_LIMIT = 2000
"""Frames waiting for one slow socket before the hub drops that socket."""


@dataclass(eq=False)
class Subscriber:
    """One socket listening to a conversation: frames queue here for its writer task."""

    watch: bool
    """A watch stream (gets hint frames); a feed socket does not."""
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    dropped: bool = False

    close_code: int = 4408
    """How the socket is closed when it is dropped (4408: too slow; 4401, 4403: its
    credentials no longer stand)."""
    close_reason: str = "too slow"
    viewer: Viewer | None = None
    """Who listens (the socket's credentials, refreshed by each check of them): decides
    whether a summary frame carries the stored conversation's id (None: it never does)."""

    def put(self, text: str) -> None:
        if self.dropped:
            return
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.close(4408, "too slow")
            return
        self.queue.put_nowait(text)

    def close(self, code: int, reason: str) -> None:
        """Ask the socket's writer to close it (after the frames already queued)."""
        if not self.dropped:
            self.dropped = True
            self.close_code = code
            self.close_reason = reason
            self.queue.put_nowait(None)

    def shut_out(self, frame: str, code: int, reason: str) -> None:
        """Close the socket now with `frame` as the last it gets: frames queued and not yet
        sent are dropped, and nothing published later reaches it (its credentials no longer
        stand)."""
        if self.dropped:
            return
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(frame)
        self.close(code, reason)


@dataclass
class LiveConversation:
    """A conversation in progress and what the hub knows about it."""

    conversation_id: str
    record: LiveSessionRecord
    session: LiveSession
    last_event: int = 0
    last_frame: int = 0
    frames: deque[tuple[int, str, str, str | None]] = field(
        default_factory=lambda: deque(maxlen=FRAME_LOG)
    )
    """(seq, type, JSON, JSON for a listener who may not open the stored conversation — None:
    the same) of the latest frames."""
    subscribers: set[Subscriber] = field(default_factory=set)
    nudges: list[Nudge] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ended_at: float | None = None
    stored_id: int | None = None
    touched: float = field(default_factory=time.monotonic)
    """When the last event arrived (monotonic clock)."""
    name: CustomerName | None = None
    """The customer's name, replaced in each turn as it arrives (with names redacted)."""
    audio: CallAudio | None = None
    """The call's audio in progress, once a frame arrived (heard.live.audio)."""
    audio_seq: int = 0
    """The last event made from the audio (a recognised turn or a tick) applied."""
    audio_from: dict[Role, int] = field(default_factory=dict)
    """Per channel, the samples the stored audio events cover (rebuilt after a restart)."""
    summary: EndSummary | None = None
    """Once ended and stored: what the agent panel shows (heard.live.summary), with its link."""
    outcome: LiveOutcome | None = None
    """Once ended and stored: where the stored conversation is, so who may open it."""

    @property
    def key(self) -> LiveKey:
        """(team id or 0, conversation id): where the hub keeps it."""
        return (self.record.scope, self.conversation_id)

    @property
    def state(self) -> LiveState:
        return self.session.state()

    def publish(self, frame: Any) -> None:
        """Number a frame, keep it in the log and send it to every subscriber (a summary frame
        without the stored conversation's id to those who may not open it)."""
        self.last_frame += 1
        frame.seq = self.last_frame
        text = frame.model_dump_json()
        closed: str | None = None
        if isinstance(frame, SummaryFrame) and frame.summary.stored_id is not None:
            unlinked = frame.model_copy(update={"summary": frame.summary.unlinked()})
            closed = unlinked.model_dump_json()
        self.frames.append((frame.seq, frame.type, text, closed))
        for subscriber in list(self.subscribers):
            if frame.type == "hint" and not subscriber.watch:
                continue
            subscriber.put(self._for(subscriber.viewer, text, closed))

    def may_open(self, viewer: Viewer | None) -> bool:
        """Whether `viewer` may open the stored conversation this one became (its page)."""
        where = self.outcome
        if viewer is None or where is None:
            return False
        return sees(viewer, agent_id=where.agent_id, team_id=where.team_id)

    def summary_for(self, viewer: Viewer | None) -> EndSummary | None:
        """The summary as `viewer` gets it: without the stored conversation's id unless they
        may open it."""
        if self.summary is None or self.may_open(viewer):
            return self.summary
        return self.summary.unlinked()

    def _for(self, viewer: Viewer | None, text: str, closed: str | None) -> str:
        return text if closed is None or self.may_open(viewer) else closed

    def since(self, n: int, *, watch: bool, viewer: Viewer | None = None) -> list[str]:
        """The logged frames after `n`, as `viewer` gets them (LiveError when some of them
        are no longer kept)."""
        if n >= self.last_frame:
            return []
        oldest = self.frames[0][0] if self.frames else self.last_frame + 1
        if n + 1 < oldest:
            raise LiveError(
                "since_too_old",
                f"frames after {n} are no longer kept: the oldest kept is {oldest} "
                f"(the last {FRAME_LOG} frames are kept)",
            )
        return [
            self._for(viewer, text, closed)
            for seq, kind, text, closed in self.frames
            if seq > n and (watch or kind != "hint")
        ]

    def may_watch(self, viewer: Viewer) -> bool:
        return may_watch(self.record, viewer)

    def may_feed(self, viewer: Viewer) -> bool:
        return may_feed(self.record, viewer)


LiveKey = tuple[int, str]
"""(team id or 0, conversation id): a live conversation's id holds within its team."""


def live_scopes(viewer: Viewer | None) -> list[int] | None:
    """The teams (0: none) whose live conversations `viewer` reaches by id: every team for an
    admin or the hub itself (None), the teams they lead for a lead, their own for an agent."""
    if viewer is None or viewer.role == UserRole.ADMIN:
        return None
    if viewer.role == UserRole.LEAD:
        return list(viewer.team_ids)
    return list(viewer.team_ids) or [0]


def may_watch(record: LiveSessionRecord, viewer: Viewer) -> bool:
    """The conversation's agent, a lead of its team, an admin."""
    if viewer.role == UserRole.ADMIN:
        return True
    if viewer.role == UserRole.LEAD:
        return record.team_id is not None and record.team_id in viewer.team_ids
    return viewer.agent_id is not None and viewer.agent_id == record.agent_id


def may_feed(record: LiveSessionRecord, viewer: Viewer) -> bool:
    """Who may watch, and whoever started it."""
    return may_watch(record, viewer) or (
        viewer.user_id is not None and viewer.user_id == record.user_id
    )


def need(state: LiveState, nudges: list[Nudge]) -> float:
    """How much a live conversation needs a supervisor's eye, 0–1 (the board sorts by it):
    escalation risk weighs most, then a low Listening Score, a strong customer emotion and
    an urgent last nudge."""
    score = state.listening_score
    low_score = 0.0 if score is None else max(0.0, min(1.0, (100.0 - score) / 100.0))
    urgent = 1.0 if nudges and nudges[-1].severity == "urgent" else 0.0
    value = (
        0.5 * state.escalation_risk
        + 0.25 * low_score
        + 0.15 * state.emotion_intensity
        + 0.1 * urgent
    )
    return round(min(1.0, value), 3)
