"""Labelled tasks read from a data folder laid out like heard's shared data.

Each task turns one published data set into `Example`s (the text to classify, what it
answers, its gold labels and the group it must be split by) so that `heard train` and
`heard eval` read the same examples and split them the same way. A folder holds, per data
set, a sub-folder with the file named in `TASKS` (e.g. ``epitome/epitome_reddit.jsonl``).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heard.errors import InputError, Location
from heard.importers.base import parse_json
from heard.importers.registry import load_source

YES, NO = "yes", "no"


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text: `text` is what is classified; `context` is what it answers."""

    id: str
    group: str
    """Unit of splitting (seeker post, transcript, conversation): never on both sides."""
    text: str
    labels: tuple[str, ...]
    context: str = ""
    split: str | None = None
    """The data set's own split ('train' / 'test'), when it has one."""

    @property
    def label(self) -> str:
        return self.labels[0]


@dataclass(frozen=True)
class Reference:
    """A published figure to compare with."""

    source: str
    macro_f1: float | None = None
    accuracy: float | None = None
    f1: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Task:
    name: str
    """e.g. ``epitome.er``."""
    dataset: str
    """Folder under the data directory."""
    file: str
    title: str
    labels: tuple[str, ...]
    load: Callable[[Path], list[Example]] = field(repr=False)
    multi_label: bool = False
    positive: str | None = None
    """For yes/no tasks, the label whose F1 is the headline figure."""
    reference: Reference | None = None
    licence: str = ""
    commercial: bool = False
    """Whether the data's licence allows training models that ship commercially."""

    def path(self, data_dir: Path) -> Path:
        return data_dir / self.dataset / self.file

    def examples(self, data_dir: Path) -> list[Example]:
        return self.load(data_file(data_dir, self.dataset, self.file, task=self.name))


def data_file(data_dir: Path, dataset: str, file: str, *, task: str) -> Path:
    """`data_dir/dataset/file`, or an InputError saying which task needed it."""
    path = data_dir / dataset / file
    if not path.is_file():
        raise InputError(
            f"no {dataset} data for task {task}",
            where=Location(file=str(path)),
            expected=f"{dataset}/{file} under the data folder",
            code="missing_file",
        )
    return path


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a bad line is an InputError naming it."""
    source = load_source(path)
    for number, line in source.lines():
        if not line.strip():
            continue
        where = source.where(line=number)
        value = parse_json(line, where)
        if not isinstance(value, dict):
            raise InputError(
                "line is not a JSON object",
                where=where,
                expected="one JSON object per line",
                code="malformed",
            )
        yield number, value


def _field(row: dict[str, Any], name: str, path: Path, line: int) -> Any:
    if name not in row:
        raise InputError(
            f"missing field {name!r}",
            where=Location(file=str(path), line=line, path=name),
            expected=f"a {name!r} field on every line",
            code="missing_field",
        )
    return row[name]


# --- EPITOME ---------------------------------------------------------------------------


def _epitome(mechanism: str, binary: bool) -> Callable[[Path], list[Example]]:
    def load(path: Path) -> list[Example]:
        examples = []
        for line, row in read_jsonl(path):
            level = int(_field(row, mechanism, path, line))
            label = (YES if level > 0 else NO) if binary else str(level)
            examples.append(
                Example(
                    id=str(_field(row, "id", path, line)),
                    group=str(_field(row, "sp_id", path, line)),
                    text=str(_field(row, "response_post", path, line)),
                    context=str(_field(row, "seeker_post", path, line)),
                    labels=(label,),
                )
            )
        return examples

    return load


# --- AnnoMI ----------------------------------------------------------------------------


def _annomi_utterances(path: Path) -> list[tuple[dict[str, Any], str]]:
    """Therapist utterances, one per (transcript, turn), by majority over annotators, with
    the client's previous utterance as context."""
    rows: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for line, row in read_jsonl(path):
        conversation = str(_field(row, "conversation_id", path, line))
        key = (conversation, int(_field(row, "turn", path, line)))
        _field(row, "speaker", path, line)
        _field(row, "text", path, line)
        rows[key].append(row)
    previous_client: dict[tuple[str, int], str] = {}
    last: dict[str, str] = {}
    for key in sorted(rows):
        first = rows[key][0]
        previous_client[key] = last.get(key[0], "")
        if first["speaker"] == "client":
            last[key[0]] = first["text"]
    result = []
    for key in sorted(rows):
        group = rows[key]
        if group[0]["speaker"] != "therapist":
            continue
        result.append((_majority(group), previous_client[key]))
    return result


