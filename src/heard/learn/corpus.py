"""heard's own listening corpus (data/corpus/): agent turns in context and their labels.

`items.jsonl` holds the turns (chosen by scripts/select_corpus.py); each `labels.<pass>.jsonl`
holds one labelling pass, one line per item read, in the format of docs/annotation.md. The
split is by conversation, from a stable hash, so a conversation is never on two sides.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heard.errors import InputError, Location
from heard.learn.datasets import read_jsonl

SPLITS = ("train", "dev", "test")
EMOTIONS = ("neutral", "frustration", "anxiety", "sadness", "confusion", "satisfaction")
QUESTIONS = ("none", "open", "closed")
ANSWERS = ("yes", "partly", "no", "na")
NOT_HEARD = ("repeats", "explicit", "correction")
LEVELS = (0, 1, 2)
AGENT_FLAGS = (
    "acknowledgement",
    "paraphrase",
    "reflection_of_feeling",
    "clarifying",
    "affirmation",
    "resolution_check",
    "jargon",
    "dismissive",
)
"""Yes/no labels of an agent turn (booleans)."""
EMPATHY = ("empathy_er", "empathy_ip", "empathy_ex")
"""EPITOME-aligned levels 0 none, 1 weak, 2 strong."""
AGENT_FIELDS = (*AGENT_FLAGS, *EMPATHY, "question", "answers_concern")
CUSTOMER_FIELDS = ("emotion", "intensity", "concerns", "not_heard", "escalation")


def split_of(source: str, conversation_id: str) -> str:
    """train / dev / test (70 / 15 / 15) from a stable hash of the conversation."""
    digest = hashlib.sha256(f"{source}:{conversation_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 100
    return "train" if bucket < 70 else "dev" if bucket < 85 else "test"


@dataclass(frozen=True, slots=True)
class Item:
    """One agent turn in context."""

    id: str
    source: str
    conversation_id: str
    channel: str
    context: tuple[tuple[str, str], ...]
    """The turns before the customer turn, oldest first: (role, text)."""
    customer: str
    agent: str
    split: str


@dataclass(frozen=True, slots=True)
class Labels:
    """One pass's labels of one item."""

    id: str
    agent: dict[str, Any]
    customer: dict[str, Any]
    note: str = ""


def _bad(path: Path, line: int, field: str, message: str, expected: str) -> InputError:
    return InputError(
        message,
        where=Location(file=str(path), line=line, path=field),
        expected=expected,
        code="invalid_value",
    )


def load_items(path: Path) -> list[Item]:
    """The items of `path` (items.jsonl), checked: unique ids, known splits, roles and fields."""
    items: list[Item] = []
    seen: set[str] = set()
    for line, row in read_jsonl(path):
        try:
            context = tuple((str(t["role"]), str(t["text"])) for t in row["context"])
            item = Item(
                id=str(row["id"]),
                source=str(row["source"]),
                conversation_id=str(row["conversation_id"]),
                channel=str(row["channel"]),
                context=context,
                customer=str(row["customer"]),
                agent=str(row["agent"]),
                split=str(row["split"]),
            )
        except (KeyError, TypeError) as exc:
            raise _bad(
                path, line, str(exc), "item lacks a field", "the fields of data/corpus/README.md"
            ) from exc
        if item.id in seen:
            raise _bad(path, line, "id", f"duplicate item id {item.id!r}", "unique ids")
        if item.split not in SPLITS:
            raise _bad(path, line, "split", f"unknown split {item.split!r}", f"one of {SPLITS}")
        if item.split != split_of(item.source, item.conversation_id):
            raise _bad(
                path, line, "split", "split does not match the conversation's hash", "split_of()"
            )
        if any(role not in ("agent", "customer") for role, _ in context):
            raise _bad(path, line, "context", "unknown role", "agent or customer")
        seen.add(item.id)
        items.append(item)
    return items


def _check_agent(agent: Any, path: Path, line: int) -> dict[str, Any]:
    if not isinstance(agent, dict) or set(agent) != set(AGENT_FIELDS):
        missing = sorted(set(AGENT_FIELDS) - set(agent or {}))
        extra = sorted(set(agent or {}) - set(AGENT_FIELDS))
        raise _bad(
            path,
            line,
            "agent",
            f"agent labels: missing {missing}, unknown {extra}",
            str(AGENT_FIELDS),
        )
    for name in AGENT_FLAGS:
        if not isinstance(agent[name], bool):
            raise _bad(path, line, f"agent.{name}", f"{name} is not true/false", "a boolean")
    for name in EMPATHY:
        if agent[name] not in LEVELS or isinstance(agent[name], bool):
            raise _bad(path, line, f"agent.{name}", f"{name} is not 0, 1 or 2", "0, 1 or 2")
    if agent["question"] not in QUESTIONS:
        raise _bad(path, line, "agent.question", "unknown question type", str(QUESTIONS))
    if agent["answers_concern"] not in ANSWERS:
        raise _bad(path, line, "agent.answers_concern", "unknown value", str(ANSWERS))
    if agent["clarifying"] and agent["question"] == "none":
        raise _bad(
            path,
            line,
            "agent.clarifying",
            "a clarifying question needs a question",
            "question open/closed",
        )
    if agent["reflection_of_feeling"] and agent["empathy_ip"] == 0:
        raise _bad(
            path,
            line,
            "agent.empathy_ip",
            "a reflection of feeling is an interpretation",
            "empathy_ip >= 1",
        )
    return agent


