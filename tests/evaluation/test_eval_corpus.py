"""`heard eval` on heard's own corpus: the default mapping, the simplest rules, the JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from heard.cli.main import app
from heard.evaluation import corpus as ec
from heard.evaluation.docs import corpus_section
from heard.evaluation.targets import check
from heard.learn.corpus import Item, Labels, load_corpus, split_of

runner = CliRunner()

AGENT = {
    "acknowledgement": False,
    "paraphrase": False,
    "reflection_of_feeling": False,
    "clarifying": False,
    "affirmation": False,
    "resolution_check": False,
    "jargon": False,
    "dismissive": False,
    "empathy_er": 0,
    "empathy_ip": 0,
    "empathy_ex": 0,
    "question": "none",
    "answers_concern": "na",
}
CUSTOMER = {
    "emotion": "neutral",
    "intensity": 0,
    "concerns": [],
    "not_heard": [],
    "escalation": False,
}

# (customer turn, agent turn, agent labels, customer labels): half asks, half acknowledges
ROWS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "My parcel never arrived and I'm really annoyed.",
        "I'm so sorry about that. What is your order number?",
        {"empathy_er": 1, "question": "open", "answers_concern": "yes", "clarifying": True},
        {"emotion": "frustration", "intensity": 1, "concerns": ["parcel missing"]},
    ),
    (
        "Thanks, that's perfect.",
        "Is there anything else I can help you with?",
        {"resolution_check": True, "question": "closed"},
        {"emotion": "satisfaction", "intensity": 1},
    ),
    (
        "I want to change my flight to Friday.",
        "Okay, I see. Your flight is now on Friday.",
        {"acknowledgement": True, "answers_concern": "yes"},
        {"concerns": ["change flight"]},
    ),
    (
        "Can you check my balance?",
        "Sure. Do you want the savings or the checking account?",
        {
            "acknowledgement": True,
            "question": "closed",
            "clarifying": True,
            "answers_concern": "partly",
        },
        {"concerns": ["balance"]},
    ),
]


def conversation_ids(split: str, n: int, source: str = "star") -> list[str]:
    return [c for c in (f"c{i}" for i in range(500)) if split_of(source, c) == split][:n]


def write_corpus(folder: Path, *, written: bool = True) -> Path:
    """A small corpus: 4 train and 2 dev conversations, the 4 test ones real and (optionally)
    one written test item, each conversation one of `ROWS`."""
    items, labels = [], []
    plan = [("train", "star")] * 8 + [("dev", "hvb")] * 4 + [("test", "star")] * 4
    plan += [("test", "written")] if written else []
    used: dict[tuple[str, str], int] = {}
    for n, (split, source) in enumerate(plan):
        k = used.get((split, source), 0)
        used[split, source] = k + 1
        cid = conversation_ids(split, k + 1, source)[k]
        customer, agent, agent_labels, customer_labels = ROWS[n % len(ROWS)]
        item_id = f"{source}-{cid}"
        items.append(
            {
                "id": item_id,
                "source": source,
                "conversation_id": cid,
                "channel": "voice" if source == "hvb" else "chat",
                "context": [{"role": "agent", "text": "Hello, how can I help?"}],
                "customer": customer,
                "agent": agent,
                "split": split,
            }
        )
        labels.append(
            {
                "id": item_id,
                "agent": {**AGENT, **agent_labels},
                "customer": {**CUSTOMER, **customer_labels},
            }
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("items.jsonl", items), ("labels.jsonl", labels)):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def reading(*behaviours: str, emotion: str = "neutral", concerns: int = 0) -> ec.Reading:
    return ec.Reading(agent=frozenset(behaviours), emotion=emotion, concerns=concerns)


def default(task: str, r: ec.Reading) -> str:
    return ec.DEFAULT[task].label(r)


def test_every_task_has_one_default_mapping_one_rule_and_a_group() -> None:
    assert set(ec.DEFAULT) == set(ec.TASKS) == set(ec.BASELINE)
    assert {t.group for t in ec.CORPUS_TASKS} == set(ec.GROUPS)
    for name in ec.TASKS:
        assert ec.DEFAULT[name].describe() and ec.BASELINE[name].describe()


def test_default_mapping_of_findings() -> None:
    asked = reading("open_question", "clarifying_question")
    assert default("corpus.question", asked) == "yes"
    assert default("corpus.open_closed", asked) == "open"
    assert default("corpus.open_closed", reading("closed_question")) == "closed"
    assert default("corpus.clarifying", asked) == "yes"
    # a service agent explores with an open question; a closed or clarifying one collects
    # task data (EPITOME's peers explore with any question: predictors.RULES)
    assert default("corpus.ex", asked) == "1" and default("corpus.ex", reading()) == "0"
    assert default("corpus.ex", reading("closed_question", "clarifying_question")) == "0"
    assert default("corpus.ex.binary", reading("open_question")) == "yes"
    assert default("corpus.er", reading("apology")) == "0"
    assert default("corpus.er", reading("empathy")) == "1"
    strong = ec.Reading(
        agent=frozenset({"empathy"}), emotion="", concerns=0, strong=frozenset({"empathy"})
    )
    assert default("corpus.er", strong) == "2"
    assert default("corpus.question", reading("acknowledgement")) == "no"
    assert default("corpus.acknowledgement", reading("acknowledgement")) == "yes"
    assert default("corpus.answers_concern", reading("unaddressed_concern")) == "no"
    assert default("corpus.answers_concern", reading("acknowledgement")) == "yes"
    assert default("corpus.dismissive", reading("blame")) == "yes"
    assert default("corpus.resolution_check", reading("resolution_check")) == "yes"
    assert default("corpus.emotion", reading(emotion="anger")) == "frustration"
    assert default("corpus.emotion", reading(emotion="worry")) == "anxiety"
    assert default("corpus.has_concern", reading(concerns=2)) == "yes"
    assert default("corpus.has_concern", reading()) == "no"


def test_gold_labels_of_an_item() -> None:
    lab = Labels("x", {**AGENT, "question": "none", "answers_concern": "partly"}, CUSTOMER)
    assert ec.TASKS["corpus.open_closed"].gold(lab) is None  # no question: not applicable
    assert ec.TASKS["corpus.answers_concern"].gold(lab) == "no"  # partly is not answered
    assert ec.TASKS["corpus.question"].gold(lab) == "no"
    lab = Labels("y", {**AGENT, "empathy_ip": 2, "answers_concern": "na"}, CUSTOMER)
    assert ec.TASKS["corpus.answers_concern"].gold(lab) is None
    assert (
        ec.TASKS["corpus.ip"].gold(lab) == "2" and ec.TASKS["corpus.ip.binary"].gold(lab) == "yes"
    )


def test_the_analyzer_reads_the_agent_and_customer_turns_of_an_item(tmp_path: Path) -> None:
    pairs = load_corpus(write_corpus(tmp_path / "corpus"))
    first, resolved = pairs[0][0], pairs[1][0]
    conversation = ec.as_conversation(first)
    assert [t.role.value for t in conversation.turns] == ["agent", "customer", "agent"]
    assert conversation.turns[-1].text == first.agent
    found = ec.read_all([first, resolved])
    # "What is your order number?" asks for one fact: closed (MITI, docs/annotation.md)
    assert "closed_question" in found[0].agent and "open_question" not in found[0].agent
    assert default("corpus.question", found[0]) == "yes"
    assert found[0].emotion in ("frustration", "anger")  # "really annoyed"
    assert default("corpus.emotion", found[0]) == "frustration"
    assert found[0].concerns >= 1
    assert default("corpus.open_closed", found[1]) == "closed"


@pytest.mark.parametrize(
    ("task", "text", "context", "label"),
    [
        ("corpus.question", "Could you confirm that?", "", "yes"),
        ("corpus.question", "Your order ships today.", "", "no"),
        ("corpus.open_closed", "Thanks. What happened next?", "", "open"),
        ("corpus.open_closed", "Okay. Is it the blue one? What size?", "", "closed"),
        ("corpus.acknowledgement", "Got it, one moment.", "", "yes"),
        ("corpus.acknowledgement", "Your order ships today.", "", "no"),
        ("corpus.clarifying", "Which account do you mean?", "", "yes"),
        ("corpus.clarifying", "Which account do you mean.", "", "no"),
        ("corpus.er", "I'm sorry to hear that.", "", "1"),
        ("corpus.er.binary", "That is frustrating.", "", "yes"),
        ("corpus.ex", "How did that happen?", "", "1"),
        ("corpus.resolution_check", "Is there anything else?", "", "yes"),
        ("corpus.jargon", "Your SKU is on the RMA.", "", "yes"),
        ("corpus.jargon", "Your order is on its way.", "", "no"),
        ("corpus.answers_concern", "The refund went out today.", "Where is my refund?", "yes"),
        ("corpus.answers_concern", "Let me check.", "Where is my refund?", "no"),
        ("corpus.emotion", "This is ridiculous, thanks for nothing", "", "frustration"),
        ("corpus.emotion", "Thank you so much!", "", "satisfaction"),
        ("corpus.emotion", "My card number is 1234.", "", "neutral"),
        ("corpus.has_concern", "Can you reset my password", "", "yes"),
        ("corpus.has_concern", "Bye.", "", "no"),
    ],
)
def test_simplest_rules(task: str, text: str, context: str, label: str) -> None:
    assert ec.BASELINE[task].label(text, context) == label


def test_scores_real_and_written_apart_and_groups_in_range(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "corpus")
    result = ec.evaluate_corpus(folder)
    assert result.sizes == {"train": 8, "dev": 4, "test": 5}
    assert result.sources == {"star": 4, "written": 1}
    by_name = {s.task.name: s for s in result.tasks}
    question = by_name["corpus.question"]
    assert question.n == {"all": 5, "real": 4, "written": 1}
    # the rule '?' is right on every test item: 3 of the 5 agent turns ask
    assert question.reports["baseline"]["all"].macro_f1 == 1.0
    assert question.reports["trained"]["all"] is None
    assert question.why["trained"] == "not requested (--no-trained)"
    for figures in result.groups.values():
        for parts in figures.values():
            assert all(v is None or 0.0 <= v <= 1.0 for v in parts.values())
    assert result.groups["questions"]["baseline"]["all"] is not None
    # targets: one row per group, on the default figure
    text = "\n".join(corpus_section(result, ""))
    assert "| questions |" in text and "corpus.resolution_check" in text


def test_heard_eval_json_has_the_corpus_tasks(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "corpus")
    (tmp_path / "data").mkdir()
    args = ["eval", "--data", str(tmp_path / "data"), "--corpus", str(folder)]
    result = runner.invoke(app, [*args, "--dataset", "corpus", "--json"])
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)["corpus"]
    for task in ec.CORPUS_TASKS:
        for key in (task.name, task.name + ".baseline", task.name + ".trained"):
            entry = printed[key]
            if entry.keys() == {"skipped"}:  # e.g. no interpretation in the small train part
                assert key.endswith(".trained") and "one label only" in entry["skipped"]
                continue
            assert entry.keys() == {"labels", "macro_f1", "accuracy", "n"}, key
            assert 0.0 <= entry["macro_f1"] <= 1.0
            assert all(0.0 <= s["f1"] <= 1.0 for s in entry["labels"].values())
        assert printed[task.name + ".by_origin"].keys() == {"real", "written"}
    origins = printed["corpus.question.by_origin"]
    assert origins["real"]["n"] == 4 and origins["written"]["n"] == 1
    assert origins["written"]["default"]["n"] == 1
    assert set(printed["groups"]) == set(ec.GROUPS)
    assert printed["groups"]["questions"].keys() == {"default", "baseline", "trained"}
    assert printed["corpus.question.trained"]["n"] == 5  # fitted on train + dev, scored on test
    # without written items the column says so
    write_corpus(folder, written=False)
    result = runner.invoke(app, [*args, "--task", "corpus.question", "--json", "--no-trained"])
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)["corpus"]
    assert printed["corpus.question.by_origin"]["written"] == {"skipped": "no written items yet"}
    assert printed["corpus.question.trained"] == {"skipped": "not requested (--no-trained)"}
    result = runner.invoke(app, [*args, "--task", "corpus.question", "--no-trained"])
    assert "no written items yet" in result.stdout and "corpus.questions" in result.stdout


def test_targets_have_a_row_per_group(tmp_path: Path) -> None:
    from heard.evaluation.run import evaluate

    (tmp_path / "data").mkdir()
    evaluation = evaluate(
        tmp_path / "data", datasets=["corpus"], corpus=write_corpus(tmp_path / "corpus")
    )
    checks = {c.target.task: c for c in check(evaluation)}
    assert {f"corpus.{g}" for g in ec.GROUPS} <= set(checks)
    assert all(c.target.minimum == 0.80 for n, c in checks.items() if n.startswith("corpus."))
    assert (
        checks["corpus.questions"].value == evaluation.corpus.groups["questions"]["default"]["all"]
    )


def test_a_missing_corpus_folder_is_bad_input(tmp_path: Path) -> None:
    args = ["eval", "--data", str(tmp_path), "--dataset", "corpus", "--corpus", str(tmp_path / "x")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "corpus folder not found" in result.stderr


def test_the_repository_corpus_is_the_default() -> None:
    assert (ec.default_folder() / "items.jsonl").is_file()
    assert ec.origin(Item("i", "written", "c", "chat", (), "", "", "test")) == "written"
