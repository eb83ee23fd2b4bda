"""The live hub: every conversation in progress in this process, its sequence numbers, the
frames it sent and who is listening. The WebSocket routes and the REST routes talk to it;
it writes each applied event to the store before acknowledging it.

Sequence rules (docs/live.md): event `seq` is applied when it is the last applied + 1; a
repeat is acknowledged again with `duplicate` and not applied; a gap is refused with
`out_of_order` naming the number expected. Applied events produce numbered server frames
(ack, nudge, adoption, state, ended, summary; hint frames from supervisors), kept in a bounded
log so a client reconnecting with `since=N` gets what it missed. Frames about one client's
mistakes (error, duplicate ack) and the hello frame go to that client only and carry no number.

The store is the source of truth across restarts: a conversation not in memory is rebuilt
from its stored events (replayed through a new LiveSession, which gives the same frames).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from heard.ingest import IngestService, card_rows
from heard.live.audio import (
    RATE,
    AudioEvent,
    AudioFrame,
    AudioSettings,
    CallAudio,
    Recognition,
    is_audio,
)
from heard.live.conversations import (
    LiveConversation,
    LiveKey,
    Subscriber,
    live_scopes,
    may_feed,
    may_watch,
)
from heard.live.errors import LiveError
from heard.live.events import (
    AckFrame,
    AdoptionFrame,
    EndedFrame,
    EndEvent,
    Event,
    Hint,
    HintFrame,
    NudgeFrame,
    PartialEvent,
    StartEvent,
    StateFrame,
    TickEvent,
    TurnEvent,
    TurnFrame,
)
from heard.live.limits import LiveLimits
from heard.live.metrics import LiveMetrics
from heard.live.nudges import NudgePolicy
from heard.live.recording import CallTape, keep_redacted
from heard.live.redaction import LiveRedaction
from heard.live.session import LiveSession, LiveUpdate
from heard.live.summary import summarise
from heard.model import Channel, Conversation, Role, Turn
from heard.model.values import describe
from heard.store import Conflict, Store, StoreError, UserRole, Viewer, accounts, live_sessions
from heard.store.records import LiveSessionRecord

log = logging.getLogger(__name__)

ENDED_KEPT_SECONDS = 600.0
"""How long an ended conversation stays in memory (for late watchers and the REST view)."""
IDLE_SECONDS = 1800.0
"""A live conversation without events or sockets for this long leaves memory (it stays in
the store and is rebuilt when a client comes back)."""

RESUME_ATTEMPTS = 3
"""Rounds of encoding off the loop per event before the rest is encoded on it (each round
serves one detector's request; two detectors use sentence embeddings today)."""
OFF_LOOP_CHARS = 6_000
"""A conversation holding this many characters of text (its turns so far and the event) has
its events redacted and analysed on a worker thread. Each event re-analyses the conversation
so far, which on the loop stalls every session: measured on a quiet 2-core machine with the
small encoder, 2,000 characters take 7 ms, 8,000 26 ms, 12,000 43 ms and one 20,000-character
turn 100–110 ms — and every later event of that conversation as much again. On a thread the
loop's longest stall for such an event is 16–31 ms on a busy machine (the GIL's switch
interval and the parts still on the loop: parsing, the store write, the frames). Every STAR
chat (3,671 characters at most) stays on the loop, where an event waits for no thread."""
COLLECT_OLDER_EVERY = 10
"""After every event the hub runs the garbage collector's youngest generation, and after
every `COLLECT_OLDER_EVERY`-th the middle one too (see `LiveHub._collect_soon`)."""

_EVENT = TypeAdapter(Event)


def parse_event(
    raw: str | bytes, *, limits: LiveLimits | None = None, expected: int | None = None
) -> Any:
    """A client event from one WebSocket message (LiveError bad_json / bad_event, too_large
    when the message, or the event's text or words, exceed `limits`, checked before parsing
    and validating; `expected` is the seq the server expects next, for that error)."""
    limits = limits or LiveLimits()
    if (excess := limits.message_excess(raw)) is not None:
        raise LiveError("too_large", excess, expected=expected)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise LiveError("bad_json", f"the message is not JSON: {exc}") from None
    seq = data.get("seq") if isinstance(data, dict) else None
    if (excess := limits.event_excess(data)) is not None:
        event = seq if isinstance(seq, int) else None
        raise LiveError("too_large", excess, event=event, expected=expected)
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
        self,
        store: Store,
        ingest: IngestService,
        *,
        redact: bool = True,
        policy: NudgePolicy | None = None,
        limits: LiveLimits | None = None,
        name_key: bytes | None = None,
        audio: AudioSettings | None = None,
    ) -> None:
        self.store = store
        self.ingest = ingest  # stores ended conversations; its analyzer analyses live ones
        self.redact = redact
        self.redaction = LiveRedaction(
            enabled=redact, names=ingest.redact_names, key=name_key or secrets.token_bytes(32)
        )
        """What is redacted before it is stored or sent; customer names as the store does.
        `name_key` (from the server's secret key) keys the name digests a stored start
        event keeps: with a key of its own, a restarted hub could not read them."""
        self.policy = policy or NudgePolicy()
        """When and which nudges each session gives (the `HEARD_LIVE_*` settings)."""
        self.limits = limits or LiveLimits()
        """How big one event may be (the `HEARD_LIVE_MAX_*` settings)."""
        self.conversations: dict[LiveKey, LiveConversation] = {}
        """In memory, by (team id or 0, conversation id): a live id holds within its team."""
        self._teams_of: dict[str, set[int]] = defaultdict(set)
        """Conversation id → the teams (0: none) whose conversation of that id is in memory."""
        self.metrics = LiveMetrics()
        """Event-loop lag and per-phase time of each event (`GET /api/v1/live-metrics`)."""
        self.recognition = Recognition(audio)
        """Speech recognition of calls' audio frames (the `HEARD_LIVE_AUDIO_*` settings)."""
        self._loading: dict[str, asyncio.Lock] = {}
        self._applied = 0

    # ------------------------------------------------------------------ finding and rebuilding

    async def find(
        self, conversation_id: str, *, viewer: Viewer | None = None, feed: bool = False
    ) -> LiveConversation | None:
        """The conversation with this id in a team `viewer` may reach (`live_scopes`), in
        memory, else rebuilt from the store, else None. With `viewer`, LiveError(forbidden)
        when they may not watch it (or feed it, with `feed`), checked before anything is
        rebuilt; LiveError(ambiguous) when several of the teams they reach have one (an admin,
        or a lead of several teams, before any of them is in memory). Another team's live
        conversation of the same id is out of reach: None, exactly as when there is none."""
        allowed = may_feed if feed else may_watch
        scopes = live_scopes(viewer)
        found = self.in_memory(conversation_id, scopes)
        if not found:
            found = await self._load(conversation_id, scopes, viewer, allowed)
        if len(found) > 1:
            raise LiveError(
                "ambiguous",
                f"conversation {conversation_id!r} is live in {len(found)} teams you may reach; "
                "live ids hold within a team",
            )
        live = found[0] if found else None
        if live is not None and viewer is not None and not allowed(live.record, viewer):
            raise LiveError(
                "forbidden", f"you may not {'feed' if feed else 'watch'} this conversation"
            )
        return live

    def in_memory(
        self, conversation_id: str, scopes: Sequence[int] | None = None
    ) -> list[LiveConversation]:
        """The conversations in memory with this id, in the teams `scopes` names (None: all)."""
        teams = self._teams_of.get(conversation_id, ())
        return [
            self.conversations[(team, conversation_id)]
            for team in sorted(teams)
            if scopes is None or team in scopes
        ]

    def _remember(self, live: LiveConversation) -> None:
        self.conversations[live.key] = live
        self._teams_of[live.conversation_id].add(live.key[0])

    def _forget(self, key: LiveKey) -> None:
        live = self.conversations.pop(key, None)
        if live is not None and live.audio is not None and live.audio.tape is not None:
            live.audio.tape.close()  # a call never ended: its audio is not kept
        teams = self._teams_of.get(key[1])
        if teams is not None:
            teams.discard(key[0])
            if not teams:
                del self._teams_of[key[1]]
                self._loading.pop(key[1], None)

    async def _load(
        self,
        conversation_id: str,
        scopes: Sequence[int] | None,
        viewer: Viewer | None,
        allowed: Callable[[LiveSessionRecord, Viewer], bool],
    ) -> list[LiveConversation]:
        lock = self._loading.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            found = self.in_memory(conversation_id, scopes)
            if found:
                return found
            records = await asyncio.to_thread(
                live_sessions.live_sessions, self.store, conversation_id, scopes=scopes
            )
            if not records:
                return []
            if len(records) > 1:
                raise LiveError(
                    "ambiguous",
                    f"conversation {conversation_id!r} is live in {len(records)} teams you may "
                    "reach; live ids hold within a team",
                )
            (record,) = records
            if viewer is not None and not allowed(record, viewer):
                raise LiveError("forbidden", "you may not use this conversation")
            live = await asyncio.to_thread(self._rebuild, record)
            self._remember(live)
            return [live]

    def _rebuild(self, record: LiveSessionRecord) -> LiveConversation:
        """Replay the stored events of a session through a new LiveSession: the same state
        and the same numbered frames as before the restart."""
        events = live_sessions.live_events(self.store, record.id)
        start, name = self.redaction.read_start(events[0].payload)
        live = LiveConversation(
            conversation_id=record.conversation_id,
            record=record,
            session=self._session(record.conversation_id, start),
            last_event=start.seq,
            name=name,
        )
        live.session.started_at = record.started_at
        live.publish(AckFrame(event=start.seq))
        for stored in events[1:]:
            if stored.type == "audio":
                self._rebuild_audio(live, AudioEvent.model_validate_json(stored.payload))
                continue
            if stored.seq is None:
                hint = Hint.model_validate_json(stored.payload)
                live.hints.append(hint)
                live.publish(HintFrame(hint=hint))
                continue
            event = _EVENT.validate_json(stored.payload)
            live.last_event = event.seq
            update = self._apply(live, event)
            self._publish_update(live, update, event=event.seq)
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
                summarise(live, self.store, self.redaction, live.last_event)
        return live

    def _rebuild_audio(self, live: LiveConversation, stored: AudioEvent) -> None:
        """Apply a stored event made from the audio again; note how far the audio got."""
        event = stored.event
        live.audio_seq = stored.audio_seq
        update = self._apply(live, event)
        self._publish_update(live, update, audio_seq=stored.audio_seq, turn=event)
        if isinstance(event, TurnEvent) and event.end is not None:
            covered = {event.role: round(event.end * 16_000)}
        else:
            covered = dict.fromkeys((Role.AGENT, Role.CUSTOMER), round(event.time * 16_000))
        for role, samples in covered.items():
            live.audio_from[role] = max(live.audio_from.get(role, 0), samples)

    def _session(self, conversation_id: str, start: StartEvent) -> LiveSession:
        return LiveSession(
            conversation_id, start, analyzer=self.ingest.analyzer(), policy=self.policy
        )

    # ------------------------------------------------------------------ subscribing

    def subscribe(
        self,
        live: LiveConversation,
        *,
        watch: bool,
        since: int | None,
        viewer: Viewer | None = None,
    ) -> tuple[Subscriber, list[str]]:
        """A new subscriber (`viewer` listening) and the logged frames after `since` it should
        get first (taken together, so no frame is missed or sent twice)."""
        backlog = live.since(since, watch=watch, viewer=viewer) if since is not None else []
        subscriber = Subscriber(watch=watch, viewer=viewer)
        live.subscribers.add(subscriber)
        return subscriber, backlog

    @staticmethod
    def unsubscribe(live: LiveConversation | None, subscriber: Subscriber | None) -> None:
        if live is not None and subscriber is not None:
            live.subscribers.discard(subscriber)

    def subscribed(self, conversation_id: str, subscriber: Subscriber) -> LiveConversation | None:
        """The conversation with this id that `subscriber` listens to (None: none yet, as for
        a feed socket before its start event)."""
        for live in self.in_memory(conversation_id):
            if subscriber in live.subscribers:
                return live
        return None

    # ------------------------------------------------------------------ feeding

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
        event, name = self.redaction.start(event)
        session = self._session(conversation_id, event)
        try:
            # inline, like the event writes: on a thread it would queue for the GIL
            record = live_sessions.start_live_session(
                self.store,
                session.conversation,
                seq=event.seq,
                payload=self.redaction.start_payload(event, name),
                user_id=viewer.user_id,
                viewer=viewer,
            )
        except Conflict:
            raise LiveError(
                "already_started",
                f"conversation {conversation_id!r} of this team was started already "
                "(by another connection or process)",
                event=event.seq,
            ) from None
        except StoreError as exc:  # its ingest at the end would be refused: refuse it now
            raise LiveError("forbidden", exc.message, event=event.seq) from None
        session.started_at = record.started_at
        live = LiveConversation(
            conversation_id=conversation_id,
            record=record,
            session=session,
            last_event=event.seq,
            name=name,
        )
        self._remember(live)
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
                await asyncio.to_thread(
                    live_sessions.agent_external_id, self.store, viewer.agent_id
                )
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
        found = await asyncio.to_thread(
            live_sessions.live_agent, self.store, event.agent_id, teams=viewer.team_ids
        )
        if found is None:
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
        if is_audio(raw):
            return await self._feed_audio(conversation_id, bytes(raw), viewer, own)
        live: LiveConversation | None = None
        try:
            live = await self.find(conversation_id, viewer=viewer, feed=True)
            expected = live.last_event + 1 if live is not None else 1
            event = parse_event(raw, limits=self.limits, expected=expected)
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
                    mine = self.in_memory(conversation_id, live_scopes(viewer))
                    if not mine:
                        return await self.start(conversation_id, event, viewer, own)
                    live = mine[0]
                if not live.may_feed(viewer):  # started by someone else meanwhile
                    raise LiveError("forbidden", "you may not feed this conversation")
            live.subscribers.add(own)
            if (
                isinstance(event, EndEvent)
                and live.audio is not None
                and event.seq == live.last_event + 1
                and not live.session.ended
            ):
                await live.audio.finish()  # the last utterances are turns before the end
            async with live.lock:
                await self._feed_event(live, event, own)
        except LiveError as exc:
            own.put(exc.frame())
        return live

    async def _feed_audio(
        self, conversation_id: str, raw: bytes, viewer: Viewer, own: Subscriber
    ) -> LiveConversation | None:
        """Handle one audio frame of a feed socket (heard.live.audio): refusals go to `own`."""
        live: LiveConversation | None = None
        try:
            frame = AudioFrame.parse(raw)
            live = await self.find(conversation_id, viewer=viewer, feed=True)
            if live is None:
                raise LiveError(
                    "unknown_conversation",
                    f"conversation {conversation_id!r} was never started: send a start event "
                    "(JSON, seq 1) before its audio",
                    expected=1,
                )
            live.subscribers.add(own)
            if live.session.ended:
                raise LiveError("ended", "the conversation has ended: no more audio is taken")
            if live.session.start.channel != Channel.CALL:
                raise LiveError(
                    "bad_audio",
                    f"audio frames are for calls; this conversation's channel is "
                    f"{live.session.start.channel.value}",
                )
            if live.audio is None:
                self.recognition.recogniser()  # LiveError audio_unavailable without the extra
                live.audio = CallAudio(
                    apply=partial(self.apply_audio, live),
                    complain=partial(self._complain, live),
                    recognition=self.recognition,
                    metrics=self.metrics,
                    start=dict(live.audio_from),
                    # kept redacted at the end; not after a restart (the audio before it is lost)
                    tape=CallTape(RATE)
                    if self.redact and self.recognition.settings.keep and not live.audio_from
                    else None,
                )
                self.recognition.warm()
            live.touched = time.monotonic()
            await live.audio.take(frame)
        except LiveError as exc:
            own.put(exc.frame())
        return live

    @staticmethod
    def _complain(live: LiveConversation, error: LiveError) -> None:
        """Tell the conversation's feed sockets about a failure of the audio's own events."""
        for subscriber in list(live.subscribers):
            if not subscriber.watch:
                subscriber.put(error.frame())

    async def apply_audio(self, live: LiveConversation, event: TurnEvent | TickEvent) -> None:
        """Apply an event made from the call's audio: numbered (`audio_seq`), redacted, stored,
        analysed and published like a client's event, with a turn frame for a turn."""
        async with live.lock:
            if live.session.ended:
                return
            await self._take(live, event, audio_seq=live.audio_seq + 1)

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
        update = await self._take(live, event, seq=event.seq)
        if isinstance(event, EndEvent):
            with self.metrics.timed("end_save"):
                await self._end(live, event.seq, update)

    async def _take(
        self,
        live: LiveConversation,
        event: Any,
        *,
        seq: int | None = None,
        audio_seq: int | None = None,
    ) -> LiveUpdate:
        """Redact, store, analyse and publish one event: the client's event `seq`, or the
        event `audio_seq` made from the audio."""
        metrics = self.metrics
        metrics.watch_loop()
        began, began_cpu = time.perf_counter(), time.thread_time()
        heavy = self._heavy(live, event)
        with metrics.timed("redact"):
            event = (
                await asyncio.to_thread(self.redaction.event, event, live.name)
                if heavy
                else self.redaction.event(event, live.name)
            )
        # Written before anything is sent, so an ack means the event is durable. The write
        # runs on the event loop: a commit takes 1–3 ms, and on a thread it would wait for
        # the GIL behind every analysis (measured: p50 30 ms instead of 2.4 ms at 50 sessions).
        if audio_seq is None:
            row = (live.record.id, seq, event.type, event.model_dump_json())
        else:
            stored = AudioEvent(audio_seq=audio_seq, event=event).model_dump_json()
            row = (live.record.id, None, "audio", stored)
        try:
            with metrics.timed("store"):
                live_sessions.add_live_events(self.store, [row])
        except Exception as exc:
            which = f"event {seq}" if audio_seq is None else f"audio event {audio_seq}"
            log.warning("live: %s of %s not stored: %s", which, live.conversation_id, exc)
            raise LiveError(
                "store_error",
                f"{which} could not be stored ({type(exc).__name__})"
                + ("; send it again" if audio_seq is None else ": it is left out"),
                event=seq,
                expected=seq,
            ) from None
        if audio_seq is None:
            live.last_event = event.seq
        else:
            live.audio_seq = audio_seq
        live.touched = time.monotonic()
        with metrics.timed("analyse"):
            if heavy:
                update = await asyncio.to_thread(self._apply, live, event)
            else:
                update = await self._apply_deferred(live, event)
        with metrics.timed("publish"):
            self._publish_update(live, update, event=seq, audio_seq=audio_seq, turn=event)
        metrics.add("event", (time.perf_counter() - began) * 1000)
        metrics.add("event_cpu", (time.thread_time() - began_cpu) * 1000)
        self._collect_soon()
        return update

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

    @staticmethod
    def _heavy(live: LiveConversation, event: Any) -> bool:
        """Whether the conversation with this event holds `OFF_LOOP_CHARS` of text or more:
        then the event is redacted and analysed on a worker thread, not on the loop."""
        size = len(event.text) if isinstance(event, TurnEvent | PartialEvent) else 0
        for turn in live.session.turns:
            size += len(turn.text)
            if size >= OFF_LOOP_CHARS:
                return True
        return size >= OFF_LOOP_CHARS

    def _apply(self, live: LiveConversation, event: Any) -> LiveUpdate:
        """Apply an event, sentence embeddings computed where the analysis asks (rebuilds
        and large conversations, on a thread)."""
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
    def _publish_update(
        live: LiveConversation,
        update: LiveUpdate,
        *,
        event: int | None = None,
        audio_seq: int | None = None,
        turn: Any = None,
    ) -> None:
        """The frames of an applied event: an ack of the client's event `event`, or for the
        event `audio_seq` made from the audio a turn frame when it was a turn; then nudges,
        adoptions and the state."""
        if audio_seq is None:
            live.publish(AckFrame(event=event))
        elif isinstance(turn, TurnEvent) and live.session.turns:
            live.publish(TurnFrame(audio_seq=audio_seq, turn=live.session.turns[-1]))
        cause = {"event": event, "audio_seq": audio_seq}
        for nudge in update.nudges:
            live.nudges.append(nudge)
            live.publish(NudgeFrame(**cause, nudge=nudge))
        for adoption in update.adoptions:
            live.publish(AdoptionFrame(**cause, adoption=adoption))
        if update.state is not None:
            live.publish(StateFrame(**cause, state=update.state))

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
        if self._heavy(live, None):
            redacted = await asyncio.to_thread(self._redacted_again, conversation)
        else:
            redacted = self._redacted_again(conversation)
        # stored as whoever started it may store it (checked at the start already)
        viewer = (
            accounts.get_user(self.store, owner).viewer() if owner is not None else Viewer.system()
        )
        # the scorecard stored, when it is stored as the session analysed it
        stored = analysis.scorecard if analysis is not None and redacted is not None else None
        try:
            report = self.ingest.ingest(
                [conversation if redacted is None or stored is None else redacted],
                redact=self.redact,
                user_id=owner,
                analysed=None if stored is None else [card_rows(stored)],
                viewer=viewer,
            )
        except StoreError as exc:
            message = f"the conversation was not stored: {exc.message}"
            raise LiveError("store_error", message, event=seq) from None
        live.stored_id = report.items[0].id if report.items else None
        live_sessions.end_live_session(self.store, live.record.id, stored_id=live.stored_id)
        live.ended_at = time.monotonic()
        if live.audio is not None and live.audio.tape and live.stored_id is not None:
            tape, live.audio.tape = live.audio.tape, None  # kept as its redacted copy, deleted
            as_stored = redacted or self.redaction.conversation(conversation)
            await asyncio.to_thread(
                keep_redacted, self.store, tape, as_stored, live.stored_id, user_id=owner
            )
        scorecard = update.scorecard or (
            live.session.analysis.scorecard if live.session.analysis else None
        )
        if scorecard is not None:
            live.publish(EndedFrame(event=seq, scorecard=scorecard, stored_id=live.stored_id))
            summarise(live, self.store, self.redaction, seq, stored=stored)

    def _redacted_again(self, conversation: Conversation) -> Conversation | None:
        """The conversation as ingest would store it, when that leaves its turns' text and
        words as the session analysed them (redaction found nothing more); else None."""
        again = self.redaction.conversation(conversation)
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
                self._forget(key)

    # ------------------------------------------------------------------ supervisors

    async def hint(
        self, live: LiveConversation, text: str, *, author: str | None, user_id: int | None
    ) -> Hint:
        """A private hint to the agent: stored, audited, sent to the watch streams (personal
        data and the customer's name replaced as in the turns)."""
        text, redacted = self.redaction.hint(text, live.name)
        async with live.lock:
            hint = Hint(id=f"h{len(live.hints) + 1}", text=text, author=author)
            await asyncio.to_thread(
                live_sessions.add_live_hint,
                self.store,
                live.record.id,
                payload=hint.model_dump_json(),
                user_id=user_id,
                detail=redacted,
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
