"""The declared table turns behaviours into task labels; examples become conversations."""

from __future__ import annotations

import pytest

from heard.evaluation.predictors import (
    RULES,
    AnyOf,
    Choice,
    DetectorPredictor,
    Levels,
    analyze_all,
    as_conversation,
)
from heard.learn.datasets import TASKS, Example
from heard.model import Role


def test_every_rule_names_a_task_and_gives_its_labels() -> None:
    for name, rule in RULES.items():
        task = TASKS[name]
        for found in (frozenset(), frozenset({"open_question", "empathy", "paraphrase"})):
            assert rule.label(found) in task.labels, name


@pytest.mark.parametrize(
    ("found", "strong", "expected"),
    [
        (set(), set(), "0"),
        ({"empathy"}, set(), "1"),  # the weak form: "Sorry about that."
        ({"empathy"}, {"empathy"}, "2"),  # the strong form, specific to this customer
        ({"apology"}, set(), "0"),  # an apology alone may only soften a refusal
        ({"reassurance", "apology"}, set(), "0"),
        ({"reflection_of_feeling"}, {"reflection_of_feeling"}, "0"),  # an interpretation
        ({"open_question", "acknowledgement"}, set(), "0"),  # not emotional reactions
    ],
)
def test_epitome_er_levels(found: set[str], strong: set[str], expected: str) -> None:
    assert RULES["epitome.er"].label(frozenset(found), frozenset(strong)) == expected


def test_levels_with_strong_and_graded_behaviours() -> None:
    rule = Levels(strong=("s",), weak=("w",), graded=("g",))
    assert rule.label(frozenset({"w"})) == "1"
    assert rule.label(frozenset({"g"})) == "1"
    assert rule.label(frozenset({"g"}), frozenset({"g"})) == "2"
    assert rule.label(frozenset({"s"})) == "2"
    assert rule.label(frozenset({"w", "g"})) == "2"  # two distinct
    assert rule.label(frozenset({"w"}), frozenset({"w"})) == "1"  # only graded ones have levels
    assert rule.binary == AnyOf(("s", "g", "w"))


@pytest.mark.parametrize(
    ("task", "found", "expected"),
    [
        ("epitome.er.binary", {"empathy"}, "yes"),
        ("epitome.er.binary", {"apology"}, "no"),
        ("epitome.er.binary", {"open_question"}, "no"),
        ("epitome.ex", {"follow_up_question"}, "2"),
        ("epitome.ex", {"open_question"}, "1"),
        ("epitome.ip", {"check_understanding"}, "1"),
        ("epitome.ip", {"paraphrase"}, "2"),
        ("annomi.question", {"clarifying_question"}, "yes"),
        ("annomi.question", {"empathy"}, "no"),
        ("annomi.open_closed", {"open_question"}, "open"),
        ("annomi.open_closed", {"closed_question"}, "closed"),
        ("annomi.reflection", {"summary"}, "yes"),
        ("annomi.reflection", {"closed_question"}, "no"),
        ("esconv.restatement", {"paraphrase"}, "yes"),
        ("esconv.restatement", {"reflection_of_feeling"}, "no"),
        ("esconv.reflection", {"reflection_of_feeling"}, "yes"),
        ("esconv.affirmation", {"reassurance"}, "yes"),
        ("esconv.affirmation", {"apology"}, "no"),
    ],
)
def test_rules(task: str, found: set[str], expected: str) -> None:
    assert RULES[task].label(frozenset(found)) == expected


def test_rule_kinds() -> None:
    assert Levels(("a",), ("b",)).binary == AnyOf(("a", "b"))
    assert Choice(("x",), when="p", otherwise="q").label(frozenset({"x"})) == "p"


def example(text: str, context: str = "", id: str = "1") -> Example:
    return Example(id=id, group=id, text=text, context=context, labels=("no",))


def test_as_conversation_with_and_without_context() -> None:
    two = as_conversation(example("Sorry to hear that.", "I lost my job."))
    assert [(t.role, t.text) for t in two.turns] == [
        (Role.CUSTOMER, "I lost my job."),
        (Role.AGENT, "Sorry to hear that."),
    ]
    one = as_conversation(example("Okay.", "  "))
    assert [(t.index, t.role) for t in one.turns] == [(0, Role.AGENT)]


def test_detectors_answer_question_tasks_from_the_agent_turn() -> None:
    examples = [
        example("What has helped you so far?", "I can't sleep.", "open"),
        example("Do you have savings?", "I lost my job.", "closed"),
        example("Okay.", "Is it open today?", "none"),  # the customer's question is not counted
    ]
    outcomes = dict(
        zip(
            [e.id for e in examples],
            analyze_all([as_conversation(e) for e in examples]),
            strict=True,
        )
    )
    question = DetectorPredictor(TASKS["annomi.question"], outcomes)
    open_closed = DetectorPredictor(TASKS["annomi.open_closed"], outcomes)
    assert question.predict(examples) == [("yes",), ("yes",), ("no",)]
    assert open_closed.predict(examples[:2]) == [("open",), ("closed",)]


def test_pool_gives_the_same_outcomes_in_order() -> None:
    examples = [example(f"Could you tell me more about {i}?", id=str(i)) for i in range(6)]
    examples += [example("Okay.", id="x")]
    conversations = [as_conversation(e) for e in examples]
    seen: list[int] = []
    alone = analyze_all(conversations)
    pooled = analyze_all(conversations, workers=2, chunk=2, advance=seen.append)
    assert pooled == alone
    assert sum(seen) == len(conversations) and len(seen) == 4
