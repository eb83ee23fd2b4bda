"""Text classifiers for the labelled tasks: TF-IDF n-grams and a linear model.

Training uses scikit-learn (imported only by `fit`); prediction is numpy only, on
arrays saved as JSON metadata and a ``.npz`` file (no pickle), so a saved model predicts
exactly what the trained one did and loading it is cheap.

Features (see `heard.learn.features`), each block L2-normalised on its own: word 1–2-grams
and character 3–5-grams of the text, words of the context (what the text answers) and the
overlap between text and context, as cross-validation chooses per task.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import orjson

from heard.errors import InputError, Location
from heard.learn.datasets import Example, Task
from heard.learn.features import DENSE, Block, overlap

FORMAT = "heard.text-classifier/1"
Link = Literal["binary", "ovr", "sigmoid"]
"""How decision values become probabilities: one logistic for two labels, one logistic per
label normalised to sum to 1 (single-label, one-vs-rest), or one logistic per label
(multi-label)."""


@dataclass
class Featurizer:
    """The blocks of a model, laid side by side as one feature space."""

    blocks: list[Block]
    dense: bool

    @property
    def size(self) -> int:
        return sum(len(b.terms) for b in self.blocks) + (len(DENSE) if self.dense else 0)

    def triples(self, examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the features of each example."""
        parts = []
        offset = 0
        for block in self.blocks:
            source = [e.context if block.name == "x" else e.text for e in examples]
            r, c, v = block.rows(source)
            parts.append((r, c + offset, v))
            offset += len(block.terms)
        if self.dense:
            values = overlap([e.text for e in examples], [e.context for e in examples])
            r, c = np.nonzero(values)
            parts.append((r.astype(np.int64), c.astype(np.int64) + offset, values[r, c]))
        return (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )

    def matrix(self, examples: Sequence[Example]) -> Any:
        """The features as a scipy CSR matrix (training only)."""
        from scipy.sparse import csr_matrix

        r, c, v = self.triples(examples)
        return csr_matrix((v, (r, c)), shape=(len(examples), self.size))


# --- the classifier ----------------------------------------------------------------------


