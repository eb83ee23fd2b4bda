"""Learned listening detectors: acknowledgement, clarifying and open questions, emotional
reaction (empathy), naming the feeling, paraphrase, affirmation/reassurance, resolution check,
and replies that ignore the customer.

Each agent reply that answers a customer turn is scored by the shipped `ListeningModel`
(`heard.learn.listening`, trained on heard's own corpus by
``scripts/train_listening_detectors.py``): one logistic head per behaviour on the encoder's
token embeddings of the reply's sentences and of the customer turn, their similarity and the
rule cues. A finding's confidence is the calibrated probability; its evidence is the sentence
that scores highest on its own. For the behaviours where the model beat the rule detector on
the corpus' dev part (`ListeningModel.decides`) it reports, and the rule detector's findings are
either dropped ("replace") or kept on the turns the model left unflagged ("union": the two
together did at least as well on dev); for the others it stays silent and the rules decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import numpy as np

from heard.analysis.context import Context, Sentence
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.analysis.scoring import UPSET
from heard.detectors._content import content_words, key_items
from heard.detectors.attentiveness import asks
from heard.detectors.questions import is_question
from heard.detectors.reflecting import restatement
from heard.language.lexicon import lexicon
from heard.learn.listening import (
    RULES,
    STRENGTH,
    FeatureMaker,
    Head,
    ListeningModel,
    default_listening_model,
)
from heard.model import Finding, Polarity, Turn

# behaviour → (component, polarity, explanation)
SHOWN: dict[str, tuple[str, Polarity, str]] = {
    "acknowledgement": (
        "attentiveness",
        Polarity.POSITIVE,
        "acknowledges what the customer said",
    ),
    "clarifying_question": (
        "clarification",
        Polarity.POSITIVE,
        "asks the customer to make what they said clearer",
    ),
    "empathy": ("empathy", Polarity.POSITIVE, "reacts to how the customer feels"),
    "reassurance": ("empathy", Polarity.POSITIVE, "affirms or reassures the customer"),
    "resolution_check": ("digital", Polarity.POSITIVE, "checks the problem is solved"),
    "paraphrase": ("reflecting", Polarity.POSITIVE, "restates the customer's point"),
    "reflection_of_feeling": ("reflecting", Polarity.POSITIVE, "names the customer's feeling"),
}
"""The behaviours the detector may report. The open-question head is trained and measured
(docs/models.md) but does not report: a question's kind stays with the rule detector, one
finding per question, so the question metrics count each question once. Ignoring the customer
is trained and measured too, but at 0.28 precision on the corpus' test part its findings were
wrong in 26 of 34 tips judged blind: the rule detector keeps it. Acknowledgement reports beside
the receipt rule (heard.phrases.v1): the rule alone found 0.41 of the corpus' acknowledgements
on dev ("Right, your flight is now reserved!" after the flight id, "Thank you Dana. And your
date of birth?"), the two together 0.89 at 0.73 precision."""
FEELING = frozenset({"empathy", "reflection_of_feeling"})
WARM = frozenset({"empathy", "reflection_of_feeling", "reassurance"})
RESTATING = frozenset({"paraphrase"})
"""Behaviours that give the customer's point back: their evidence opens like a restatement or
names something the customer said (`_restates`)."""
OPENING = frozenset({"acknowledgement"})
"""Behaviours shown in the reply's opening sentence only: its own probability must reach the
threshold too ("Is that right?" closing a paraphrase is no receipt, docs/annotation.md)."""
ASKS = frozenset({"clarifying_question"})
"""Behaviours that are questions: found only in a sentence that asks."""
IDENTITY = frozenset({"email", "phone", "card", "account", "date_of_birth", "postcode", "address"})
"""What routine identification asks for (heard.detectors.attentiveness.ITEMS): a question for
these is not clarifying (docs/annotation.md), whatever the head says."""


@register
class LearnedListening(Detector):
    name: ClassVar[str] = "heard.learned.v1"
    behaviours: ClassVar[tuple[str, ...]] = tuple(SHOWN)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {
            Requirement.AGENT_TURNS,
            Requirement.CUSTOMER_TURNS,
            Requirement.EMBEDDINGS,
            Requirement.WORDS,
        }
    )
    needs: ClassVar[tuple[str, ...]] = ("customer_emotion",)

    def __init__(self) -> None:
        self._model: ListeningModel | str | None = None
        self._maker: FeatureMaker | None = None

    @property
    def model(self) -> ListeningModel | str:
        if self._model is None:
            self._model = default_listening_model()
        return self._model

    def unavailable(self) -> str | None:
        model = self.model
        return model if isinstance(model, str) else None

    def replaces(self) -> dict[str, str]:
        model = self.model
        if isinstance(model, str):
            return {}
        return {
            b: RULES[b]
            for b in model.decides
            if b in SHOWN and model.modes.get(b, "replace") == "replace"
        }

    def joins(self) -> dict[str, str]:
        model = self.model
        if isinstance(model, str):
            return {}
        return {b: RULES[b] for b in model.decides if b in SHOWN and model.modes.get(b) == "union"}

    def _features(self) -> FeatureMaker:
        if self._maker is None:
            from heard.embed.static import token_embedder

            self._maker = FeatureMaker(token_embedder().encode)
        return self._maker

    def detect(self, ctx: Context) -> Iterable[Finding]:
        model = self.model
        if isinstance(model, str):
            return []
        names = [b for b in model.decides if b in model.heads and b in SHOWN]
        replies = [
            (customer_turns, ctx.sentences[turn.index])
            for customer_turns, turn in ctx.replies()
            if customer_turns and ctx.sentences[turn.index]
        ]
        return self._scored(ctx, model, names, replies) if replies and names else []

    def _scored(
        self,
        ctx: Context,
        model: ListeningModel,
        names: list[str],
        replies: list[tuple[list[Turn], list[Sentence]]],
    ) -> list[Finding]:
        """The findings of the behaviours in `names` on each reply."""
        maker = self._features()
        customers = [" ".join(t.text for t in c) for c, _ in replies]
        maker.warm([s.text for _, ss in replies for s in ss], customers)
        rows = [
            maker.rows([s.text for s in ss], c)
            for (_, ss), c in zip(replies, customers, strict=True)
        ]
        graders = {b: STRENGTH[b] for b in names if STRENGTH.get(b) in model.heads}
        scored = [*names, *graders.values()]
        heads = [model.heads[b] for b in scored]
        coef = np.stack([h.coef for h in heads], axis=1)
        intercept = np.array([h.intercept for h in heads])
        p = _calibrated(_product(model.standardise(np.vstack(rows)), coef) + intercept, heads)
        reached = p >= np.array([h.threshold for h in heads])
        emotions = ctx.annotations.get("customer_emotion", {})
        findings: list[Finding] = []
        per_sentence: dict[int, np.ndarray] = {}
        for r, k in zip(*np.nonzero(reached[:, : len(names)]), strict=True):
            customer_turns, sentences = replies[r]
            behaviour = names[k]
            if behaviour == "empathy" and _pleased(customer_turns, emotions):
                continue
            if behaviour == "resolution_check" and r == 0:
                continue  # the first answer has nothing resolved to check ("anything else?")
            eligible = _eligible(behaviour, sentences)
            if not eligible:
                continue
            best = sentences[eligible[0]]
            if len(eligible) > 1 or behaviour in OPENING:
                if r not in per_sentence:  # each sentence's probabilities, once a turn
                    each = maker.rows([s.text for s in sentences], customers[r], per_sentence=True)
                    z = _product(model.standardise(each[1:]), coef) + intercept
                    per_sentence[r] = _calibrated(z, heads)
                scores = per_sentence[r][:, k]
                if behaviour in OPENING and scores[eligible[0]] < heads[k].threshold:
                    continue  # the receipt is not in the reply's opening
                scores = np.where(np.isin(np.arange(len(sentences)), eligible), scores, -np.inf)
                best = sentences[int(np.argmax(scores))]
            if behaviour in WARM and _cold(sentences):
                continue  # a reply that blames or dismisses the customer reassures no one
            if behaviour in FEELING and not _feels(best):
                continue  # a restatement or a template apology is not a reaction to feelings
            if behaviour in RESTATING and not _restates(best, customer_turns):
                continue  # "I'm so sorry we've put you through this" gives nothing back
            component, polarity, why = SHOWN[behaviour]
            grade = {}
            if behaviour in graders:  # EPITOME's weak (1) or strong (2) form
                strong = reached[r, scored.index(graders[behaviour])]
                grade["level"] = 2 if strong or lexicon("heartfelt").search(best.text) else 1
            findings.append(
                ctx.finding(
                    self.name,
                    behaviour,
                    component,
                    polarity,
                    best.span,
                    confidence=round(float(p[r, k]), 3),
                    explanation=why,
                    customer_turn=customer_turns[-1].index,
                    **grade,
                )
            )
        return findings


