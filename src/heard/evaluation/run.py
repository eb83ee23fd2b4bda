"""`heard eval` as a library call: each task on its test part, default, trained and simplest
rule side by side; validity."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from heard.errors import InputError, Location
from heard.evaluation import audio as audio_tasks
from heard.evaluation import baselines
from heard.evaluation import corpus as corpus_tasks
from heard.evaluation.corpus import CorpusEvaluation, evaluate_corpus
from heard.evaluation.metrics import Estimate, Report, auc_with_ci, classification_report
from heard.evaluation.metrics import spearman_with_ci as spearman_ci
from heard.evaluation.predictors import (
    RULES,
    DetectorPredictor,
    Outcome,
    Predictor,
    analyze_all,
    as_conversation,
    score_all,
    shipped_model,
    trainer,
)
from heard.evaluation.validity import BASELINE, VALIDITY, ValidityTask, load
from heard.learn.datasets import TASKS, Example, Reference, Task, split
from heard.model import Conversation

if TYPE_CHECKING:
    from heard.evaluation.audio import AudioEvaluation
    from heard.learn.outcome import OutcomeModel

Progress = Callable[[str, int], Callable[[int], None]]
"""start(description, total) → advance(n): how evaluation reports what it is doing."""

TRAINED = ".trained"
"""Suffix of the JSON key holding a task's figures for the model `heard train` fits."""
BASE = ".baseline"
"""Suffix of the JSON key holding a task's figures for its simplest rule."""
OUTCOME_PREDICTORS = ("felt_heard", "annoyed")
"""Validity predictors answered by the outcome model."""


@dataclass
class Result:
    """One task's figures (or why there are none)."""

    name: str
    dataset: str
    title: str
    n: int = 0
    """Examples (or conversations) scored."""
    default: Report | Estimate | None = None
    default_by: str = ""
    """What produced the default figures, or why there are none."""
    trained: Report | None = None
    trained_by: str = ""
    baseline: Report | None = None
    """The task's simplest rule (`heard.evaluation.baselines.SHARED`) on the same examples."""
    reference: Reference | None = None
    positive: str | None = None
    statistic: str | None = None
    """``auc`` / ``spearman`` for validity tasks; None for labelled tasks."""
    note: str = ""

    def figure(self, metric: str, *, trained: bool = False, baseline: bool = False) -> float | None:
        """``macro_f1``, ``accuracy``, ``f1`` (of the positive label), ``auc`` or ``spearman``
        — of the default, or of the trained model or the simplest rule."""
        value = self.trained if trained else self.baseline if baseline else self.default
        if isinstance(value, Estimate):
            return value.value if metric == self.statistic else None
        if value is None:
            return None
        if metric == "f1":
            return value.labels[self.positive].f1 if self.positive else None
        return getattr(value, metric, None)


@dataclass
class Evaluation:
    data_dir: Path
    results: list[Result]
    files: dict[str, str] = field(default_factory=dict)
    """Data file (relative to the data folder) → sha256."""
    seconds: float = 0.0
    corpus: CorpusEvaluation | None = None
    """heard's own corpus (data/corpus/): default, baseline and trained per label and group."""
    corpus_why: str = ""
    """Why there are no corpus figures (when `corpus` is None)."""
    test_dir: Path | None = None
    """`--test-data`: the folder scored whole, every model fitted on all of `data_dir`."""
    notes: list[str] = field(default_factory=list)
    """What a reader should know about the run (e.g. examples of `data_dir` left out of
    training because `test_dir` holds them too)."""
    audio: AudioEvaluation | None = None
    """Calls from audio (`--audio`, opt-in: it needs the audio extra and recognises speech)."""

    def to_json(self) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        if self.corpus is not None or self.corpus_why:
            out[corpus_tasks.DATASET] = corpus_json(self.corpus, self.corpus_why)
        if self.audio is not None:
            out[audio_tasks.DATASET] = self.audio.to_json()
        for r in self.results:
            tasks = out.setdefault(r.dataset, {})
            if isinstance(r.default, Estimate):
                tasks[r.name] = r.default.to_dict(r.statistic or "value")
            elif isinstance(r.default, Report):
                tasks[r.name] = r.default.to_dict()
            else:
                tasks[r.name] = {"skipped": r.default_by}
            if r.statistic is None:
                tasks[r.name + TRAINED] = (
                    r.trained.to_dict() if r.trained else {"skipped": r.trained_by}
                )
                if r.baseline is not None:
                    tasks[r.name + BASE] = r.baseline.to_dict()
        return out


