"""`heard live …`: live coaching from the command line; `heard live replay` streams stored
conversations as live events (and call recordings as live audio, to a server) and prints the
turns and nudges as they arrive."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from heard.cli.importing import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, check_format, run_imports
from heard.cli.output import JsonOpt, console, errors, print_json
from heard.importers import ImportOptions
from heard.language.names import name
from heard.live.adoption import KindAdoption, combine
from heard.live.replay import EventSink, LiveEvent, ReplayRun, percentile, replay
from heard.live.session import LiveUpdate
from heard.model import Conversation

if TYPE_CHECKING:
    from heard.analysis import Analyzer

app = typer.Typer(help="Live coaching: replay conversations as live events.", no_args_is_help=True)

SinkFactory = Callable[[Conversation], EventSink]
"""Makes the event sink of one conversation (in process, or a WebSocket client)."""


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "  -  "
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _printer() -> Callable[[LiveEvent, LiveUpdate], None]:
    def show(event: LiveEvent, update: LiveUpdate) -> None:
        for nudge in update.nudges:
            where = f"turn {nudge.turn}" if nudge.turn is not None else "start"
            colour = {"urgent": "red", "warn": "yellow", "info": "cyan"}[nudge.severity]
            console.print(
                f"  {_clock(nudge.time)} {where:>8}  [{colour}]{nudge.severity:<6}[/{colour}] "
                f"{escape(nudge.label)}: {escape(nudge.message)}",
                soft_wrap=True,  # one line per nudge, whatever the terminal's width
            )
            if nudge.suggestion:
                console.print(
                    f"                    try: {escape(nudge.suggestion)}", soft_wrap=True
                )
        for adoption in update.adoptions:
            mark = "[green]adopted[/green]" if adoption.adopted else "[dim]not adopted[/dim]"
            at = f" at turn {adoption.turn}" if adoption.turn is not None else ""
            console.print(
                f"                    {adoption.nudge} ({name('nudge', adoption.kind)}) {mark}{at}",
                soft_wrap=True,
            )

    return show


def adoption_table(report: dict[str, KindAdoption]) -> Table:
    table = Table(title="adoption by nudge kind")
    for column in ("kind", "shown", "decided", "adopted", "rate"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for kind in report.values():
        rate = f"{100 * kind.rate:.0f}%" if kind.rate is not None else "-"
        table.add_row(
            name("nudge", kind.kind), str(kind.shown), str(kind.decided), str(kind.adopted), rate
        )
    return table


def summary(runs: list[ReplayRun]) -> dict[str, object]:
    latencies = [x for run in runs for x in run.latencies]
    nudges = sum(len(run.nudges) for run in runs)
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    return {
        "conversations": len(runs),
        "events": len(latencies),
        "nudges": nudges,
        "nudges_per_conversation": round(nudges / len(runs), 2) if runs else None,
        "latency_ms": {
            "p50": round(1000 * p50, 2) if p50 is not None else None,
            "p99": round(1000 * p99, 2) if p99 is not None else None,
            "max": round(1000 * max(latencies), 2) if latencies else None,
        },
        "adoption": {
            k: v.model_dump() for k, v in combine([r.adoption_report() for r in runs]).items()
        },
    }


def run_replays(
    conversations: list[Conversation],
    *,
    speed: float,
    as_json: bool,
    sink_for: SinkFactory,
) -> list[ReplayRun]:
    """Replay each conversation through the sink `sink_for` makes, printing as it goes."""
    runs = []
    for conversation in conversations:
        if not as_json:
            console.print(
                f"[bold]{escape(conversation.id)}[/bold] ({conversation.channel.value}, "
                f"{len(conversation.turns)} turns)"
            )
        runs.append(
            replay(
                conversation,
                sink_for(conversation),
                speed=speed,
                on_update=None if as_json else _printer(),
            )
        )
    return runs


def in_process(conversation: Conversation) -> EventSink:
    """The default sink: a LiveSession in this process, with the policy from settings."""
    from heard.live.nudges import NudgePolicy
    from heard.live.replay import session_sink

    return session_sink(conversation.id, analyzer=_analyzer(), policy=NudgePolicy.from_settings())


def frame_printer() -> Callable[[dict[str, object]], None]:
    """Prints the frames of the live WebSocket as they arrive: recognised turns, nudges,
    adoptions, error frames and the end."""
    from heard.live.events import Adoption, Nudge

    show = _printer()

    def on_frame(frame: dict[str, object]) -> None:
        kind = frame["type"]
        if kind == "turn":
            turn: dict[str, object] = frame["turn"]  # type: ignore[assignment]
            start = turn["start"]
            console.print(
                f"  {_clock(start if isinstance(start, float | int) else None)} "
                f"{turn['role']:>8}  {escape(str(turn['text']))}",
                soft_wrap=True,
                highlight=False,
            )
        elif kind == "nudge":
            show(None, LiveUpdate(nudges=[Nudge.model_validate(frame["nudge"])]))  # type: ignore[arg-type]
        elif kind == "adoption":
            show(None, LiveUpdate(adoptions=[Adoption.model_validate(frame["adoption"])]))  # type: ignore[arg-type]
        elif kind == "error":
            errors.print(f"[red]error frame[/red] {escape(str(frame['message']))}")
        elif kind == "ended":
            console.print(f"  ended: stored as conversation {frame['stored_id']}")

    return on_frame


ReplayRunner = Callable[[Conversation], ReplayRun]
"""Replays one conversation somewhere (over the WebSocket) and reports what came back."""


def over_websocket(url: str, token: str, *, speed: float, as_json: bool) -> ReplayRunner:
    """Replays through the live WebSocket at `url` (heard.live.client: resumes after a
    dropped connection), printing nudges and adoptions as their frames arrive."""
    import asyncio

    from heard.live.client import stream
    from heard.live.events import Adoption, LiveState, Nudge
    from heard.live.replay import events

    on_frame = frame_printer()

    def run(conversation: Conversation) -> ReplayRun:
        result = asyncio.run(
            stream(
                url,
                token,
                conversation.id,
                events(conversation, speed=speed),
                on_frame=None if as_json else on_frame,
            )
        )
        states = [f["state"] for f in result.frames if f["type"] == "state"]
        return ReplayRun(
            conversation_id=conversation.id,
            events=sum(1 for f in result.frames if f["type"] == "ack"),
            nudges=[
                (int(f["event"]), Nudge.model_validate(f["nudge"]))
                for f in result.frames
                if f["type"] == "nudge"
            ],
            adoptions=[
                Adoption.model_validate(f["adoption"])
                for f in result.frames
                if f["type"] == "adoption"
            ],
            latencies=[ms / 1000 for ms in result.ack_ms],
            state=LiveState.model_validate(states[-1]) if states else None,
        )

    return run


def call_over_websocket(
    url: str, token: str, *, speed: float, as_json: bool, agent_channel: str | None
) -> Callable[[Path], tuple[ReplayRun, list[dict[str, object]], list[dict[str, object]]]]:
    """Streams a call recording's audio to the live WebSocket at `url` (heard.live.call_client)
    at `speed`, printing the recognised turns and the nudges as their frames arrive."""
    import asyncio

    from heard.importers.audio import call_channels
    from heard.live.call_client import stream_call
    from heard.live.events import Adoption, LiveState, Nudge, StartEvent
    from heard.model import Channel

    on_frame = frame_printer()

    def run(path: Path) -> tuple[ReplayRun, list[dict[str, object]], list[dict[str, object]]]:
        channels, chosen = call_channels(path, agent_channel=agent_channel)
        seconds = max(len(c) for c in channels.values()) / 16_000
        if not as_json:
            console.print(
                f"[bold]{escape(path.name)}[/bold] (call audio, {seconds:.1f} s, the agent: "
                f"{escape(chosen)}) → {escape(url)}",
                soft_wrap=True,
            )
        result = asyncio.run(
            stream_call(
                url,
                token,
                _call_id(path),
                channels,
                start=StartEvent(seq=1, channel=Channel.CALL, time=0.0),
                speed=speed,
                on_frame=None if as_json else on_frame,
            )
        )
        states = [f["state"] for f in result.frames if f["type"] == "state"]
        nudges = [f for f in result.frames if f["type"] == "nudge"]
        replayed = ReplayRun(
            conversation_id=result.conversation_id,
            events=sum(1 for f in result.frames if f["type"] in ("ack", "turn")),
            nudges=[
                (int(f.get("audio_seq") or f.get("event") or 0), Nudge.model_validate(f["nudge"]))
                for f in nudges
            ],
            adoptions=[
                Adoption.model_validate(f["adoption"])
                for f in result.frames
                if f["type"] == "adoption"
            ],
            latencies=[t["latency_ms"] / 1000 for t in result.turns if t["latency_ms"] is not None],
            state=LiveState.model_validate(states[-1]) if states else None,
        )
        keep = ("audio_seq", "index", "role", "text", "start", "end", "latency_ms")
        return (
            replayed,
            [{k: t.get(k) for k in keep} for t in result.turns],
            [
                {"event": f.get("event"), "audio_seq": f.get("audio_seq"), **f["nudge"]}
                for f in nudges
            ],
        )

    return run


def _call_id(path: Path) -> str:
    """A live id for a streamed recording: its name and the time it started."""
    import time

    stem = path.resolve().name if path.is_dir() else path.stem
    return f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"


@cache
def _analyzer() -> Analyzer:
    """One analyzer for the whole run, warmed up so model loading is not timed as an event."""
    from heard import embed
    from heard.analysis import Analyzer
    from heard.model import Role, Turn

    if embed.available():
        embed.encode(["warm up"])

    analyzer = Analyzer()
    analyzer.analyze(
        Conversation(
            id="warm-up",
            channel="chat",
            turns=[
                Turn(index=0, role=Role.CUSTOMER, text="So my order never came."),
                Turn(index=1, role=Role.AGENT, text="So your order never arrived?"),
            ],
        )
    )
    return analyzer


ReplayFilesArg = Annotated[
    list[Path], typer.Argument(help="Conversation files or folders (any importer format).")
]
SpeedOpt = Annotated[
    float,
    typer.Option(
        "--speed", min=0, help="Times real pace (2: twice as fast; 0: as fast as possible)."
    ),
]
InputFormatOpt = Annotated[
    str, typer.Option("--input-format", help="Input format name (see heard formats), or auto.")
]
LimitOpt = Annotated[
    int | None, typer.Option("--limit", min=1, help="Replay at most this many conversations.")
]
UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Replay through the live WebSocket of the heard app at this URL "
        "(e.g. http://127.0.0.1:8000) instead of in this process.",
    ),
]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", envvar="HEARD_TOKEN", help="API token with scope write (for --url)."),
]
AgentChannelOpt = Annotated[
    str | None,
    typer.Option(
        "--agent-channel",
        help="Stereo recordings with --url: the agent's channel, left or right "
        "(default: the one that speaks first).",
    ),
]


@app.command("replay")
def replay_command(
    files: ReplayFilesArg,
    speed: SpeedOpt = 1.0,
    input_format: InputFormatOpt = "auto",
    limit: LimitOpt = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    agent_channel: AgentChannelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Stream stored conversations as live events through a live session in this process (or
    the live WebSocket of a heard app with --url) and print the nudges as they arrive, then
    adoption per nudge kind and the per-event latency (with --url: event to ack, client clock).

    Calls are paced by their turn timings (partials from word timings, ticks in silences),
    chats by their message times, and anything else by a typing-speed estimate.

    With --url, a call recording (a stereo WAV, FLAC, OGG or MP3 with one party a channel,
    or a folder with agent.wav and caller.wav) is streamed as live audio: 16 kHz frames of
    both channels at --speed × real time; the server recognises the utterances and the
    turns and nudges are printed as they come back, then the latency from the end of each
    utterance to its turn. Without --url a recording is recognised here first and its
    turns replayed in this process. Exit codes: 0 all replayed, 1 some files could not be
    read, 2 usage error.
    """
    check_format(input_format, option="--input-format")
    if url is not None and not token:
        raise typer.BadParameter("--url needs --token (or HEARD_TOKEN)", param_hint="--token")
    if agent_channel not in (None, "left", "right"):
        raise typer.BadParameter(
            f"expected left or right, got {agent_channel!r}", param_hint="--agent-channel"
        )
    recordings: list[Path] = []
    if url is not None:
        from heard.cli.importing import expand
        from heard.importers.audio import is_call_recording

        expanded = expand(files)
        recordings = [p for p in expanded if is_call_recording(p)]
        files = [p for p in expanded if p not in recordings]
        if limit is not None:
            recordings = recordings[:limit]
            limit = max(0, limit - len(recordings))
    runs: list[ReplayRun] = []
    heard: dict[str, list[dict[str, object]]] = {}
    """Per streamed recording, the turns recognised from its audio (with their latency)."""
    heard_nudges: dict[str, list[dict[str, object]]] = {}
    failed = False
    if recordings:
        failed = _stream_recordings(
            recordings,
            runs,
            heard,
            heard_nudges,
            url=url or "",
            token=token or "",
            speed=speed,
            as_json=as_json,
            agent_channel=agent_channel,
        )
    conversations: list[Conversation] = []
    if files and limit != 0:
        conversations, unread = _read(files, input_format)
        failed = failed or unread
    if limit is not None:
        conversations = conversations[:limit]
    if not conversations and not runs:
        errors.print("[red]error[/red] no conversations to replay")
        raise typer.Exit(EXIT_USAGE if not failed else EXIT_SOME_FAILED)
    if url is not None and conversations:
        runs += _replay_over_websocket(
            conversations, url=url, token=token or "", speed=speed, as_json=as_json
        )
    elif conversations:
        runs += run_replays(conversations, speed=speed, as_json=as_json, sink_for=in_process)
    _print_replays(runs, heard, heard_nudges, as_json=as_json)
    raise typer.Exit(EXIT_SOME_FAILED if failed else EXIT_OK)


