"""`heard calibrate`: fit the rubric's points and weights to whether customers felt heard,
and write the result as a rubric file `heard analyze --rubric` takes."""

from __future__ import annotations

import shlex
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from heard.cli.output import JsonOpt, console, errors, print_json, write_atomically
from heard.cli.team import DatabaseOpt
from heard.errors import InputError, Location

if TYPE_CHECKING:
    from heard.analysis.rubric import Rubric

EXIT_OK, EXIT_USAGE, EXIT_TOO_FEW = 0, 2, 3
"""Exit codes; too few survey answers is 3, as for `heard train --task outcome`."""
FELT_HEARD_FROM = 4
"""A store survey's "did you feel heard?" answer (1–5) from which the customer felt heard."""


@dataclass
class Outcomes:
    """Conversations with whether each customer felt heard, and where they came from."""

    conversations: list[Any]
    felt_heard: list[bool]
    source: str
    """What was fitted on, for the rubric's header."""
    digest: str
    question: str


def register(app: typer.Typer) -> None:
    @app.command("calibrate")
    def calibrate_command(
        out: Annotated[Path, typer.Option("--out", help="Rubric TOML file to write.")],
        data: Annotated[
            Path | None,
            typer.Option(
                "--data",
                help="Folder laid out like heard's shared data: fit on STAR's train part.",
            ),
        ] = None,
        from_store: Annotated[
            bool,
            typer.Option(
                "--from-store", help='Fit on the store\'s own survey answers ("felt heard?").'
            ),
        ] = False,
        database: DatabaseOpt = None,
        rubric: Annotated[
            Path | None,
            typer.Option("--rubric", help="Rubric to start from (default: heard's)."),
        ] = None,
        name: Annotated[
            str | None,
            typer.Option("--name", help="Name of the written rubric (default: the base's)."),
        ] = None,
        rubric_version: Annotated[
            str | None,
            typer.Option(
                "--rubric-version",
                help="Version of the written rubric (default: the base's + '-calibrated').",
            ),
        ] = None,
        workers: Annotated[
            int, typer.Option("--workers", min=1, help="Processes for the analysis.")
        ] = 2,
        as_json: JsonOpt = False,
    ) -> None:
        """Fit the Listening Score's points and weights to whether customers felt heard;
        write the calibrated rubric to OUT."""
        from heard.analysis.rubric import load_rubric

        try:
            if (data is None) == (not from_store):
                raise typer.BadParameter(
                    "give either --data DIR (STAR's questionnaires) or --from-store",
                    param_hint="--data / --from-store",
                )
            base = load_rubric(rubric)
            outcomes = _star(data) if data is not None else _store(database)
        except InputError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_USAGE) from None
        command = ["heard", "calibrate"]
        command += ["--data", str(data)] if data is not None else ["--from-store"]
        command += ["--rubric", str(rubric)] if rubric else []
        command += ["--name", name] if name else []
        command += ["--rubric-version", rubric_version] if rubric_version else []
        command += ["--out", str(out)]
        try:
            result = run(
                outcomes,
                base,
                rubric_path=rubric,
                out=out,
                name=name or base.name,
                version=rubric_version or f"{base.version}-calibrated",
                command=shlex.join(command),
                workers=workers,
                show=not as_json,
            )
        except TooFew as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_TOO_FEW) from None
        if as_json:
            print_json(result)
        else:
            print_result(result)
        raise typer.Exit(EXIT_OK)


class TooFew(Exception):
    """Too few answers of one kind to calibrate on."""


def _star(data: Path) -> Outcomes:
    from heard.learn.classifier import data_sha256
    from heard.learn.datasets import data_file
    from heard.learn.outcome_fit import STAR_FILE, split, star_outcomes

    if not data.is_dir():
        raise InputError(
            "no such data folder",
            where=Location(file=str(data)),
            expected="a folder laid out like heard's shared data (star/star.jsonl)",
            code="not_a_file",
        )
    path = data_file(data, *STAR_FILE, task="heard calibrate")
    train, _ = split(star_outcomes(data))
    known = [i for i in train if i.felt_heard is not None]
    return Outcomes(
        conversations=[i.conversation for i in known],
        felt_heard=[bool(i.felt_heard) for i in known],
        source=(
            f"the train part of STAR ({'/'.join(STAR_FILE)}, MIT), split by "
            "heard.learn.outcome_fit.split: its held-out part, on which `heard eval` reports "
            "validity, was not used"
        ),
        digest=f"sha256 {data_sha256(path)}",
        question='the user\'s answer to "did the assistant stay calm and helpful?"',
    )


def _store(database: str | None) -> Outcomes:
    from heard.analysis.calibrate import digest
    from heard.cli.team import _store as open_store
    from heard.store import surveys

    store = open_store(database)
    try:
        answers = surveys.felt_heard_answers(store)
    finally:
        store.close()
    return Outcomes(
        conversations=[c for c, _, _ in answers],
        felt_heard=[a >= FELT_HEARD_FROM for _, _, a in answers],
        source="the store's surveyed conversations",
        digest="sha256 " + digest([f"{c.id}:{a}:{c.model_dump_json()}" for c, _, a in answers]),
        question=(
            f'the customer\'s survey answer to "did you feel heard?" ({FELT_HEARD_FROM}–5 '
            f"counts as felt heard, 1–{FELT_HEARD_FROM - 1} as not)"
        ),
    )


