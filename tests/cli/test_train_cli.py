"""`heard train` through the real console script: figures, JSON, model file, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from heard.learn.classifier import TextClassifier

HEARD = Path(sys.executable).with_name("heard")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HEARD), "train", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small EPITOME-shaped folder: responses that react with feeling, or not."""
    root = tmp_path_factory.mktemp("data")
    feeling = ["I'm so sorry, that sounds awful", "that must hurt so much", "so sorry for you"]
    plain = ["try restarting it", "check the settings page", "the store opens at nine"]
    rows = []
    for n in range(60):
        reacts = n % 2 == 0
        rows.append(
            {
                "id": f"s{n}:r{n}",
                "sp_id": f"s{n}",
                "seeker_post": "my phone broke and I lost everything",
                "response_post": (feeling if reacts else plain)[n % 3],
                "emotional_reactions": 2 if reacts else 0,
                "interpretations": 0,
                "explorations": 0,
            }
        )
    (root / "epitome").mkdir()
    (root / "epitome" / "epitome_reddit.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows)
    )
    return root


def test_train_prints_figures_and_writes_a_model(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "er.json"
    proc = run("--data", str(data), "--task", "epitome.er.binary", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "held-out figures" in proc.stdout and "yes (positive)" in proc.stdout
    assert "macro-F1" in proc.stdout and f"model written to {out}" in proc.stdout
    assert "research only" in proc.stderr  # EPITOME may not train a commercial model
    assert "Traceback" not in proc.stdout + proc.stderr
    model = TextClassifier.load(out)
    assert model.task == "epitome.er.binary"
    assert model.metadata["data_file"] == "epitome/epitome_reddit.jsonl"


def test_train_json_shape(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "er.json"
    proc = run("--data", str(data), "--task", "epitome.er", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["task"] == "epitome.er" and result["model"] == str(out)
    held = result["held_out"]
    assert set(held) == {"labels", "macro_f1", "accuracy", "n"}
    assert set(held["labels"]) == {"0", "1", "2"}
    assert set(held["labels"]["2"]) == {"precision", "recall", "f1", "support"}
    assert result["train_n"] + held["n"] == 60
    assert result["reference"]["macro_f1"] == pytest.approx(0.7446)


def test_train_all_data_has_no_held_out_figures(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.json"
    proc = run("--data", str(data), "--task", "epitome.er.binary", "--out", str(out))
    proc = run(
        "--data",
        str(data),
        "--task",
        "epitome.er.binary",
        "--out",
        str(out),
        "--all-data",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["held_out"] is None and result["train_n"] == 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "no.such.task"], "unknown task 'no.such.task'"),
        (["--task", "annomi.question"], "no annomi data for task annomi.question"),
    ],
)
def test_train_usage_errors_exit_2(data: Path, args: list[str], message: str) -> None:
    proc = run("--data", str(data), *args)
    assert proc.returncode == 2
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_train_missing_data_folder(tmp_path: Path) -> None:
    proc = run("--data", str(tmp_path / "nowhere"), "--task", "epitome.er")
    assert proc.returncode == 2
    assert "no such data folder" in " ".join(proc.stderr.split())


def test_a_labelled_task_needs_data() -> None:
    result = run("--task", "epitome.er")
    assert result.returncode == 2
    assert "--data is required (except with --task outcome)" in result.stderr