def corpus_json(corpus: CorpusEvaluation | None, why: str) -> dict[str, object]:
    """The corpus tasks in the labelled tasks' JSON shape — `task` (default), `task.trained` —
    plus `task.baseline`, `task.by_origin` (real / written) and `groups` (mean macro-F1)."""
    if corpus is None:
        return {t.name: {"skipped": why} for t in corpus_tasks.CORPUS_TASKS}

    def one(report: Report | None, reason: str) -> dict[str, object]:
        return report.to_dict() if report is not None else {"skipped": reason}

    out: dict[str, object] = {}
    for s in corpus.tasks:
        name = s.task.name
        for who, key in (("default", name), ("trained", name + TRAINED), ("baseline", name + BASE)):
            out[key] = one(s.reports[who]["all"], s.why.get(who, "no test items"))
        by_origin: dict[str, object] = {}
        for part in corpus_tasks.ORIGINS:
            if not s.n[part]:
                by_origin[part] = {"skipped": f"no {part} items yet"}
                continue
            figures: dict[str, object] = {"n": s.n[part]}
            for who in corpus_tasks.PREDICTORS:
                figures[who] = one(s.reports[who][part], s.why.get(who, ""))
            by_origin[part] = figures
        out[name + ".by_origin"] = by_origin
    out["groups"] = {
        group: {
            who: {part: None if v is None else round(v, 4) for part, v in parts.items()}
            for who, parts in figures.items()
        }
        for group, figures in corpus.groups.items()
    }
    return out


def select(
    tasks: list[str] | None = None, datasets: list[str] | None = None
) -> tuple[list[Task], list[ValidityTask]]:
    """The labelled and validity tasks named (all when neither filter is given)."""
    known = {*TASKS, *VALIDITY, *corpus_tasks.TASKS}
    for name in tasks or []:
        if name not in known:
            raise InputError(
                f"unknown task {name!r}",
                where=Location(path="--task"),
                expected="one of " + ", ".join(sorted(known)),
                code="unknown_task",
            )
    all_datasets = {t.dataset for t in TASKS.values()} | {v.dataset for v in VALIDITY.values()}
    all_datasets.update((corpus_tasks.DATASET, audio_tasks.DATASET))
    for name in datasets or []:
        if name not in all_datasets:
            raise InputError(
                f"unknown data set {name!r}",
                where=Location(path="--dataset"),
                expected="one of " + ", ".join(sorted(all_datasets)),
                code="unknown_dataset",
            )

    def wanted(name: str, dataset: str) -> bool:
        return (not tasks or name in tasks) and (not datasets or dataset in datasets)

    return (
        [t for t in TASKS.values() if wanted(t.name, t.dataset)],
        [v for v in VALIDITY.values() if wanted(v.name, v.dataset)],
    )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quiet(_: str, __: int) -> Callable[[int], None]:
    return lambda _n: None


