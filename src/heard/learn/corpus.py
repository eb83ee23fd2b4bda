"""heard's own listening corpus (data/corpus/): agent turns in context and their labels.

`items.jsonl` holds the turns (chosen by scripts/select_corpus.py); each `labels.<pass>.jsonl`
holds one labelling pass, one line per item read, in the format of docs/annotation.md. The
split is by conversation, from a stable hash, so a conversation is never on two sides.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heard.errors import InputError, Location
from heard.learn.datasets import Example, read_jsonl

SPLITS = ("train", "dev", "test")
EMOTIONS = ("neutral", "frustration", "anxiety", "sadness", "confusion", "satisfaction")
HEARD_EMOTIONS = {
    "neutral": "neutral",
    "frustration": "frustration",
    "anxiety": "worry",
    "sadness": "sadness",
    "confusion": "confusion",
    "satisfaction": "satisfaction",
}
"""The corpus' customer emotions as heard's (anger is frustration at its strongest, which the
corpus does not tell apart)."""
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


FINAL = "final"
"""The adjudicated labels (`labels.jsonl`): both passes settled where they overlap, pass a
elsewhere."""


def labels_path(folder: Path, labels: str = FINAL) -> Path:
    """`labels.jsonl` for the final labels, `labels.<pass>.jsonl` for one pass."""
    return folder / ("labels.jsonl" if labels == FINAL else f"labels.{labels}.jsonl")


def load_corpus(folder: Path, *, labels: str = FINAL) -> list[tuple[Item, Labels]]:
    """Items of `folder` with their labels: the final ones, or one pass's (`labels="a"`)."""
    items = load_items(folder / "items.jsonl")
    by_id = {item.id: item for item in items}
    return [(by_id[lab.id], lab) for lab in load_labels(labels_path(folder, labels), items)]


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters' categories over the same items.

    (observed agreement - chance agreement) / (1 - chance agreement), chance from each rater's
    own marginals. None when it is undefined: no items, or both raters used one and the same
    category throughout (chance agreement 1).
    """
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    chance = sum(first[c] * second[c] for c in first) / (n * n)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)


@dataclass(frozen=True, slots=True)
class Agreement:
    """Two passes' agreement on one label over the items both labelled."""

    label: str
    n: int
    observed: float
    """Share of items with the same value."""
    kappa: float | None
    values: str
    """What was compared ("true/false", "0/1/2", the categories...)."""
    positives: tuple[int, int] = (0, 0)
    """For yes/no labels: items where pass a, pass b said yes."""


def _concern_count(labels: Labels) -> str:
    n = len(labels.customer["concerns"])
    return "2+" if n >= 2 else str(n)


AGREEMENT_LABELS: tuple[tuple[str, str, Callable[[Labels], Hashable]], ...] = (
    *((name, "true/false", lambda lab, k=name: lab.agent[k]) for name in AGENT_FLAGS),
    *((name, "0/1/2", lambda lab, k=name: lab.agent[k]) for name in EMPATHY),
    ("empathy_er >= 1", "true/false", lambda lab: lab.agent["empathy_er"] >= 1),
    ("empathy_ip >= 1", "true/false", lambda lab: lab.agent["empathy_ip"] >= 1),
    ("question", "/".join(QUESTIONS), lambda lab: lab.agent["question"]),
    ("question asked", "true/false", lambda lab: lab.agent["question"] != "none"),
    ("answers_concern", "/".join(ANSWERS), lambda lab: lab.agent["answers_concern"]),
    ("emotion", "6 categories", lambda lab: lab.customer["emotion"]),
    ("emotion expressed", "true/false", lambda lab: lab.customer["emotion"] != "neutral"),
    ("intensity", "0/1/2", lambda lab: lab.customer["intensity"]),
    ("concerns (count)", "0/1/2+", _concern_count),
    *(
        (f"not_heard = {cue}", "true/false", lambda lab, c=cue: c in lab.customer["not_heard"])
        for cue in NOT_HEARD
    ),
    ("escalation", "true/false", lambda lab: lab.customer["escalation"]),
)
"""Every compared label: yes/no labels binary, multi-valued ones over their categories, the
concerns by their count."""


def agreement(first: list[Labels], second: list[Labels]) -> list[Agreement]:
    """Per label, how far two passes agree on the items both labelled (Cohen's kappa)."""
    by_id = {lab.id: lab for lab in second}
    both = [(lab, by_id[lab.id]) for lab in first if lab.id in by_id]
    out: list[Agreement] = []
    for name, values, value in AGREEMENT_LABELS:
        pairs = [(value(a), value(b)) for a, b in both]
        n = len(pairs)
        positives = (
            (sum(a is True for a, _ in pairs), sum(b is True for _, b in pairs))
            if values == "true/false"
            else (0, 0)
        )
        out.append(
            Agreement(
                label=name,
                n=n,
                observed=sum(a == b for a, b in pairs) / n if n else 0.0,
                kappa=cohen_kappa(pairs),
                values=values,
                positives=positives,
            )
        )
    return out


AGREEMENT_START = "<!-- agreement: start (python -m heard.learn.corpus data/corpus) -->"
AGREEMENT_END = "<!-- agreement: end -->"