@dataclass
class TextClassifier:
    """A trained classifier for one task: labels, features, weights and decision thresholds."""

    task: str
    labels: tuple[str, ...]
    multi_label: bool
    link: Link
    featurizer: Featurizer
    coef: np.ndarray
    """(outputs, features) float32; outputs is 1 for a two-label single-label task."""
    intercept: np.ndarray
    thresholds: tuple[float, ...]
    """Per label: a label is predicted where score / threshold is highest (single-label) or
    at least 1 (multi-label; the highest when none reaches it)."""
    metadata: dict[str, Any] = field(default_factory=dict)

    def decision(self, examples: Sequence[Example]) -> np.ndarray:
        """(n, outputs) linear decision values."""
        n = len(examples)
        out = np.tile(self.intercept.astype(np.float64), (n, 1))
        if not n:
            return out
        r, c, v = self.featurizer.triples(examples)
        weights = self.coef[:, c].astype(np.float64) * v
        for k in range(self.coef.shape[0]):
            out[:, k] += np.bincount(r, weights=weights[k], minlength=n)
        return out

    def scores(self, examples: Sequence[Example]) -> np.ndarray:
        """(n, len(labels)) probabilities."""
        z = self.decision(examples)
        if self.link == "binary":
            p = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.column_stack([1.0 - p, p])
        p = 1.0 / (1.0 + np.exp(-z))
        if self.link == "ovr":
            return p / p.sum(axis=1, keepdims=True)
        return p

    def predict(self, examples: Sequence[Example]) -> list[tuple[str, ...]]:
        ratio = self.scores(examples) / np.asarray(self.thresholds)
        best = ratio.argmax(axis=1)
        result = []
        for row, top in zip(ratio, best, strict=True):
            if self.multi_label:
                chosen = [self.labels[k] for k in np.flatnonzero(row >= 1.0)]
                result.append(tuple(chosen) or (self.labels[top],))
            else:
                result.append((self.labels[top],))
        return result

    # --- persistence -------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write ``path`` (JSON metadata) and ``path`` with suffix ``.npz`` (arrays)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"coef": self.coef, "intercept": self.intercept}
        for block in self.featurizer.blocks:
            arrays[f"terms_{block.name}"] = block.terms
            arrays[f"idf_{block.name}"] = block.idf
        weights = path.with_suffix(".npz")
        np.savez_compressed(weights, **arrays)  # type: ignore[arg-type]
        meta = {
            "format": FORMAT,
            "task": self.task,
            "labels": list(self.labels),
            "multi_label": self.multi_label,
            "link": self.link,
            "thresholds": list(self.thresholds),
            "blocks": [b.name for b in self.featurizer.blocks],
            "dense": self.featurizer.dense,
            "weights": weights.name,
            "weights_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
            **{k: v for k, v in self.metadata.items() if k not in _RESERVED},
        }
        path.write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2) + b"\n")

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        """Read a model written by `save`; a bad file is an InputError naming it."""
        path = Path(path)
        where = Location(file=str(path))
        try:
            meta = orjson.loads(path.read_bytes())
        except OSError as exc:
            raise InputError(
                f"cannot read model: {exc.strerror or exc}",
                where=where,
                expected="a model JSON file written by heard train",
                code="not_a_file",
            ) from None
        except orjson.JSONDecodeError as exc:
            raise InputError(
                f"malformed JSON: {exc}", where=where, expected="a heard model", code="malformed"
            ) from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise InputError(
                "not a heard model",
                where=where.at(path="format"),
                expected=f'"format": "{FORMAT}"',
                code="invalid_value",
            )
        missing = [k for k in _RESERVED if k not in meta]
        if missing:
            raise InputError(
                f"missing field {missing[0]!r}",
                where=where.at(path=missing[0]),
                expected="a model written by heard train",
                code="missing_field",
            )
        weights = path.parent / str(meta["weights"])
        try:
            raw = weights.read_bytes()
        except OSError as exc:
            raise InputError(
                f"cannot read model weights: {exc.strerror or exc}",
                where=Location(file=str(weights)),
                expected="the .npz file saved next to the model JSON",
                code="not_a_file",
            ) from None
        if hashlib.sha256(raw).hexdigest() != meta["weights_sha256"]:
            raise InputError(
                "model weights do not match the checksum in the model file",
                where=Location(file=str(weights)),
                expected=f"sha256 {meta['weights_sha256']}",
                code="invalid_value",
            )
        with np.load(weights, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        blocks = [
            Block(name, arrays[f"terms_{name}"], arrays[f"idf_{name}"]) for name in meta["blocks"]
        ]
        return cls(
            task=str(meta["task"]),
            labels=tuple(meta["labels"]),
            multi_label=bool(meta["multi_label"]),
            link=meta["link"],
            featurizer=Featurizer(blocks, bool(meta["dense"])),
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            thresholds=tuple(float(t) for t in meta["thresholds"]),
            metadata={k: v for k, v in meta.items() if k not in _RESERVED},
        )


_RESERVED = (
    "format",
    "task",
    "labels",
    "multi_label",
    "link",
    "thresholds",
    "blocks",
    "dense",
    "weights",
    "weights_sha256",
)


# --- training ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Feature and search settings; the defaults serve every task in `TASKS`."""

    max_terms: int = 40_000
    """Per block: the most frequent terms kept (keeps models small and fast)."""
    min_df: int = 2
    c_grid: tuple[float, ...] = (0.3, 1.0, 3.0)
    folds: int = 3
    balanced: bool = True
    """Weight classes inversely to their frequency (better F1 on rare labels; probabilities
    of rare labels run high, so a model used with a fixed confidence bar may prefer False)."""
    max_tuning_examples: int = 6_000
    """C, blocks and thresholds are chosen on at most this many examples (whole groups)."""


def fit(
    task: Task,
    train: Sequence[Example],
    *,
    progress: Callable[[str], None] | None = None,
    settings: Settings | None = None,
) -> TextClassifier:
    """Train a classifier for `task` on `train`.

    Grouped cross-validation on the training examples chooses the feature blocks (with or
    without character n-grams and context), C, and the decision thresholds; the final model
    is then fitted on all of `train`.
    """
    settings = settings or Settings()
    say = progress or (lambda _message: None)
    labels = task.labels
    _check_labels(task, train)
    say(f"{task.name}: features from {len(train)} examples")
    names = ["w", "c"]
    if sum(bool(e.context) for e in train) > len(train) / 2:
        names.append("x")
    min_df = settings.min_df if len(train) >= 50 else 1
    full = Featurizer(
        [
            Block.learn(n, _sources(n, train), min_df=min_df, max_terms=settings.max_terms)
            for n in names
        ],
        dense="x" in names,
    )
    x = full.matrix(train)
    y = np.array([[label in e.labels for label in labels] for e in train], dtype=bool)
    rows, folds = _tuning_folds(train, settings)
    candidates = [
        c for c in (("w",), ("w", "c"), ("w", "x"), ("w", "c", "x")) if set(c) <= set(names)
    ]
    columns = {c: _columns(full, c) for c in candidates}
    outputs = list(range(len(labels))) if task.multi_label else [None]
    if len(labels) == 2 and not task.multi_label:
        outputs = [1]
    # 1. the blocks, at the middle C
    middle = settings.c_grid[len(settings.c_grid) // 2]
    best_blocks, best_score = candidates[0], -1.0
    found: dict[tuple[tuple[str, ...], float], list[tuple[float, float]]] = {}
    for blocks in candidates:
        say(f"{task.name}: trying blocks {'+'.join(blocks)}")
        xs = x[rows][:, columns[blocks]]
        found[blocks, middle] = [
            _cv(task, xs, y[rows], k, folds, middle, settings.balanced) for k in outputs
        ]
        score = float(np.mean([f for f, _ in found[blocks, middle]]))
        if score > best_score:
            best_blocks, best_score = blocks, score
    # 2. C (per output) and thresholds, for those blocks
    say(f"{task.name}: choosing C for {'+'.join(best_blocks)}")
    xs = x[rows][:, columns[best_blocks]]
    for c in settings.c_grid:
        if (best_blocks, c) not in found:
            found[best_blocks, c] = [
                _cv(task, xs, y[rows], k, folds, c, settings.balanced) for k in outputs
            ]
    chosen = [
        max(settings.c_grid, key=lambda c, i=i: found[best_blocks, c][i][0])
        for i in range(len(outputs))
    ]
    say(f"{task.name}: final fit")
    featurizer = Featurizer(
        [b for b in full.blocks if b.name in best_blocks], dense="x" in best_blocks
    )
    xf = x[:, columns[best_blocks]]
    coefs, intercepts, thresholds = [], [], []
    link: Link = "sigmoid" if task.multi_label else "binary" if len(labels) == 2 else "ovr"
    for i, k in enumerate(range(len(labels)) if link == "ovr" else outputs):
        coef, intercept = _fit_output(xf, y[:, k], chosen[min(i, len(chosen) - 1)], settings)
        coefs.append(coef)
        intercepts.append(intercept)
        if link != "ovr":
            thresholds.append(found[best_blocks, chosen[i]][i][1])
    if link == "binary":
        thresholds = [1.0 - thresholds[0], thresholds[0]]
    elif link == "ovr":
        thresholds = [1.0 / len(labels)] * len(labels)
    return TextClassifier(
        task=task.name,
        labels=labels,
        multi_label=task.multi_label,
        link=link,
        featurizer=featurizer,
        coef=np.asarray(coefs, dtype=np.float32),
        intercept=np.asarray(intercepts, dtype=np.float32),
        thresholds=tuple(round(float(t), 4) for t in thresholds),
        metadata={
            "title": task.title,
            "trained": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "heard_version": _version(),
            "examples": len(train),
            "licence": task.licence,
            "commercial_use": task.commercial,
            "selected": {"blocks": list(best_blocks), "C": chosen, "cv_f1": round(best_score, 4)},
        },
    )


def _sources(block: str, examples: Sequence[Example]) -> list[str]:
    return [e.context if block == "x" else e.text for e in examples]


def _columns(featurizer: Featurizer, names: tuple[str, ...]) -> np.ndarray:
    """Column indices of the named blocks (and the dense features with the context)."""
    picked, offset = [], 0
    for block in featurizer.blocks:
        if block.name in names:
            picked.append(np.arange(offset, offset + len(block.terms)))
        offset += len(block.terms)
    if featurizer.dense and "x" in names:
        picked.append(np.arange(offset, offset + len(DENSE)))
    return np.concatenate(picked)


def _check_labels(task: Task, train: Sequence[Example]) -> None:
    if not train:
        raise InputError(f"no training examples for {task.name}", code="empty")
    known = set(task.labels)
    for example in train:
        unknown = set(example.labels) - known
        if unknown or not example.labels:
            raise InputError(
                f"example {example.id!r} has label {sorted(unknown)[0] if unknown else None!r}",
                where=Location(path=example.id),
                expected="one of " + ", ".join(task.labels),
            )
    seen = {label for e in train for label in e.labels}
    if not task.multi_label and len(seen) < 2:
        raise InputError(
            f"every training example of {task.name} has the same label",
            expected="examples of at least two labels",
            code="empty",
        )


def _version() -> str:
    from heard import __version__

    return __version__


def _fit_output(x: Any, target: np.ndarray, c: float, settings: Settings) -> tuple[Any, float]:
    """(coefficients, intercept) of one logistic output; a constant when the training data
    has only one side (a label never or always present)."""
    positives = int(target.sum())
    if positives in (0, len(target)):
        return np.zeros(x.shape[1]), 10.0 if positives else -10.0
    model = _logistic(c, settings.balanced).fit(x, target)
    return model.coef_[0], float(model.intercept_[0])


def _logistic(c: float, balanced: bool = True) -> Any:
    """Binary logistic regression; liblinear's dual solver is fastest for sparse n-grams."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c,
        class_weight="balanced" if balanced else None,
        solver="liblinear",
        dual=True,
        max_iter=1000,
        random_state=0,
    )


def _tuning_folds(
    train: Sequence[Example], settings: Settings
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """(rows used for tuning, grouped (fit, validation) index pairs into those rows)."""
    from sklearn.model_selection import GroupKFold

    groups = [e.group for e in train]
    order = sorted(set(groups), key=lambda g: hashlib.sha256(g.encode()).digest())
    size = Counter(groups)
    kept, total = set(), 0
    for group in order:
        if total >= settings.max_tuning_examples:
            break
        kept.add(group)
        total += size[group]
    rows = np.array([i for i, g in enumerate(groups) if g in kept])
    picked = [groups[i] for i in rows]
    if len(kept) < 2:
        return rows, []
    splitter = GroupKFold(n_splits=min(settings.folds, len(kept)))
    return rows, list(splitter.split(np.zeros(len(rows)), groups=picked))


def _best_threshold(truth: np.ndarray, p: np.ndarray, *, macro: bool) -> tuple[float, float]:
    """(F1, threshold) maximising the positive label's F1 (or macro-F1 of both labels)."""
    order = np.argsort(-p, kind="stable")
    ps, ts = p[order], truth[order]
    tp = np.cumsum(ts)
    fp = np.cumsum(~ts)
    positives = ts.sum()
    # predicting the first i+1 as positive
    f1 = 2 * tp / (tp + fp + positives)
    if macro:
        tn = (~ts).sum() - fp
        fn = positives - tp
        f1 = (f1 + 2 * tn / np.maximum(2 * tn + fn + fp, 1)) / 2
    last = np.r_[ps[1:] != ps[:-1], True]  # cut only between distinct scores
    f1 = np.where(last, f1, -1)
    i = int(f1.argmax())
    nxt = ps[i + 1] if i + 1 < len(ps) else 0.0
    return float(f1[i]), float((ps[i] + nxt) / 2)


def _cv(
    task: Task,
    x: Any,
    y: np.ndarray,
    output: int | None,
    folds: list[tuple[np.ndarray, np.ndarray]],
    c: float,
    balanced: bool = True,
) -> tuple[float, float]:
    """(held-out F1, threshold) for one output (a label index; None: all labels, softmax).

    Binary outputs score the F1 of that label (macro-F1 for a two-label task without a
    positive label) at its best threshold; softmax scores macro-F1 of the argmax."""
    if output is None:
        return _cv_softmax(x, y.argmax(axis=1), folds, c, y.shape[1], balanced), 0.0
    target = y[:, output]
    usable = [(a, b) for a, b in folds if 0 < target[a].sum() < len(a)]
    if not usable:
        return 0.0, 0.5
    truth, probs = [], []
    for a, b in usable:
        model = _logistic(c, balanced).fit(x[a], target[a])
        probs.append(model.predict_proba(x[b])[:, 1])
        truth.append(target[b])
    macro = not task.multi_label and task.positive is None
    return _best_threshold(np.concatenate(truth), np.concatenate(probs), macro=macro)


def _cv_softmax(
    x: Any,
    y: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    c: float,
    k: int,
    balanced: bool = True,
) -> float:
    """Macro-F1 of the one-vs-rest argmax on held-out folds."""
    from sklearn.metrics import f1_score

    usable = [(a, b) for a, b in folds if len(set(y[a].tolist())) == k]
    if not usable:
        return 0.0
    truth, predicted = [], []
    for a, b in usable:
        z = np.column_stack(
            [_logistic(c, balanced).fit(x[a], y[a] == j).decision_function(x[b]) for j in range(k)]
        )
        predicted.append(z.argmax(axis=1))
        truth.append(y[b])
    return float(f1_score(np.concatenate(truth), np.concatenate(predicted), average="macro"))


def data_sha256(path: Path) -> str:
    """Checksum of a training data file, recorded in a model's metadata."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
