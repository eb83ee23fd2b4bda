"""Validity: do the Listening Score and the customer-emotion reading track real outcomes?

STAR (MIT) chats carry the users' and wizards' own questionnaires; Harper Valley Bank
(CC BY 4.0) calls carry the caller's rating of the agent. The outcomes are never used to
tune heard; STAR is held out by the same group hash as the labelled tasks
(`heard.learn.datasets.in_holdout`), since STAR is one of the data sets defaults may train on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from heard.learn.datasets import data_file, in_holdout
from heard.model import Conversation

CALM = re.compile(r"stay calm and helpful", re.IGNORECASE)
ANNOYED = re.compile(r"become aggressive or annoyed", re.IGNORECASE)


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
    """What heard produces: ``listening_score`` or ``peak_anger``."""
    outcome: Callable[[Conversation], float | bool | None]
    holdout: bool
    note: str = ""

    def path(self, data_dir: Path) -> Path:
        return data_dir / self.dataset / self.file


def _answer(entries: object, question: re.Pattern[str]) -> bool | None:
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if (
            isinstance(entry, dict)
            and question.search(str(entry.get("Question", "")))
            and isinstance(entry.get("Answer"), bool)
        ):
            return entry["Answer"]
    return None


def star_answer(conversation: Conversation, questionnaire: str, question: re.Pattern[str]):
    """A STAR questionnaire answer (True/False) kept by the `star` importer, or None."""
    star = conversation.metadata.get("star")
    return _answer(star.get(questionnaire) if isinstance(star, dict) else None, question)


def caller_rating(conversation: Conversation) -> float | None:
    """The Harper Valley caller's partner_rating (1–10) of the agent, or None."""
    meta = conversation.metadata.get("harper_valley")
    try:
        rating = meta["caller"]["survey_response"]["data"]["partner_rating"]  # type: ignore[index]
        return float(rating)
    except (KeyError, TypeError, ValueError):
        return None


VALIDITY: dict[str, ValidityTask] = {
    task.name: task
    for task in (
        ValidityTask(
            name="star.calm_helpful",
            dataset="star",
            file="star.jsonl",
            format="star",
            title="Listening Score vs user: 'did the assistant stay calm and helpful?'",
            statistic="auc",
            predictor="listening_score",
            outcome=lambda c: star_answer(c, "UserQuestionnaire", CALM),
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
            outcome=lambda c: star_answer(c, "WizardQuestionnaire", ANNOYED),
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


def load(task: ValidityTask, data_dir: Path) -> list[Conversation]:
    """The task's conversations (its held-out part where `task.holdout`)."""
    from heard.importers import read_file

    path = data_file(data_dir, task.dataset, task.file, task=task.name)
    _, conversations = read_file(path, format=task.format)
    if task.holdout:
        conversations = [c for c in conversations if in_holdout(c.external_id or c.id)]
    return conversations