def evaluate(
    data_dir: Path,
    *,
    tasks: list[str] | None = None,
    datasets: list[str] | None = None,
    trained: bool = True,
    workers: int = 1,
    progress: Progress | None = None,
    corpus: Path | None = None,
    test_data: Path | None = None,
    audio: bool = False,
    audio_calls: list[str] | None = None,
) -> Evaluation:
    """Figures for every selected task on its test part (see `heard.learn.datasets.split`).

    With `test_data` (a second folder laid out the same way), every example and conversation
    of `test_data` is scored instead and every model — `heard train`'s, the TF-IDF baseline,
    the outcome model — is fitted on all of `data_dir`, less any example whose group (or STAR
    conversation) `test_data` also holds (`Evaluation.notes` counts them).

    Without filters, data sets missing from the scored folder are reported as skipped; a filter
    that names a missing one, or a folder with none of them, is an InputError. The corpus tasks
    read `corpus` (default: the repository's data/corpus/,
    `heard.evaluation.corpus.default_folder`), scored on its own test part either way.

    The audio tasks (`heard.evaluation.audio`) run only when asked for, by `audio` or by
    naming the `audio` data set; `audio_calls` names the calls to read (default: all).
    """
    started = time.perf_counter()
    progress = progress or _quiet
    _check_folders(data_dir, test_data)
    scored = test_data or data_dir
    audio_only = bool(datasets) and set(datasets or []) == {audio_tasks.DATASET}
    audio = audio or audio_tasks.DATASET in (datasets or [])
    datasets = [d for d in datasets or [] if d != audio_tasks.DATASET] or None
    labelled, validity = ([], []) if audio_only else select(tasks, datasets)
    filtered = bool(tasks or datasets)
    corpus_wanted = (
        not audio_only
        and (not datasets or corpus_tasks.DATASET in datasets)
        and (not tasks or any(t in corpus_tasks.TASKS for t in tasks))
    )
    folder = corpus or corpus_tasks.default_folder()
    if corpus_wanted and (corpus is not None or filtered) and not folder.is_dir():
        raise InputError(
            "corpus folder not found",
            where=Location(file=str(folder)),
            expected="heard's listening corpus (items.jsonl, labels.jsonl; see data/corpus/)",
            code="not_a_folder",
        )
    present = _present(
        labelled,
        validity,
        scored,
        needed=not audio_only,
        corpus_wanted=corpus_wanted,
        filtered=filtered,
    )
    evaluation = _evaluation(data_dir, test_data, scored, present)
    fit, why_not = trainer() if trained else (None, "not requested (--no-trained)")
    _score_labelled(
        evaluation,
        labelled,
        data_dir,
        scored=scored,
        test_data=test_data,
        fit=fit,
        why_not=why_not,
        workers=workers,
        progress=progress,
    )
    for path in dict.fromkeys(v.path(scored) for v in validity):
        group = [v for v in validity if v.path(scored) == path]
        if not path.is_file():
            evaluation.results += [
                Result(v.name, v.dataset, v.title, default_by="no data", statistic=v.statistic)
                for v in group
            ]
            continue
        evaluation.results += _validity(group, data_dir, workers, progress, test_data, evaluation)
    if corpus_wanted and folder.is_dir():
        evaluation.corpus = evaluate_corpus(
            folder,
            tasks=[t for t in tasks or [] if t in corpus_tasks.TASKS],
            fit=fit,
            why_not=why_not,
            workers=workers,
            progress=progress,
        )
        for name in ("items.jsonl", "labels.jsonl"):
            evaluation.files[f"corpus/{name}"] = sha256(folder / name)
    elif corpus_wanted:
        evaluation.corpus_why = f"no corpus ({folder} not found)"
    if audio:
        _score_audio(evaluation, scored, audio_calls, progress)
    evaluation.seconds = time.perf_counter() - started
    return evaluation


def _check_folders(data_dir: Path, test_data: Path | None) -> None:
    """An InputError when the data folder (or the test data folder) is not there."""
    for folder_, option in ((data_dir, "data"), (test_data, "test data")):
        if folder_ is not None and not folder_.is_dir():
            raise InputError(
                f"{option} folder not found",
                where=Location(file=str(folder_)),
                expected="a folder laid out like heard's shared data (epitome/, annomi/, …)",
                code="not_a_folder",
            )


def _present(
    labelled: list[Task],
    validity: list[ValidityTask],
    scored: Path,
    *,
    needed: bool,
    corpus_wanted: bool,
    filtered: bool,
) -> set[Path]:
    """The data files of the selected tasks found in `scored`. When `needed`, an InputError
    if none is there (and the corpus is not wanted instead), or if a filter named a task whose
    file is missing."""
    files = {t.path(scored) for t in labelled} | {v.path(scored) for v in validity}
    present = {p for p in files if p.is_file()}
    if needed and (files or not corpus_wanted) and (not present or (filtered and present != files)):
        missing = sorted(files - present)[0]
        raise InputError(
            "data file not found",
            where=Location(file=str(missing)),
            expected="the data sets laid out like heard's shared data (see docs/accuracy.md)",
            code="missing_file",
        )
    return present


