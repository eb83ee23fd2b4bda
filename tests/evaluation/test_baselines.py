"""The simplest rules heard's defaults are measured against (issue 19)."""

from __future__ import annotations

import pytest

from heard.evaluation import baselines
from heard.evaluation.docs import render
from heard.evaluation.metrics import classification_report
from heard.evaluation.run import Evaluation, Result
from heard.evaluation.targets import RULE_BEATEN, check
from heard.learn.datasets import TASKS, Example


def test_every_shared_task_has_a_rule_that_describes_itself() -> None:
    assert set(baselines.SHARED) == set(TASKS)
    for name, rule in baselines.SHARED.items():
        assert rule.describe(), name
    assert {task for task, _ in RULE_BEATEN} <= set(baselines.SHARED)


@pytest.mark.parametrize(
    ("task", "text", "label"),
    [
        ("epitome.er", "I'm so sorry, that must hurt.", "2"),
        ("epitome.er", "That sucks, hope things get better.", "1"),
        ("epitome.er", "Try going for a walk every morning.", "0"),
        ("epitome.ip", "It sounds like you feel alone in this.", "2"),
        ("epitome.ip", "Me too, I was in the same place last year.", "2"),
        ("epitome.ip", "I understand.", "1"),
        ("epitome.ip", "Go see a doctor.", "0"),
        ("epitome.ex", "How long has this been going on?", "2"),
        ("epitome.ex", "You should talk to someone.", "0"),
        ("annomi.question", "Would that work for you?", "yes"),
        ("annomi.question", "That would work.", "no"),
        ("annomi.open_closed", "Okay. So what do you make of that?", "open"),
        ("annomi.open_closed", "Do you have any children?", "closed"),
        ("annomi.reflection", "So you're saying the mornings are the hardest.", "yes"),
        ("esconv.affirmation", "You're doing great, and you are not alone.", "yes"),
        ("esconv.affirmation", "What happened next?", "no"),
    ],
)
def test_a_rule_reads_what_its_definition_says(task: str, text: str, label: str) -> None:
    assert baselines.predict(baselines.SHARED[task], [Example("x", "g", text, ())]) == [(label,)]


def test_a_multi_label_rule_gives_every_emotion_it_finds_else_neutral() -> None:
    rule = baselines.SHARED["goemotions.ekman"]
    examples = [
        Example("a", "a", "Wow, I love this!", ()),
        Example("b", "b", "The bus leaves at nine.", ()),
    ]
    assert baselines.predict(rule, examples) == [("joy", "surprise"), ("neutral",)]


def _result(name: str, default: list[str], rule: list[str], gold: list[str]) -> Result:
    task = TASKS[name]
    result = Result(name, task.dataset, task.title, len(gold), positive=task.positive)
    truth = [(g,) for g in gold]
    result.default = classification_report(truth, [(d,) for d in default], task.labels)
    result.baseline = classification_report(truth, [(r,) for r in rule], task.labels)
    return result


def test_a_default_below_its_simplest_rule_misses_the_target_by_the_gap(tmp_path) -> None:
    gold = ["yes", "yes", "no", "no"]
    beaten = _result("annomi.question", ["yes", "no", "no", "no"], gold, gold)
    evaluation = Evaluation(tmp_path, [beaten])
    [rule_check] = [c for c in check(evaluation) if c.target.against]
    assert rule_check.target.minimum == 1.0 and rule_check.met is False
    assert round(rule_check.gap or 0, 3) == round(2 / 3 - 1, 3)
    page = render(evaluation, command="heard eval", machine={})
    assert "≥ 1.000 (simplest rule)" in page
    assert "`annomi.question`: yes if `\\?` matches the turn, else no" in page
    assert "| simplest rule |" in page


def test_a_default_that_matches_its_rule_meets_the_target(tmp_path) -> None:
    gold = ["closed", "open", "open"]
    tie = _result("annomi.open_closed", ["closed", "open", "closed"], ["open"] * 3, gold)
    [rule_check] = [c for c in check(Evaluation(tmp_path, [tie])) if c.target.against]
    assert rule_check.target.metric == "accuracy" and rule_check.met