def _eligible(behaviour: str, sentences: list[Sentence]) -> list[int]:
    """The sentences that can carry `behaviour`'s evidence (none: no finding). A clarifying
    question is a question (AnnoMI statements were not), and not one that only asks who the
    customer is. An acknowledgement is the reply's opening sentence after any greeting ("Got
    it, thanks", "Sure, I can help with that"), never a farewell, thanks for the contact
    ("Thanks for chatting with us, take care") or a reflection of feeling alone."""
    if behaviour in ASKS:
        asked = [i for i, s in enumerate(sentences) if is_question(s)]
        if behaviour == "clarifying_question":
            asked = [i for i in asked if not _identifies(sentences[i])]
        return asked
    if behaviour in OPENING:
        greeting = lexicon("greeting")
        opening = next(
            (i for i, s in enumerate(sentences) if not greeting.fullmatch(s.text.strip())), None
        )
        if opening is None or _not_a_receipt(sentences[opening].text):
            return []
        return [opening]
    return list(range(len(sentences)))


def _not_a_receipt(text: str) -> bool:
    """A farewell or thanks for the contact, or a reflection of feeling, which "does not by
    itself make acknowledgement true" (docs/annotation.md)."""
    return bool(lexicon("farewell").search(text) or lexicon("reflection_of_feeling").search(text))


