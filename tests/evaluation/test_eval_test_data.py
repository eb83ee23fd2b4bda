"""`heard eval --data DIR --test-data DIR2`: a team's own held-out folder, scored whole.

DIR and DIR2 are built here from slices of the shared data (EPITOME and GoEmotions rows, STAR
conversations), laid out like it. The checks: every example of DIR2 is counted, nothing of
DIR2 is fitted on (the training examples each fit receives are recorded), the JSON keys are
those of a run without --test-data, and bad input names its file and line (exit code 2).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import heard.evaluation.corpus as corpus
import heard.evaluation.run as run
import heard.learn.outcome_fit as outcome_fit
from conftest import require_shared_data
from heard.cli.main import app
from heard.learn.classifier import fit as real_fit

runner = CliRunner()
DATASETS = ("epitome", "goemotions", "star")
FILES = {
    "epitome": "epitome_reddit.jsonl",
    "goemotions": "goemotions.jsonl",
    "star": "star.jsonl",
}
CALM = re.compile(r"stay calm and helpful", re.IGNORECASE)


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").splitlines() if line.strip()]


def _calm(row: dict[str, Any]) -> bool | None:
    for entry in row.get("original", {}).get("UserQuestionnaire") or []:
        if CALM.search(str(entry.get("Question", ""))) and isinstance(entry.get("Answer"), bool):
            return entry["Answer"]
    return None


def _star(shared: Path) -> list[str]:
    """120 STAR conversations with messages and a calm-and-helpful answer, a third of them
    'no' (rare in STAR: the first 120 chats hold one), in file order."""
    no, yes = [], []
    for line in _lines(shared / "star" / FILES["star"]):
        row = json.loads(line)
        answer = _calm(row)
        if not row.get("turns") or answer is None:
            continue
        (no if not answer else yes).append(line)
        if len(no) >= 40 and len(yes) >= 80:
            break
    return no[:40] + yes[:80]


def _write(root: Path, dataset: str, lines: list[str]) -> None:
    path = root / dataset / FILES[dataset]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), "utf-8")


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(DIR, DIR2): two thirds of each slice in DIR, the rest in DIR2. EPITOME rows go by
    seeker post, so no post has responses on both sides."""
    shared = require_shared_data()
    root = tmp_path_factory.mktemp("team")
    train, test = root / "DIR", root / "DIR2"
    epitome = _lines(shared / "epitome" / FILES["epitome"])[:300]
    posts = list(dict.fromkeys(json.loads(line)["sp_id"] for line in epitome))
    in_test = set(posts[::3])
    _write(train, "epitome", [x for x in epitome if json.loads(x)["sp_id"] not in in_test])
    _write(test, "epitome", [x for x in epitome if json.loads(x)["sp_id"] in in_test])
    goemotions = _lines(shared / "goemotions" / FILES["goemotions"])[:300]
    _write(train, "goemotions", [x for i, x in enumerate(goemotions) if i % 3])
    _write(test, "goemotions", goemotions[::3])
    star = _star(shared)
    _write(train, "star", [x for i, x in enumerate(star) if i % 3])
    _write(test, "star", star[::3])
    return train, test


