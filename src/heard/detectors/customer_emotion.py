"""Customer emotion per turn: anger, frustration, worry, sadness, confusion, satisfaction or
neutral, with an intensity; assigns `customer_emotion` for other detectors.

A customer-service phrase lexicon ("third time I'm calling") decides first; a turn it leaves
neutral goes to a trained text classifier (heard ships one trained on GoEmotions and the
customer turns of heard's corpus; a rubric may select another under ``[models]
customer_emotion``), which labels it only when confident enough.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.language.lexicon import lexicon
from heard.model import Finding, Polarity, Role, Span

if TYPE_CHECKING:
    from heard.learn.classifier import TextClassifier

EMOTIONS = ("anger", "frustration", "worry", "sadness", "confusion", "satisfaction")
_SHOUT = re.compile(r"\b[A-Z]{3,}\b")
_EMOTICON = re.compile(r"<3|:\)|;\)|:D\b", re.I)
"""A smiley or a heart: with the words of `lexicons/joking.txt`, a sign of jest."""
TEXTS_KEPT = 50_000
"""Customer turns whose emotion (lexicon and model) is kept, by text: a live session analyses
the conversation so far after every turn, so each turn's text comes back every time."""


def _joking(text: str) -> bool:
    """Whether the customer says they are joking ("Just kidding!", "lol", ":)")."""
    return bool(lexicon("joking").search(text) or _EMOTICON.search(text))


@lru_cache(maxsize=TEXTS_KEPT)
def emotion_of(text: str) -> tuple[str, float, tuple[int, int] | None]:
    """(label, intensity 0–1, character span of the strongest cue) for one customer turn.

    Cues of different emotions may overlap ("how do I know it won't get stuck again?" is worry,
    though "again?" alone would be frustration): the longer cue wins. Shouting (capitals, "!!")
    adds intensity to anger; a shouted word ("A FORM?") turns frustration into anger."""
    if _joking(text):
        return "neutral", 0.0, None  # "I'm so nervous! Just kidding!": said in jest
    found, _ = _feeling_cues(text)
    # having to repeat yourself ("I've asked twice now", "did anyone read my email?") frustrates
    found = found + [("frustration", m) for m in lexicon("not_heard").finditer(text)]
    kept: list[tuple[str, re.Match[str]]] = []
    for emotion, match in sorted(found, key=lambda em: em[1].start() - em[1].end()):
        if all(match.end() <= m.start() or m.end() <= match.start() for _, m in kept):
            kept.append((emotion, match))
    hits: dict[str, list[re.Match[str]]] = {e: [] for e in EMOTIONS}
    for emotion, match in sorted(kept, key=lambda em: em[1].start()):
        hits[emotion].append(match)
    shouting = len(_SHOUT.findall(text)) + text.count("!") // 2
    scores = {e: len(m) for e, m in hits.items()}
    # negative emotions outrank thanks in the same turn ("thanks, but this is ridiculous")
    order = list(EMOTIONS)  # the more actionable feeling first (docs/annotation.md)
    label = max(order, key=lambda e: (scores[e], -order.index(e)))
    if scores[label] == 0:
        return "neutral", 0.0, None
    if label == "satisfaction" and any(scores[e] for e in order[:-1]):
        label = max(order[:-1], key=lambda e: (scores[e], -order.index(e)))
    if label == "frustration" and any(len(w) >= 4 for w in _SHOUT.findall(text)):
        hits["anger"], scores["anger"], label = hits[label], scores[label], "anger"
    intensity = min(1.0, 0.4 + 0.2 * scores[label] + (0.2 if shouting and label == "anger" else 0))
    first = hits[label][0]
    return label, round(intensity, 2), (first.start(), first.end())


NEGATION_WORDS = 2
"""A negation at most this many words before a feeling word turns it around ("not really too
worried"); further back it is about something else ("I don't know why I'm so angry", "never
arrived and I'm furious")."""
_PUNCTUATION = re.compile(r"[.,;:!?\n]")


