"""`heard ingest`: conversations from files of any format into the store in bulk, analysed on
an engine, with a progress bar; safe to run again after a stop (`heard.ingest.bulk`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from heard.cli.archiving import (
    EXIT_ENGINE,
    EXIT_INTERRUPTED,
    EngineOpt,
    rate_progress,
    terminate_as_interrupt,
)
from heard.cli.importing import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_USAGE,
    AgentChannelOpt,
    AsrModelOpt,
    ChannelOpt,
    ColumnOpt,
    FormatOpt,
    MaxSizeOpt,
    RoleOpt,
    SpeakersOpt,
    TimingOnlyOpt,
    build_options,
    check_format,
    expand,
)
from heard.cli.output import console, errors, print_json
from heard.cli.team import (
    DatabaseOpt,
    IngestRayAddressOpt,
    IngestWorkersOpt,
    load_settings,
    open_service,
)
from heard.importers import ImportOptions
from heard.importers.base import DEFAULT_MAX_BYTES

BatchOpt = Annotated[
    int,
    typer.Option(
        "--batch",
        min=1,
        help="Conversations stored together in one transaction (template replies are found "
        "among them).",
    ),
]


def run_ingest(
    paths: list[Path],
    *,
    database: str | None,
    format: str,
    options: ImportOptions,
    engine: str | None,
    workers: int | None,
    ray_address: str | None,
    batch: int,
    as_json: bool,
) -> int:
    """Run `heard ingest`; the exit code."""
    from heard.engines import EngineError
    from heard.importers.streaming import Bad, Stream
    from heard.ingest.bulk import BulkRun, ingest_stream
    from heard.store import Store

    settings = load_settings(database)
    stream = Stream(paths, format=format, options=options)
    with terminate_as_interrupt():
        try:
            store = Store.from_settings(settings)
        except Exception as exc:  # a URL SQLAlchemy cannot use, a server that does not answer
            errors.print(f"[red]error[/red] cannot open the store: {escape(str(exc))}")
            return EXIT_USAGE
        try:
            service = open_service(
                store, settings, engine=engine, workers=workers, ray_address=ray_address
            )
        except KeyboardInterrupt:
            store.close()
            errors.print("interrupted before anything was stored")
            return EXIT_INTERRUPTED
        except BaseException:
            store.close()
            raise
        opened = service.engine
        run = BulkRun(
            engine=service.engine_name,
            workers=opened.workers if opened is not None else service.workers,
            batch=batch,
            files=len(paths),
        )
        progress = rate_progress("ingesting")
        task = progress.add_task("ingest", total=stream.total_bytes() or None, conversations=0)
        progress.update(task, rate="-")
        shown = not as_json and errors.is_terminal
        began = time.perf_counter()
        done = 0

        def advance(conversations: int, size: int) -> None:
            nonlocal done
            done += conversations
            elapsed = time.perf_counter() - began
            rate = f"{done / elapsed:,.0f}" if elapsed > 0 and done else "-"
            progress.update(task, advance=size, conversations=done, rate=rate)

        def on_bad(bad: Bad) -> None:
            errors.print(f"[red]error[/red] {escape(bad.text)}")

        try:
            if shown:
                progress.start()
            try:
                ingest_stream(stream, service, run, advance=advance, on_bad=on_bad)
            finally:
                if shown:
                    progress.stop()
        except EngineError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            errors.print(
                f"{run.stored:,} conversations were stored before it; run the same command "
                "again to store the rest (what is stored comes back unchanged)"
            )
            return EXIT_ENGINE
        finally:
            service.close()
            store.close()
    return _report(
        run, stream, store_url=settings.database_url, redacted=settings.redact, as_json=as_json
    )


def _report(run: Any, stream: Any, *, store_url: str, redacted: bool, as_json: bool) -> int:
    """Print the summary (JSON or a line); the exit code."""
    from heard.store.database import normalise_url

    notes = [f"{n.file}: {n.text}" for n in stream.notes]
    if as_json:
        summary = run.to_dict(notes=notes)
        summary["database"] = normalise_url(store_url).split("@")[-1]
        summary["redacted"] = redacted
        print_json(summary)
    else:
        for note in notes:
            errors.print(f"[yellow]note[/yellow] {escape(note)}")
        console.print(_summary_line(run), soft_wrap=True)
    if run.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_SOME_FAILED if run.failures else EXIT_OK


def _summary_line(run: Any) -> str:
    from heard.ingest.bulk import BulkRun

    assert isinstance(run, BulkRun)
    line = (
        f"stored {run.stored:,} conversation{'' if run.stored == 1 else 's'} from "
        f"{run.files:,} file{'' if run.files == 1 else 's'}: {run.created:,} created, "
        f"{run.updated:,} updated, {run.unchanged:,} unchanged; {len(run.failures):,} failed"
    )
    if run.failures:
        files = len(run.failed_files)
        line += f" (in {files:,} file{'' if files == 1 else 's'})"
    line += (
        f"; {run.seconds:.1f} s ({run.rate:,.1f}/s) on {run.engine} with {run.workers} "
        f"worker{'' if run.workers == 1 else 's'}"
    )
    if run.interrupted:
        line += "; interrupted: run the same command again (what is stored comes back unchanged)"
    return line


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_command(
        files: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
        database: DatabaseOpt = None,
        format: FormatOpt = "auto",
        engine: EngineOpt = None,
        workers: IngestWorkersOpt = None,
        ray_address: IngestRayAddressOpt = None,
        batch: BatchOpt = 200,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
        role: RoleOpt = [],  # noqa: B006 - typer reads the default, never mutated
        column: ColumnOpt = [],  # noqa: B006
        channel: ChannelOpt = None,
        max_size: MaxSizeOpt = DEFAULT_MAX_BYTES / 1024 / 1024,
        agent_channel: AgentChannelOpt = None,
        asr_model: AsrModelOpt = None,
        timing_only: TimingOnlyOpt = False,
        speakers: SpeakersOpt = None,
    ) -> None:
        """Load conversations from files into the store in bulk: redacted (as
        $HEARD_REDACT says), analysed on --engine and stored with their scorecards, --batch
        at a time.

        Reads every format heard import reads; files of one conversation a line are streamed,
        never read whole. Running the same command again is safe: what is stored comes back
        unchanged and is not analysed again, so a run stopped by Ctrl-C or a crash is finished
        by running it again. A line or file that cannot be read, or a conversation the store
        refuses, is reported with its file and line; the rest is stored.

        Exit codes: 0 all stored, 1 some lines or files failed (the rest stored), 2 usage
        error, 3 the engine failed (rerun to finish), 130 interrupted (rerun to finish).
        """
        check_format(format)
        if any(str(f) == "-" for f in files):
            raise typer.BadParameter(
                "give files or folders, not standard input", param_hint="FILES"
            )
        options = build_options(
            role,
            column,
            channel,
            max_size,
            agent_channel=agent_channel,
            asr_model=asr_model,
            timing_only=timing_only,
            speakers=speakers,
        )
        raise typer.Exit(
            run_ingest(
                expand(files),
                database=database,
                format=format,
                options=options,
                engine=engine,
                workers=workers,
                ray_address=ray_address,
                batch=batch,
                as_json=as_json,
            )
        )