def _stream_recordings(
    recordings: list[Path],
    runs: list[ReplayRun],
    heard: dict[str, list[dict[str, object]]],
    heard_nudges: dict[str, list[dict[str, object]]],
    *,
    url: str,
    token: str,
    speed: float,
    as_json: bool,
    agent_channel: str | None,
) -> bool:
    """Stream each call recording as live audio to the app at `url`, adding its run, its
    recognised turns and its nudges to `runs`, `heard` and `heard_nudges`: whether a recording
    could not be read (printed). A connection that fails exits with 1."""
    from heard.errors import InputError
    from heard.live.client import LiveClientError

    failed = False
    call_runner = call_over_websocket(
        url, token, speed=speed, as_json=as_json, agent_channel=agent_channel
    )
    for path in recordings:
        try:
            run, turns, nudges = call_runner(path)
        except InputError as exc:
            failed = True
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            continue
        except (LiveClientError, OSError, ValueError) as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_SOME_FAILED) from None
        runs.append(run)
        heard[run.conversation_id] = turns
        heard_nudges[run.conversation_id] = nudges
    return failed


def _read(files: list[Path], input_format: str) -> tuple[list[Conversation], bool]:
    """The conversations of `files`, and whether a file could not be read (printed)."""
    failed = False
    conversations: list[Conversation] = []
    results = run_imports(
        files, format=input_format, options=ImportOptions(), redact=False, show_progress=False
    )
    for result in results:
        if result.error is not None:
            failed = True
            errors.print(f"[red]error[/red] {escape(result.error['text'])}")
            continue
        conversations.extend(result.conversations)
    return conversations, failed


