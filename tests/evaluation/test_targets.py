"""The targets table: issue 19's targets for heard's defaults sit beside issue 3's."""

from __future__ import annotations

from heard.evaluation.targets import TARGETS, Check
from heard.learn.datasets import TASKS


def test_issue_19_default_targets_name_real_tasks_and_figures() -> None:
    defaults = [t for t in TARGETS if t.source == "issue 19: heard's defaults"]
    assert {(t.task, t.metric, t.minimum) for t in defaults} >= {
        ("epitome.er", "macro_f1", 0.60),
        ("esconv.restatement", "f1", 0.35),
        ("goemotions.ekman", "macro_f1", 0.60),
    }
    assert all(t.task in TASKS and not t.trained for t in defaults)
    assert all(t.metric in {"macro_f1", "f1"} for t in defaults)


def test_a_check_is_met_at_its_minimum_and_says_by_how_much() -> None:
    target = next(t for t in TARGETS if t.task == "esconv.reflection")
    assert Check(target, target.minimum).met
    below = Check(target, target.minimum - 0.1)
    assert below.met is False and round(below.gap or 0, 3) == -0.1
    assert Check(target, None).met is None
