"""Labelled data, trained models and `heard train`: the learning side of heard."""

from __future__ import annotations

import os
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from heard.learn.classifier import TextClassifier

DEFAULT_MODELS = {
    "goemotions.ekman": "goemotions_ekman.json",
    "goemotions.customer": "goemotions_customer.json",
}
"""Tasks heard ships a trained model for, and the file under ``heard/weights``."""
OUTCOME_FILE = "star_outcome.json"
"""The shipped outcome model, under ``heard/weights`` (written by
scripts/train_outcome_model.py)."""
OUTCOME_MODEL_ENV = "HEARD_OUTCOME_MODEL"
"""Path of an outcome model JSON used instead of the shipped one: a team's own, written by
`heard train --task outcome` from its survey answers."""


def default_outcome_path() -> Path:
    """The shipped model's JSON."""
    return Path(str(files("heard.weights").joinpath(OUTCOME_FILE)))


def outcome_model_path() -> Path:
    """The outcome model analysis uses: `OUTCOME_MODEL_ENV`'s file when set, else the
    shipped one."""
    configured = os.environ.get(OUTCOME_MODEL_ENV, "").strip()
    return Path(configured).expanduser() if configured else default_outcome_path()


def check_outcome_settings() -> None:
    """A ValueError naming `OUTCOME_MODEL_ENV` when it is set to a file that is not there."""
    configured = os.environ.get(OUTCOME_MODEL_ENV, "").strip()
    if configured and not Path(configured).expanduser().is_file():
        raise ValueError(
            f"{OUTCOME_MODEL_ENV}={configured}: no such file (an outcome model JSON written by "
            "`heard train --task outcome`; unset it to use the shipped model)"
        )


def default_model_path(task_name: str) -> Path | None:
    """Where the shipped model for `task_name` is, or None when heard ships none."""
    name = DEFAULT_MODELS.get(task_name)
    if name is None:
        return None
    return Path(str(files("heard.weights").joinpath(name)))


@cache
def default_model(task_name: str) -> TextClassifier | None:
    """The model heard ships for `task_name` (loaded once), or None when it ships none."""
    from heard.learn.classifier import TextClassifier

    path = default_model_path(task_name)
    return None if path is None else TextClassifier.load(path)


__all__ = [
    "DEFAULT_MODELS",
    "OUTCOME_FILE",
    "OUTCOME_MODEL_ENV",
    "check_outcome_settings",
    "default_model",
    "default_model_path",
    "default_outcome_path",
    "outcome_model_path",
]
