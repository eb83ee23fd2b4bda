"""`heard bench engines`: the batch engines' speed on the same conversations at several worker
counts and the ratios their targets are stated in, printed and optionally written to
docs/performance.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heard.bench.docs import table, write_section
from heard.cli.bench import DOCS, WriteDocsOpt, default_import_data, encoder, machine_text, show
from heard.cli.output import JsonOpt, console, errors, print_json

EngineOpt = Annotated[
    list[str] | None,
    typer.Option("--engine", help="Engine to measure (local or ray); repeat for several."),
]
WorkersOpt = Annotated[
    list[int] | None,
    typer.Option(
        "--workers", min=1, help="Workers per run; repeat for several (default: 1 and 2)."
    ),
]
DEFAULT_ENGINES = ("local", "ray")
DEFAULT_WORKERS = (1, 2)


def bench_engines_command(
    data: Annotated[
        Path | None, typer.Option("--data", help="Conversations to analyse (default: STAR).")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="Input format.")] = "auto",
    n: Annotated[
        int,
        typer.Option(
            "--n",
            min=1,
            help="Conversations per run: the first N usable ones, the file's repeated under "
            "new ids when it holds fewer.",
        ),
    ] = 2000,
    engine: EngineOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    write_docs: WriteDocsOpt = False,
) -> None:
    """Batch engines' speed: the same conversations on each engine (default: local and ray)
    with each worker count (default: 1 and 2), and the targets' ratios, met or missed."""
    from heard.bench.engines import bench_engines
    from heard.engines import EngineError, engine_name
    from heard.errors import InputError

    path = data or default_import_data()
    try:
        engines = tuple(dict.fromkeys(engine_name(e) for e in engine or DEFAULT_ENGINES))
        counts = tuple(sorted(set(workers or DEFAULT_WORKERS)))
        result = bench_engines(path, format=format, n=n, engines=engines, workers=counts)
    except InputError as exc:
        errors.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from None
    except EngineError as exc:
        errors.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2 if exc.usage else 3) from None
    rows = engine_rows(result)
    if as_json:
        print_json(result)
    else:
        show("heard bench engines", rows)
    if write_docs:
        command = (
            f"heard bench engines --data {path.name} --n {n} "
            + "".join(f"--engine {e} " for e in engines)
            + "".join(f"--workers {w} " for w in counts)
            + "--write-docs"
        )
        write_engine_docs(rows, command=command)
        if not as_json:
            console.print(f"written to {DOCS}")


def target_text(ratio: dict[str, object]) -> str:
    """'1.82 × (target ≥ 1.7: met)' for one of `engine_targets`' ratios."""
    if ratio["target"] is None:
        return f"{ratio['figure']} × (no target)"
    verdict = "met" if ratio["met"] else "missed"
    return f"{ratio['figure']} × (target ≥ {ratio['target']}: {verdict})"


def engine_rows(result: dict[str, object]) -> list[tuple[str, str]]:
    """The rows `heard bench engines` shows for its `result`: one per run, one per ratio, and
    a 'targets' row saying which were met and which missed, with their figures."""
    machine: dict[str, object] = result["machine"]  # type: ignore[assignment]
    ratios: list[dict[str, object]] = result["targets"]  # type: ignore[assignment]
    rows = [
        (
            "data",
            f"`{Path(str(result['file'])).name}` ({result['format']}), "
            f"{result['conversations']:,} conversations with both parties "
            f"({result['distinct_conversations']:,} distinct), {result['turns']:,} turns",
        )
    ]
    for run in result["runs"]:  # type: ignore[attr-defined]
        rows.append(
            (
                f"{run['engine']} engine, {run['workers']} worker"
                + ("" if run["workers"] == 1 else "s"),
                f"{run['conversations_per_s']:,} conversations/s (start {run['start_seconds']} s, "
                f"peak RSS {run['worker_peak_rss_mb']} MB per worker; machine load "
                f"{run['load_average'][0]} before, {run['load_average'][1]} after)",
            )
        )
    rows += [(str(ratio["measure"]), target_text(ratio)) for ratio in ratios]
    judged = [r for r in ratios if r["met"] is not None]
    met = [f"{r['measure']} {r['figure']} ≥ {r['target']}" for r in judged if r["met"]]
    missed = [f"{r['measure']} {r['figure']} < {r['target']}" for r in judged if not r["met"]]
    rows += [
        (
            "targets",
            f"{len(met)} of {len(judged)} met"
            + (f"; met: {', '.join(met)}" if met else "")
            + (f"; missed: {', '.join(missed)}" if missed else "")
            if judged
            else "none judged: they need ray at 1 and 2 workers, and local at the same counts",
        ),
        (
            "settings",
            f"default rubric, every registered detector, batches of {result['batch']}, "
            f"sentence encoder {encoder()}",
        ),
        ("machine", machine_text(machine)),
        ("measured", str(machine["date"])),
    ]
    return rows


def write_engine_docs(rows: list[tuple[str, str]], *, command: str) -> None:
    """Record the engines' figures in their section of DOCS."""
    body = (
        "## Engines (`heard bench engines`)\n\n"
        f"Command: `{command}`\n\n"
        "Each run analyses the same conversations in batches of 256 (parts of 64), as "
        "`heard analyze --out` does (docs/engines.md), on an engine started for it; ray runs "
        "a local cluster. The machine load is the 1-minute load average before and after the "
        "run (2 cores: above 2, other work shared them). Targets: ray with 2 workers ≥ 1.7 × "
        "ray with 1 (local's speed-up is shown beside it), and ray ≥ 0.85 × local at equal "
        "workers.\n\n" + table(rows)
    )
    write_section(DOCS, "bench-engines", body)


def register(app: typer.Typer) -> None:
    """Add `heard bench engines` to the `heard bench` app."""
    app.command("engines")(bench_engines_command)