@pytest.fixture(autouse=True)
def no_corpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The corpus keeps its own test part with or without --test-data: not read here."""
    monkeypatch.setattr(corpus, "default_folder", lambda: tmp_path / "no-corpus")


@pytest.fixture
def fitted(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """What each fit was given: task → example ids; "outcome" → STAR conversation ids;
    "baseline" → the conversations the TF-IDF baseline was fitted on (real fits underneath)."""
    seen: dict[str, set[str]] = {}

    def fit(task, train, **kwargs):  # type: ignore[no-untyped-def]
        seen[task.name] = {e.id for e in train}
        return real_fit(task, train, **kwargs)

    real_outcome, real_baseline = outcome_fit.fit_outcome, outcome_fit.baseline_scores

    def fit_outcome(items, cards, **kwargs):  # type: ignore[no-untyped-def]
        seen["outcome"] = {i.group for i in items}
        return real_outcome(items, cards, **kwargs)

    def baseline_scores(train, labels, test):  # type: ignore[no-untyped-def]
        seen.setdefault("baseline", set()).update(c.external_id or c.id for c in train)
        return real_baseline(train, labels, test)

    monkeypatch.setattr(run, "trainer", lambda: (fit, ""))
    monkeypatch.setattr(outcome_fit, "fit_outcome", fit_outcome)
    monkeypatch.setattr(outcome_fit, "baseline_scores", baseline_scores)
    return seen


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["eval", *args])
    return result.exit_code, result.stdout, result.stderr.replace("\n", "")


def _filters() -> list[str]:
    return [a for name in DATASETS for a in ("--dataset", name)] + ["--workers", "1"]


def _ids(root: Path, dataset: str, field: str) -> set[str]:
    return {str(json.loads(line)[field]) for line in _lines(root / dataset / FILES[dataset])}


@pytest.mark.slow
def test_every_test_example_scored_and_none_trained_on(
    folders: tuple[Path, Path], fitted: dict[str, set[str]]
) -> None:
    train, test = folders
    code, out, err = invoke("--data", str(train), "--test-data", str(test), "--json", *_filters())
    assert code == 0, err
    printed = json.loads(out)
    # n is the size of DIR2: every row (GoEmotions: every row with an Ekman label), every
    # STAR conversation with the answer
    epitome_n = len(_lines(test / "epitome" / FILES["epitome"]))
    for name in ("epitome.er", "epitome.ip.binary", "epitome.ex"):
        assert printed["epitome"][name]["n"] == epitome_n
        assert printed["epitome"][name + ".trained"]["n"] == epitome_n
    rows = [json.loads(x) for x in _lines(test / "goemotions" / FILES["goemotions"])]
    assert printed["goemotions"]["goemotions.ekman.trained"]["n"] == sum(
        bool(r["ekman_labels"]) for r in rows
    )
    calm = sum(_calm(json.loads(x)) is not None for x in _lines(test / "star" / FILES["star"]))
    assert calm == 40
    for kind in ("", ".outcome", ".baseline"):
        assert printed["star"][f"star.calm_helpful{kind}"]["n"] == calm
    # every fit saw all of DIR and nothing of DIR2
    for task in ("epitome.er", "epitome.ex.binary"):
        assert fitted[task] == _ids(train, "epitome", "id")
        assert not fitted[task] & _ids(test, "epitome", "id")
    assert fitted["goemotions.ekman"] <= _ids(train, "goemotions", "id")
    assert not fitted["goemotions.ekman"] & _ids(test, "goemotions", "id")
    star_train, star_test = _ids(train, "star", "id"), _ids(test, "star", "id")
    assert fitted["outcome"] == star_train and fitted["baseline"] == star_train
    assert not (fitted["outcome"] | fitted["baseline"]) & star_test
    assert "left out of training" not in err


@pytest.mark.slow
def test_overlap_is_left_out_of_training_and_said(
    folders: tuple[Path, Path], fitted: dict[str, set[str]], tmp_path: Path
) -> None:
    """A team that leaves some of DIR2 in DIR: those examples are not fitted on."""
    train, test = folders
    both = tmp_path / "DIR"
    for dataset in ("goemotions", "star"):
        lines = _lines(train / dataset / FILES[dataset]) + _lines(test / dataset / FILES[dataset])
        _write(both, dataset, lines)
    code, out, err = invoke(
        "--data",
        str(both),
        "--test-data",
        str(test),
        "--json",
        "--dataset",
        "goemotions",
        "--dataset",
        "star",
        "--task",
        "goemotions.ekman",
        "--task",
        "star.calm_helpful.outcome",
        "--task",
        "star.calm_helpful.baseline",
        "--workers",
        "1",
    )
    assert code == 0, err
    assert "goemotions: 100 examples of --data left out of training" in err
    assert "star: 40 conversations of --data left out of training" in err
    assert not fitted["goemotions.ekman"] & _ids(test, "goemotions", "id")
    assert fitted["outcome"] == _ids(train, "star", "id") == fitted["baseline"]
    assert set(json.loads(out)["star"]) == {
        "star.calm_helpful.outcome",
        "star.calm_helpful.baseline",
    }


@pytest.mark.slow
def test_json_keys_are_those_without_test_data(folders: tuple[Path, Path]) -> None:
    train, test = folders
    code, plain, err = invoke("--data", str(train), "--json", "--no-trained", *_filters())
    assert code == 0, err
    code, own, err = invoke(
        "--data", str(train), "--test-data", str(test), "--json", "--no-trained", *_filters()
    )
    assert code == 0, err
    plain_json, own_json = json.loads(plain), json.loads(own)
    assert plain_json.keys() == own_json.keys()
    for dataset, tasks in plain_json.items():
        assert tasks.keys() == own_json[dataset].keys()
        for name, entry in tasks.items():
            if "skipped" not in entry and "skipped" not in own_json[dataset][name]:
                assert entry.keys() == own_json[dataset][name].keys(), name
    # the outcome model fitted on DIR scores DIR2, not the shipped one
    assert "skipped" not in own_json["star"]["star.calm_helpful.outcome"]


def test_missing_test_folder_exits_2(folders: tuple[Path, Path], tmp_path: Path) -> None:
    train, _ = folders
    missing = tmp_path / "nope"
    code, out, err = invoke("--data", str(train), "--test-data", str(missing))
    assert code == 2
    assert "test data folder not found" in err and str(missing) in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("side", ["DIR2", "DIR"])
def test_malformed_line_names_file_and_line_exit_2(
    folders: tuple[Path, Path], tmp_path: Path, side: str
) -> None:
    train, test = folders
    bad = tmp_path / side
    lines = _lines((test if side == "DIR2" else train) / "goemotions" / FILES["goemotions"])
    _write(bad, "goemotions", [*lines[:2], "{not json", *lines[2:]])
    pair = (train, bad) if side == "DIR2" else (bad, test)
    code, out, err = invoke(
        "--data", str(pair[0]), "--test-data", str(pair[1]), "--dataset", "goemotions"
    )
    assert code == 2
    assert f"{bad / 'goemotions' / 'goemotions.jsonl'}, line 3" in err
    assert "Traceback" not in out + err


def test_data_set_missing_from_test_folder_is_an_error_when_asked_for(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    train, _ = folders
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = invoke("--data", str(train), "--test-data", str(empty), "--dataset", "star")
    assert code == 2
    assert "data file not found" in err and str(empty / "star" / "star.jsonl") in err


def test_accuracy_doc_says_what_was_scored(tmp_path: Path) -> None:
    from heard.evaluation.docs import TEST_DATA, render

    own = run.Evaluation(data_dir=tmp_path / "DIR", results=[], test_dir=tmp_path / "DIR2")
    text = render(own, command="heard eval", machine={})
    assert f"**all of the test folder** (`--test-data {tmp_path / 'DIR2'}`)" in text
    assert "fitted on all of `--data`'s STAR conversations" in text
    plain = render(run.Evaluation(data_dir=tmp_path, results=[]), command="heard eval", machine={})
    assert "scored on its **test part** only" in plain and "all of the test folder" not in plain
    assert TEST_DATA in plain and TEST_DATA in text


def test_a_data_set_missing_from_the_training_folder_is_scored_untrained(
    folders: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, test = folders
    monkeypatch.setattr(run, "trainer", lambda: (real_fit, ""))
    empty = tmp_path / "DIR"
    empty.mkdir()
    evaluation = run.evaluate(empty, test_data=test, tasks=["goemotions.customer"])
    (result,) = evaluation.results
    assert result.trained is None
    assert result.trained_by == f"no training data (goemotions/goemotions.jsonl not in {empty})"
    rows = [json.loads(x) for x in _lines(test / "goemotions" / FILES["goemotions"])]
    assert result.n == len(run.TASKS["goemotions.customer"].examples(test)) > 0
    assert result.n <= len(rows) and result.default is not None
    # the same folder on both sides: everything is left out of training, and said
    same = run.evaluate(test, test_data=test, tasks=["goemotions.customer"])
    assert same.results[0].trained_by.startswith("no training data: every example")
    assert same.notes == [
        f"goemotions: {result.n:,} examples of --data left out of training: their group "
        "(post, transcript, conversation) is in --test-data too"
    ]
