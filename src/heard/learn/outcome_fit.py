"""Fitting the outcome model on STAR's questionnaires, and the TF-IDF baseline it is measured
against. scikit-learn is imported only here, at training time.

STAR (MIT) asks the user after each chat "Did the assistant stay calm and helpful throughout
the dialogue?" and the wizard "Did the user become aggressive or annoyed during the dialogue?"
(true/false). A conversation's labels are those two answers (None where not asked). The split
is by conversation, the stable hash every held-out STAR figure uses
(`heard.learn.datasets.in_holdout` of the dialogue id): train and test never share one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from heard.learn.datasets import data_file, in_holdout
from heard.learn.features import Block
from heard.learn.outcome import OUTPUTS, SOURCES, OutcomeModel, listening_features, texts
from heard.model import Conversation, Scorecard

CALM = re.compile(r"stay calm and helpful", re.IGNORECASE)
ANNOYED = re.compile(r"become aggressive or annoyed", re.IGNORECASE)
STAR_FILE = ("star", "star.jsonl")
"""Folder and file under a data directory laid out like heard's shared data."""
QUESTIONS = {"felt_heard": ("UserQuestionnaire", CALM), "annoyed": ("WizardQuestionnaire", ANNOYED)}
"""Output → (questionnaire, question) whose yes/no answer is its label."""


def _answer(entries: object, question: re.Pattern[str]) -> bool | None:
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if (
            isinstance(entry, dict)
            and question.search(str(entry.get("Question", "")))
            and isinstance(entry.get("Answer"), bool)
        ):
            return entry["Answer"]
    return None


def star_answer(conversation: Conversation, questionnaire: str, question: re.Pattern[str]):
    """A STAR questionnaire answer (True/False) kept by the `star` importer, or None."""
    star = conversation.metadata.get("star")
    return _answer(star.get(questionnaire) if isinstance(star, dict) else None, question)


@dataclass(frozen=True)
class Labelled:
    """A conversation with its outcome labels (None where the questionnaire did not ask)."""

    conversation: Conversation
    felt_heard: bool | None
    annoyed: bool | None

    @property
    def group(self) -> str:
        return self.conversation.external_id or self.conversation.id

    def label(self, output: str) -> bool | None:
        return self.felt_heard if output == "felt_heard" else self.annoyed


def star_outcomes(data_dir: Path) -> list[Labelled]:
    """STAR's conversations with messages, each with its two questionnaire answers."""
    from heard.importers import read_file

    path = data_file(data_dir, *STAR_FILE, task="star outcomes")
    _, conversations = read_file(path, format="star")
    return [
        Labelled(c, *(star_answer(c, *QUESTIONS[name]) for name in OUTPUTS)) for c in conversations
    ]


def split(items: Sequence[Labelled]) -> tuple[list[Labelled], list[Labelled]]:
    """(train, test) by conversation: the held-out STAR part of every validity figure."""
    train, test = [], []
    for item in items:
        (test if in_holdout(item.group) else train).append(item)
    return train, test


# --- the outcome model -------------------------------------------------------------------

GRID_C = (0.1, 0.3, 1.0, 3.0)
GRID_DENSE = (0.1, 0.25, 0.5)
"""Weights of the standardised listening features against the unit-norm text blocks."""
FOLDS = 5
MAX_TERMS = 20_000


def _sparse(model: OutcomeModel, pairs: list[tuple[str, ...]], feats: list[dict[str, float]]):
    from scipy.sparse import csr_matrix

    r, c, v = model.triples(pairs, feats)
    return csr_matrix((v, (r, c)), shape=(len(pairs), model.size))


def _logistic(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=3000)