def _cold(sentences: list[Sentence]) -> bool:
    """The reply blames or dismisses the customer ("You should have checked the TV")."""
    text = " ".join(s.text for s in sentences)
    return bool(lexicon("blame").search(text) or lexicon("dismissive").search(text))


def _feels(evidence: Sentence) -> bool:
    """The sentence that carried the decision is neither a restatement ("What I'm hearing is
    the parcel…") nor a template apology ("We apologise for any inconvenience caused")."""
    return restatement(evidence) is None and not lexicon("apology_boilerplate").search(
        evidence.text
    )


def _restates(evidence: Sentence, customer_turns: list[Turn]) -> bool:
    """The sentence opens like a restatement ("So …", "It sounds like …") or names something of
    the customer turns it answers (a content word, a number, a name): the paraphrase head also
    read sympathy ("I'm so sorry we've put you through this", "That sounds really worrying")
    as a paraphrase, 20 times in the demo team's 240 conversations without one."""
    if restatement(evidence) is not None:
        return True
    said: set[str] = set()
    for turn in customer_turns:
        said |= content_words(turn.text) | key_items(turn.text)
    return bool((content_words(evidence.text) | key_items(evidence.text)) & said)


def _identifies(sentence: Sentence) -> bool:
    """The sentence only asks for the customer's identity or account details."""
    items = {item for item, _ in asks(sentence)}
    return bool(items) and items <= IDENTITY


def _pleased(customer_turns: list[Turn], emotions: dict[int, dict[str, object]]) -> bool:
    """The customer turns answered sound satisfied and none upset: the rubric's empathy (to
    validate an upset customer) is not what a warm reply to them shows ("My pleasure!")."""
    labels = {str(emotions.get(t.index, {}).get("label", "neutral")) for t in customer_turns}
    return "satisfaction" in labels and not labels & UPSET


def _product(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x @ w without BLAS: its threads, in two analysis processes on two cores, spin against
    each other and halve the throughput for products this small."""
    return np.einsum("rf,fh->rh", x, w, optimize=False)


def _calibrated(z: np.ndarray, heads: list[Head]) -> np.ndarray:
    """Platt-scaled probabilities of decision values `z` (rows × heads)."""
    a = np.array([h.platt[0] for h in heads])
    b = np.array([h.platt[1] for h in heads])
    return 1.0 / (1.0 + np.exp(-(a * z + b)))