def _majority(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if len(rows) == 1:
        return rows[0]
    votes = Counter(
        (r.get("main_therapist_behaviour"), r.get("question_subtype")) for r in rows
    ).most_common(1)[0][0]
    for r in rows:
        if (r.get("main_therapist_behaviour"), r.get("question_subtype")) == votes:
            return r
    return rows[0]


def _annomi(kind: str) -> Callable[[Path], list[Example]]:
    def load(path: Path) -> list[Example]:
        examples = []
        for row, context in _annomi_utterances(path):
            behaviour = row.get("main_therapist_behaviour")
            if kind == "open_closed":
                if behaviour != "question" or row.get("question_subtype") not in ("open", "closed"):
                    continue
                label = row["question_subtype"]
            else:
                label = YES if behaviour == kind else NO
            examples.append(
                Example(
                    id=f"{row['conversation_id']}:{row['turn']}",
                    group=str(row["conversation_id"]),
                    text=str(row["text"]),
                    context=context,
                    labels=(label,),
                )
            )
        return examples

    return load


# --- ESConv ----------------------------------------------------------------------------


def _esconv(strategy: str) -> Callable[[Path], list[Example]]:
    def load(path: Path) -> list[Example]:
        examples = []
        last_seeker: dict[str, str] = {}
        for line, row in read_jsonl(path):
            conversation = str(_field(row, "conversation_id", path, line))
            speaker = _field(row, "speaker", path, line)
            text = str(_field(row, "text", path, line))
            if speaker == "seeker":
                last_seeker[conversation] = text
                continue
            examples.append(
                Example(
                    id=str(_field(row, "id", path, line)),
                    group=conversation,
                    text=text,
                    context=last_seeker.get(conversation, ""),
                    labels=(YES if row.get("strategy") == strategy else NO,),
                )
            )
        return examples

    return load


# --- GoEmotions ------------------------------------------------------------------------

EKMAN = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")


def _goemotions(path: Path) -> list[Example]:
    examples = []
    for line, row in read_jsonl(path):
        labels = tuple(_field(row, "ekman_labels", path, line))
        if not labels:
            continue
        split = row.get("orig_split")
        examples.append(
            Example(
                id=str(_field(row, "id", path, line)),
                group=str(row["id"]),
                text=str(_field(row, "text", path, line)),
                labels=labels,
                split="test" if split == "test" else "train",
            )
        )
    return examples


CUSTOMER_EMOTIONS = (
    "anger",
    "frustration",
    "confusion",
    "worry",
    "sadness",
    "satisfaction",
    "neutral",
)
GOEMOTIONS_TO_CUSTOMER = {
    "anger": "anger",
    "disgust": "anger",
    "annoyance": "frustration",
    "disappointment": "frustration",
    "confusion": "confusion",
    "fear": "worry",
    "nervousness": "worry",
    "sadness": "sadness",
    "grief": "sadness",
    "gratitude": "satisfaction",
    "joy": "satisfaction",
    "relief": "satisfaction",
    "approval": "satisfaction",
    "admiration": "satisfaction",
    "love": "satisfaction",
    "optimism": "satisfaction",
    "excitement": "satisfaction",
    "neutral": "neutral",
    "curiosity": "neutral",
    "realization": "neutral",
}
"""GoEmotions' fine labels as heard's customer emotions; comments with none of these (only
amusement, remorse, caring, desire, pride, surprise, embarrassment or disapproval) are left
out. Disapproval is out because in service chats it is mostly a plain
"no" to a question, not frustration."""


def _goemotions_customer(path: Path) -> list[Example]:
    examples = []
    for line, row in read_jsonl(path):
        fine = _field(row, "labels", path, line)
        labels = tuple(
            e for e in CUSTOMER_EMOTIONS if e in {GOEMOTIONS_TO_CUSTOMER.get(f) for f in fine}
        )
        if not labels:
            continue
        examples.append(
            Example(
                id=str(_field(row, "id", path, line)),
                group=str(row["id"]),
                text=str(_field(row, "text", path, line)),
                labels=labels,
                split="test" if row.get("orig_split") == "test" else "train",
            )
        )
    return examples


# --- the tasks -------------------------------------------------------------------------

_EPITOME_REF = "Sharma et al. 2020, RoBERTa, Reddit+TalkLife"
_EPITOME = {
    "er": ("Emotional reactions", 0.7446, 0.7943),
    "ip": ("Interpretations", 0.6260, 0.8404),
    "ex": ("Explorations", 0.7258, 0.9261),
}
_MECHANISM = {"er": "emotional_reactions", "ip": "interpretations", "ex": "explorations"}
_ESCONV = {
    "question": "Question",
    "restatement": "Restatement or Paraphrasing",
    "reflection": "Reflection of feelings",
    "affirmation": "Affirmation and Reassurance",
}


def _tasks() -> dict[str, Task]:
    tasks: list[Task] = []
    for key, (title, f1, accuracy) in _EPITOME.items():
        mechanism = _MECHANISM[key]
        common = dict(dataset="epitome", file="epitome_reddit.jsonl", licence="research only")
        tasks.append(
            Task(
                name=f"epitome.{key}",
                title=f"{title} (0/1/2)",
                labels=("0", "1", "2"),
                load=_epitome(mechanism, binary=False),
                reference=Reference(_EPITOME_REF, macro_f1=f1, accuracy=accuracy),
                **common,  # type: ignore[arg-type]
            )
        )
        tasks.append(
            Task(
                name=f"epitome.{key}.binary",
                title=f"{title} (none vs some)",
                labels=(NO, YES),
                positive=YES,
                load=_epitome(mechanism, binary=True),
                **common,  # type: ignore[arg-type]
            )
        )
    annomi = dict(dataset="annomi", file="annomi_full.jsonl", licence="no licence stated")
    tasks += [
        Task(
            name="annomi.reflection",
            title="Therapist reflection",
            labels=(NO, YES),
            positive=YES,
            load=_annomi("reflection"),
            **annomi,  # type: ignore[arg-type]
        ),
        Task(
            name="annomi.question",
            title="Therapist question",
            labels=(NO, YES),
            positive=YES,
            load=_annomi("question"),
            **annomi,  # type: ignore[arg-type]
        ),
        Task(
            name="annomi.open_closed",
            title="Open vs closed question",
            labels=("closed", "open"),
            load=_annomi("open_closed"),
            **annomi,  # type: ignore[arg-type]
        ),
    ]
    for key, strategy in _ESCONV.items():
        tasks.append(
            Task(
                name=f"esconv.{key}",
                title=f"{strategy} (one vs rest)",
                dataset="esconv",
                file="utterances.jsonl",
                labels=(NO, YES),
                positive=YES,
                load=_esconv(strategy),
                licence="CC BY-NC 4.0",
            )
        )
    tasks.append(
        Task(
            name="goemotions.ekman",
            title="Ekman emotion (7 classes, multi-label)",
            dataset="goemotions",
            file="goemotions.jsonl",
            labels=EKMAN,
            multi_label=True,
            load=_goemotions,
            reference=Reference("Demszky et al. 2020, BERT-base", macro_f1=0.64),
            licence="Apache-2.0",
            commercial=True,
        )
    )
    tasks.append(
        Task(
            name="goemotions.customer",
            title="Customer emotion (GoEmotions fine labels mapped to heard's seven)",
            dataset="goemotions",
            file="goemotions.jsonl",
            labels=CUSTOMER_EMOTIONS,
            multi_label=True,
            load=_goemotions_customer,
            licence="Apache-2.0",
            commercial=True,
        )
    )
    return {task.name: task for task in tasks}


TASKS: dict[str, Task] = _tasks()


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise InputError(
            f"unknown task {name!r}",
            where=Location(path="--task"),
            expected="one of " + ", ".join(TASKS),
            code="unknown_task",
        ) from None


def in_holdout(group: str, fraction: float = 0.2, salt: str = "heard-eval-v1") -> bool:
    """Whether a group falls in the evaluation part: a stable hash, the same on every machine."""
    digest = hashlib.sha256(f"{salt}:{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def split(examples: list[Example], fraction: float = 0.2) -> tuple[list[Example], list[Example]]:
    """(train, test): the data set's own split where it has one, else whole groups by hash."""
    train, test = [], []
    for example in examples:
        held = example.split == "test" if example.split else in_holdout(example.group, fraction)
        (test if held else train).append(example)
    return train, test
