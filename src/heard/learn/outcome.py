"""The outcome model ("felt heard"): from a conversation's listening features and its words,
the probability that the customer felt heard and helped, and that the customer got annoyed.

Two heads, each a logistic regression over the same features, then a Platt rescaling fitted on
out-of-fold decision values so the probabilities are calibrated:

- ``felt_heard``: the customer would answer yes to "did the agent stay calm and helpful
  throughout?" (STAR's user questionnaire);
- ``annoyed``: the agent would say the customer became aggressive or annoyed (STAR's wizard
  questionnaire).

Features: hashed word 1–2-gram TF-IDF of the customer's turns, apart of the agent's turns and
apart of the customer's last two turns (`heard.learn.features.Block`), and the listening
features heard's analysis produced — the Listening Score and its components, the findings per
behaviour, the checklist, the customer's emotion readings, the concerns and how far they got,
the metrics, the conversation's shape and its reply times where messages carry times —
standardised with the training means and given one weight against the text.

Fitting is in `heard.learn.outcome_fit` (scikit-learn, training only); this module predicts
with numpy from a JSON file and an ``.npz`` of arrays (no pickle), so it loads offline.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import orjson

from heard.learn import OUTCOME_FILE as FILE
from heard.learn import OUTCOME_MODEL_ENV as MODEL_ENV
from heard.learn import default_outcome_path, outcome_model_path
from heard.learn.features import Block, grams
from heard.model import Conversation, OutcomePrediction, Role, Scorecard, Verdict

FORMAT = "heard.outcome-model/1"
OUTPUTS = ("felt_heard", "annoyed")
SOURCES = ("customer", "agent", "customer_end")
"""Whose turns each text block reads, in block order (see `texts`)."""
END_TURNS = 2
CLIP = 5.0
"""Standardised listening features are clipped to ±CLIP standard deviations."""

_EMOTIONS = ("anger", "frustration", "worry", "sadness", "confusion", "satisfaction", "neutral")


def texts(conversation: Conversation) -> tuple[str, str, str]:
    """The text of each block of `SOURCES`: the customer's turns, the agent's turns (each joined
    in turn order) and the customer's last `END_TURNS` turns (how the customer left)."""
    by_role: dict[Role, list[str]] = {Role.CUSTOMER: [], Role.AGENT: []}
    for turn in conversation.turns:
        if turn.role in by_role:
            by_role[turn.role].append(turn.text)
    customer = by_role[Role.CUSTOMER]
    return "\n".join(customer), "\n".join(by_role[Role.AGENT]), "\n".join(customer[-END_TURNS:])


def _words(text: str) -> int:
    return len(text.split())


def listening_features(conversation: Conversation, card: Scorecard) -> dict[str, float]:
    """Named numbers describing how the conversation went, as heard's analysis read it.

    Names not seen in training are ignored by the model and missing ones count as 0, so a
    detector added or removed later changes the features, not the model's format."""
    f: dict[str, float] = {}
    score = card.listening_score
    f["score"] = 0.0 if score is None else score / 100
    f["score_missing"] = float(score is None)
    for component in card.components:
        if component.score is None:
            f[f"component_missing:{component.component}"] = 1.0
        else:
            f[f"component:{component.component}"] = component.score / 100
    counts: dict[str, int] = {}
    for finding in card.findings:
        counts[finding.behaviour] = counts.get(finding.behaviour, 0) + 1
    for behaviour, n in counts.items():
        f[f"found:{behaviour}"] = math.log1p(n)
    for item in card.checklist:
        f[f"check:{item.behaviour}:{item.verdict.value}"] = 1.0
    f["missed"] = float(sum(i.verdict == Verdict.MISSED for i in card.checklist))
    for key, value in card.metrics.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float) and math.isfinite(value):
            f[f"metric:{key}"] = float(value)
        elif isinstance(value, str):
            f[f"metric:{key}={value}"] = 1.0
    emotions = card.emotions
    if emotions:
        for label in _EMOTIONS:
            mine = [e.intensity for e in emotions if e.label == label]
            f[f"emotion_share:{label}"] = len(mine) / len(emotions)
            f[f"emotion_peak:{label}"] = max(mine, default=0.0)
        last = emotions[-1]
        f[f"emotion_last:{last.label}"] = 1.0
        f["emotion_last_intensity"] = last.intensity
    for concern in card.concerns:
        f[f"concern:{concern.status.value}"] = f.get(f"concern:{concern.status.value}", 0.0) + 1
        f["concern_raised_again"] = f.get("concern_raised_again", 0.0) + len(concern.raised_again)
    turns = conversation.turns
    customer = [t for t in turns if t.role == Role.CUSTOMER]
    agent = [t for t in turns if t.role == Role.AGENT]
    f["turns"] = math.log1p(len(turns))
    f["customer_turns"] = math.log1p(len(customer))
    f["agent_turns"] = math.log1p(len(agent))
    f["customer_words"] = math.log1p(sum(_words(t.text) for t in customer))
    f["agent_words"] = math.log1p(sum(_words(t.text) for t in agent))
    f["agent_share"] = len(agent) / max(len(turns), 1)
    f["last_is_customer"] = float(bool(turns) and turns[-1].role == Role.CUSTOMER)
    f["customer_questions"] = math.log1p(sum(t.text.count("?") for t in customer))
    f["customer_exclamations"] = math.log1p(sum(t.text.count("!") for t in customer))
    gaps = _reply_gaps(conversation)
    if gaps:
        f["reply_gap_median"] = math.log1p(median(gaps))
        f["reply_gap_max"] = math.log1p(max(gaps))
    else:
        f["reply_gap_missing"] = 1.0
    return f


