"""Listening analysis: detectors → findings with evidence → scorecard → coaching tips."""

from heard.analysis.analyzer import Analysis, Analyzer, analyze
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import detectors, register
from heard.analysis.rubric import Rubric, load_rubric

__all__ = [
    "Analysis",
    "Analyzer",
    "Detector",
    "Requirement",
    "Rubric",
    "analyze",
    "detectors",
    "load_rubric",
    "register",
]
