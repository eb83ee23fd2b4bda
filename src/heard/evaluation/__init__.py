"""Measured accuracy: heard's detectors and models against human labels and real outcomes."""

from heard.evaluation.run import Evaluation, Result, evaluate

__all__ = ["Evaluation", "Result", "evaluate"]
