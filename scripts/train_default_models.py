"""Train the models heard ships, from the shared data, reproducibly.

    .venv/bin/python scripts/train_default_models.py --data ../shared/data

Only data whose licence allows commercial use is used (GoEmotions, Apache-2.0), and only the
TRAIN part of `heard.learn.datasets.split` (GoEmotions' official train and dev files; its
official test file is held out). Each model's JSON records the data file, its sha256, the
examples used and the held-out figures; weights go to src/heard/weights/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from heard.learn import DEFAULT_MODELS
from heard.learn.classifier import Settings, data_sha256, fit
from heard.learn.datasets import TASKS, split
from heard.learn.report import held_out

OUT = Path(__file__).resolve().parent.parent / "src" / "heard" / "weights"
SETTINGS = {
    "goemotions.ekman": Settings(max_terms=20_000),
    # the emotion detector applies a fixed confidence bar: keep probabilities calibrated
    "goemotions.customer": Settings(max_terms=20_000, balanced=False),
}
"""Smaller vocabularies than `heard train` keeps: the package stays small, F1 barely moves."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder laid out like data/")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    for name, file in DEFAULT_MODELS.items():
        task = TASKS[name]
        assert task.commercial, f"{name}: its data may not be used for a shipped model"
        path = task.path(args.data)
        train, test = split(task.examples(args.data))
        model = fit(task, train, progress=print, settings=SETTINGS[name])
        model.metadata.update(
            data_file=f"{task.dataset}/{task.file}",
            data_sha256=data_sha256(path),
            trained_on="train part of heard.learn.datasets.split (GoEmotions train+dev)",
            held_out=held_out(model, test),
        )
        model.save(args.out / file)
        figures = model.metadata["held_out"]
        print(f"{name}: macro-F1 {figures['macro_f1']:.3f} on {figures['n']} held-out examples")


if __name__ == "__main__":
    main()
