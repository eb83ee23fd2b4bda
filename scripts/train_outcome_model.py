"""Train the outcome model heard ships ("felt heard"), from STAR's questionnaires, reproducibly.

    .venv/bin/python scripts/train_outcome_model.py --data ../shared/data

STAR is MIT-licensed (commercial use allowed). Only the TRAIN part of
`heard.learn.outcome_fit.split` (the conversation hash every held-out STAR figure uses) is
fitted on; settings are chosen by cross-validation inside it. The test part is read once, for
the figures recorded in the model's JSON (``held_out``) and shown beside every prediction.
Writes src/heard/weights/star_outcome.json and .npz with the data file's sha256.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from heard.analysis import Analyzer
from heard.learn.classifier import data_sha256
from heard.learn.outcome import FILE, OUTPUTS
from heard.learn.outcome_fit import (
    STAR_FILE,
    auc,
    baseline_scores,
    fit_outcome,
    outcome_scores,
    split,
    star_outcomes,
)

OUT = Path(__file__).resolve().parent.parent / "src" / "heard" / "weights"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder laid out like data/")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF baseline")
    args = parser.parse_args()
    started = time.perf_counter()
    items = star_outcomes(args.data)
    train, test = split(items)
    print(f"STAR: {len(train)} train / {len(test)} test conversations")
    analyzer = Analyzer(outcome=False)
    train_cards = [analyzer.analyze(i.conversation).scorecard for i in train]
    test_cards = [analyzer.analyze(i.conversation).scorecard for i in test]
    print(f"analysed in {time.perf_counter() - started:.0f} s")
    model = fit_outcome(train, train_cards, progress=print)
    scores = outcome_scores(model, test, test_cards)
    held_out = {
        name: auc(scores[:, k].tolist(), [i.label(name) for i in test])
        for k, name in enumerate(OUTPUTS)
    }
    if not args.no_baseline:
        for name in OUTPUTS:
            known = [i for i in train if i.label(name) is not None]
            labels = [bool(i.label(name)) for i in known]
            base = baseline_scores(
                [i.conversation for i in known], labels, [i.conversation for i in test]
            )
            held_out[name]["tfidf_baseline_auc"] = auc(base, [i.label(name) for i in test])["auc"]
    path = args.data / STAR_FILE[0] / STAR_FILE[1]
    model.metadata.update(
        data_file="/".join(STAR_FILE),
        data_sha256=data_sha256(path),
        trained_on="train part of heard.learn.outcome_fit.split (STAR conversations by id hash)",
        held_out=held_out,
    )
    model.save(args.out / FILE)
    for name, figures in held_out.items():
        print(f"{name}: held-out AUC {figures}")
    print(f"wrote {args.out / FILE} ({model.name}) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
