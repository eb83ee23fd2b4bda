"""`heard bench …`: speed and memory figures, printed and optionally written to the docs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from heard.bench.docs import table, write_section
from heard.cli.output import JsonOpt, console, errors, print_json

app = typer.Typer(
    help="Measure speed and memory (figures go to docs/performance.md).", no_args_is_help=True
)

DOCS = Path("docs/performance.md")
WriteDocsOpt = Annotated[bool, typer.Option("--write-docs", help=f"Record the figures in {DOCS}.")]


def shared_data_dir() -> Path | None:
    """The shared labelled data: $HEARD_SHARED_DATA, else ../shared/data from here."""
    candidates = [os.environ.get("HEARD_SHARED_DATA"), "../shared/data", "shared/data"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def machine_text(machine: dict[str, object]) -> str:
    return (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Python {machine['python']}, heard {machine['heard']}"
    )


def show(title: str, rows: list[tuple[str, str]]) -> None:
    shown = Table(title=title)
    shown.add_column("measure")
    shown.add_column("value")
    for key, value in rows:
        shown.add_row(key, value.replace("`", ""))
    console.print(shown)


def _data_folder(data: Path | None, under: str) -> Path:
    """`--data` when given, else the folder `under` the shared data (a usage error when it
    is not there)."""
    if data is not None:
        return data
    shared = shared_data_dir()
    if shared is None or not (shared / under).is_dir():
        raise typer.BadParameter(
            f"no --data given and ../shared/data/{under} not found (set HEARD_SHARED_DATA "
            "or pass --data FOLDER)",
            param_hint="--data",
        )
    return shared / under


def _figures(run: Callable[[], dict[str, object]]) -> dict[str, object]:
    """What `run` measured; an input error is printed and exits with 1."""
    from heard.errors import InputError

    try:
        return run()
    except InputError as exc:
        errors.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from None


def _report(
    result: dict[str, object],
    found: list[tuple[str, str]],
    *,
    title: str,
    target: str,
    as_json: bool,
    write_docs: bool,
    section: str,
    heading: str,
    command: str,
) -> None:
    """Show a benchmark's rows followed by the machine, the date and the `target` (or its
    JSON), and with `write_docs` record them in DOCS under `heading` with the `command`."""
    machine: dict[str, object] = result["machine"]  # type: ignore[assignment]
    found = [
        *found,
        ("machine", machine_text(machine)),
        ("measured", str(machine["date"])),
        ("target", target),
    ]
    if as_json:
        print_json(result)
    else:
        show(title, found)
    if write_docs:
        body = f"## {heading}\n\nCommand: `{command}`\n\n" + table(found)
        write_section(DOCS, section, body)
        if not as_json:
            console.print(f"written to {DOCS}")


def _default_import_data() -> Path:
    shared = shared_data_dir()
    if shared is not None and (shared / "star" / "star.jsonl").is_file():
        return shared / "star" / "star.jsonl"
    raise typer.BadParameter(
        "no --data given and ../shared/data/star/star.jsonl not found "
        "(set HEARD_SHARED_DATA or pass --data FILE)",
        param_hint="--data",
    )


@app.command("import")
def bench_import_command(
    data: Annotated[Path | None, typer.Option("--data", help="File to import.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="Input format.")] = "auto",
    repeat: Annotated[int, typer.Option("--repeat", min=1, help="Timed runs per stage.")] = 3,
    redact: Annotated[
        bool, typer.Option("--redact/--no-redact", help="Also time redaction.")
    ] = True,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes for the parallel stage.")
    ] = os.cpu_count() or 1,
    as_json: JsonOpt = False,
    write_docs: WriteDocsOpt = False,
) -> None:
    """Import throughput: turns/s to parse, redact and write JSONL; peak memory."""
    from heard.bench.importing import bench_import
    from heard.errors import InputError

    path = data or _default_import_data()
    try:
        result = bench_import(
            path, format=format, repeat=repeat, redact=redact, workers=workers
        ).to_dict()
    except InputError as exc:
        errors.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from None
    machine = result["machine"]
    rows = [
        (
            "data",
            f"`{Path(str(result['file'])).name}` ({result['format']}, "
            f"{result['size_mb']} MB, {result['conversations']:,} conversations, "
            f"{result['turns']:,} turns)",
        ),
        (
            "parse (median of runs)",
            f"{result['parse_turns_per_s']:,} turns/s, "
            f"{result['parse_conversations_per_s']:,} conversations/s",
        ),
    ]
    if "redact_turns_per_s" in result:
        rows.append(("redact", f"{result['redact_turns_per_s']:,} turns/s"))
        rows.append(("parse + redact", f"{result['parse_and_redact_turns_per_s']:,} turns/s"))
    if "parallel_turns_per_s" in result:
        rows.append(
            (
                f"parse{' + redact' if redact else ''}, {result['workers']} processes",
                f"{result['parallel_turns_per_s']:,} turns/s, "
                f"{result['parallel_conversations_per_s']:,} conversations/s",
            )
        )
    rows += [
        ("write JSONL", f"{result['write_jsonl_turns_per_s']:,} turns/s"),
        ("peak RSS", f"{result['peak_rss_mb']} MB"),
        (
            "settings",
            f"repeat={result['repeat']}, format={format}, stages one process unless marked",
        ),
        ("machine", machine_text(machine)),  # type: ignore[arg-type]
        ("measured", str(machine["date"])),  # type: ignore[index]
        ("target", "≥ 20,000 turns/s on 2 cores"),
    ]
    if as_json:
        print_json(result)
    else:
        show("heard bench import", rows)
    if write_docs:
        body = (
            "## Import (`heard bench import`)\n\n"
            f"Command: `heard bench import --data {path.name} --repeat {repeat} "
            f"--workers {workers}"
            f"{'' if redact else ' --no-redact'} --write-docs`\n\n" + table(rows)
        )
        write_section(DOCS, "bench-import", body)
        if not as_json:
            console.print(f"written to {DOCS}")


@app.command("analyze")
def bench_analyze_command(
    data: Annotated[
        Path | None, typer.Option("--data", help="Conversations to analyse (default: STAR).")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="Input format.")] = "auto",
    n: Annotated[
        int, typer.Option("--n", min=1, help="Analyse the first N usable conversations.")
    ] = 1000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes for the throughput run.")
    ] = os.cpu_count() or 1,
    engine: Annotated[
        list[str] | None,
        typer.Option(
            "--engine",
            help="Also measure throughput on this engine (local or ray) with --workers "
            "workers, in batches as heard analyze --out runs; repeat for several. With "
            "--write-docs, the figures go to their own section of docs/performance.md.",
        ),
    ] = None,
    as_json: JsonOpt = False,
    write_docs: WriteDocsOpt = False,
) -> None:
    """Analysis speed with every default detector: conversations/s, latency, memory."""
    from heard.bench.analyzing import bench_analyze
    from heard.engines import EngineError, engine_name
    from heard.errors import InputError

    path = data or _default_import_data()
    try:
        engines = tuple(engine_name(e) for e in engine or [])
        result = bench_analyze(path, format=format, n=n, workers=workers, engines=engines).to_dict()
    except InputError as exc:
        errors.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from None
    except EngineError as exc:
        errors.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2 if exc.usage else 3) from None
    machine: dict[str, object] = result["machine"]  # type: ignore[assignment]
    latency: dict[str, float] = result["latency_ms"]  # type: ignore[assignment]
    detectors: dict[str, float] = result["detector_ms_per_conversation"]  # type: ignore[assignment]
    rows = [
        (
            "data",
            f"`{Path(str(result['file'])).name}` ({result['format']}), first "
            f"{result['conversations']:,} conversations with both parties, "
            f"{result['turns']:,} turns",
        ),
        (
            "1 process",
            f"{result['conversations_per_s']:,} conversations/s, {result['turns_per_s']:,} turns/s",
        ),
        (
            "latency per conversation",
            f"p50 {latency['p50']} ms, p90 {latency['p90']} ms, p99 {latency['p99']} ms, "
            f"max {latency['max']} ms",
        ),
    ]
    if "parallel_conversations_per_s" in result:
        rows.append(
            (
                f"{result['workers']} processes",
                f"{result['parallel_conversations_per_s']:,} conversations/s, "
                f"{result['parallel_turns_per_s']:,} turns/s",
            )
        )
    for measured in result.get("engines", []):  # type: ignore[attr-defined]
        rows.append(
            (
                f"{measured['engine']} engine, {measured['workers']} worker"
                + ("" if measured["workers"] == 1 else "s"),
                f"{measured['conversations_per_s']:,} conversations/s (batches of 256; start "
                f"{measured['start_seconds']} s, peak RSS {measured['worker_peak_rss_mb']} MB "
                f"per worker; machine load {measured['load_average'][0]} before, "  # type: ignore[index]
                f"{measured['load_average'][1]} after)",  # type: ignore[index]
            )
        )
    rows += [
        ("startup (load rubric, lexicons, models)", f"{result['startup_seconds']} s"),
        (
            "slowest stages (ms per conversation)",
            ", ".join(f"{k} {v}" for k, v in list(detectors.items())[:5]),
        ),
        (
            "peak RSS",
            f"{result['peak_rss_mb']} MB main process"
            + (
                f", {result['worker_peak_rss_mb']} MB per worker"
                if result.get("worker_peak_rss_mb")
                else ""
            ),
        ),
        ("torch loaded", "yes" if result["torch_loaded"] else "no"),
        (
            "settings",
            f"default rubric, every registered detector, n={n}, workers={workers}, "
            f"sentence encoder {_encoder()}",
        ),
        ("machine", machine_text(machine)),
        ("measured", str(machine["date"])),
        ("target", "≥ 100 conversations/s for STAR chats on 2 cores, ≤ 600 MB, no torch"),
    ]
    if as_json:
        print_json(result)
    else:
        show("heard bench analyze", rows)
    if write_docs and engines:
        # engine figures get their own section: the single-process figures above stay as
        # measured by a run without --engine
        engine_rows = [rows[0], rows[1]]
        engine_rows += [row for row in rows if " engine, " in row[0]]
        engine_rows += [row for row in rows if row[0] in ("settings", "machine", "measured")]
        engine_rows.append(
            ("target", "ray with 2 workers ≥ 1.7 × ray with 1; ray ≥ 0.85 × local at equal workers")
        )
        body = (
            "## Engines (`heard bench analyze --engine`)\n\n"
            f"Command: `heard bench analyze --data {path.name} --n {n} --workers {workers} "
            + "".join(f"--engine {e} " for e in engines)
            + "--write-docs`\n\nEach engine analyses the same conversations in batches of "
            "256 (parts of 64), as `heard analyze --out` does (docs/engines.md); ray runs a "
            "local cluster started for the run. The machine load is the 1-minute load average "
            "before and after the engine's run (2 cores: above 2, other work shared them).\n\n"
            + table(engine_rows)
        )
        write_section(DOCS, "bench-engines", body)
        if not as_json:
            console.print(f"written to {DOCS}")
    elif write_docs:
        body = (
            "## Analysis (`heard bench analyze`)\n\n"
            f"Command: `heard bench analyze --data {path.name} --n {n} --workers {workers} "
            "--write-docs`\n\n" + table(rows) + "\n\nTime per stage, ms per conversation "
            "(single process):\n\n" + table([(k, str(v)) for k, v in detectors.items()])
        )
        write_section(DOCS, "bench-analyze", body)
        if not as_json:
            console.print(f"written to {DOCS}")


def _store_rows(result: dict[str, object]) -> list[tuple[str, str]]:
    seed_rate = result["seed_conversations_per_s"]
    rows = [
        ("database", f"{result['database']} (`{result['url']}`)"),
        ("conversations stored", f"{result['conversations']:,}"),
        (
            "seed (generate, redact, analyse on the pool, bulk insert)",
            "reused an earlier seed"
            if seed_rate is None
            else f"{result['n']:,} in {result['seed_seconds']:.1f} s: {seed_rate:,} conversations/s"
            + f" ({result['seed_distinct']:,} distinct conversations analysed"
            + (
                f" in {result['seed_analyse_seconds']:.1f} s"
                if result["seed_analyse_seconds"] is not None
                else " by the run's first database"
            )
            + f", each stored {result['seed_copies']} times)",
        ),
        (
            f"batch ingest through the API ({result['batch']} per batch)",
            f"{result['ingest_conversations']:,} in {result['ingest_seconds']} s: "
            f"{result['ingest_conversations_per_s']:,} conversations/s",
        ),
    ]
    if result["ingest_concurrent_seconds"]:
        rows.append(
            (
                f"batch ingest through the API, {result['ingest_clients']} clients posting at once",
                f"{result['ingest_conversations']:,} in {result['ingest_concurrent_seconds']} s: "
                f"{result['ingest_concurrent_conversations_per_s']:,} conversations/s",
            )
        )
    for item in result["latency"]:  # type: ignore[attr-defined]
        rows.append(
            (
                f"{item['endpoint']} as {item['role']}",
                f"p50 {item['p50_ms']} ms, p95 {item['p95_ms']} ms, p99 {item['p99_ms']} ms"
                + ("" if item["statuses"] == [200] else f" (status {item['statuses']})"),
            )
        )
    if not result["dashboard_route"]:
        rows.append(("/dashboard", "no such route in this build: not measured"))
    load = result.get("load_average")
    if load:
        rows.append(
            (
                "machine load (1-minute average, 2 cores)",
                f"{load[0]} when the timed part began, {load[1]} when it ended",  # type: ignore[index]
            )
        )
    return rows


@app.command("store")
def bench_store_command(
    n: Annotated[int, typer.Option("--n", min=1, help="Conversations to seed.")] = 100_000,
    database: Annotated[
        list[str] | None,
        typer.Option(
            "--database",
            help="Store URL, empty (repeat for several; default: a throwaway SQLite file).",
        ),
    ] = None,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="Conversations per API ingest batch.")
    ] = 200,
    sample: Annotated[
        int, typer.Option("--sample", min=0, help="Conversations ingested through the API.")
    ] = 2000,
    repeat: Annotated[
        int, typer.Option("--repeat", min=1, help="Timed calls per endpoint and role.")
    ] = 20,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Analysis processes.")
    ] = os.cpu_count() or 1,
    reuse: Annotated[
        bool,
        typer.Option("--reuse", help="Use a database this bench already seeded with N."),
    ] = False,
    embeddings: Annotated[
        bool,
        typer.Option(
            "--embeddings/--no-embeddings",
            help="Run the detectors that need the sentence-embedding model (when installed).",
        ),
    ] = True,
    seed_embeddings: Annotated[
        bool | None,
        typer.Option(
            "--seed-embeddings/--no-seed-embeddings",
            help="Whether the seed's analysis runs the embedding detectors (default: as "
            "--embeddings, which rules the API ingest).",
        ),
    ] = None,
    distinct: Annotated[
        int,
        typer.Option(
            "--distinct",
            min=1,
            help="Distinct conversations the seed analyses; each is stored ceil(N / distinct) "
            "times under as many external ids.",
        ),
    ] = 10_000,
    clients: Annotated[
        int,
        typer.Option(
            "--clients",
            min=1,
            help="Clients posting batches at once for a second ingest measurement of --sample "
            "more conversations (1: one client only).",
        ),
    ] = 2,
    as_json: JsonOpt = False,
    write_docs: WriteDocsOpt = False,
) -> None:
    """Store speed: seed N conversations, batch ingest through the API, dashboard latency."""
    import tempfile

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from heard.bench.storing import bench_store
    from heard.store import StoreError

    results = []
    with tempfile.TemporaryDirectory(prefix="heard-bench-") as scratch:
        urls = database or [f"sqlite:///{Path(scratch) / 'bench.db'}"]
        for url in urls:
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=errors,
                disable=as_json,
                transient=True,
            ) as progress:
                tasks: dict[str, object] = {}

                def report(
                    stage: str,
                    done: int,
                    total: int,
                    progress: Progress = progress,
                    tasks: dict[str, object] = tasks,
                ) -> None:
                    if stage not in tasks:
                        tasks[stage] = progress.add_task(stage, total=total)
                    progress.update(tasks[stage], completed=done)  # type: ignore[arg-type]

                try:
                    result = bench_store(
                        url,
                        n=n,
                        batch=batch,
                        sample=sample,
                        repeat=repeat,
                        workers=workers,
                        reuse=reuse,
                        embeddings=embeddings,
                        seed_embeddings=seed_embeddings,
                        distinct=distinct,
                        clients=clients,
                        progress=report,
                    ).to_dict()
                except StoreError as exc:
                    errors.print(f"[red]error[/red] {exc}")
                    raise typer.Exit(1) from None
            results.append(result)
    machine: dict[str, object] = results[0]["machine"]  # type: ignore[assignment]
    settings = (
        f"n={n:,}, batch={batch}, sample={sample:,}, repeat={repeat} per endpoint and role, "
        f"workers={workers}, API ingest with "
        + (
            f"every detector (sentence encoder {_encoder()})"
            if embeddings
            else "no detector that needs sentence embeddings"
        )
        + f"; the seed analyses {min(distinct, n):,} distinct generated conversations (redacted, "
        "with "
        + (
            "every detector"
            if (embeddings if seed_embeddings is None else seed_embeddings)
            else "no detector that needs sentence embeddings"
        )
        + "; every scorecard the pipeline's own) and stores each "
        f"{-(-n // min(distinct, n))} times under as many external ids"
        + (" (a reused seed was made with these settings)" if reuse else "")
        + "; the API ingest posts one untimed batch, then one batch at a time"
        + (
            f", then another {sample:,} conversations from {clients} clients posting at once"
            f" (an equal share each, in batches of at most {batch:,})"
            if clients > 1
            else ""
        )
        + "; ANALYZE after the seed (VACUUM ANALYZE on PostgreSQL), then a checkpoint (on "
        "PostgreSQL where the role may); "
        "filters drawn at random "
        "(none, agent, channel, date range, score + behaviour done, emotion / escalation / "
        "predicted outcome / notes / survey answer); moments over one week"
    )
    if as_json:
        print_json(results if len(results) > 1 else results[0])
    else:
        for result in results:
            show(f"heard bench store — {result['database']}", _store_rows(result))
        console.print(f"settings: {settings}")
        console.print(f"client: {results[0]['client']}")
        console.print(f"machine: {machine_text(machine)}, measured {machine['date']}")
    if write_docs:
        body = (
            "## Store and API (`heard bench store`)\n\n"
            f"Command: `heard bench store --n {n} "
            + "".join(f"--database {r['database']}… " for r in results if database)
            + f"--batch {batch} --sample {sample} --repeat {repeat} --workers {workers} "
            + f"--distinct {distinct} --clients {clients} "
            + (
                ""
                if seed_embeddings is None
                else ("--seed-embeddings " if seed_embeddings else "--no-seed-embeddings ")
            )
            + ("" if embeddings else "--no-embeddings ")
            + ("--reuse " if reuse else "")
            + "--write-docs`\n\n"
            f"Settings: {settings}. Client: {results[0]['client']}; a request's time is the "
            "server's plus the in-process hop.\n\n"
            f"Machine: {machine_text(machine)}; measured {machine['date']}.\n\n"
            "Targets: dashboard and list answer in ≤ 300 ms (p95) at 100,000 conversations; "
            "batch ingest through the API ≥ 200 conversations/s including analysis on 2 cores.\n"
        )
        for result in results:
            body += f"\n### {result['database']}\n\n" + table(_store_rows(result)) + "\n"
        write_section(DOCS, "bench-store", body)
        if not as_json:
            console.print(f"written to {DOCS}")


@app.command("live")
def bench_live_command(
    sessions: Annotated[
        int | None,
        typer.Option(
            "--sessions", min=1, help="Concurrent live sessions (default 50; with --audio 4)."
        ),
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(
            "--speed",
            min=0.01,
            help="Replay pace: × the real time of STAR's turns (default 6); with --audio, × "
            "real time of the calls (default 1).",
        ),
    ] = None,
    duration: Annotated[
        float,
        typer.Option(
            "--duration",
            min=1,
            help="Seconds the sessions run; they start over the first median conversation "
            "(at most half of it), and latencies are also reported for the rest, when all run.",
        ),
    ] = 180.0,
    conversations: Annotated[
        Path | None,
        typer.Option("--conversations", help="Conversations to replay (default: STAR)."),
    ] = None,
    audio: Annotated[
        bool,
        typer.Option(
            "--audio",
            help="Stream stereo calls as live audio (the Harper Valley Bank calls of "
            "../shared/data/audio) and measure end of a customer utterance → its turn and nudge.",
        ),
    ] = False,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="With --audio: a folder of calls, one folder a call with agent.wav and "
            "caller.wav (default: ../shared/data/audio/harper_valley_bank).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="With --audio: the server's HEARD_LIVE_AUDIO_WORKERS."
        ),
    ] = None,
    window: Annotated[
        float | None,
        typer.Option(
            "--window", min=1, max=30, help="With --audio: the server's HEARD_LIVE_AUDIO_WINDOW."
        ),
    ] = None,
    pause: Annotated[
        float | None,
        typer.Option(
            "--pause", min=0.1, max=5, help="With --audio: the server's HEARD_LIVE_AUDIO_PAUSE."
        ),
    ] = None,
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
    path = conversations or _default_import_data()
    result = _figures(
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
    _report(
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
    folder = _data_folder(data, f"audio/{CALLS}")
    result = _figures(
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
    _report(
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


@app.command("audio")
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

    folder = _data_folder(data, "audio")
    result = _figures(
        lambda: bench_audio(
            folder, threads=threads, at_once=at_once, beam_size=beam_size, repeat=repeat
        ).to_dict()
    )
    options = (
        f" --threads {threads}"
        + (f" --windows-at-once {at_once}" if at_once != 2 else "")
        + (f" --beam-size {beam_size}" if beam_size else "")
    )
    _report(
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


def _encoder() -> str:
    """The sentence encoder the meaning detectors run on, as the analysis version names it."""
    from heard import embed

    return embed.identity() if embed.available() else "not installed"
