"""`heard bench live` (live coaching under load, with --audio live audio) and `heard bench
audio` (calls from audio): speed figures, printed and optionally written to
docs/performance.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heard.cli.bench import WriteDocsOpt, data_folder, default_import_data, figures, report
from heard.cli.output import JsonOpt, errors

SessionsOpt = Annotated[
    int | None,
    typer.Option(
        "--sessions", min=1, help="Concurrent live sessions (default 50; with --audio 4)."
    ),
]
SpeedOpt = Annotated[
    float | None,
    typer.Option(
        "--speed",
        min=0.01,
        help="Replay pace: × the real time of STAR's turns (default 6); with --audio, × "
        "real time of the calls (default 1).",
    ),
]
DurationOpt = Annotated[
    float,
    typer.Option(
        "--duration",
        min=1,
        help="Seconds the sessions run; they start over the first median conversation "
        "(at most half of it), and latencies are also reported for the rest, when all run.",
    ),
]
ConversationsOpt = Annotated[
    Path | None,
    typer.Option("--conversations", help="Conversations to replay (default: STAR)."),
]
AudioOpt = Annotated[
    bool,
    typer.Option(
        "--audio",
        help="Stream stereo calls as live audio (the Harper Valley Bank calls of "
        "../shared/data/audio) and measure end of a customer utterance → its turn and nudge.",
    ),
]
CallsOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="With --audio: a folder of calls, one folder a call with agent.wav and "
        "caller.wav (default: ../shared/data/audio/harper_valley_bank).",
    ),
]
AudioWorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="With --audio: the server's HEARD_LIVE_AUDIO_WORKERS."),
]
WindowOpt = Annotated[
    float | None,
    typer.Option(
        "--window", min=1, max=30, help="With --audio: the server's HEARD_LIVE_AUDIO_WINDOW."
    ),
]
PauseOpt = Annotated[
    float | None,
    typer.Option(
        "--pause", min=0.1, max=5, help="With --audio: the server's HEARD_LIVE_AUDIO_PAUSE."
    ),
]


def bench_live_command(
    sessions: SessionsOpt = None,
    speed: SpeedOpt = None,
    duration: DurationOpt = 180.0,
    conversations: ConversationsOpt = None,
    audio: AudioOpt = False,
    data: CallsOpt = None,
    workers: AudioWorkersOpt = None,
    window: WindowOpt = None,
    pause: PauseOpt = None,
    as_json: JsonOpt = False,
    write_docs: WriteDocsOpt = False,
) -> None:
    """Live coaching under load: N sessions through the WebSocket of a real `heard serve`;
    with --audio, N concurrent calls streamed as live audio."""
    from heard.bench.live import DEFAULT_SPEED, bench_live, rows

    if audio:
        _bench_live_audio(
            sessions=sessions,
            speed=speed,
            duration=duration,
            data=data,
            workers=workers,
            window=window,
            pause=pause,
            as_json=as_json,
            write_docs=write_docs,
        )
        return
    sessions = sessions or 50
    speed = speed or DEFAULT_SPEED
    path = conversations or default_import_data()
    result = figures(
        lambda: bench_live(
            sessions=sessions,
            speed=speed,
            duration=duration,
            conversations=path,
            progress=None if as_json else (lambda text: errors.print(f"[dim]{text}[/dim]")),
        ).to_dict()
    )
    found = [
        *rows(result),
        (
            "settings",
            "client and server on this machine (loopback), SQLite store, each event stored "
            f"before its ack, sessions start at random over the first {result['stagger_s']} s "
            "(one median conversation at this speed) and replay one conversation after another",
        ),
    ]
    report(
        result,
        found,
        title="heard bench live",
        target="event → nudge p99 ≤ 50 ms with 200 sessions on 2 cores",
        as_json=as_json,
        write_docs=write_docs,
        section=f"bench-live-{sessions}",
        heading="Live coaching (`heard bench live`)",
        command=f"heard bench live --sessions {sessions} --speed {speed:g} "
        f"--duration {duration:g} --conversations {path.name} --write-docs",
    )


def _bench_live_audio(
    *,
    sessions: int | None,
    speed: float | None,
    duration: float,
    data: Path | None,
    workers: int | None,
    window: float | None,
    pause: float | None,
    as_json: bool,
    write_docs: bool,
) -> None:
    """`heard bench live --audio` (heard.bench.live_audio)."""
    from heard.bench.live_audio import CALLS, DEFAULT_SESSIONS, bench_live_audio, rows

    sessions = sessions or DEFAULT_SESSIONS
    speed = speed or 1.0
    folder = data_folder(data, f"audio/{CALLS}")
    result = figures(
        lambda: bench_live_audio(
            sessions=sessions,
            speed=speed,
            duration=duration,
            calls=folder,
            workers=workers,
            window=window,
            pause=pause,
            progress=None if as_json else (lambda text: errors.print(f"[dim]{text}[/dim]")),
        ).to_dict()
    )
    options = "".join(
        f" --{name} {value:g}"
        for name, value in (("workers", workers), ("window", window), ("pause", pause))
        if value is not None
    )
    report(
        result,
        rows(result),
        title="heard bench live --audio",
        target="end of a customer utterance → its turn and any nudge on the panel p95 ≤ 1.5 s "
        "with 4 concurrent stereo calls on 2 cores",
        as_json=as_json,
        write_docs=write_docs,
        section="bench-live-audio",
        heading="Live audio (`heard bench live --audio`)",
        command=f"heard bench live --audio --sessions {sessions} --speed {speed:g} "
        f"--duration {duration:g} --data {folder.name}{options} --write-docs",
    )


def bench_audio_command(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="The audio folder (default: ../shared/data/audio)."),
    ] = None,
    threads: Annotated[
        int,
        typer.Option(
            "--threads",
            min=1,
            help="CTranslate2 threads for recognition in all (shared by the windows "
            "recognised at once).",
        ),
    ] = 2,
    at_once: Annotated[
        int,
        typer.Option(
            "--windows-at-once",
            min=1,
            help="Whisper windows of a call recognised side by side (1: one at a time on every "
            "thread).",
        ),
    ] = 2,
    beam_size: Annotated[
        int | None,
        typer.Option("--beam-size", min=1, help="Whisper's beam width (default: heard's)."),
    ] = None,
    repeat: Annotated[
        int, typer.Option("--repeat", min=1, help="Timing-only runs a call (the median).")
    ] = 5,
    as_json: JsonOpt = False,
    write_docs: WriteDocsOpt = False,
) -> None:
    """Calls from audio: the full pipeline's and the timing-only path's speed (× real time)."""
    from heard.bench.audio import bench_audio, rows

    folder = data_folder(data, "audio")
    result = figures(
        lambda: bench_audio(
            folder, threads=threads, at_once=at_once, beam_size=beam_size, repeat=repeat
        ).to_dict()
    )
    options = (
        f" --threads {threads}"
        + (f" --windows-at-once {at_once}" if at_once != 2 else "")
        + (f" --beam-size {beam_size}" if beam_size else "")
    )
    report(
        result,
        rows(result),
        title="heard bench audio",
        target="full pipeline ≥ 25× real time, timing only ≥ 1,000× real time, peak RSS ≤ 1 GB, "
        "on 2 cores",
        as_json=as_json,
        write_docs=write_docs,
        section="bench-audio",
        heading="Calls from audio (`heard bench audio`)",
        command=f"heard bench audio --data {folder.name}{options} --repeat {repeat} --write-docs",
    )


def register(app: typer.Typer) -> None:
    """Add `heard bench live` and `heard bench audio` to the `heard bench` app."""
    app.command("live")(bench_live_command)
    app.command("audio")(bench_audio_command)
