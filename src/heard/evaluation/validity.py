"""Validity: do the Listening Score and the customer-emotion reading track real outcomes?

STAR (MIT) chats carry the users' and wizards' own questionnaires; Harper Valley Bank
(CC BY 4.0) calls carry the caller's rating of the agent. The outcomes never tune the
detectors. The outcome model (`heard.learn.outcome`) is trained, and the default rubric's
points and weights fitted (`heard calibrate`), on STAR's train part only, so every STAR figure
is on the held-out part, the same group hash as the labelled tasks
(`heard.learn.datasets.in_holdout`). A TF-IDF + logistic baseline is fitted here on the train
part and scored on the same held-out conversations, beside heard's figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from heard.learn.datasets import data_file, in_holdout
from heard.learn.outcome_fit import ANNOYED, CALM, star_answer
from heard.model import Conversation


@dataclass(frozen=True)
class ValidityTask:
    name: str
    dataset: str
    """Folder under the data directory."""
    file: str
    format: str
    """Importer name."""
    title: str
    statistic: str
    """``auc`` or ``spearman``."""
    predictor: str
    """What is measured: heard's ``listening_score`` or ``peak_anger``, the outcome model's
    ``felt_heard`` or ``annoyed`` probability, or ``tfidf_baseline`` (fitted here on the train
    part of the same file, scored on its held-out part)."""
    outcome: Callable[[Conversation], float | bool | None]
    holdout: bool
    note: str = ""

    def path(self, data_dir: Path) -> Path:
        return data_dir / self.dataset / self.file


def caller_rating(conversation: Conversation) -> float | None:
    """The Harper Valley caller's partner_rating (1–10) of the agent, or None."""
    meta = conversation.metadata.get("harper_valley")
    try:
        rating = meta["caller"]["survey_response"]["data"]["partner_rating"]  # type: ignore[index]
        return float(rating)
    except (KeyError, TypeError, ValueError):
        return None


def _calm(conversation: Conversation) -> bool | None:
    return star_answer(conversation, "UserQuestionnaire", CALM)


def _annoyed(conversation: Conversation) -> bool | None:
    return star_answer(conversation, "WizardQuestionnaire", ANNOYED)


BASELINE = "tfidf_baseline"
"""The predictor of tasks answered by a TF-IDF + logistic regression fitted on the train part."""

VALIDITY: dict[str, ValidityTask] = {
    task.name: task
    for task in (
        ValidityTask(
            name="star.calm_helpful",
            dataset="star",
            file="star.jsonl",
            format="star",
            title="Listening Score (calibrated rubric) vs user: 'did the assistant stay calm and "
            "helpful?'",
            statistic="auc",
            predictor="listening_score",
            outcome=_calm,
            holdout=True,
        ),
        ValidityTask(
            name="star.user_annoyed",
            dataset="star",
            file="star.jsonl",
            format="star",
            title="Peak customer anger/frustration vs wizard: 'did the user become annoyed?'",
            statistic="auc",
            predictor="peak_anger",
            outcome=_annoyed,
            holdout=True,
        ),
        ValidityTask(
            name="star.calm_helpful.outcome",
            dataset="star",
            file="star.jsonl",
            format="star",
            title="Outcome model p(felt heard) vs user: 'did the assistant stay calm and helpful?'",
            statistic="auc",
            predictor="felt_heard",
            outcome=_calm,
            holdout=True,
        ),
        ValidityTask(
            name="star.calm_helpful.baseline",
            dataset="star",
            file="star.jsonl",
            format="star",
            title="TF-IDF + logistic baseline vs user: 'did the assistant stay calm and helpful?'",
            statistic="auc",
            predictor=BASELINE,
            outcome=_calm,
            holdout=True,
        ),
        ValidityTask(
            name="star.user_annoyed.outcome",
            dataset="star",
            file="star.jsonl",
            format="star",
            title="Outcome model p(annoyed) vs wizard: 'did the user become annoyed?'",
            statistic="auc",
            predictor="annoyed",
            outcome=_annoyed,
            holdout=True,
        ),
        ValidityTask(
            name="star.user_annoyed.baseline",
            dataset="star",
            file="star.jsonl",
            format="star",
            title="TF-IDF + logistic baseline vs wizard: 'did the user become annoyed?'",
            statistic="auc",
            predictor=BASELINE,
            outcome=_annoyed,
            holdout=True,
        ),
        ValidityTask(
            name="harper_valley.caller_rating",
            dataset="harper_valley_bank",
            file="hvb_sample.jsonl",
            format="harper-valley",
            title="Listening Score vs the caller's rating of the agent (1–10)",
            statistic="spearman",
            predictor="listening_score",
            outcome=caller_rating,
            holdout=False,
            note="all 10 calls (too few to hold out; no heard model trains on Harper Valley)",
        ),
    )
}


def load(task: ValidityTask, data_dir: Path, *, part: str = "test") -> list[Conversation]:
    """The task's conversations: its held-out part where `task.holdout` (or, with
    ``part="train"``, the rest, which baselines are fitted on; with ``part="all"``, every one:
    `heard eval --test-data` fits on all of one folder and scores all of the other)."""
    from heard.importers import read_file

    path = data_file(data_dir, task.dataset, task.file, task=task.name)
    _, conversations = read_file(path, format=task.format)
    if task.holdout and part != "all":
        held = part == "test"
        conversations = [c for c in conversations if in_holdout(c.external_id or c.id) == held]
    return conversations
