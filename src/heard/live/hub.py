"""The live hub: every conversation in progress in this process, its sequence numbers, the
frames it sent and who is listening. The WebSocket routes and the REST routes talk to it;
it writes each applied event to the store before acknowledging it.

Sequence rules (docs/live.md): event `seq` is applied when it is the last applied + 1; a
repeat is acknowledged again with `duplicate` and not applied; a gap is refused with
`out_of_order` naming the number expected. Applied events produce numbered server frames
(ack, nudge, adoption, state, ended; hint frames from supervisors), kept in a bounded log so
a client reconnecting with `since=N` gets what it missed. Frames about one client's mistakes
(error, duplicate ack) and the hello frame go to that client only and carry no number.

The store is the source of truth across restarts: a conversation not in memory is rebuilt
from its stored events (replayed through a new LiveSession, which gives the same frames).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from heard.live.events import (
    AckFrame,
    AdoptionFrame,
    EndedFrame,
    EndEvent,
    ErrorFrame,
    Event,
    Hint,
    HintFrame,
    LiveState,
    Nudge,
    NudgeFrame,
    PartialEvent,
    StartEvent,
    StateFrame,
    TurnEvent,
)
from heard.live.metrics import LiveMetrics
from heard.live.nudges import NudgePolicy
from heard.live.session import LiveSession, LiveUpdate
from heard.model import Conversation, Turn
from heard.model.values import describe
from heard.store import Conflict, Store, UserRole, Viewer
from heard.store.analysis import card_rows
from heard.store.records import LiveSessionRecord

log = logging.getLogger(__name__)

FRAME_LOG = 1000
"""Server frames kept per conversation for `since=N` resumes."""
QUEUE_LIMIT = 2000
"""Frames waiting for one slow socket before the hub drops that socket."""
ENDED_KEPT_SECONDS = 600.0
"""How long an ended conversation stays in memory (for late watchers and the REST view)."""
IDLE_SECONDS = 1800.0
"""A live conversation without events or sockets for this long leaves memory (it stays in
the store and is rebuilt when a client comes back)."""

RESUME_ATTEMPTS = 3
"""Rounds of encoding off the loop per event before the rest is encoded on it (each round
serves one detector's request; two detectors use sentence embeddings today)."""
COLLECT_OLDER_EVERY = 10
"""After every event the hub runs the garbage collector's youngest generation, and after
every `COLLECT_OLDER_EVERY`-th the middle one too (see `LiveHub._collect_soon`)."""

_EVENT = TypeAdapter(Event)


class LiveError(Exception):
    """A refusal the client should see as an error frame."""

    def __init__(
        self, code: str, message: str, *, event: int | None = None, expected: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.event = event
        self.expected = expected

    def frame(self) -> str:
        return ErrorFrame(
            code=self.code,  # type: ignore[arg-type]
            message=self.message,
            event=self.event,
            expected=self.expected,
        ).model_dump_json()


@dataclass(eq=False)
class Subscriber:
    """One socket listening to a conversation: frames queue here for its writer task."""

    watch: bool
    """A watch stream (gets hint frames); a feed socket does not."""
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    dropped: bool = False

    close_code: int = 4408
    """How the socket is closed when the hub drops it (4408: too slow; 1012: restart)."""

    def put(self, text: str) -> None:
        if self.dropped:
            return
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.close(4408)
            return
        self.queue.put_nowait(text)

    def close(self, code: int) -> None:
        """Ask the socket's writer to close it (after the frames already queued)."""
        if not self.dropped:
            self.dropped = True
            self.close_code = code
            self.queue.put_nowait(None)


@dataclass
class LiveConversation:
    """A conversation in progress and what the hub knows about it."""

    conversation_id: str
    record: LiveSessionRecord
    session: LiveSession
    last_event: int = 0
    last_frame: int = 0
    frames: deque[tuple[int, str, str]] = field(default_factory=lambda: deque(maxlen=FRAME_LOG))
    """(seq, type, JSON) of the latest frames."""
    subscribers: set[Subscriber] = field(default_factory=set)
    nudges: list[Nudge] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ended_at: float | None = None
    stored_id: int | None = None
    touched: float = field(default_factory=time.monotonic)
    """When the last event arrived (monotonic clock)."""

    @property
    def state(self) -> LiveState:
        return self.session.state()

    def publish(self, frame: Any) -> None:
        """Number a frame, keep it in the log and send it to every subscriber."""
        self.last_frame += 1
        frame.seq = self.last_frame
        text = frame.model_dump_json()
        self.frames.append((frame.seq, frame.type, text))
        for subscriber in list(self.subscribers):
            if frame.type == "hint" and not subscriber.watch:
                continue
            subscriber.put(text)

    def since(self, n: int, *, watch: bool) -> list[str]:
        """The logged frames after `n` (LiveError when some of them are no longer kept)."""
        if n >= self.last_frame:
            return []
        oldest = self.frames[0][0] if self.frames else self.last_frame + 1
        if n + 1 < oldest:
            raise LiveError(
                "since_too_old",
                f"frames after {n} are no longer kept: the oldest kept is {oldest} "
                f"(the last {FRAME_LOG} frames are kept)",
            )
        return [text for seq, kind, text in self.frames if seq > n and (watch or kind != "hint")]

    def may_watch(self, viewer: Viewer) -> bool:
        return may_watch(self.record, viewer)

    def may_feed(self, viewer: Viewer) -> bool:
        return may_feed(self.record, viewer)


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


def parse_event(raw: str | bytes) -> Any:
    """A client event from one WebSocket message (LiveError bad_json / bad_event)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise LiveError("bad_json", f"the message is not JSON: {exc}") from None
    seq = data.get("seq") if isinstance(data, dict) else None
    try:
        return _EVENT.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the event"
        raise LiveError(
            "bad_event",
            f"{where}: {describe(first)} ({exc.error_count()} problem(s); expected "
            "a start, turn, partial, tick or end event with seq ≥ 1)",
            event=seq if isinstance(seq, int) else None,
        ) from None


class LiveHub:
    """Every live conversation of this process (one per app, in `app.state.live`)."""

    def __init__(
        self, store: Store, *, redact: bool = True, policy: NudgePolicy | None = None
    ) -> None:
        self.store = store
        self.redact = redact
        self.policy = policy or NudgePolicy()
        """When and which nudges each session gives (the `HEARD_LIVE_*` settings)."""
        self.conversations: dict[str, LiveConversation] = {}
        self.metrics = LiveMetrics()
        """Event-loop lag and per-phase time of each event (`GET /api/v1/live-metrics`)."""
        self._loading: dict[str, asyncio.Lock] = {}
        self._applied = 0

    # ------------------------------------------------------------------ finding and rebuilding

    async def find(
        self, conversation_id: str, *, viewer: Viewer | None = None, feed: bool = False
    ) -> LiveConversation | None:
        """The conversation in memory, else rebuilt from the store, else None. With `viewer`,
        LiveError(forbidden) when they may not watch it (or feed it, with `feed`), checked
        before anything is rebuilt."""
        allowed = may_feed if feed else may_watch
        found = self.conversations.get(conversation_id)
        if found is None:
            found = await self._load(conversation_id, viewer, allowed)
        if found is not None and viewer is not None and not allowed(found.record, viewer):
            raise LiveError(
                "forbidden", f"you may not {'feed' if feed else 'watch'} this conversation"
            )
        return found

    async def _load(
        self,
        conversation_id: str,
        viewer: Viewer | None,
        allowed: Callable[[LiveSessionRecord, Viewer], bool],
    ) -> LiveConversation | None:
        lock = self._loading.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            found = self.conversations.get(conversation_id)
            if found is not None:
                return found
            record = await asyncio.to_thread(self.store.live_session, conversation_id)
            if record is None:
                return None
            if viewer is not None and not allowed(record, viewer):
                raise LiveError("forbidden", "you may not use this conversation")
            found = await asyncio.to_thread(self._rebuild, record)
            self.conversations[conversation_id] = found
            return found

    def _rebuild(self, record: LiveSessionRecord) -> LiveConversation:
        """Replay the stored events of a session through a new LiveSession: the same state
        and the same numbered frames as before the restart."""
        events = self.store.live_events(record.id)
        start = StartEvent.model_validate_json(events[0].payload)
        live = LiveConversation(
            conversation_id=record.conversation_id,
            record=record,
            session=self._session(record.conversation_id, start),
            last_event=start.seq,
        )
        live.session.started_at = record.started_at
        live.publish(AckFrame(event=start.seq))
        for stored in events[1:]:
            if stored.seq is None:
                hint = Hint.model_validate_json(stored.payload)
                live.hints.append(hint)
                live.publish(HintFrame(hint=hint))
                continue
            event = _EVENT.validate_json(stored.payload)
            live.last_event = event.seq
            update = self._apply(live, event)
            self._publish_update(live, event.seq, update)
        if record.status == "ended":
            live.stored_id = record.stored_id
            live.ended_at = time.monotonic()
            if live.session.analysis is not None:
                live.publish(
                    EndedFrame(
                        event=live.last_event,
                        scorecard=live.session.analysis.scorecard,
                        stored_id=record.stored_id,
                    )
                )
        return live

    def _session(self, conversation_id: str, start: StartEvent) -> LiveSession:
        return LiveSession(
            conversation_id, start, analyzer=self.store.analyzer(), policy=self.policy
        )

    # ------------------------------------------------------------------ subscribing

    def subscribe(
        self, live: LiveConversation, *, watch: bool, since: int | None
    ) -> tuple[Subscriber, list[str]]:
        """A new subscriber and the logged frames after `since` it should get first (taken
        together, so no frame is missed or sent twice)."""
        backlog = live.since(since, watch=watch) if since is not None else []
        subscriber = Subscriber(watch=watch)
        live.subscribers.add(subscriber)
        return subscriber, backlog

    @staticmethod
    def unsubscribe(live: LiveConversation | None, subscriber: Subscriber | None) -> None:
        if live is not None and subscriber is not None:
            live.subscribers.discard(subscriber)

    # ------------------------------------------------------------------ feeding

    def _redacted(self, event: Any) -> Any:
        """A turn or partial with personal data replaced (before it is stored or sent)."""
        if not self.redact or not isinstance(event, TurnEvent | PartialEvent):
            return event
        from heard.redact import redact_text, redact_words

        changes: dict[str, Any] = {"text": redact_text(event.text).text}
        if isinstance(event, TurnEvent) and event.words:
            changes["words"] = redact_words(event.words)
        return event.model_copy(update=changes)

    async def start(
        self, conversation_id: str, event: StartEvent, viewer: Viewer, own: Subscriber
    ) -> LiveConversation:
        """Open a conversation for a start event from `viewer`, `own` (its feed socket)
        subscribed (LiveError when refused)."""
        if event.seq != 1:
            raise LiveError(
                "out_of_order",
                f"a conversation starts with seq 1, got {event.seq}",
                event=event.seq,
                expected=1,
            )
        event = await self._authorise_start(event, viewer)
        session = self._session(conversation_id, event)
        try:
            # inline, like the event writes: on a thread it would queue for the GIL
            record = self.store.start_live_session(
                session.conversation,
                seq=event.seq,
                payload=event.model_dump_json(),
                user_id=viewer.user_id,
            )
        except Conflict:
            raise LiveError(
                "already_started",
                f"conversation {conversation_id!r} was started in another process",
                event=event.seq,
            ) from None
        session.started_at = record.started_at
        live = LiveConversation(
            conversation_id=conversation_id, record=record, session=session, last_event=event.seq
        )
        self.conversations[conversation_id] = live
        self._forget_ended()
        live.subscribers.add(own)
        live.publish(AckFrame(event=event.seq))
        return live

    async def _authorise_start(self, event: StartEvent, viewer: Viewer) -> StartEvent:
        """The start event with the agent filled in for an agent; LiveError(forbidden) when
        `viewer` may not feed a conversation of that agent."""
        if viewer.role == UserRole.ADMIN:
            return event
        if viewer.role == UserRole.AGENT:
            mine = (
                await asyncio.to_thread(self.store.agent_external_id, viewer.agent_id)
                if viewer.agent_id is not None
                else None
            )
            if mine is None:
                raise LiveError("forbidden", "your user is not linked to an agent")
            if event.agent_id is None:
                return event.model_copy(update={"agent_id": mine})
            if event.agent_id != mine:
                raise LiveError(
                    "forbidden", f"start.agent_id {event.agent_id!r} is not your agent ({mine!r})"
                )
            return event
        if event.agent_id is None:
            raise LiveError("forbidden", "start.agent_id is needed: an agent of your teams")
        found = await asyncio.to_thread(self.store.live_agent, event.agent_id)
        if found is None or found[1] not in viewer.team_ids:
            raise LiveError(
                "forbidden", f"start.agent_id {event.agent_id!r} is not an agent of your teams"
            )
        return event

    async def feed(
        self, conversation_id: str, raw: str | bytes, viewer: Viewer, own: Subscriber
    ) -> LiveConversation | None:
        """Handle one message of a feed socket: frames go to the conversation's subscribers
        (`own` among them once the conversation exists), refusals to `own` only. Returns the
        conversation (None while it does not exist)."""
        live: LiveConversation | None = None
        try:
            live = await self.find(conversation_id, viewer=viewer, feed=True)
            event = parse_event(raw)
            if live is None:
                if not isinstance(event, StartEvent):
                    raise LiveError(
                        "unknown_conversation",
                        f"conversation {conversation_id!r} was never started: "
                        "send a start event with seq 1 first",
                        event=event.seq,
                        expected=1,
                    )
                async with self._loading.setdefault(conversation_id, asyncio.Lock()):
                    live = self.conversations.get(conversation_id)
                    if live is None:
                        return await self.start(conversation_id, event, viewer, own)
                if not live.may_feed(viewer):  # started by someone else meanwhile
                    raise LiveError("forbidden", "you may not feed this conversation")
            live.subscribers.add(own)
            async with live.lock:
                await self._feed_event(live, event, own)
        except LiveError as exc:
            own.put(exc.frame())
        return live

    async def _feed_event(self, live: LiveConversation, event: Any, own: Subscriber) -> None:
        if event.seq <= live.last_event:
            own.put(AckFrame(event=event.seq, duplicate=True).model_dump_json())
            return
        if event.seq != live.last_event + 1:
            raise LiveError(
                "out_of_order",
                f"event {event.seq} arrived but {live.last_event + 1} is next",
                event=event.seq,
                expected=live.last_event + 1,
            )
        if live.session.ended:
            raise LiveError("ended", "the conversation has ended", event=event.seq)
        if isinstance(event, StartEvent):
            raise LiveError(
                "already_started", "the conversation has started already", event=event.seq
            )
        metrics = self.metrics
        metrics.watch_loop()
        began, began_cpu = time.perf_counter(), time.thread_time()
        with metrics.timed("redact"):
            event = self._redacted(event)
        # Written before anything is sent, so an ack means the event is durable. The write
        # runs on the event loop: a commit takes 1–3 ms, and on a thread it would wait for
        # the GIL behind every analysis (measured: p50 30 ms instead of 2.4 ms at 50 sessions).
        try:
            with metrics.timed("store"):
                self.store.add_live_events(
                    [(live.record.id, event.seq, event.type, event.model_dump_json())]
                )
        except Exception as exc:
            log.warning("live: event %s of %s not stored: %s", event.seq, live.conversation_id, exc)
            raise LiveError(
                "store_error",
                f"event {event.seq} could not be stored ({type(exc).__name__}); send it again",
                event=event.seq,
                expected=event.seq,
            ) from None
        live.last_event = event.seq
        live.touched = time.monotonic()
        with metrics.timed("analyse"):
            update = await self._apply_deferred(live, event)
        with metrics.timed("publish"):
            self._publish_update(live, event.seq, update)
        metrics.add("event", (time.perf_counter() - began) * 1000)
        metrics.add("event_cpu", (time.thread_time() - began_cpu) * 1000)
        self._collect_soon()
        if isinstance(event, EndEvent):
            with metrics.timed("end_save"):
                await self._end(live, event.seq, update)

    def _collect_soon(self) -> None:
        """Collect the young garbage right after this event's frames go out, while it is small.

        Left to its thresholds, the collector ran mid-event on a young generation of ~30,000
        objects (5–30 ms, a stall for every session): each event frees the previous analysis
        of its session, old by then, and CPython counts every freed object against the young
        generation's allocations, so the threshold was reached only after many events'
        survivors had piled up. Collected after every event it holds one analysis' survivors
        (a young collection then takes ~0.02 ms, the middle one every 10th event ~0.3 ms;
        measured in-process over 200 interleaved STAR replays)."""
        self._applied += 1
        generation = 1 if self._applied % COLLECT_OLDER_EVERY == 0 else 0
        asyncio.get_running_loop().call_soon(gc.collect, generation)

    def _apply(self, live: LiveConversation, event: Any) -> LiveUpdate:
        """Apply an event, sentence embeddings computed where the analysis asks (rebuilds,
        on a thread)."""
        try:
            return live.session.apply(event)
        except Exception:  # a detector failing must not take the session down
            return self._unanalysed(live, event)

    async def _apply_deferred(self, live: LiveConversation, event: Any) -> LiveUpdate:
        """Apply an event on the loop with the sentence encoder kept off it: the analysis
        runs inside `heard.embed.deferred()`; the texts it lacks are encoded on a thread
        while other sessions' events go on, then the analysis runs again (`resume`); after
        RESUME_ATTEMPTS rounds what is still missing is encoded on the loop."""
        from heard import embed

        session = live.session
        step = partial(session.apply, event)
        for attempt in range(RESUME_ATTEMPTS + 1):
            try:
                if attempt == RESUME_ATTEMPTS:
                    return step()
                with embed.deferred():
                    return step()
            except embed.EmbeddingsNeeded as need:
                await asyncio.to_thread(embed.encode, need.texts)
                step = session.resume
            except Exception:  # a detector failing must not take the session down
                return self._unanalysed(live, event)
        raise AssertionError("unreachable: the last attempt returns or fails")

    @staticmethod
    def _unanalysed(live: LiveConversation, event: Any) -> LiveUpdate:
        log.exception("live: event %s of %s could not be analysed", event.seq, live.conversation_id)
        live.session.abandon()
        return LiveUpdate()

    @staticmethod
    def _publish_update(live: LiveConversation, seq: int, update: LiveUpdate) -> None:
        live.publish(AckFrame(event=seq))
        for nudge in update.nudges:
            live.nudges.append(nudge)
            live.publish(NudgeFrame(event=seq, nudge=nudge))
        for adoption in update.adoptions:
            live.publish(AdoptionFrame(event=seq, adoption=adoption))
        if update.state is not None:
            live.publish(StateFrame(event=seq, state=update.state))

    async def _end(self, live: LiveConversation, seq: int, update: LiveUpdate) -> None:
        """Store the finished conversation through the normal ingest, then say so."""
        owner = live.record.user_id
        # On the loop, like the event writes: on a thread the save waited for the GIL while
        # holding SQLite's write lock, and the loop's next event write waited for that lock —
        # the loop stalled up to 0.9 s (`heard bench live`, 200 sessions; the end-save's wall
        # time tracked the loop's worst lag run after run). The session's own analysis of the
        # final turns is stored when redacting the conversation again changes nothing (its
        # turns were redacted as they arrived), so the conversation is not analysed twice.
        conversation = live.session.conversation
        analysis = live.session.analysis
        redacted = self._redacted_again(conversation)
        if analysis is not None and redacted is not None:
            report = self.store.ingest(
                [redacted], user_id=owner, analysed=[card_rows(analysis.scorecard)]
            )
        else:
            report = self.store.ingest([conversation], redact=self.redact, user_id=owner)
        live.stored_id = report.items[0].id if report.items else None
        self.store.end_live_session(live.record.id, stored_id=live.stored_id)
        live.ended_at = time.monotonic()
        scorecard = update.scorecard or (
            live.session.analysis.scorecard if live.session.analysis else None
        )
        if scorecard is not None:
            live.publish(EndedFrame(event=seq, scorecard=scorecard, stored_id=live.stored_id))

    def _redacted_again(self, conversation: Conversation) -> Conversation | None:
        """The conversation as ingest would store it, when that leaves its turns' text and
        words as the session analysed them (redaction found nothing more); else None."""
        if not self.redact:
            return conversation
        from heard.redact import redact_conversation

        again = redact_conversation(conversation)
        same = all(
            a.text == b.text and a.words == b.words
            for a, b in zip(again.turns, conversation.turns, strict=True)
        )
        return again if same else None

    def _forget_ended(self) -> None:
        """Drop from memory the conversations nobody listens to that ended a while ago or
        went quiet (their events are in the store)."""
        now = time.monotonic()
        for key, live in list(self.conversations.items()):
            if live.subscribers:
                continue
            ended = live.ended_at is not None and live.ended_at < now - ENDED_KEPT_SECONDS
            if ended or live.touched < now - IDLE_SECONDS:
                del self.conversations[key]
                self._loading.pop(key, None)

    # ------------------------------------------------------------------ supervisors

    async def hint(
        self, live: LiveConversation, text: str, *, author: str | None, user_id: int | None
    ) -> Hint:
        """A private hint to the agent: stored, audited, sent to the watch streams."""
        if self.redact:
            from heard.redact import redact_text

            text = redact_text(text).text
        async with live.lock:
            hint = Hint(id=f"h{len(live.hints) + 1}", text=text, author=author)
            await asyncio.to_thread(
                self.store.add_live_hint,
                live.record.id,
                payload=hint.model_dump_json(),
                user_id=user_id,
            )
            live.hints.append(hint)
            live.publish(HintFrame(hint=hint))
        return hint

    def visible(self, viewer: Viewer) -> Iterable[LiveConversation]:
        """The conversations still live that `viewer` may watch."""
        return [
            live
            for live in self.conversations.values()
            if not live.session.ended and live.may_watch(viewer)
        ]

    @staticmethod
    def transcript(live: LiveConversation) -> list[Turn]:
        return list(live.session.turns)


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
