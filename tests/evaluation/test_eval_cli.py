"""`heard eval` on a small data folder written here: JSON shape, figures, filters, docs, errors."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

import heard.evaluation.corpus as corpus
import heard.evaluation.run as run
from heard import embed
from heard.cli.main import app
from heard.evaluation.docs import GENERATED
from heard.evaluation.predictors import trainer
from heard.evaluation.validity import VALIDITY
from heard.learn.datasets import TASKS, Example, Task, in_holdout

runner = CliRunner()


def held(prefix: str, n: int) -> list[str]:
    """The first `n` group ids with this prefix that fall in the test part."""
    return [g for g in (f"{prefix}{i}" for i in range(1000)) if in_holdout(g)][:n]


def kept(prefix: str, n: int) -> list[str]:
    return [g for g in (f"{prefix}{i}" for i in range(1000)) if not in_holdout(g)][:n]


def jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


QUESTION = "What brings you here today?"
STATEMENT = "I see."


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    epitome = []
    for i, group in enumerate(held("s", 3) + kept("s", 3)):
        epitome.append(
            {
                "id": f"{group}:r",
                "sp_id": group,
                "seeker_post": "I feel alone.",
                "response_post": QUESTION if i % 2 else STATEMENT,
                "emotional_reactions": 0,
                "interpretations": 0,
                "explorations": 1 if i % 2 else 0,
            }
        )
    jsonl(root / "epitome/epitome_reddit.jsonl", epitome)
    annomi = []
    for group in held("t", 2) + kept("t", 2):
        for turn, (speaker, text, behaviour, sub) in enumerate(
            [
                ("client", "I drink a lot.", "n/a", "n/a"),
                ("therapist", QUESTION, "question", "open"),
                ("client", "Work.", "n/a", "n/a"),
                ("therapist", STATEMENT, "other", "n/a"),
            ]
        ):
            annomi.append(
                {
                    "id": f"{group}:{turn}",
                    "conversation_id": group,
                    "turn": turn,
                    "speaker": speaker,
                    "text": text,
                    "main_therapist_behaviour": behaviour,
                    "question_subtype": sub,
                }
            )
    jsonl(root / "annomi/annomi_full.jsonl", annomi)
    esconv = []
    for group in held("c", 2) + kept("c", 2):
        esconv += [
            {"id": f"{group}:0", "conversation_id": group, "speaker": "seeker", "text": "Hi."},
            {
                "id": f"{group}:1",
                "conversation_id": group,
                "speaker": "supporter",
                "text": QUESTION,
                "strategy": "Question",
            },
            {
                "id": f"{group}:2",
                "conversation_id": group,
                "speaker": "supporter",
                "text": STATEMENT,
                "strategy": "Others",
            },
        ]
    jsonl(root / "esconv/utterances.jsonl", esconv)
    jsonl(
        root / "goemotions/goemotions.jsonl",
        [
            {
                "id": "g1",
                "text": "Yay!",
                "labels": ["joy"],
                "ekman_labels": ["joy"],
                "orig_split": "test",
            },
            {
                "id": "g2",
                "text": "Ugh.",
                "labels": ["anger"],
                "ekman_labels": ["anger"],
                "orig_split": "train",
            },
        ],
    )
    star = []
    for i, dialogue in enumerate(held("", 6)):
        calm = i % 2 == 0
        star.append(
            {
                "id": dialogue,
                "turns": [
                    {"role": "customer", "text": "This is ridiculous, I'm furious!"},
                    {"role": "agent", "text": "I'm so sorry. What happened?"},
                ],
                "original": {
                    "DialogueID": int(dialogue),
                    "UserQuestionnaire": [
                        {
                            "Question": "Did the assistant stay calm and helpful throughout "
                            "the dialogue?",
                            "Answer": calm,
                        }
                    ],
                    "WizardQuestionnaire": [
                        {
                            "Question": "Did the user become aggressive or annoyed during "
                            "the dialogue? (Note: some users may be instructed to be annoying.)",
                            "Answer": not calm,
                        }
                    ],
                },
            }
        )
    for i, dialogue in enumerate(kept("", 8)):  # the train part, which the baseline fits on
        calm = i % 2 == 0
        text = "Thanks, that was quick and helpful!" if calm else "Useless. I'm furious!"
        star.append(
            {
                **star[0],
                "id": dialogue,
                "turns": [{"role": "customer", "text": text}, star[0]["turns"][1]],
                "original": {
                    **star[i % 2]["original"],
                    "DialogueID": int(dialogue),
                },
            }
        )
    jsonl(root / "star/star.jsonl", star)
    hvb = []
    for i in range(4):
        hvb.append(
            {
                "id": f"call{i}",
                "turns": [
                    {"role": "agent", "text": "how can i help", "start_ms": 0, "duration_ms": 900},
                    {"role": "customer", "text": "my card", "start_ms": 1000, "duration_ms": 500},
                ],
                "original": {
                    "metadata": {
                        "caller": {"survey_response": {"data": {"partner_rating": str(i)}}}
                    }
                },
            }
        )
    jsonl(root / "harper_valley_bank/hvb_sample.jsonl", hvb)
    return root


class Majority:
    """A stand-in for `heard train`'s model: always the most frequent training label set."""

    def __init__(self, task: Task, train: list[Example]) -> None:
        self.labels = Counter(e.labels for e in train).most_common(1)[0][0]

    def predict(self, examples: list[Example]) -> list[tuple[str, ...]]:
        return [self.labels for _ in examples]