def run(
    outcomes: Outcomes,
    base: Any,
    *,
    rubric_path: Path | None,
    out: Path,
    name: str,
    version: str,
    command: str,
    workers: int,
    show: bool,
) -> dict[str, Any]:
    """Analyse, fit, write and check the rubric; the summary `--json` prints."""
    from heard.analysis import calibrate as fitting
    from heard.analysis.rubric import load_rubric

    yes = sum(outcomes.felt_heard)
    no = len(outcomes.felt_heard) - yes
    if min(yes, no) < fitting.MIN_ANSWERS:
        raise TooFew(
            f"too few answers to calibrate on: {outcomes.source} hold {yes:,} conversations "
            f"where the customer felt heard and {no:,} where they did not; each needs at "
            f"least {fitting.MIN_ANSWERS} (no rubric written)"
        )
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=not show,
        transient=True,
    )
    with bar:
        analysing = bar.add_task("analysing", total=len(outcomes.conversations))
        observations = fitting.observe(
            outcomes.conversations,
            rubric_path=None if rubric_path is None else str(rubric_path),
            workers=workers,
            advance=lambda n: bar.advance(analysing, n),
        )
        fitting_task = bar.add_task("fitting (5 folds, then all)", total=6)

        def progress(message: str) -> None:
            bar.update(fitting_task, advance=1, description=f"fitting: {escape(message)}")

        calibration = fitting.calibrate(base, observations, outcomes.felt_heard, progress=progress)
    base_text = Path(rubric_path).read_text("utf-8") if rubric_path else _default_text()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        f"heard listening rubric {name}@{version}: its points and weights were calibrated to",
        "outcomes by",
        f"    {command}",
        *textwrap.wrap(
            f"on {when}, fitted on {outcomes.source}: {calibration.examples:,} conversations "
            f"with {outcomes.question}, {calibration.positives:,} felt heard "
            f"(data {outcomes.digest}). Behaviour points and component weights are round "
            'values chosen by coordinate search on ROC AUC (docs/analysis.md, "Calibrating '
            'the rubric"); polarity, when each behaviour applies, labels, tips and thresholds '
            f"are those of {base.ref}; a behaviour at 0 points stays on the checklist and in "
            "coaching but does not move the score, and one whose points changed keeps its "
            "tips' order as `priority`. How well the Listening Score ranks that "
            "answer, 5-fold cross-validated on those conversations: ROC AUC "
            f"{calibration.cv_auc:.3f} calibrated, {calibration.base_cv_auc:.3f} with "
            f"{base.ref}. Copy it, change weights and points, and pass it with `heard analyze "
            "--rubric FILE`. Components and behaviours follow docs/analysis.md.",
            width=94,
            break_long_words=False,
            break_on_hyphens=False,
        ),
    ]
    text = fitting.rubric_text(
        _without_leading_comments(base_text),
        calibration.parameters,
        header=header,
        name=name,
        version=version,
    )
    written = _check(text, calibration.parameters, out)
    write_atomically(out, text)
    load_rubric(out)  # as `heard analyze --rubric` will read it
    return {
        "out": str(out),
        "rubric": written.ref,
        "base": base.ref,
        "fitted_on": outcomes.source,
        "question": outcomes.question,
        "data": outcomes.digest,
        **calibration.to_json(),
    }


def _default_text() -> str:
    from importlib.resources import files

    return files("heard.analysis").joinpath("default_rubric.toml").read_text("utf-8")


def _without_leading_comments(text: str) -> str:
    """The base rubric's text without its opening comment (the header replaces it)."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and (lines[start].startswith("#") or not lines[start].strip()):
        start += 1
    return "\n".join(lines[start:]) + "\n"


def _check(text: str, parameters: Any, out: Path) -> Rubric:
    """The written rubric, read back: it must parse and hold exactly the fitted numbers."""
    import tomllib

    from heard.analysis.rubric import Rubric

    rubric = Rubric.model_validate(tomllib.loads(text))
    for behaviour, points in parameters.points.items():
        if rubric.behaviours[behaviour].points != points:
            raise AssertionError(f"{out}: {behaviour} points not written")
    for component, weight in parameters.weights.items():
        if rubric.components[component].weight != weight:
            raise AssertionError(f"{out}: {component} weight not written")
    return rubric


def print_result(result: dict[str, Any]) -> None:
    table = Table(title=f"{result['rubric']} (from {result['base']})", show_edge=False)
    for column in ("changed", "from", "to"):
        table.add_column(column, justify="left" if column == "changed" else "right")
    for component, change in result["weights"].items():
        table.add_row(f"{escape(component)} weight", f"{change['from']:g}", f"{change['to']:g}")
    for behaviour, change in result["points"].items():
        table.add_row(f"{escape(behaviour)} points", f"{change['from']:g}", f"{change['to']:g}")
    console.print(table)
    console.print(
        f"fitted on {result['examples']:,} conversations ({result['positives']:,} felt heard)\n"
        f"5-fold cross-validated ROC AUC: [bold]{result['cv_auc']:.3f}[/bold] calibrated, "
        f"{result['base_cv_auc']:.3f} with {escape(result['base'])}\n"
        f"rubric written to {escape(result['out'])}"
    )