def _evaluation(
    data_dir: Path, test_data: Path | None, scored: Path, present: set[Path]
) -> Evaluation:
    """An evaluation with no results yet, naming the digests of the files it reads: those of
    `scored` present, and with `test_data` the files of `data_dir` the models are fitted on."""
    evaluation = Evaluation(
        data_dir=data_dir,
        results=[],
        files={str(p.relative_to(scored)): sha256(p) for p in sorted(present)},
        test_dir=test_data,
    )
    if test_data is not None:
        fitted_on = {data_dir / p.relative_to(test_data) for p in present}
        evaluation.files = {
            **{
                f"--data {p.relative_to(data_dir)}": sha256(p)
                for p in sorted(fitted_on)
                if p.is_file()
            },
            **{f"--test-data {name}": digest for name, digest in evaluation.files.items()},
        }
    return evaluation


def _score_labelled(
    evaluation: Evaluation,
    labelled: list[Task],
    data_dir: Path,
    *,
    scored: Path,
    test_data: Path | None,
    fit: Callable[..., Predictor] | None,
    why_not: str,
    workers: int,
    progress: Progress,
) -> None:
    """Add the results of the labelled tasks to `evaluation`, data set by data set, then train
    and score `heard train`'s models on those that have training data (`fit`; when None,
    `why_not` says why no model was trained)."""
    jobs: list[_Job] = []
    for dataset in dict.fromkeys(t.dataset for t in labelled):
        group = [t for t in labelled if t.dataset == dataset]
        if not group[0].path(scored).is_file():
            evaluation.results += [_missing(t, scored) for t in group]
            continue
        results, parts = _labelled(group, data_dir, workers, progress, test_data)
        evaluation.results += results
        if test_data is not None:
            _note_left_out(evaluation, dataset, max(parts[t.name][2] for t in group))
        for result in results:
            train, test, _ = parts[result.name]
            if fit is None:
                result.trained_by = why_not
            elif not train:
                task = TASKS[result.name]
                result.trained_by = (
                    "no training data: every example of --data is in --test-data too"
                    if task.path(data_dir).is_file()
                    else f"no training data ({task.dataset}/{task.file} not in {data_dir})"
                )
            else:
                jobs.append(_Job(result, train, test))
    if fit is not None and jobs:
        _train(fit, jobs, workers, progress)


def _score_audio(
    evaluation: Evaluation, scored: Path, calls: list[str] | None, progress: Progress
) -> None:
    """Add the audio tasks' figures (`heard.evaluation.audio`) and the digests of the files
    of the calls they read to `evaluation`."""
    evaluation.audio = audio_tasks.evaluate_audio(scored, calls=calls, progress=progress)
    for call in evaluation.audio.calls:
        for name in ("agent.wav", "caller.wav", "transcript.json"):
            path = scored / audio_tasks.FOLDER / call.call / name
            evaluation.files[str(path.relative_to(scored))] = sha256(path)


def _missing(task: Task, data_dir: Path) -> Result:
    why = f"no data ({task.dataset}/{task.file} not in {data_dir})"
    return Result(
        task.name,
        task.dataset,
        task.title,
        default_by=why,
        trained_by=why,
        reference=task.reference,
        positive=task.positive,
    )


def _note_left_out(evaluation: Evaluation, dataset: str, n: int) -> None:
    if n:
        evaluation.notes.append(
            f"{dataset}: {n:,} examples of --data left out of training: their group (post, "
            "transcript, conversation) is in --test-data too"
        )


def _apart(task: Task, data_dir: Path, test_dir: Path) -> tuple[list[Example], list[Example], int]:
    """(all of `data_dir` whose group and id `test_dir` does not hold, all of `test_dir`, how
    many were left out); no training examples when `data_dir` lacks the task's file."""
    test = task.examples(test_dir)
    if not task.path(data_dir).is_file():
        return [], test, 0
    held = {e.group for e in test} | {e.id for e in test}
    every = task.examples(data_dir)
    train = [e for e in every if e.group not in held and e.id not in held]
    return train, test, len(every) - len(train)