@pytest.fixture
def stand_in_trainer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "trainer", lambda: (Majority, ""))


@pytest.fixture(autouse=True)
def no_corpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """These tests are about the shared data sets: the corpus (tests/evaluation/
    test_eval_corpus.py) is looked for where there is none, and reported as skipped."""
    monkeypatch.setattr(corpus, "default_folder", lambda: tmp_path / "no-corpus")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["eval", *args])
    return result.exit_code, result.stdout, result.stderr.replace("\n", "")  # unwrap


def test_json_has_every_task_in_the_documented_shape(data: Path, stand_in_trainer: None) -> None:
    code, out, _ = invoke("--data", str(data), "--json", "--workers", "1")
    assert code == 0
    printed = json.loads(out)
    for task in TASKS.values():
        entry = printed[task.dataset][task.name]
        trained = printed[task.dataset][task.name + ".trained"]
        assert trained.keys() == {"labels", "macro_f1", "accuracy", "n"}
        assert set(trained["labels"]) == set(task.labels)
        if task.name == "goemotions.ekman":
            assert entry.keys() == {"skipped"} or entry.keys() == trained.keys()
            continue
        assert entry.keys() == {"labels", "macro_f1", "accuracy", "n"}, task.name
        for label in entry["labels"].values():
            assert label.keys() == {"precision", "recall", "f1", "support"}
    for task in VALIDITY.values():
        assert printed[task.dataset][task.name].keys() == {task.statistic, "ci_low", "ci_high", "n"}
    assert printed["corpus"]["corpus.question"]["skipped"].startswith("no corpus (")


def test_figures_on_known_examples(data: Path, stand_in_trainer: None) -> None:
    evaluation = run.evaluate(data)
    by_name = {r.name: r for r in evaluation.results}
    # two held-out transcripts: each one open question and one statement by the therapist
    question = by_name["annomi.question"]
    assert question.n == 4
    assert question.figure("f1") == 1.0 and question.figure("accuracy") == 1.0
    assert by_name["annomi.open_closed"].figure("accuracy") == 1.0
    assert by_name["esconv.question"].figure("f1") == 1.0
    # EPITOME: the question is an exploration; held-out posts are s-groups 0, 1, 2 in order
    assert by_name["epitome.ex.binary"].figure("f1") == 1.0
    # the stand-in says "yes" to everything (a tie, first seen): P 1/2, R 1 → F1 2/3
    assert by_name["annomi.question"].figure("f1", trained=True) == pytest.approx(2 / 3)
    # validity: only the held-out STAR dialogues count; every Harper Valley call does
    assert by_name["star.calm_helpful"].n == 6
    # the baseline is fitted on the 8 train dialogues and scored on the same 6 held-out ones
    for name in ("star.calm_helpful.baseline", "star.user_annoyed.baseline"):
        assert by_name[name].default_by == "TF-IDF + logistic" and by_name[name].n == 6
    assert by_name["star.user_annoyed.outcome"].default_by == "heard outcome model"
    assert by_name["star.user_annoyed.outcome"].n == 6
    assert by_name["harper_valley.caller_rating"].n == 4
    assert evaluation.files.keys() >= {"star/star.jsonl", "epitome/epitome_reddit.jsonl"}