def render_agreement(rows: list[Agreement]) -> str:
    """The data card's table of Cohen's kappa per label (between AGREEMENT_START and _END)."""
    lines = [
        "| label | values | items | agreement | kappa | yes in a / b |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        kappa = "—" if row.kappa is None else f"{row.kappa:.2f}"
        yes = f"{row.positives[0]} / {row.positives[1]}" if row.values == "true/false" else ""
        lines.append(
            f"| {row.label} | {row.values} | {row.n} | {row.observed:.1%} | {kappa} | {yes} |"
        )
    return "\n".join([AGREEMENT_START, *lines, AGREEMENT_END])


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


ADJUDICATION = "adjudication.jsonl"
"""One line per field where pass a and pass b differed: id, field ("agent.<name>" or
"customer.<name>"), both values, the final value and the key of the rule that settled it
(docs/annotation.md, "Rules from adjudication")."""


def _differ(field: str, first: Any, second: Any) -> bool:
    """Concerns are compared by their count (their wording is free text)."""
    if field == "customer.concerns":
        return len(first) != len(second)
    return bool(first != second)


def adjudicate(
    first: list[Labels], second: list[Labels], decisions: list[dict[str, Any]]
) -> list[Labels]:
    """Final labels: pass a's, with every field where pass b differs set by its decision.

    Items pass b did not label keep pass a's labels; where both agree (or only the wording of
    the concerns differs) pass a's value stands. A difference without a decision is an error.
    """
    by_id = {lab.id: lab for lab in second}
    settled = {(str(row["id"]), str(row["field"])): row for row in decisions}
    out: list[Labels] = []
    for lab in first:
        other = by_id.get(lab.id)
        if other is None:
            out.append(lab)
            continue
        sides = {"agent": dict(lab.agent), "customer": dict(lab.customer)}
        rules: list[str] = []
        for side, mine, theirs in (
            ("agent", lab.agent, other.agent),
            ("customer", lab.customer, other.customer),
        ):
            for name in mine:
                field = f"{side}.{name}"
                if not _differ(field, mine[name], theirs[name]):
                    continue
                row = settled.get((lab.id, field))
                if row is None:
                    raise InputError(
                        f"passes a and b differ on {field} of {lab.id} with no decision",
                        where=Location(path=field),
                        expected=f"a line in {ADJUDICATION}",
                        code="invalid_value",
                    )
                sides[side][name] = row["final"]
                rules.append(str(row["rule"]))
        note = lab.note
        if rules:
            note = f"{note} [adjudicated: {', '.join(sorted(set(rules)))}]".strip()
        out.append(Labels(id=lab.id, agent=sides["agent"], customer=sides["customer"], note=note))
    return out


def _row(labels: Labels) -> dict[str, Any]:
    row: dict[str, Any] = {"id": labels.id, "agent": labels.agent, "customer": labels.customer}
    if labels.note:
        row["note"] = labels.note
    return row


def build_final_labels(folder: Path) -> str:
    """The text of `labels.jsonl`: pass a and pass b settled by `adjudication.jsonl`."""
    items = load_items(folder / "items.jsonl")
    first = load_labels(labels_path(folder, "a"), items)
    second = load_labels(labels_path(folder, "b"), items)
    decisions = [row for _, row in read_jsonl(folder / ADJUDICATION)]
    final = adjudicate(first, second, decisions)
    return "".join(json.dumps(_row(lab), ensure_ascii=False) + "\n" for lab in final)


def _replace(text: str, start_marker: str, end_marker: str, block: str) -> str:
    start, end = text.index(start_marker), text.index(end_marker) + len(end_marker)
    return text[:start] + block + text[end:]


def pass_agreement(folder: Path) -> list[Agreement]:
    """Agreement of pass a and pass b of `folder` on the items both labelled."""
    items = load_items(folder / "items.jsonl")
    first = load_labels(labels_path(folder, "a"), items)
    second = load_labels(labels_path(folder, "b"), items)
    return agreement(first, second)


def customer_emotions(
    pairs: Sequence[tuple[Item, Labels]], splits: Sequence[str] = ("train",)
) -> list[Example]:
    """The customer turns of `splits` as examples of heard's customer emotions
    (`HEARD_EMOTIONS`)."""
    return [
        Example(item.id, item.conversation_id, item.customer, (HEARD_EMOTIONS[emotion],))
        for item, labels in pairs
        if item.split in splits and (emotion := str(labels.customer["emotion"])) in HEARD_EMOTIONS
    ]


def main(argv: list[str] | None = None) -> None:
    """Write FOLDER/labels.jsonl (a and b adjudicated), then the data card's label counts (final
    labels) and kappa table (pass a vs b)."""
    import sys

    folder = Path((argv if argv is not None else sys.argv[1:])[0])
    labels_path(folder).write_text(build_final_labels(folder))
    load_labels(labels_path(folder), load_items(folder / "items.jsonl"))  # checks the format
    card = folder / "README.md"
    text = _replace(card.read_text(), CARD_START, CARD_END, render_counts(load_corpus(folder)))
    rows = pass_agreement(folder)
    text = _replace(text, AGREEMENT_START, AGREEMENT_END, render_agreement(rows))
    card.write_text(text)
    for row in rows:
        kappa = "-" if row.kappa is None else f"{row.kappa:.2f}"
        print(f"{row.label:22} n={row.n} agree={row.observed:.1%} kappa={kappa}")


if __name__ == "__main__":
    main()
