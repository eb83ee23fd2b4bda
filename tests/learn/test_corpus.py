"""heard's own corpus: items load, splits follow conversations, labels keep the format."""

from __future__ import annotations

import copy
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from conftest import ROOT
from heard.errors import InputError
from heard.learn.corpus import (
    CARD_END,
    CARD_START,
    label_counts,
    load_corpus,
    load_items,
    load_labels,
    render_counts,
    split_of,
)

CORPUS = ROOT / "data" / "corpus"

GOOD = {
    "id": "star-1-3",
    "agent": {
        "acknowledgement": True,
        "paraphrase": False,
        "reflection_of_feeling": False,
        "empathy_er": 1,
        "empathy_ip": 0,
        "empathy_ex": 0,
        "question": "closed",
        "clarifying": True,
        "affirmation": False,
        "answers_concern": "yes",
        "resolution_check": False,
        "jargon": False,
        "dismissive": False,
    },
    "customer": {
        "emotion": "frustration",
        "intensity": 1,
        "concerns": ["replacement", "refund of express shipping"],
        "not_heard": ["repeats"],
        "escalation": False,
    },
    "note": "",
}


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def item_row(conv: str, index: int) -> dict:
    return {
        "id": f"star-{conv}-{index}",
        "source": "star",
        "conversation_id": conv,
        "channel": "chat",
        "context": [{"role": "agent", "text": "How can I help?"}],
        "customer": "I need a replacement, and will I get the shipping back?",
        "agent": "Sorry about that. Was it the express option?",
        "split": split_of("star", conv),
    }


def test_split_is_stable_and_near_70_15_15() -> None:
    assert split_of("star", "42") == split_of("star", "42")
    counts = Counter(split_of("star", str(n)) for n in range(3000))
    assert abs(counts["train"] / 3000 - 0.70) < 0.03
    assert abs(counts["dev"] / 3000 - 0.15) < 0.03
    assert abs(counts["test"] / 3000 - 0.15) < 0.03


def test_items_in_the_repository() -> None:
    items = load_items(CORPUS / "items.jsonl")
    assert len(items) >= 600
    assert {i.source for i in items} == {"star", "hvb", "abcd"}
    assert {i.channel for i in items} == {"chat", "voice"}
    splits = defaultdict(set)
    for item in items:
        splits[(item.source, item.conversation_id)].add(item.split)
        assert item.customer and item.agent
    assert all(len(s) == 1 for s in splits.values())
    assert {s for (s,) in splits.values()} == {"train", "dev", "test"}


def test_labels_in_the_repository_match_items() -> None:
    pairs = load_corpus(CORPUS, labels="a")
    assert len(pairs) >= 800
    assert all(item.id == labels.id for item, labels in pairs)
    assert {item.source for item, _ in pairs} == {"star", "hvb", "abcd"}


def test_good_labels_load(tmp_path: Path) -> None:
    items = load_items(write(tmp_path / "items.jsonl", [item_row("1", 3)]))
    (labels,) = load_labels(write(tmp_path / "labels.a.jsonl", [GOOD]), items)
    assert labels.customer["concerns"] == ["replacement", "refund of express shipping"]


def broken(path: tuple[str, ...], value: object) -> dict:
    row = copy.deepcopy(GOOD)
    target = row
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return row


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("agent", "paraphrase"), 1),
        (("agent", "paraphrase"), KeyError),
        (("agent", "empathy_er"), 3),
        (("agent", "empathy_er"), True),
        (("agent", "question"), "rhetorical"),
        (("agent", "answers_concern"), "na"),
        (("agent", "reflection_of_feeling"), True),
        (("customer", "emotion"), "joy"),
        (("customer", "intensity"), 0),
        (("customer", "concerns"), "refund"),
        (("customer", "not_heard"), ["ignored"]),
        (("customer", "escalation"), "no"),
        (("id",), "star-9-9"),
    ],
)
def test_bad_labels_are_refused(tmp_path: Path, path: tuple[str, ...], value: object) -> None:
    items = load_items(write(tmp_path / "items.jsonl", [item_row("1", 3)]))
    with pytest.raises(InputError):
        load_labels(write(tmp_path / "labels.a.jsonl", [broken(path, value)]), items)


def test_clarifying_needs_a_question(tmp_path: Path) -> None:
    row = broken(("agent", "question"), "none")
    with pytest.raises(InputError, match="clarifying"):
        load_labels(write(tmp_path / "labels.a.jsonl", [row]))


def test_duplicate_labels_and_items_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="duplicate"):
        load_labels(write(tmp_path / "labels.a.jsonl", [GOOD, GOOD]))
    with pytest.raises(InputError, match="duplicate"):
        load_items(write(tmp_path / "items.jsonl", [item_row("1", 3), item_row("1", 3)]))


def test_item_with_a_wrong_split_is_refused(tmp_path: Path) -> None:
    row = item_row("1", 3)
    row["split"] = next(s for s in ("train", "dev", "test") if s != row["split"])
    with pytest.raises(InputError, match="split"):
        load_items(write(tmp_path / "items.jsonl", [row]))


def test_data_card_counts_are_current() -> None:
    card = (CORPUS / "README.md").read_text()
    start, end = card.index(CARD_START), card.index(CARD_END) + len(CARD_END)
    assert card[start:end] == render_counts(load_corpus(CORPUS)), (
        "data/corpus/README.md label counts are stale: "
        "run `python -m heard.learn.corpus data/corpus`"
    )


def test_label_counts_follow_the_labels(tmp_path: Path) -> None:
    items = load_items(write(tmp_path / "items.jsonl", [item_row("1", 3), item_row("2", 3)]))
    calm = broken(("customer", "emotion"), "neutral")
    calm["customer"]["intensity"] = 0
    calm["id"] = "star-2-3"
    labels = load_labels(write(tmp_path / "labels.a.jsonl", [GOOD, calm]), items)
    by_id = {item.id: item for item in items}
    counts = label_counts([(by_id[lab.id], lab) for lab in labels])
    assert counts["items"] == {"all": 2, "star": 2}
    assert counts["acknowledgement"]["all"] == 2
    assert counts["emotion = frustration 1"]["all"] == 1
    assert counts["emotion = neutral 0"]["all"] == 1
    assert counts["concerns = 2+"]["all"] == 2
    assert counts["not_heard = repeats"]["all"] == 2
    assert "escalation" not in counts