def _folds(y: np.ndarray, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds (fewer than `FOLDS` when the rarer answer is rarer than that); a
    ValueError when an answer has no example at all."""
    from sklearn.model_selection import StratifiedKFold

    rarer = int(min(y.sum(), len(y) - y.sum()))
    if rarer == 0:
        raise ValueError("the train part needs conversations with each answer")
    if rarer == 1:
        return []
    folds = StratifiedKFold(n_splits=min(FOLDS, rarer), shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(y)), y))


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e4, max_iter=1000).fit(z.reshape(-1, 1), y)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def fit_outcome(
    items: Sequence[Labelled],
    cards: Sequence[Scorecard],
    *,
    c_values: Sequence[float] = GRID_C,
    weights: Sequence[float] = GRID_DENSE,
    progress: Callable[[str], None] = lambda _: None,
    outputs: Sequence[str] = OUTPUTS,
) -> OutcomeModel:
    """Fit the heads of `outputs` (default: both) on `items` (train only): C and the listening
    features' weight chosen by 5-fold cross-validated AUC, then Platt scaling on the chosen
    setting's out-of-fold values. A head not in `outputs` is left at zero and the model says
    so (``fitted_outputs``): `OutcomeModel.fallback` answers it."""
    from sklearn.metrics import roc_auc_score

    pairs = [texts(i.conversation) for i in items]
    feats = [listening_features(i.conversation, card) for i, card in zip(items, cards, strict=True)]
    blocks = [
        Block.learn("w", [p[k] for p in pairs], min_df=2, max_terms=MAX_TERMS)
        for k in range(len(SOURCES))
    ]
    names = tuple(sorted({n for f in feats for n in f}))
    model = OutcomeModel(
        blocks=blocks,
        names=names,
        mean=np.zeros(len(names)),
        scale=np.ones(len(names)),
        dense_weight=1.0,
        coef=np.zeros((len(OUTPUTS), 0), np.float32),
        intercept=np.zeros(len(OUTPUTS)),
        platt=np.tile([1.0, 0.0], (len(OUTPUTS), 1)),
    )
    raw = model.dense(feats)  # unstandardised: mean 0, scale 1 so far
    model.mean = raw.mean(axis=0)
    model.scale = np.where(raw.std(axis=0) > 1e-9, raw.std(axis=0), 1.0)
    coefs, intercepts, platts, selected = [], [], [], {}
    text_size = sum(len(b) for b in blocks)
    for output in OUTPUTS:
        if output not in outputs:
            coefs.append(np.zeros(text_size + len(names)))
            intercepts.append(0.0)
            platts.append((1.0, 0.0))
            continue
        rows = np.array([i for i, item in enumerate(items) if item.label(output) is not None])
        y = np.array([bool(items[i].label(output)) for i in rows])
        folds = _folds(y)
        if not folds:
            raise ValueError(f"{output}: too few conversations with each answer to fit")
        best: tuple[float, float, float, np.ndarray] | None = None
        for weight in weights:
            model.dense_weight = weight
            x = _sparse(model, [pairs[i] for i in rows], [feats[i] for i in rows])
            for c in c_values:
                oof = np.zeros(len(y))
                for fit_rows, val_rows in folds:
                    head = _logistic(c).fit(x[fit_rows], y[fit_rows])
                    oof[val_rows] = head.decision_function(x[val_rows])
                auc = float(roc_auc_score(y, oof))
                progress(f"{output}: C={c} listening weight={weight} → CV AUC {auc:.3f}")
                if best is None or auc > best[0]:
                    best = (auc, c, weight, oof)
        assert best is not None
        auc, c, weight, oof = best
        model.dense_weight = weight
        x = _sparse(model, [pairs[i] for i in rows], [feats[i] for i in rows])
        head = _logistic(c).fit(x, y)
        coefs.append(head.coef_[0])
        intercepts.append(float(head.intercept_[0]))
        platts.append(_platt(oof, y))
        selected[output] = {"C": c, "listening_weight": weight, "cv_auc": round(auc, 4)}
        selected[output]["examples"] = len(y)
        selected[output]["positives"] = int(y.sum())
    # one dense weight for both heads: fold the second head's into its coefficients
    final = selected[next(o for o in OUTPUTS if o in selected)]["listening_weight"]
    for k, output in enumerate(OUTPUTS):
        if output not in selected:
            continue
        own = selected[output]["listening_weight"]
        coefs[k] = coefs[k].copy()
        coefs[k][text_size:] *= own / final
    model.dense_weight = final
    model.coef = np.vstack(coefs).astype(np.float32)
    model.intercept = np.array(intercepts)
    model.platt = np.array(platts)
    model.metadata.update(
        title="Outcome model: felt heard and helped / became annoyed (STAR questionnaires)",
        trained=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        examples=len(items),
        licence="MIT (STAR, Rasa Technologies GmbH)",
        commercial_use=True,
        selected=selected,
    )
    if set(outputs) != set(OUTPUTS):
        model.metadata["fitted_outputs"] = [o for o in OUTPUTS if o in outputs]
    return model


def cross_validated(
    items: Sequence[Labelled],
    cards: Sequence[Scorecard],
    output: str,
    *,
    folds: int = FOLDS,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[np.ndarray, np.ndarray]:
    """(labels, out-of-fold probabilities) of `output` for the items that have its label:
    `fit_outcome` (with its own inner cross-validation) refitted on each fold's rest and
    scored on the fold, so every probability is for an answer its model never saw."""
    from sklearn.model_selection import StratifiedKFold

    rows = [k for k, item in enumerate(items) if item.label(output) is not None]
    y = np.array([bool(items[k].label(output)) for k in rows])
    column = OUTPUTS.index(output)
    oof = np.zeros(len(rows))
    outer = StratifiedKFold(n_splits=folds, shuffle=True, random_state=1)
    for n, (fit_rows, test_rows) in enumerate(outer.split(np.zeros(len(y)), y), 1):
        progress(f"held-out fold {n} of {folds}")
        model = fit_outcome(
            [items[rows[k]] for k in fit_rows],
            [cards[rows[k]] for k in fit_rows],
            outputs=(output,),
        )
        scored = [(items[rows[k]].conversation, cards[rows[k]]) for k in test_rows]
        oof[test_rows] = model.probabilities(scored)[:, column]
    return y, oof


def outcome_scores(
    model: OutcomeModel, items: Sequence[Labelled], cards: Sequence[Scorecard]
) -> np.ndarray:
    """(n, len(OUTPUTS)) probabilities for `items`, from their scorecards."""
    return model.probabilities([(i.conversation, c) for i, c in zip(items, cards, strict=True)])


def auc(scores: Sequence[float], truth: Sequence[bool | None]) -> dict[str, Any]:
    """ROC AUC where the label is known, with n and positives."""
    from sklearn.metrics import roc_auc_score

    pairs = [(s, t) for s, t in zip(scores, truth, strict=True) if t is not None]
    y = [t for _, t in pairs]
    value = roc_auc_score(y, [s for s, _ in pairs]) if 0 < sum(y) < len(y) else None
    return {
        "auc": None if value is None else round(float(value), 4),
        "n": len(y),
        "positives": sum(y),
    }


# --- the baseline ------------------------------------------------------------------------

BASELINE_C = (0.1, 1.0, 10.0)
BASELINE_DESCRIPTION = (
    "TF-IDF (word 1–2-grams of every turn) + logistic regression, C by 5-fold CV on train"
)


def document(conversation: Conversation) -> str:
    """The baseline's view of a conversation: every turn's text, in order."""
    return "\n".join(t.text for t in conversation.turns)


def baseline_scores(
    train: Sequence[Conversation], labels: Sequence[bool], test: Sequence[Conversation]
) -> list[float]:
    """A plain text baseline fitted on `train` and scored on `test`: scikit-learn's
    TfidfVectorizer over the whole conversation and a logistic regression whose C is chosen by
    5-fold cross-validated AUC on train."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import roc_auc_score

    y = np.array([bool(v) for v in labels])
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    x = vectorizer.fit_transform([document(c) for c in train])
    best_c, best_auc = 1.0, -1.0
    folds = _folds(y)
    for c in BASELINE_C if folds else ():
        oof = np.zeros(len(y))
        for fit_rows, val_rows in folds:
            head = _logistic(c).fit(x[fit_rows], y[fit_rows])
            oof[val_rows] = head.decision_function(x[val_rows])
        value = float(roc_auc_score(y, oof))
        if value > best_auc:
            best_c, best_auc = c, value
    head = _logistic(best_c).fit(x, y)
    return [
        float(v) for v in head.decision_function(vectorizer.transform([document(c) for c in test]))
    ]
