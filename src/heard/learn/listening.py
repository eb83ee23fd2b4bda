"""The learned listening model: per behaviour, a logistic regression on an agent turn's features
in context, with Platt-calibrated probabilities and a threshold set on the corpus' dev part.

Features of one agent turn answering a customer turn (`FeatureMaker.rows`):

- the encoder's token embeddings (`heard.embed.static`) of each agent sentence, their mean and
  their element-wise max, and of the customer turn; the cosine of the agent mean to the
  customer vector;
- the rule cues, as 0/1: heard's phrase lexicons and question shapes on the agent side, the
  emotion, concern and "not heard" lexicons on the customer side;
- the agent turn's length (log words) and number of sentences.

A sentence's own row (the sentence standing for the whole turn) scores the sentences, so a
finding's evidence is the sentence with the highest probability.

Inference is numpy only; the weights are an ``.npz`` beside a JSON head that records the
training data's sha256 and the dev and test figures (`ListeningModel.load` checks the weights'
digest). `scripts/train_listening_detectors.py` fits them on data/corpus.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from heard.language.lexicon import lexicon

FORMAT = "heard.listening-model/1"
FILE = "listening.json"

BEHAVIOURS: dict[str, str] = {
    "acknowledgement": "acknowledgement",
    "clarifying_question": "clarifying",
    "empathy": "empathy_er",
    "reassurance": "affirmation",
    "resolution_check": "resolution_check",
    "ignores_last_turn": "answers_concern",
    "paraphrase": "paraphrase",
    "reflection_of_feeling": "reflection_of_feeling",
    "open_question": "question",
    "empathy_strong": "empathy_er",
}
"""Rubric behaviour → the corpus label it is trained on (empathy: emotional reaction ≥ 1;
reassurance: affirmation and reassurance; ignores_last_turn: answers_concern = no;
open_question: question = open; empathy_strong: emotional reaction 2, `STRENGTH`)."""

STRENGTH: dict[str, str] = {"empathy": "empathy_strong"}
"""Behaviour → the head that tells its strong form from its weak one. An emotional reaction is
weak (EPITOME's level 1: "Sorry about that", generic) or strong (level 2: specific to this
customer's situation, docs/annotation.md); the empathy finding's ``level`` says which. A
strength head is not a behaviour of its own: it never reports, and no rule detector stands
beside it."""

RULES: dict[str, str] = {
    "acknowledgement": "heard.phrases.v1",
    "clarifying_question": "heard.questions.v1",
    "empathy": "heard.phrases.v1",
    "reassurance": "heard.phrases.v1",
    "resolution_check": "heard.phrases.v1",
    "ignores_last_turn": "heard.ignores_last_turn.v1",
    "paraphrase": "heard.paraphrase.v1",
    "reflection_of_feeling": "heard.phrases.v1",
    "open_question": "heard.questions.v1",
}
"""The rule detector each learned head is measured against, and replaces where it is better."""

AGENT_CUES = (
    "acknowledgement",
    "empathy",
    "reflection_of_feeling",
    "apology",
    "reassurance",
    "check_understanding",
    "resolution_check",
    "clarifying",
    "callback",
    "dismissive",
    "next_step",
    "closing",
)
CUSTOMER_CUES = (
    "emotion_anger",
    "emotion_frustration",
    "emotion_worry",
    "emotion_sadness",
    "emotion_confusion",
    "emotion_satisfaction",
    "concern_request",
    "concern_problem",
    "not_heard",
    "vague_problem",
)
_QUESTION_WORD = re.compile(
    r"^\W*(?:(?:and|so|okay|ok|great|sure|alright),?\s+)*"
    r"(?:what|how|why|which|when|where|who|could|can|would|will|do|does|did|is|are)\b",
    re.IGNORECASE,
)
_ACK_CHARS = 60


def label_of(behaviour: str, agent: dict[str, Any]) -> bool:
    """The corpus' yes/no for `behaviour` from an item's agent labels."""
    field_name = BEHAVIOURS[behaviour]
    value = agent[field_name]
    if field_name == "answers_concern":
        return bool(value == "no")
    if field_name == "question":
        return bool(value == "open")
    if behaviour in STRENGTH.values():
        return bool(value == 2)
    if field_name == "empathy_er":
        return bool(value >= 1)
    return bool(value)


def _agent_cues(sentence: str) -> list[float]:
    cues = []
    for name in AGENT_CUES:
        text = sentence[:_ACK_CHARS] if name == "acknowledgement" else sentence
        cues.append(1.0 if lexicon(name).search(text) else 0.0)
    cues.append(1.0 if "?" in sentence else 0.0)
    cues.append(1.0 if _QUESTION_WORD.search(sentence) else 0.0)
    return cues


def _customer_cues(text: str) -> list[float]:
    cues = [1.0 if lexicon(name).search(text) else 0.0 for name in CUSTOMER_CUES]
    cues.append(1.0 if "?" in text else 0.0)
    cues.append(math.log1p(len(text.split())))
    return cues


def feature_names(dim: int) -> list[str]:
    """Names of the columns `FeatureMaker.rows` fills, for a `dim`-wide embedding."""
    return [
        *(f"agent_mean_{i}" for i in range(dim)),
        *(f"agent_max_{i}" for i in range(dim)),
        *(f"customer_{i}" for i in range(dim)),
        "cosine",
        *(f"agent_cue:{c}" for c in (*AGENT_CUES, "question_mark", "question_word")),
        *(f"customer_cue:{c}" for c in (*CUSTOMER_CUES, "question_mark", "log_words")),
        "agent_log_words",
        "agent_sentences",
        "first_sentence",
    ]


CACHED = 50_000
"""Texts whose vector and cues `FeatureMaker` keeps (STAR-like chats repeat template replies)."""


@dataclass
class FeatureMaker:
    """Rows of features for agent turns; `embed` maps texts to unit vectors (n × dim)."""

    embed: Any
    _agent: dict[str, tuple[np.ndarray, np.ndarray, float]] = field(default_factory=dict)
    _customer: dict[str, tuple[np.ndarray, list[float]]] = field(default_factory=dict)

    def warm(self, agent: Sequence[str], customer: Sequence[str]) -> None:
        """Encode every text not seen yet in one call (vectors and cues kept for `rows`)."""
        new_agent = [t for t in dict.fromkeys(agent) if t not in self._agent]
        new_customer = [t for t in dict.fromkeys(customer) if t not in self._customer]
        if not new_agent and not new_customer:
            return
        if len(self._agent) + len(self._customer) > CACHED:
            self._agent.clear()
            self._customer.clear()
        vectors = self.embed([*new_agent, *new_customer])
        for text, vector in zip(new_agent, vectors, strict=False):
            cues = np.array(_agent_cues(text), dtype=np.float32)
            self._agent[text] = (vector, cues, float(len(text.split())))
        for text, vector in zip(new_customer, vectors[len(new_agent) :], strict=True):
            self._customer[text] = (vector, _customer_cues(text))

    def rows(
        self, sentences: Sequence[str], customer: str, *, per_sentence: bool = False
    ) -> np.ndarray:
        """The turn's row, then (with `per_sentence`) one row per sentence."""
        sentences = list(sentences) or [""]
        self.warm(sentences, [customer])
        parts = [self._agent[s] for s in sentences]
        agent = np.vstack([p[0] for p in parts])
        cues = np.vstack([p[1] for p in parts])
        words = [p[2] for p in parts]
        cust, customer_cues = self._customer[customer]
        mean = agent.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        head = np.concatenate([mean, agent.max(axis=0), cust])
        tail = [
            float(mean @ cust) / norm if norm > 0 else 0.0,
            *cues.max(axis=0),
            *customer_cues,
            math.log1p(sum(words)),
            float(len(sentences)),
            1.0,
        ]
        rows = [np.concatenate([head, np.array(tail, np.float32)])]
        if per_sentence:
            for k, (vector, cue, n) in enumerate(parts):
                tail = [
                    float(vector @ cust),
                    *cue,
                    *customer_cues,
                    math.log1p(n),
                    1.0,
                    1.0 if k == 0 else 0.0,
                ]
                rows.append(np.concatenate([vector, vector, cust, np.array(tail, np.float32)]))
        return np.vstack(rows)


@dataclass
class Head:
    """One behaviour's classifier: weights over the standardised features, Platt scaling of
    the decision value, and the probability at or above which a turn counts."""

    coef: np.ndarray
    intercept: float
    platt: tuple[float, float]
    threshold: float

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.coef + self.intercept
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * z + b)))