def _replay_over_websocket(
    conversations: list[Conversation], *, url: str, token: str, speed: float, as_json: bool
) -> list[ReplayRun]:
    """Replay each conversation through the live WebSocket of the app at `url`; a connection
    that fails exits with 1."""
    from heard.live.client import LiveClientError

    runs: list[ReplayRun] = []
    runner = over_websocket(url, token, speed=speed, as_json=as_json)
    for conversation in conversations:
        if not as_json:
            console.print(
                f"[bold]{escape(conversation.id)}[/bold] ({conversation.channel.value}, "
                f"{len(conversation.turns)} turns) → {escape(url)}"
            )
        try:
            runs.append(runner(conversation))
        except (LiveClientError, OSError, ValueError) as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_SOME_FAILED) from None
    return runs


def _print_replays(
    runs: list[ReplayRun],
    heard: dict[str, list[dict[str, object]]],
    heard_nudges: dict[str, list[dict[str, object]]],
    *,
    as_json: bool,
) -> None:
    """The replays' figures, as JSON or as an adoption table and a line per kind of input."""
    text_runs = [run for run in runs if run.conversation_id not in heard]
    figures = summary(text_runs) if text_runs else {}
    turn_ms = [t["latency_ms"] for turns in heard.values() for t in turns]
    heard_figures = {
        "calls": len(heard),
        "turns": len(turn_ms),
        "nudges": sum(len(r.nudges) for r in runs if r.conversation_id in heard),
        "utterance_to_turn_ms": _spread([float(ms) for ms in turn_ms if ms is not None]),  # type: ignore[arg-type]
    }
    if as_json:
        print_json(
            {
                **figures,
                **({"audio": heard_figures} if heard else {}),
                "replays": [
                    {
                        "conversation_id": run.conversation_id,
                        "events": run.events,
                        **(
                            {"turns": heard[run.conversation_id]}
                            if run.conversation_id in heard
                            else {}
                        ),
                        "nudges": heard_nudges.get(run.conversation_id)
                        or [
                            {"event": seq, **nudge.model_dump(mode="json")}
                            for seq, nudge in run.nudges
                        ],
                        "adoptions": [a.model_dump(mode="json") for a in run.adoptions],
                    }
                    for run in runs
                ],
            }
        )
    else:
        report = combine([r.adoption_report() for r in runs])
        if report:
            console.print(adoption_table(report))
        if figures:
            latency = figures["latency_ms"]
            assert isinstance(latency, dict)
            console.print(
                f"{figures['conversations']} conversations, {figures['events']} events, "
                f"{figures['nudges']} nudges ({figures['nudges_per_conversation']} per "
                f"conversation); per-event latency p50 {latency['p50']} ms, "
                f"p99 {latency['p99']} ms",
                soft_wrap=True,
            )
        if heard:
            spread = heard_figures["utterance_to_turn_ms"]
            assert isinstance(spread, dict)
            console.print(
                f"{heard_figures['calls']} calls streamed as audio, {heard_figures['turns']} "
                f"turns recognised, {heard_figures['nudges']} nudges; end of utterance → turn "
                f"p50 {spread['p50']} ms, p95 {spread['p95']} ms, max {spread['max']} ms",
                soft_wrap=True,
            )


def _spread(values: list[float]) -> dict[str, float | None]:
    """p50, p95 and max of latencies in ms (None when there are none)."""
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return {
        "p50": round(p50, 1) if p50 is not None else None,
        "p95": round(p95, 1) if p95 is not None else None,
        "max": round(max(values), 1) if values else None,
    }