def test_fits_in_a_pool_match_fits_in_process(data: Path, stand_in_trainer: None) -> None:
    alone = run.evaluate(data, datasets=["annomi", "esconv"], workers=1)
    pooled = run.evaluate(data, datasets=["annomi", "esconv"], workers=2)
    assert [r.trained for r in pooled.results] == [r.trained for r in alone.results]
    assert all(r.trained_by == "heard train" for r in pooled.results)


def test_task_and_dataset_filters(data: Path, stand_in_trainer: None) -> None:
    code, out, _ = invoke("--data", str(data), "--json", "--task", "annomi.question")
    assert code == 0
    assert json.loads(out) == {
        "annomi": {
            "annomi.question": json.loads(out)["annomi"]["annomi.question"],
            "annomi.question.trained": json.loads(out)["annomi"]["annomi.question.trained"],
            "annomi.question.baseline": json.loads(out)["annomi"]["annomi.question.baseline"],
        }
    }
    code, out, _ = invoke("--data", str(data), "--json", "--dataset", "star")
    assert code == 0 and set(json.loads(out)) == {"star"}
    assert set(json.loads(out)["star"]) == {
        f"{task}{kind}"
        for task in ("star.calm_helpful", "star.user_annoyed")
        for kind in ("", ".outcome", ".baseline")
    }


def test_text_tables(data: Path, stand_in_trainer: None) -> None:
    code, out, _ = invoke("--data", str(data), "--dataset", "annomi")
    assert code == 0
    assert (
        "annomi.open_closed" in out and "Targets" in out and "missed" not in out.split("Targets")[0]
    )
    # default, simplest rule and trained side by side; the rule's figure is a target too
    labelled = out.split("Validity")[0]
    assert "simplest" in labelled and "heard default" in labelled and "heard trained" in labelled
    assert "(simplest" in out.split("Targets")[1]


def test_write_docs(
    data: Path, stand_in_trainer: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("--data", str(data), "--write-docs", "--workers", "1")
    assert code == 0 and "wrote docs/accuracy.md" in err
    text = (tmp_path / "docs/accuracy.md").read_text()
    assert GENERATED in text
    for name in [*TASKS, *VALIDITY]:
        assert f"| {name} " in text
    assert "annomi/annomi_full.jsonl" in text and "commercial" in text
    encoder = f"`{embed.identity()}`" if embed.available() else "not installed"
    assert f"- sentence encoder: {encoder}" in text


def test_missing_dataset_is_skipped_unless_asked_for(data: Path, stand_in_trainer: None) -> None:
    (data / "epitome/epitome_reddit.jsonl").unlink()
    code, out, _ = invoke(
        "--data", str(data), "--json", "--dataset", "annomi", "--dataset", "epitome"
    )
    assert code == 2
    code, out, _ = invoke("--data", str(data), "--json")
    assert code == 0
    assert json.loads(out)["epitome"]["epitome.er"] == {
        "skipped": f"no data (epitome/epitome_reddit.jsonl not in {data})"
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "/nonexistent/heard-data"], "data folder not found"),
        (["--task", "nope"], "unknown task 'nope'"),
        (["--dataset", "nope"], "unknown data set 'nope'"),
    ],
)
def test_bad_input_exits_2_with_a_clear_error(
    args: list[str], message: str, tmp_path: Path
) -> None:
    if "--data" not in args:
        args = ["--data", str(tmp_path), *args]
    code, out, err = invoke(*args)
    assert code == 2
    assert message in err and "Traceback" not in err + out


def test_empty_folder_is_bad_input(tmp_path: Path) -> None:
    code, _, err = invoke("--data", str(tmp_path))
    assert code == 2 and "data file not found" in err


def test_malformed_data_is_bad_input(data: Path) -> None:
    (data / "annomi/annomi_full.jsonl").write_text("{not json\n")
    code, _, err = invoke("--data", str(data), "--dataset", "annomi", "--no-trained")
    assert code == 2 and "annomi_full.jsonl, line 1" in err


def test_trained_models_not_available_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "heard.learn.classifier", None)
    fit, why = trainer()
    assert fit is None and why == "heard.learn.classifier is not installed"