def _reply_gaps(conversation: Conversation) -> list[float]:
    """Seconds from a customer message to the agent's next message, where messages carry times."""
    gaps = []
    turns = conversation.turns
    for before, after in pairwise(turns):
        if (
            before.role == Role.CUSTOMER
            and after.role == Role.AGENT
            and before.sent_at is not None
            and after.sent_at is not None
        ):
            gaps.append(max((after.sent_at - before.sent_at).total_seconds(), 0.0))
    return gaps


@dataclass
class OutcomeModel:
    """Both heads over one feature space: text blocks side by side, then listening features."""

    blocks: list[Block]
    """One word block per entry of `SOURCES`."""
    names: tuple[str, ...]
    """Listening feature names, in column order after the text blocks."""
    mean: np.ndarray
    scale: np.ndarray
    dense_weight: float
    coef: np.ndarray
    """(len(OUTPUTS), features) float32."""
    intercept: np.ndarray
    platt: np.ndarray
    """(len(OUTPUTS), 2): probability = sigmoid(a · decision + b)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    fallback: OutcomeModel | None = field(default=None, repr=False, compare=False)
    """Answers the outputs this model was not fitted for (`fitted`): a team's model, fitted on
    its "did you feel heard?" answers, takes ``annoyed`` from the shipped model."""
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index = {name: i for i, name in enumerate(self.names)}

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.blocks) + len(self.names)

    @property
    def name(self) -> str:
        """``<kind>-<first 12 hex of the weights' sha256>``: ``star-outcome`` for the shipped
        model, ``team-outcome`` for one fitted on a team's survey answers."""
        kind = str(self.metadata.get("kind", "star-outcome"))
        return f"{kind}-{str(self.metadata.get('weights_sha256', ''))[:12]}"

    @property
    def fitted(self) -> tuple[str, ...]:
        """The outputs this model's own heads answer (all of `OUTPUTS` unless it says)."""
        return tuple(self.metadata.get("fitted_outputs", OUTPUTS))

    def dense(self, features: Sequence[dict[str, float]]) -> np.ndarray:
        """(n, len(names)) standardised, clipped and weighted listening features."""
        index = self._index
        raw = np.zeros((len(features), len(self.names)))
        for row, named in enumerate(features):
            for name, value in named.items():
                col = index.get(name)
                if col is not None:
                    raw[row, col] = value
        z = np.clip((raw - self.mean) / self.scale, -CLIP, CLIP)
        return z * self.dense_weight

    def triples(
        self, pairs: Sequence[tuple[str, ...]], features: Sequence[dict[str, float]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of every non-zero feature of each conversation."""
        parts = []
        offset = 0
        k_blocks = len(self.blocks)
        # every block is words and bigrams: find them once, in all texts, then per block
        row, term = grams("w", [text for p in pairs for text in p[:k_blocks]])
        which = row % k_blocks
        for k, block in enumerate(self.blocks):
            mine = which == k
            r, c, v = block.weigh(row[mine] // k_blocks, term[mine], len(pairs))
            parts.append((r, c + offset, v))
            offset += len(block)
        values = self.dense(features)
        r, c = np.nonzero(values)
        parts.append((r.astype(np.int64), c.astype(np.int64) + offset, values[r, c]))
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]

    def decision(
        self, pairs: Sequence[tuple[str, ...]], features: Sequence[dict[str, float]]
    ) -> np.ndarray:
        """(n, len(OUTPUTS)) linear decision values."""
        n = len(pairs)
        out = np.tile(self.intercept.astype(np.float64), (n, 1))
        if not n:
            return out
        r, c, v = self.triples(pairs, features)
        weights = self.coef[:, c].astype(np.float64) * v
        for k in range(self.coef.shape[0]):
            out[:, k] += np.bincount(r, weights=weights[k], minlength=n)
        return out

    def probabilities(self, items: Sequence[tuple[Conversation, Scorecard]]) -> np.ndarray:
        """(n, len(OUTPUTS)) calibrated probabilities, columns in `OUTPUTS` order."""
        pairs = [texts(c) for c, _ in items]
        features = [listening_features(c, card) for c, card in items]
        z = self.decision(pairs, features)
        p = 1.0 / (1.0 + np.exp(-(z * self.platt[:, 0] + self.platt[:, 1])))
        missing = [k for k, name in enumerate(OUTPUTS) if name not in self.fitted]
        if missing and self.fallback is not None and len(items):
            other = self.fallback.probabilities(items)
            p[:, missing] = other[:, missing]
        return p

    def predict(self, conversation: Conversation, card: Scorecard) -> OutcomePrediction:
        return self.predict_many([(conversation, card)])[0]

    def predict_many(
        self, items: Sequence[tuple[Conversation, Scorecard]]
    ) -> list[OutcomePrediction]:
        """The prediction for each (conversation, scorecard), computed as one batch."""
        if not items:
            return []
        validity = self._validity()
        return [
            OutcomePrediction(
                felt_heard=round(float(p[0]), 4),
                annoyed=round(float(p[1]), 4),
                model=self.name,
                validity=validity,
            )
            for p in self.probabilities(items)
        ]

    def _validity(self) -> dict[str, float]:
        """Held-out AUC per output, each from the model that answers it."""
        out: dict[str, float] = {}
        for name in OUTPUTS:
            model = self if name in self.fitted or self.fallback is None else self.fallback
            held = model.metadata.get("held_out", {})
            if isinstance(held.get(name), dict) and held[name].get("auc") is not None:
                out[f"{name}_auc"] = float(held[name]["auc"])
        return out

    # --- files --------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """``path`` (JSON metadata) and ``path.with_suffix('.npz')`` (arrays)."""
        arrays: dict[str, np.ndarray] = {
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
            "platt": self.platt.astype(np.float64),
            "mean": self.mean.astype(np.float64),
            "scale": self.scale.astype(np.float64),
        }
        for k, block in enumerate(self.blocks):
            arrays[f"terms_{k}"] = block.terms
            arrays[f"idf_{k}"] = block.idf
        weights = path.with_suffix(".npz")
        np.savez_compressed(weights, **arrays)
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        self.metadata["weights_sha256"] = digest
        head = {
            "format": FORMAT,
            "outputs": list(OUTPUTS),
            "sources": list(SOURCES),
            "names": list(self.names),
            "dense_weight": self.dense_weight,
            "weights": weights.name,
            **self.metadata,
        }
        path.write_bytes(orjson.dumps(head, option=orjson.OPT_INDENT_2) + b"\n")

    @classmethod
    def load(cls, path: Path) -> OutcomeModel:
        head = orjson.loads(path.read_bytes())
        if head.get("format") != FORMAT:
            raise ValueError(f"{path}: not a heard outcome model ({head.get('format')!r})")
        weights = path.parent / head["weights"]
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        if digest != head.get("weights_sha256"):
            raise ValueError(f"{weights}: sha256 does not match {path.name}")
        with np.load(weights) as arrays:
            blocks = [
                Block("w", arrays[f"terms_{k}"], arrays[f"idf_{k}"]) for k in range(len(SOURCES))
            ]
            fixed = {"format", "outputs", "sources", "names", "dense_weight", "weights"}
            return cls(
                blocks=blocks,
                names=tuple(head["names"]),
                mean=arrays["mean"],
                scale=arrays["scale"],
                dense_weight=float(head["dense_weight"]),
                coef=arrays["coef"],
                intercept=arrays["intercept"],
                platt=arrays["platt"],
                metadata={k: v for k, v in head.items() if k not in fixed},
            )


def default_outcome_model() -> OutcomeModel | str:
    """The outcome model analysis uses (`outcome_model_path`, loaded once per path), or why
    there is none."""
    return _load(str(outcome_model_path()))


@cache
def _load(path_text: str) -> OutcomeModel | str:
    path = Path(path_text)
    if not path.is_file():
        if path == default_outcome_path():
            return f"no outcome model ({FILE} is not installed; scripts/train_outcome_model.py)"
        return f"no outcome model at {path} ({MODEL_ENV})"
    try:
        model = OutcomeModel.load(path)
    except (OSError, ValueError, KeyError) as error:
        return f"outcome model not loaded: {error}"
    if set(model.fitted) != set(OUTPUTS):
        shipped = _load(str(default_outcome_path())) if path != default_outcome_path() else None
        if not isinstance(shipped, OutcomeModel):
            return (
                f"outcome model {path} answers {', '.join(model.fitted)} only, and the "
                "shipped model that answers the rest is not installed"
            )
        model.fallback = shipped
    return model