def _labelled(
    group: list[Task],
    data_dir: Path,
    workers: int,
    progress: Progress,
    test_dir: Path | None = None,
) -> tuple[list[Result], dict[str, tuple[list[Example], list[Example], int]]]:
    """Default figures for the tasks of one data set, and each task's (train, test, how many
    examples were left out of train): the split of `data_dir`, or with `test_dir` all of
    `data_dir` against all of `test_dir` (`_apart`)."""
    if test_dir is None:
        parts = {t.name: (*split(t.examples(data_dir)), 0) for t in group}
    else:
        parts = {t.name: _apart(t, data_dir, test_dir) for t in group}
    pending: dict[str, Example] = {}
    for t in group:
        if t.name in RULES:
            pending.update((e.id, e) for e in parts[t.name][1])
    outcomes: dict[str, Outcome] = {}
    if pending:
        advance = progress(f"{group[0].dataset}: analysing", len(pending))
        conversations = [as_conversation(e) for e in pending.values()]
        found = analyze_all(conversations, workers=workers, advance=advance)
        outcomes = dict(zip(pending, found, strict=True))
    results = []
    for t in group:
        test = parts[t.name][1]
        result = Result(
            t.name, t.dataset, t.title, len(test), reference=t.reference, positive=t.positive
        )
        gold = [e.labels for e in test]
        predictor: Predictor | None
        if t.name in RULES:
            predictor, result.default_by = DetectorPredictor(t, outcomes), "heard detectors"
        else:
            predictor, result.default_by = shipped_model(t)
            result.default_by = result.default_by or "heard default model"
        if predictor is not None:
            result.default = classification_report(gold, predictor.predict(test), t.labels)
        if t.name in baselines.SHARED:
            rule = baselines.SHARED[t.name]
            result.baseline = classification_report(gold, baselines.predict(rule, test), t.labels)
        results.append(result)
    return results, parts


@dataclass
class _Job:
    result: Result
    train: list[Example]
    test: list[Example]


def _fit_predict(
    fit: Callable[..., Predictor], name: str, train: list[Example], test: list[Example]
) -> list[tuple[str, ...]]:
    return fit(TASKS[name], train).predict(test)


def _train(
    fit: Callable[..., Predictor], jobs: list[_Job], workers: int, progress: Progress
) -> None:
    """Fit `heard train`'s model on each train part and score it on the test part; the
    fits run side by side in a process pool when `workers` > 1 (largest first)."""
    jobs = sorted(jobs, key=lambda j: -len(j.train))
    advance = progress("heard train: fitting", len(jobs))

    def done(job: _Job, predicted: list[tuple[str, ...]]) -> None:
        task = TASKS[job.result.name]
        job.result.trained = classification_report(
            [e.labels for e in job.test], predicted, task.labels
        )
        job.result.trained_by = "heard train"
        advance(1)

    if workers <= 1 or len(jobs) == 1:
        for job in jobs:
            done(job, _fit_predict(fit, job.result.name, job.train, job.test))
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(_fit_predict, fit, job.result.name, job.train, job.test): job
            for job in jobs
        }
        for future in as_completed(futures):
            done(futures[future], future.result())


def _key(conversation: Conversation) -> str:
    return conversation.external_id or conversation.id