@dataclass
class ListeningModel:
    """The learned heads over one shared standardisation of the features."""

    mean: np.ndarray
    scale: np.ndarray
    heads: dict[str, Head]
    decides: tuple[str, ...]
    """Behaviours the model decides (better than the rule detector on dev, alone or with it)."""
    modes: dict[str, str] = field(default_factory=dict)
    """How each decided behaviour meets its rule detector (`RULES`): "replace" (the rule's
    findings are dropped) or "union" (kept on turns the model did not flag: the two together
    beat the model alone on dev)."""
    metadata: dict[str, Any] = field(default_factory=dict)

    def standardise(self, rows: np.ndarray) -> np.ndarray:
        return (rows - self.mean) / self.scale

    def save(self, path: Path) -> None:
        """``path`` (JSON head) and ``path.with_suffix('.npz')`` (arrays)."""
        arrays: dict[str, np.ndarray] = {
            "mean": self.mean.astype(np.float32),
            "scale": self.scale.astype(np.float32),
        }
        head: dict[str, Any] = {}
        for name, h in self.heads.items():
            arrays[f"coef_{name}"] = h.coef.astype(np.float32)
            head[name] = {
                "intercept": h.intercept,
                "platt": list(h.platt),
                "threshold": h.threshold,
            }
        weights = path.with_suffix(".npz")
        np.savez_compressed(weights, **arrays)
        self.metadata["weights_sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
        document = {
            "format": FORMAT,
            "weights": weights.name,
            "decides": list(self.decides),
            "modes": self.modes,
            "heads": head,
            **self.metadata,
        }
        path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")

    @classmethod
    def load(cls, path: Path) -> ListeningModel:
        document = orjson.loads(path.read_bytes())
        if document.get("format") != FORMAT:
            raise ValueError(f"{path}: not a heard listening model ({document.get('format')!r})")
        weights = path.parent / document["weights"]
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        if digest != document.get("weights_sha256"):
            raise ValueError(f"{weights}: sha256 does not match {path.name}")
        with np.load(weights) as arrays:
            heads = {
                name: Head(
                    coef=arrays[f"coef_{name}"].astype(np.float64),
                    intercept=float(h["intercept"]),
                    platt=(float(h["platt"][0]), float(h["platt"][1])),
                    threshold=float(h["threshold"]),
                )
                for name, h in document["heads"].items()
            }
            fixed = {"format", "weights", "decides", "modes", "heads"}
            return cls(
                mean=arrays["mean"].astype(np.float64),
                scale=arrays["scale"].astype(np.float64),
                heads=heads,
                decides=tuple(document["decides"]),
                modes=dict(document.get("modes", {})),
                metadata={k: v for k, v in document.items() if k not in fixed},
            )


def default_listening_path() -> Path:
    return Path(str(files("heard.weights").joinpath(FILE)))


@cache
def default_listening_model() -> ListeningModel | str:
    """The shipped listening model (loaded once), or why there is none."""
    path = default_listening_path()
    if not path.is_file():
        return f"no listening model ({FILE} is not installed; scripts/train_listening_detectors.py)"
    try:
        return ListeningModel.load(path)
    except (OSError, ValueError, KeyError) as error:
        return f"listening model not loaded: {error}"