def negated(text: str, start: int) -> bool:
    """Whether the feeling word at `start` is negated: "I'm not really too worried about it"
    (reassurance was asked of a relaxed customer, sample n), "don't worry"."""
    before = text[max(0, start - 40) : start]
    breaks = [*_PUNCTUATION.finditer(before), *lexicon("clause_break").finditer(before)]
    clause = before[max((m.end() for m in breaks), default=0) :]
    last = max((m.end() for m in lexicon("denies_feeling").finditer(clause)), default=None)
    return last is not None and len(clause[last:].split()) <= NEGATION_WORDS


@lru_cache(maxsize=TEXTS_KEPT)
def _feeling_cues(text: str) -> tuple[list[tuple[str, re.Match[str]]], bool]:
    """The feeling words of a turn that are not negated, and whether any was (one pass for
    `emotion_of` and `negated_feeling`, kept by text like `emotion_of`)."""
    found: list[tuple[str, re.Match[str]]] = []
    denied = False
    for emotion in EMOTIONS:
        for match in lexicon(f"emotion_{emotion}").finditer(text):
            if negated(text, match.start()):
                denied = True
            else:
                found.append((emotion, match))
    return found, denied


def negated_feeling(text: str) -> bool:
    """Whether the turn names a feeling only to deny it ("I'm not worried"): no model guess."""
    return _feeling_cues(text)[1]


@cache
def _load(path: str) -> TextClassifier:
    from heard.learn.classifier import TextClassifier

    return TextClassifier.load(Path(path))


def emotion_model(choice: str | None) -> TextClassifier | None:
    """The model a rubric selected (a path, or "none"), else the one heard ships."""
    if choice == "none":
        return None
    if choice is not None:
        return _load(choice)
    from heard.learn import default_model

    return default_model("goemotions.customer")


SATISFIED = 0.8
"""The model names satisfaction only this sure, whatever the rubric's bar: a customer wrongly
read as pleased is denied the empathy a reply owes them (heard.learned.v1 finds none for a
pleased customer), and at 0.3 a fifth of EPITOME's seekers, writing of depression, read as
satisfied. On the corpus dev part it costs customer emotion macro-F1 0.005 (0.473 → 0.468)."""


def model_emotions(
    model: TextClassifier, texts: list[str], confidence: float
) -> list[tuple[str, float] | None]:
    """(label, probability) per text where the model is at least `confidence` sure of an
    emotion heard knows (`SATISFIED` for satisfaction), and surer of it than of neutral; else
    None."""
    from heard.learn.datasets import Example

    if not texts:
        return []
    kept = _kept(model)
    with _LOCK:
        found = {t: kept[(t, confidence)] for t in texts if (t, confidence) in kept}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        # rows are scored independently: a text scores the same alone or in any batch
        scores = model.scores([Example(str(i), str(i), t, ()) for i, t in enumerate(missing)])
        known = [(k, label) for k, label in enumerate(model.labels) if label in EMOTIONS]
        neutral = model.labels.index("neutral") if "neutral" in model.labels else None
        bars = [
            max(confidence, SATISFIED) if label == "satisfaction" else confidence
            for _, label in known
        ]
        for text, row in zip(missing, scores, strict=True):
            passed = [kl for kl, bar in zip(known, bars, strict=True) if row[kl[0]] >= bar]
            best = max(passed, key=lambda kl: row[kl[0]], default=None)
            if best is None or (neutral is not None and row[neutral] >= row[best[0]]):
                found[text] = None
            else:
                found[text] = (best[1], float(row[best[0]]))
    with _LOCK:
        for text, guess in found.items():
            kept[(text, confidence)] = guess
            kept.move_to_end((text, confidence))
        while len(kept) > TEXTS_KEPT:
            kept.popitem(last=False)
    return [found[t] for t in texts]