def _validity(
    group: list[ValidityTask],
    data_dir: Path,
    workers: int,
    progress: Progress,
    test_dir: Path | None = None,
    evaluation: Evaluation | None = None,
) -> list[Result]:
    """The tasks of one data file: its conversations are read and analysed once. With
    `test_dir`, all of its conversations are scored, and the baseline and the outcome model
    are fitted on all of `data_dir`'s (less those `test_dir` holds too)."""
    whole = test_dir is not None
    conversations = load(group[0], test_dir or data_dir, part="all" if whole else "test")
    held = {_key(c) for c in conversations}
    fitted: OutcomeModel | str | None = None
    if whole and any(t.predictor in OUTCOME_PREDICTORS for t in group):
        fitted = _fit_outcome(group[0], data_dir, held, workers, progress)
    advance = progress(f"{group[0].dataset}: analysing", len(conversations))
    outcomes = analyze_all(
        conversations,
        workers=workers,
        advance=advance,
        outcome_model=None if fitted is None or isinstance(fitted, str) else fitted,
    )
    train: list[Conversation] | None = None
    whole_note = "all of --test-data (the outcome model and baseline fitted on all of --data)"
    results = []
    for task in group:
        by = f"heard {task.predictor.replace('_', ' ')}"
        if whole and task.predictor in OUTCOME_PREDICTORS and isinstance(fitted, str):
            results.append(
                Result(task.name, task.dataset, task.title, default_by=fitted, statistic="auc")
            )
            continue
        if task.predictor == BASELINE:
            if train is None:
                train = _baseline_train(task, data_dir, held, whole, evaluation)
            try:
                scores, by = _baseline(task, train, conversations, progress), "TF-IDF + logistic"
            except ValueError as error:
                why = f"TF-IDF baseline not fitted: {error}"
                results.append(
                    Result(task.name, task.dataset, task.title, default_by=why, statistic="auc")
                )
                continue
        elif task.predictor in OUTCOME_PREDICTORS:
            by = "outcome model fitted on --data" if whole else "heard outcome model"
            scores = [getattr(o, task.predictor) for o in outcomes]
        else:
            scores = [getattr(o, task.predictor) for o in outcomes]
        xs, ys = [], []
        for conversation, x in zip(conversations, scores, strict=True):
            truth = task.outcome(conversation)
            if truth is None or x is None:
                continue
            xs.append(float(x))
            ys.append(float(truth))
        if not xs:
            why = "no outcome model installed" if by == "heard outcome model" else "no labels"
            results.append(
                Result(
                    task.name, task.dataset, task.title, default_by=why, statistic=task.statistic
                )
            )
            continue
        if task.statistic == "auc":
            estimate = auc_with_ci(xs, [bool(y) for y in ys])
        else:
            estimate = spearman_ci(xs, ys)
        results.append(
            Result(
                task.name,
                task.dataset,
                task.title,
                estimate.n,
                default=estimate,
                default_by=by,
                statistic=task.statistic,
                note=whole_note if whole else _task_note(task),
            )
        )
    return results


def _task_note(task: ValidityTask) -> str:
    return task.note or "held-out part (the labelled tasks' group hash)"


def _baseline_train(
    task: ValidityTask, data_dir: Path, held: set[str], whole: bool, evaluation: Evaluation | None
) -> list[Conversation]:
    """What the TF-IDF baseline is fitted on: the train part of `data_dir`, or with
    `--test-data` all of it less the conversations the test folder holds too."""
    if not whole:
        return load(task, data_dir, part="train")
    if not task.path(data_dir).is_file():
        return []
    every = load(task, data_dir, part="all")
    train = [c for c in every if _key(c) not in held]
    if evaluation is not None and len(train) < len(every):
        evaluation.notes.append(
            f"{task.dataset}: {len(every) - len(train):,} conversations of --data left out of "
            "training: --test-data holds them too"
        )
    return train


def _fit_outcome(
    task: ValidityTask, data_dir: Path, held: set[str], workers: int, progress: Progress
) -> OutcomeModel | str:
    """The outcome model fitted on all of `data_dir`'s STAR conversations but those in `held`
    (`heard.learn.outcome_fit.fit_outcome`, as scripts/train_outcome_model.py fits the shipped
    one), or why it could not be."""
    from heard.learn.outcome_fit import fit_outcome, star_outcomes

    if not task.path(data_dir).is_file():
        where = f"{task.dataset}/{task.file} not in {data_dir}"
        return f"outcome model not fitted: no training data ({where})"
    items = [i for i in star_outcomes(data_dir) if i.group not in held]
    advance = progress(f"{task.dataset}: analysing --data for the outcome model", len(items))
    cards = score_all([i.conversation for i in items], workers=workers, advance=advance)
    done = progress("outcome model: fitting on --data", 1)
    try:
        model = fit_outcome(items, cards)
    except ValueError as error:
        return f"outcome model not fitted on --data: {error}"
    done(1)
    return model


def _baseline(
    task: ValidityTask, train: list[Conversation], test: list[Conversation], progress: Progress
) -> list[float | None]:
    """The TF-IDF + logistic baseline fitted on the train part's labelled conversations."""
    from heard.learn.outcome_fit import baseline_scores

    advance = progress(f"{task.name}: fitting the TF-IDF baseline", 1)
    known = [(c, task.outcome(c)) for c in train]
    labelled = [(c, bool(y)) for c, y in known if y is not None]
    if not labelled:
        raise ValueError("no conversation to fit on has this answer")
    scores: list[float | None] = list(
        baseline_scores([c for c, _ in labelled], [y for _, y in labelled], test)
    )
    advance(1)
    return scores
