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
    AGREEMENT_END,
    AGREEMENT_START,
    CARD_END,
    CARD_START,
    Labels,
    adjudicate,
    agreement,
    build_final_labels,
    cohen_kappa,
    customer_emotions,
    label_counts,
    load_corpus,
    load_items,
    load_labels,
    pass_agreement,
    render_agreement,
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
    sources = Counter(i.source for i in items)
    assert sources["star"] + sources["hvb"] + sources["abcd"] >= 3000  # real agent turns
    assert sources["written"] >= 2000  # issue 19: written where real data is thin
    assert set(sources) == {"star", "hvb", "abcd", "written"}
    assert {i.channel for i in items} == {"chat", "voice", "email"}
    splits = defaultdict(set)
    for item in items:
        splits[(item.source, item.conversation_id)].add(item.split)
        assert item.customer and item.agent
    assert all(len(s) == 1 for s in splits.values())
    assert {s for (s,) in splits.values()} == {"train", "dev", "test"}


def test_labels_in_the_repository_match_items() -> None:
    pairs = load_corpus(CORPUS, labels="a")
    items = load_items(CORPUS / "items.jsonl")
    assert len(pairs) == len(items)  # every item labelled
    assert all(item.id == labels.id for item, labels in pairs)
    assert {item.source for item, _ in pairs} == {"star", "hvb", "abcd", "written"}


def test_customer_emotions_are_heards_and_leave_sadness_out() -> None:
    """The customer-emotion model learns the corpus' train part in heard's labels."""
    pairs = load_corpus(CORPUS)
    examples = customer_emotions(pairs)
    train = {item.id: labels for item, labels in pairs if item.split == "train"}
    assert {e.id for e in examples} <= set(train)
    sad = {i for i, labels in train.items() if labels.customer["emotion"] == "sadness"}
    assert sad and sad <= {e.id for e in examples}  # heard reads sadness too
    assert len(examples) == len(train)
    heard = {"neutral", "frustration", "worry", "sadness", "confusion", "satisfaction"}
    assert {e.labels[0] for e in examples} == heard
    for e in examples:
        ours = train[e.id].customer["emotion"]
        assert e.labels == ("worry",) if ours == "anxiety" else e.labels == (ours,)
        assert e.text == next(item.customer for item, _ in pairs if item.id == e.id)
    assert not {e.id for e in customer_emotions(pairs, ("dev",))} & set(train)


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


def test_cohen_kappa_of_a_two_by_two_table() -> None:
    # a yes/b yes 20, yes/no 5, no/yes 10, no/no 15: observed 0.70, chance 0.5*0.6+0.5*0.4 = 0.50
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10
    pairs += [(False, False)] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_cohen_kappa_over_three_categories() -> None:
    # observed 8/10; marginals a x5 y4 z1, b x4 y4 z2: chance 0.38 -> (0.8-0.38)/0.62
    pairs = [("x", "x")] * 4 + [("y", "y")] * 3 + [("z", "z"), ("x", "y"), ("y", "z")]
    assert cohen_kappa(pairs) == pytest.approx(0.42 / 0.62)


def test_cohen_kappa_edges() -> None:
    assert cohen_kappa([("a", "a"), ("b", "b")]) == pytest.approx(1.0)
    assert cohen_kappa([("a", "b"), ("b", "a")]) == pytest.approx(-1.0)
    assert cohen_kappa([]) is None
    assert cohen_kappa([(0, 0), (0, 0)]) is None  # one category throughout: undefined


def labels_of(item_id: str, **changes: object) -> Labels:
    row = copy.deepcopy(GOOD)
    for key, value in changes.items():
        side = "customer" if key in row["customer"] else "agent"
        row[side][key] = value
    return Labels(id=item_id, agent=row["agent"], customer=row["customer"])


def test_agreement_compares_only_items_both_passes_labelled() -> None:
    first = [
        labels_of("x-1", acknowledgement=True, emotion="frustration"),
        labels_of("x-2", acknowledgement=False, emotion="anxiety"),
        labels_of("x-3", acknowledgement=True),
        labels_of("x-4", acknowledgement=False),
        labels_of("only-a", acknowledgement=True),
    ]
    second = [
        labels_of("x-1", acknowledgement=True, emotion="frustration"),
        labels_of("x-2", acknowledgement=False, emotion="anxiety"),
        labels_of("x-3", acknowledgement=False, concerns=["one"]),
        labels_of("x-4", acknowledgement=False),
        labels_of("only-b", acknowledgement=False),
    ]
    rows = {row.label: row for row in agreement(first, second)}
    ack = rows["acknowledgement"]
    # 3 of 4 agree; a says yes 2/4, b 1/4: chance 0.5*0.25 + 0.5*0.75 = 0.5 -> kappa 0.5
    assert (ack.n, ack.observed, ack.positives) == (4, 0.75, (2, 1))
    assert ack.kappa == pytest.approx(0.5)
    assert rows["emotion"].kappa == pytest.approx(1.0)
    concerns = rows["concerns (count)"]  # 2 vs 1 concern on x-3
    assert concerns.observed == 0.75
    assert rows["jargon"].kappa is None  # nobody said yes


def test_data_card_agreement_is_current() -> None:
    card = (CORPUS / "README.md").read_text()
    start = card.index(AGREEMENT_START)
    end = card.index(AGREEMENT_END) + len(AGREEMENT_END)
    assert card[start:end] == render_agreement(pass_agreement(CORPUS)), (
        "data/corpus/README.md agreement table is stale: "
        "run `python -m heard.learn.corpus data/corpus`"
    )


def test_pass_b_overlaps_pass_a_on_600_items() -> None:
    rows = pass_agreement(CORPUS)
    assert all(row.n >= 600 for row in rows)


def test_adjudication_settles_each_difference_and_keeps_agreement() -> None:
    first = [
        labels_of("x-1", acknowledgement=True, emotion="frustration"),
        labels_of("x-2", concerns=["refund"]),
        labels_of("only-a", acknowledgement=False),
    ]
    second = [
        labels_of("x-1", acknowledgement=False, emotion="frustration"),
        labels_of("x-2", concerns=["a refund, worded otherwise"]),
    ]
    decisions = [
        {
            "id": "x-1",
            "field": "agent.acknowledgement",
            "a": True,
            "b": False,
            "final": False,
            "rule": "receipt",
        },
    ]
    one, two, three = adjudicate(first, second, decisions)
    assert one.agent["acknowledgement"] is False and one.customer["emotion"] == "frustration"
    assert "receipt" in one.note
    assert two.customer["concerns"] == ["refund"]  # same count: pass a's wording stands
    assert three == first[2]  # not in pass b: pass a's labels
    with pytest.raises(InputError, match="no decision"):
        adjudicate(first, second, [])


def test_final_labels_are_the_adjudicated_passes() -> None:
    assert (CORPUS / "labels.jsonl").read_text() == build_final_labels(CORPUS), (
        "data/corpus/labels.jsonl is stale: run `python -m heard.learn.corpus data/corpus`"
    )
    final = load_corpus(CORPUS)
    assert len(final) == len(load_corpus(CORPUS, labels="a"))