def _check_customer(customer: Any, path: Path, line: int) -> dict[str, Any]:
    if not isinstance(customer, dict) or set(customer) != set(CUSTOMER_FIELDS):
        raise _bad(
            path, line, "customer", "customer labels lack or add fields", str(CUSTOMER_FIELDS)
        )
    if customer["emotion"] not in EMOTIONS:
        raise _bad(path, line, "customer.emotion", "unknown emotion", str(EMOTIONS))
    if customer["intensity"] not in LEVELS or isinstance(customer["intensity"], bool):
        raise _bad(path, line, "customer.intensity", "intensity is not 0, 1 or 2", "0, 1 or 2")
    if (customer["emotion"] == "neutral") != (customer["intensity"] == 0):
        raise _bad(
            path,
            line,
            "customer.intensity",
            "neutral goes with intensity 0 only",
            "see annotation.md",
        )
    concerns = customer["concerns"]
    if not isinstance(concerns, list) or not all(
        isinstance(c, str) and c.strip() for c in concerns
    ):
        raise _bad(
            path, line, "customer.concerns", "concerns is not a list of texts", "a list of strings"
        )
    cues = customer["not_heard"]
    if not isinstance(cues, list) or any(c not in NOT_HEARD for c in cues):
        raise _bad(path, line, "customer.not_heard", "unknown not-heard cue", str(NOT_HEARD))
    if not isinstance(customer["escalation"], bool):
        raise _bad(path, line, "customer.escalation", "escalation is not true/false", "a boolean")
    return customer


def load_labels(path: Path, items: list[Item] | None = None) -> list[Labels]:
    """One pass's labels, checked against the format (and, given items, against their ids)."""
    known = {item.id for item in items} if items is not None else None
    out: list[Labels] = []
    seen: set[str] = set()
    for line, row in read_jsonl(path):
        item_id = str(row.get("id", ""))
        if not item_id or item_id in seen:
            raise _bad(
                path, line, "id", f"missing or duplicate id {item_id!r}", "one line per item"
            )
        if known is not None and item_id not in known:
            raise _bad(path, line, "id", f"no item {item_id!r}", "an id of items.jsonl")
        agent = _check_agent(row.get("agent"), path, line)
        customer = _check_customer(row.get("customer"), path, line)
        if customer["concerns"] == [] and agent["answers_concern"] != "na":
            raise _bad(path, line, "agent.answers_concern", "no concern to answer", "na")
        if customer["concerns"] and agent["answers_concern"] == "na":
            raise _bad(
                path,
                line,
                "agent.answers_concern",
                "concerns raised but marked na",
                "yes/partly/no",
            )
        seen.add(item_id)
        out.append(
            Labels(id=item_id, agent=agent, customer=customer, note=str(row.get("note", "")))
        )
    return out


def load_corpus(folder: Path, *, labels: str = "a") -> list[tuple[Item, Labels]]:
    """Items of `folder` that pass `labels` labelled, paired with their labels."""
    items = load_items(folder / "items.jsonl")
    by_id = {item.id: item for item in items}
    return [(by_id[lab.id], lab) for lab in load_labels(folder / f"labels.{labels}.jsonl", items)]


CARD_START = "<!-- label counts: start (python -m heard.learn.corpus data/corpus) -->"
CARD_END = "<!-- label counts: end -->"


def label_counts(pairs: list[tuple[Item, Labels]]) -> dict[str, dict[str, int]]:
    """How many labelled items carry each value of each label, overall and per source."""
    counts: dict[str, dict[str, int]] = {}

    def add(key: str, column: str) -> None:
        row = counts.setdefault(key, {})
        row[column] = row.get(column, 0) + 1

    for item, labels in pairs:
        values: list[str] = [f"items ({item.split})", "items"]
        agent, customer = labels.agent, labels.customer
        values += [name for name in AGENT_FLAGS if agent[name]]
        values += [f"{name} = {agent[name]}" for name in EMPATHY if agent[name]]
        values += [
            f"question = {agent['question']}",
            f"answers_concern = {agent['answers_concern']}",
        ]
        values += [f"emotion = {customer['emotion']} {customer['intensity']}"]
        n_concerns = len(customer["concerns"])
        values += [f"concerns = {'2+' if n_concerns >= 2 else n_concerns}"]
        values += [f"not_heard = {cue}" for cue in customer["not_heard"]]
        values += ["escalation"] * customer["escalation"]
        for value in values:
            add(value, "all")
            add(value, item.source)
    return counts


def render_counts(pairs: list[tuple[Item, Labels]]) -> str:
    """The data card's table of label counts (between CARD_START and CARD_END)."""
    counts = label_counts(pairs)
    sources = sorted({item.source for item, _ in pairs})
    lines = [
        "| label | all | " + " | ".join(sources) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in sources) + " |",
    ]
    for key in sorted(counts, key=lambda k: (not k.startswith("items"), k)):
        row = counts[key]
        cells = " | ".join(str(row.get(source, 0)) for source in sources)
        lines.append(f"| {key} | {row['all']} | {cells} |")
    return "\n".join([CARD_START, *lines, CARD_END])


def main(argv: list[str] | None = None) -> None:
    """Rewrite the label-count section of FOLDER/README.md from labels.a.jsonl."""
    import sys

    folder = Path((argv if argv is not None else sys.argv[1:])[0])
    card = folder / "README.md"
    text = card.read_text()
    start, end = text.index(CARD_START), text.index(CARD_END) + len(CARD_END)
    card.write_text(text[:start] + render_counts(load_corpus(folder)) + text[end:])


if __name__ == "__main__":
    main()
