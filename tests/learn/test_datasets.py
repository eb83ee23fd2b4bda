"""Task loaders read the shared data layout; splits keep whole groups on one side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heard.errors import InputError
from heard.learn.datasets import TASKS, Example, get_task, in_holdout, split


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def epitome_row(n: int, er: int) -> dict:
    return {
        "id": f"s{n}:r{n}:{n}",
        "sp_id": f"s{n}",
        "seeker_post": "I feel alone",
        "response_post": "I'm so sorry you feel that way",
        "emotional_reactions": er,
        "interpretations": 0,
        "explorations": 0,
    }


def test_epitome_levels_and_binary(tmp_path: Path) -> None:
    write(tmp_path / "epitome/epitome_reddit.jsonl", [epitome_row(0, 0), epitome_row(1, 2)])
    three = get_task("epitome.er").examples(tmp_path)
    binary = get_task("epitome.er.binary").examples(tmp_path)
    assert [e.label for e in three] == ["0", "2"]
    assert [e.label for e in binary] == ["no", "yes"]
    assert three[1].context == "I feel alone" and three[1].group == "s1"


def test_annomi_majority_and_context(tmp_path: Path) -> None:
    def row(turn: int, speaker: str, text: str, behaviour: str, sub: str, annotator: int) -> dict:
        return {
            "id": f"7:{turn}:{annotator}",
            "conversation_id": "7",
            "turn": turn,
            "speaker": speaker,
            "text": text,
            "main_therapist_behaviour": behaviour,
            "question_subtype": sub,
        }

    rows = [
        row(0, "client", "I drink too much.", "n/a", "n/a", 1),
        row(1, "therapist", "What worries you?", "question", "open", 1),
        row(1, "therapist", "What worries you?", "question", "open", 2),
        row(1, "therapist", "What worries you?", "reflection", "n/a", 3),
    ]
    write(tmp_path / "annomi/annomi_full.jsonl", rows)
    (question,) = get_task("annomi.question").examples(tmp_path)
    assert question.label == "yes" and question.context == "I drink too much."
    (kind,) = get_task("annomi.open_closed").examples(tmp_path)
    assert kind.label == "open"


def test_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "esconv/utterances.jsonl"
    path.parent.mkdir()
    good = '{"id": "a:0", "conversation_id": "a", "speaker": "seeker", "text": "hi"}'
    path.write_text(good + "\n{oops\n")
    with pytest.raises(InputError) as info:
        get_task("esconv.question").examples(tmp_path)
    assert info.value.where.line == 2 and str(path) in str(info.value)


def test_missing_field_and_missing_file(tmp_path: Path) -> None:
    write(tmp_path / "goemotions/goemotions.jsonl", [{"id": "x", "text": "hi"}])
    with pytest.raises(InputError, match="ekman_labels"):
        get_task("goemotions.ekman").examples(tmp_path)
    with pytest.raises(InputError, match="no epitome data"):
        get_task("epitome.ip").examples(tmp_path)
    with pytest.raises(InputError, match="unknown task"):
        get_task("nope")


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=40))
def test_split_keeps_groups_whole_and_is_stable(groups: list[str]) -> None:
    examples = [Example(id=str(i), group=g, text="t", labels=("no",)) for i, g in enumerate(groups)]
    train, test = split(examples)
    assert not {e.group for e in train} & {e.group for e in test}
    assert len(train) + len(test) == len(examples)
    assert all(in_holdout(e.group) for e in test)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_loads_the_shared_data(name: str, shared_data: Path) -> None:
    task = TASKS[name]
    examples = task.examples(shared_data)
    train, test = split(examples)
    assert len(test) > 50 and len(train) > 3 * len(test) // 2
    assert {label for e in examples for label in e.labels} <= set(task.labels)
