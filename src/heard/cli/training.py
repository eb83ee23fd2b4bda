"""`heard train`: fit a text classifier on a labelled task and show how well it holds out; or,
with `--task outcome --database URL`, refit the outcome model on a team's own survey answers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from heard.cli.importing import EXIT_OK, EXIT_USAGE
from heard.cli.output import console, errors, print_json
from heard.errors import InputError, Location

if TYPE_CHECKING:
    from heard.model import Conversation, Scorecard


def default_model_dir() -> Path:
    """Where `heard train` writes models unless told otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "heard" / "models"


OUTCOME = "outcome"
"""`--task outcome`: the outcome model, refitted on the survey answers of `--database`."""
EXIT_TOO_FEW = 3
"""`--task outcome` refused: the store holds too few survey answers."""


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train_command(
        task: Annotated[
            str,
            typer.Option(
                "--task", help="Task name, e.g. epitome.er; or outcome (with --database)."
            ),
        ],
        data: Annotated[
            Path | None,
            typer.Option("--data", help="Folder laid out like heard's data/ folder."),
        ] = None,
        store: Annotated[
            str | None,
            typer.Option(
                "--database",
                help="With --task outcome: the team app's store URL whose survey answers the "
                "model is fitted on (default: $HEARD_DATABASE_URL, else SQLite in the user "
                "data folder).",
                show_default=False,
            ),
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Model JSON to write (default: the user model folder)."),
        ] = None,
        all_data: Annotated[
            bool,
            typer.Option("--all-data", help="Train on every example (no held-out figures)."),
        ] = False,
        json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Train a classifier for TASK on DATA; print its held-out figures; save it.

        --task outcome --database URL refits the outcome model ("felt heard") on the team's own
        "did you feel heard?" survey answers, prints its cross-validated AUC beside the shipped
        model's on the same answers, and saves it; set HEARD_OUTCOME_MODEL to its path for
        `heard analyze` and the team app to use it. Exit code 3 when there are too few answers.
        """
        if task == OUTCOME:
            _train_outcome(store, out=out, as_json=json)
            return
        if data is None:
            errors.print("[red]error[/red] --data is required (except with --task outcome)")
            raise typer.Exit(EXIT_USAGE)
        try:
            result = train(data, task, out=out, all_data=all_data, show=not json)
        except InputError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_USAGE) from None
        if json:
            print_json(result)
        else:
            print_result(result)
        raise typer.Exit(EXIT_OK)


def train(
    data: Path, task_name: str, *, out: Path | None, all_data: bool, show: bool
) -> dict[str, Any]:
    """Fit, measure and save; the summary `heard train --json` prints."""
    from heard.learn.classifier import data_sha256, fit
    from heard.learn.datasets import get_task, split
    from heard.learn.report import held_out

    task = get_task(task_name)
    if not data.is_dir():
        raise InputError(
            "no such data folder",
            where=Location(file=str(data)),
            expected="a folder laid out like heard's data/ (e.g. epitome/epitome_reddit.jsonl)",
            code="not_a_file",
        )
    if not task.commercial:
        errors.print(
            f"[yellow]licence[/yellow] {task.dataset} data: {task.licence or 'none stated'}. "
            "A model trained on it is for research or your own non-commercial use only."
        )
    examples = task.examples(data)
    train_part, test_part = (examples, []) if all_data else split(examples)
    with errors.status(f"training {task.name}…", spinner="dots") as status:

        def progress(message: str) -> None:
            if show:
                status.update(escape(message))

        model = fit(task, train_part, progress=progress)
    path = out or default_model_dir() / f"{task.name}.json"
    model.metadata.update(
        data_file=f"{task.dataset}/{task.file}",
        data_sha256=data_sha256(task.path(data)),
        trained_on="all examples" if all_data else "train part of the heard split",
    )
    figures = held_out(model, test_part) if test_part else None
    if figures is not None:
        model.metadata["held_out"] = figures
    model.save(path)
    reference = task.reference
    return {
        "task": task.name,
        "title": task.title,
        "model": str(path),
        "train_n": len(train_part),
        "held_out": figures,
        "positive": task.positive,
        "licence": task.licence,
        "commercial_use": task.commercial,
        "selected": model.metadata.get("selected"),
        "reference": None
        if reference is None
        else {
            "source": reference.source,
            "macro_f1": reference.macro_f1,
            "accuracy": reference.accuracy,
        },
    }


def _scorecards_without_outcome(conversations: list[Conversation]) -> list[Scorecard]:
    """Scorecards of the default analysis without the outcome model (what a team's outcome
    model is fitted on)."""
    from heard.analysis import Analyzer

    return [a.scorecard for a in Analyzer(outcome=False).analyze_many(conversations)]


def _train_outcome(store_url: str | None, *, out: Path | None, as_json: bool) -> None:
    """Fit, measure, save and print the team's outcome model; exit with the command's code."""
    from heard.learn.outcome import MODEL_ENV
    from heard.learn.outcome_team import fit_team_outcome, too_few
    from heard.settings import Settings
    from heard.store import Store, StoreError, surveys

    settings = Settings(database_url=store_url) if store_url else Settings()
    try:
        store = Store.from_settings(settings)
    except (StoreError, ValueError, OSError) as exc:
        errors.print(f"[red]error[/red] store not opened: {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from None
    try:
        answers = surveys.felt_heard_answers(store)
    finally:
        store.close()
    why = too_few([rating for _, _, rating in answers])
    if why is not None:
        errors.print(f"[red]refused[/red] {escape(why)}")
        raise typer.Exit(EXIT_TOO_FEW)
    with errors.status("fitting the outcome model…", spinner="dots") as status:
        model, figures = fit_team_outcome(
            answers,
            analyze=_scorecards_without_outcome,
            progress=lambda m: None if as_json else status.update(escape(m)),
        )
    path = out or default_model_dir() / "outcome.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    result = {"task": OUTCOME, "model": str(path), "name": model.name, "held_out": figures}
    if as_json:
        print_json(result)
    else:
        shipped = figures["shipped_auc"]
        console.print(
            f"felt heard: cross-validated AUC [bold]{_auc(figures['auc'])}[/bold] on "
            f"n {figures['n']} answers ({figures['positives']} felt heard); the shipped model "
            f"on the same answers: AUC {_auc(shipped)}"
        )
        console.print(f"model written to {escape(str(path))} ({model.name})")
        console.print(f"to use it: export {MODEL_ENV}={escape(str(path))}")
    raise typer.Exit(EXIT_OK)


def _auc(value: object) -> str:
    return "n/a" if value is None else f"{float(value):.3f}"  # type: ignore[arg-type]


def print_result(result: dict[str, Any]) -> None:
    figures = result["held_out"]
    if figures is None:
        console.print(f"trained {result['task']} on all {result['train_n']} examples")
    else:
        table = Table(title=f"{result['task']} — held-out figures", show_edge=False)
        for column in ("label", "precision", "recall", "F1", "support"):
            table.add_column(column, justify="left" if column == "label" else "right")
        for label, row in figures["labels"].items():
            mark = " (positive)" if label == result["positive"] else ""
            table.add_row(
                escape(label) + mark,
                f"{row['precision']:.3f}",
                f"{row['recall']:.3f}",
                f"{row['f1']:.3f}",
                str(row["support"]),
            )
        console.print(table)
        line = (
            f"macro-F1 [bold]{figures['macro_f1']:.3f}[/bold]  accuracy "
            f"{figures['accuracy']:.3f}  n {figures['n']} (trained on {result['train_n']})"
        )
        reference = result["reference"]
        if reference:
            published = ", ".join(
                f"{k} {reference[k]:.3f}" for k in ("macro_f1", "accuracy") if reference[k]
            )
            line += f"\npublished: {published} ({escape(reference['source'])})"
        console.print(line)
    console.print(f"model written to {escape(result['model'])}")
