"""Labelled data, trained models and `heard train`: the learning side of heard."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from heard.learn.models import TextClassifier

DEFAULT_MODELS = {
    "goemotions.ekman": "goemotions_ekman.json",
    "goemotions.customer": "goemotions_customer.json",
}
"""Tasks heard ships a trained model for, and the file under ``heard/models``."""


def default_model_path(task_name: str) -> Path | None:
    """Where the shipped model for `task_name` is, or None when heard ships none."""
    name = DEFAULT_MODELS.get(task_name)
    if name is None:
        return None
    return Path(str(files("heard.models").joinpath(name)))


@cache
def default_model(task_name: str) -> TextClassifier | None:
    """The model heard ships for `task_name` (loaded once), or None when it ships none."""
    from heard.learn.models import TextClassifier

    path = default_model_path(task_name)
    return None if path is None else TextClassifier.load(path)


__all__ = ["DEFAULT_MODELS", "default_model", "default_model_path"]
