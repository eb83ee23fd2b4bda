"""`heard analyze --out results.jsonl|results.parquet`: an archive of any size analysed on an
engine, results written as they come, resumable; a progress bar with rate and time left."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from heard.cli.output import errors, print_json
from heard.importers import ImportOptions

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_ENGINE = 3
EXIT_INTERRUPTED = 130

EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Where the analysis runs: local (processes on this machine, the default) or ray "
        "(a Ray cluster; pip install 'heard[ray]'). Default: $HEARD_ENGINE, else local.",
        show_default=False,
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Worker processes (local: default every core; ray: default one per cluster CPU).",
        show_default=False,
    ),
]
RayAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="A running Ray cluster to use, e.g. ray://head:10001 or auto (default: "
        "$RAY_ADDRESS, else a local cluster started for the run).",
        show_default=False,
    ),
]


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the run like Ctrl-C: what is written stays, the next run resumes."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def rate_progress(doing: str) -> Progress:
    """The progress bar of a long run over conversations (`heard analyze` in archive mode,
    `heard ingest`): what it is `doing`, done and rate, time taken and left, on stderr."""
    return Progress(
        TextColumn(doing),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[conversations]:,} conversations · {task.fields[rate]}/s"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=errors,
        transient=False,
    )


def run_archive(
    paths: list[Path],
    *,
    out: Path | None,
    format: str,
    input_format: str,
    options: ImportOptions,
    rubric: Path | None,
    engine: str | None,
    workers: int | None,
    ray_address: str | None,
    batch: int,
    overwrite: bool,
    as_json: bool,
) -> int:
    """Run `heard analyze` in archive mode; the exit code."""
    from heard.analysis import load_rubric
    from heard.engines import EngineError, open_engine
    from heard.engines.archive import analyze_archive
    from heard.engines.results import open_results
    from heard.errors import InputError
    from heard.importers.streaming import Stream

    try:
        results = open_results(out, format, overwrite=overwrite)
        resumed, after = results.resume()
        loaded_rubric = load_rubric(rubric)
    except InputError as exc:
        errors.print(f"[red]error[/red] {escape(str(exc))}")
        return EXIT_USAGE
    stream = Stream(paths, format=input_format, options=options, after=after)
    total = stream.total_bytes()
    shown = not as_json and errors.is_terminal
    with terminate_as_interrupt():
        try:
            chosen = open_engine(
                engine, workers=workers, rubric=loaded_rubric, ray_address=ray_address
            )
        except EngineError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            return EXIT_USAGE if exc.usage else EXIT_ENGINE
        except KeyboardInterrupt:
            errors.print("interrupted before any analysis")
            return EXIT_INTERRUPTED
        began = time.perf_counter()
        progress = rate_progress("analysing")
        task = progress.add_task("analyse", total=total or None, conversations=0, rate="-")
        counted = 0

        def advance(conversations: int, size: int) -> None:
            nonlocal counted
            counted += conversations
            if stream.skipped_bytes and not progress.tasks[0].completed:
                progress.update(task, completed=stream.skipped_bytes)
            elapsed = time.perf_counter() - began
            rate = f"{counted / elapsed:,.0f}" if elapsed > 0 and counted else "-"
            progress.update(task, advance=size, conversations=resumed + counted, rate=rate)

        def on_bad(bad: object) -> None:
            errors.print(f"[red]error[/red] {escape(bad.text)}")  # type: ignore[attr-defined]

        try:
            with chosen:
                if shown:
                    progress.start()
                try:
                    run = analyze_archive(
                        stream,
                        results,
                        chosen,
                        batch=batch,
                        resumed=resumed,
                        advance=advance,
                        on_bad=on_bad,
                    )
                finally:
                    if shown:
                        progress.stop()
                if run.interrupted:
                    chosen.cancel()
        except InputError as exc:  # the results to resume do not match the inputs
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            return EXIT_USAGE
        except EngineError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            errors.print("what was written stays written: run the same command again to resume")
            return EXIT_ENGINE
    notes = [f"{n.file}: {n.text}" for n in stream.notes]
    if as_json:
        print_json(run.to_dict(notes=notes))
    else:
        for note in notes:
            errors.print(f"[yellow]note[/yellow] {escape(note)}")
        errors.print(_summary_line(run))
    if run.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_SOME_FAILED if run.bad else EXIT_OK


def _summary_line(run: object) -> str:
    from heard.engines.archive import ArchiveRun

    assert isinstance(run, ArchiveRun)
    plural = "" if run.analysed == 1 else "s"
    line = (
        f"analysed {run.analysed:,} conversation{plural} in {run.seconds:.1f} s "
        f"({run.rate:,.1f}/s) on {run.engine} with {run.workers} worker"
        f"{'' if run.workers == 1 else 's'}"
    )
    if run.resumed:
        line += f"; {run.resumed:,} done by an earlier run were passed over"
    if run.out:
        line += f"; results in {escape(run.out)}"
    if run.bad:
        line += f"; {len(run.bad):,} unreadable row{'s' if len(run.bad) != 1 else ''} skipped"
    if run.interrupted:
        line += "; interrupted: run the same command again to go on where this stopped"
    return line