Guesses = OrderedDict[tuple[str, float], tuple[str, float] | None]
_MODEL_CACHES: dict[int, tuple[TextClassifier, Guesses]] = {}
_LOCK = threading.Lock()


def _kept(model: TextClassifier) -> Guesses:
    """The guesses `model` made so far, by (text, confidence), least recently used first."""
    with _LOCK:
        found = _MODEL_CACHES.get(id(model))
        if found is None or found[0] is not model:
            found = (model, OrderedDict())
            _MODEL_CACHES[id(model)] = found
        return found[1]


@register
class CustomerEmotion(Detector):
    name: ClassVar[str] = "heard.customer_emotion.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("customer_emotion",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.CUSTOMER_TURNS, Requirement.WORDS}
    )
    assigns: ClassVar[tuple[str, ...]] = ("customer_emotion",)

    def prepare(self, contexts: list[Context]) -> None:
        """Score at once every customer turn of the batch that the lexicon leaves neutral (the
        model's guesses are kept by text, and a text scores the same alone or in a batch)."""
        texts: dict[tuple[int, float], tuple[TextClassifier, list[str]]] = {}
        for ctx in contexts:
            model = emotion_model(ctx.rubric.models.get("customer_emotion"))
            if model is None:
                continue
            confidence = ctx.rubric.thresholds.emotion_model_confidence
            found = texts.setdefault((id(model), confidence), (model, []))[1]
            found += [
                t.text
                for t in ctx.turns
                if t.role == Role.CUSTOMER and emotion_of(t.text)[0] == "neutral"
            ]
        for (_, confidence), (model, batch) in texts.items():
            model_emotions(model, batch[:TEXTS_KEPT], confidence)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        per_turn: dict[int, dict[str, object]] = {}
        findings = []
        customer = [t for t in ctx.turns if t.role == Role.CUSTOMER]
        lexical = [emotion_of(t.text) for t in customer]
        model = emotion_model(ctx.rubric.models.get("customer_emotion"))
        unlabelled = [
            i
            for i, (label, _, _) in enumerate(lexical)
            # in jest, or a feeling denied ("I'm not too worried"): no reading
            if label == "neutral"
            and not _joking(customer[i].text)
            and not negated_feeling(customer[i].text)
        ]
        from_model: set[int] = set()
        if model is not None and unlabelled:
            guesses = model_emotions(
                model,
                [customer[i].text for i in unlabelled],
                ctx.rubric.thresholds.emotion_model_confidence,
            )
            for i, guess in zip(unlabelled, guesses, strict=True):
                if guess is not None and customer[i].text.strip():
                    text = customer[i].text
                    start = len(text) - len(text.lstrip())
                    end = len(text.rstrip())
                    intensity = round(min(1.0, 0.2 + 0.6 * guess[1]), 2)
                    lexical[i] = (guess[0], intensity, (start, end))
                    from_model.add(i)
        for i, (turn, (label, intensity, cue)) in enumerate(zip(customer, lexical, strict=True)):
            per_turn[turn.index] = {"label": label, "intensity": intensity}
            if cue is not None:
                per_turn[turn.index]["source"] = "model" if i in from_model else "lexicon"
                findings.append(
                    ctx.finding(
                        self.name,
                        "customer_emotion",
                        "empathy",
                        Polarity.NEUTRAL,
                        Span(turn=turn.index, start=cue[0], end=cue[1]),
                        confidence=intensity,
                        explanation=f"customer sounds {label}",
                        emotion=label,
                        intensity=intensity,
                        source="model" if i in from_model else "lexicon",
                    )
                )
        ctx.annotations["customer_emotion"] = per_turn
        labels = [v["label"] for v in per_turn.values()]
        if labels:
            metrics = ctx.annotations.setdefault("metrics", {})
            metrics["customer_emotion_start"] = labels[0]
            metrics["customer_emotion_end"] = labels[-1]
        return findings
