"""`heard eval`: measured accuracy on labelled public data, printed and written to the docs."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from heard.cli.output import JsonOpt, errors, print_json
from heard.cli.output import console as out
from heard.errors import InputError

DOCS = Path("docs/accuracy.md")
EXIT_OK, EXIT_BAD_INPUT = 0, 2


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_command(
        data: Annotated[
            Path, typer.Option("--data", help="Folder laid out like heard's shared data.")
        ],
        test_data: Annotated[
            Path | None,
            typer.Option(
                "--test-data",
                help="Your own held-out folder, laid out like --data: every example in it is "
                "scored, and every model is fitted on all of --data instead of its train part.",
            ),
        ] = None,
        task: Annotated[
            list[str] | None, typer.Option("--task", help="Only this task (repeatable).")
        ] = None,
        dataset: Annotated[
            list[str] | None,
            typer.Option("--dataset", help="Only this data set folder (repeatable)."),
        ] = None,
        trained: Annotated[
            bool,
            typer.Option(
                "--trained/--no-trained",
                help="Also fit `heard train`'s model on each train part and score it.",
            ),
        ] = True,
        workers: Annotated[
            int, typer.Option("--workers", min=1, help="Processes for the analysis.")
        ] = 2,
        corpus: Annotated[
            Path | None,
            typer.Option(
                "--corpus",
                help="heard's listening corpus folder (default: data/corpus of heard's repo).",
            ),
        ] = None,
        audio: Annotated[
            bool,
            typer.Option(
                "--audio",
                help="Also the audio tasks (opt-in; needs the audio extra): word error rate, "
                "talk ratio, overlaps and dead air on the Harper Valley Bank calls.",
            ),
        ] = False,
        audio_call: Annotated[
            list[str] | None,
            typer.Option("--audio-call", help="Only this call of the audio tasks (repeatable)."),
        ] = None,
        as_json: JsonOpt = False,
        write_docs: Annotated[
            bool, typer.Option("--write-docs", help="Write the figures to docs/accuracy.md.")
        ] = False,
    ) -> None:
        """Accuracy of heard's detectors and models on each task's test part, plus validity.

        With --test-data, the test part is all of that folder and models are fitted on all of
        --data."""
        from heard.bench.machine import machine
        from heard.evaluation.docs import render
        from heard.evaluation.run import evaluate

        try:
            with _progress(enabled=not as_json) as start:
                evaluation = evaluate(
                    data,
                    tasks=task,
                    datasets=dataset,
                    trained=trained,
                    workers=workers,
                    progress=start,
                    corpus=corpus,
                    test_data=test_data,
                    audio=audio or bool(audio_call),
                    audio_calls=audio_call,
                )
        except InputError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        for note in evaluation.notes:
            errors.print(f"[yellow]note[/yellow] {escape(note)}")
        if as_json:
            print_json(evaluation.to_json())
        else:
            print_tables(evaluation)
        if write_docs:
            args = ["--data", str(data)]
            args += ["--test-data", str(test_data)] if test_data else []
            args += [a for name in task or [] for a in ("--task", name)]
            args += [a for name in dataset or [] for a in ("--dataset", name)]
            args += ["--corpus", str(corpus)] if corpus else []
            args += ["--audio"] if audio else []
            args += [a for name in audio_call or [] for a in ("--audio-call", name)]
            args += ([] if trained else ["--no-trained"]) + ["--write-docs"]
            command = "heard eval " + shlex.join(args)
            DOCS.parent.mkdir(parents=True, exist_ok=True)
            DOCS.write_text(render(evaluation, command=command, machine=machine()), "utf-8")
            errors.print(f"wrote {DOCS}")
        raise typer.Exit(EXIT_OK)


class _progress:
    """A rich progress bar on stderr whose `start(description, total)` returns `advance(n)`."""

    def __init__(self, *, enabled: bool) -> None:
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=errors,
            disable=not enabled,
            transient=True,
        )

    def __enter__(self) -> Callable[[str, int], Callable[[int], None]]:
        self.bar.__enter__()

        def start(description: str, total: int) -> Callable[[int], None]:
            handle = self.bar.add_task(description, total=total)
            return lambda n: self.bar.advance(handle, n)

        return start

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)


def print_tables(evaluation) -> None:  # type: ignore[no-untyped-def]
    from heard.evaluation.docs import fmt, headline, published
    from heard.evaluation.metrics import Estimate
    from heard.evaluation.targets import check

    part = "all of --test-data" if evaluation.test_dir else "test part"
    table = Table(title=f"Labelled tasks ({part})", show_edge=False)
    for column in ("task", "n", "heard default", "simplest rule", "heard trained", "published"):
        table.add_column(column, overflow="fold")
    for r in evaluation.results:
        if r.statistic is not None:
            continue
        table.add_row(
            r.name,
            f"{r.n:,}",
            headline(r) if r.default else f"[dim]n/a: {escape(r.default_by)}[/dim]",
            headline(r, baseline=True) if r.baseline else "[dim]–[/dim]",
            headline(r, trained=True) if r.trained else f"[dim]n/a: {escape(r.trained_by)}[/dim]",
            escape(published(r)),
        )
    out.print(table)
    validity = Table(title="Validity (real outcomes, bootstrap 95% CI)", show_edge=False)
    for column in ("task", "statistic", "value", "95% CI", "n"):
        validity.add_column(column)
    for r in evaluation.results:
        if r.statistic is None:
            continue
        if isinstance(r.default, Estimate):
            e = r.default
            validity.add_row(
                r.name, r.statistic, fmt(e.value), f"{fmt(e.ci_low)} – {fmt(e.ci_high)}", str(e.n)
            )
        else:
            validity.add_row(r.name, r.statistic, f"[dim]n/a: {escape(r.default_by)}[/dim]", "", "")
    out.print(validity)
    if evaluation.corpus is not None:
        print_corpus(evaluation.corpus)
    targets = Table(title="Targets", show_edge=False)
    for column in ("task", "figure", "target", "measured", ""):
        targets.add_column(column)
    for c in check(evaluation):
        mark = (
            "[dim]–[/dim]"
            if c.met is None
            else ("[green]met[/green]" if c.met else f"[red]missed by {-c.gap:.3f}[/red]")
        )
        who = " (trained)" if c.target.trained else ""
        minimum = (
            f"≥ {c.target.minimum:.3f} ({c.target.against})"
            if c.target.against
            else f"≥ {c.target.minimum:.2f}"
        )
        targets.add_row(c.target.task + who, c.target.metric, minimum, fmt(c.value), mark)
    out.print(targets)
    if evaluation.audio is not None:
        from rich.markdown import Markdown

        from heard.evaluation.audio import section

        out.print(Markdown("\n".join(section(evaluation.audio))))
    out.print(f"[dim]{evaluation.seconds:.0f} s[/dim]")


def print_corpus(corpus) -> None:  # type: ignore[no-untyped-def]
    from heard.evaluation.corpus import GROUPS
    from heard.evaluation.docs import corpus_cell, fmt

    table = Table(title="heard's corpus (test part): default · baseline · trained", show_edge=False)
    for column in ("task", "n", "heard default", "simplest rule", "heard trained"):
        table.add_column(column, overflow="fold")
    for s in corpus.tasks:
        table.add_row(
            s.task.name,
            str(s.n["all"]),
            *(escape(corpus_cell(s, who, "all")) for who in ("default", "baseline", "trained")),
        )
    out.print(table)
    groups = Table(title="heard's corpus: macro-F1 per behaviour group", show_edge=False)
    for column in ("group", "default", "simplest rule", "trained", "written"):
        groups.add_column(column)
    for group in GROUPS:
        figures = corpus.groups[group]
        groups.add_row(
            group,
            *(fmt(figures[who]["all"]) for who in ("default", "baseline", "trained")),
            "no written items yet" if not any(s.n["written"] for s in corpus.tasks) else "",
        )
    out.print(groups)
