"""The analyzer: checks what each detector needs, runs them in order, scores the findings."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from heard.analysis.context import Context
from heard.analysis.detector import REQUIREMENT_REASONS, Detector, Requirement
from heard.analysis.duplicates import near_duplicates
from heard.analysis.encoder import SentenceEncoder, default_encoder
from heard.analysis.registry import detectors
from heard.analysis.rubric import Rubric, load_rubric
from heard.analysis.scoring import score
from heard.model import Channel, Conversation, Finding, Polarity, Role, Scorecard, Span

if TYPE_CHECKING:
    from heard.learn.outcome import OutcomeModel

BATCH_DETECTOR = "heard.near_duplicates.v1"
"""The name batch findings carry: near-duplicate replies across conversations."""


EMBED_AHEAD = 4096
"""At most this many texts are encoded ahead for a batch (half the encoder's cache, so none is
evicted before its detector reads it)."""


OUTCOME = "heard.outcome"
"""The name under which the outcome model's time and skip reason are reported."""


def _outcome_model() -> OutcomeModel | str:
    """The shipped outcome model, or why there is none (imported late: the model is optional)."""
    from heard.learn.outcome import default_outcome_model

    return default_outcome_model()


class DetectorError(RuntimeError):
    """A detector broke its contract (a finding pointing outside the conversation)."""


@dataclass(frozen=True)
class TemplateHint:
    """A reply of a batch that nearly repeats another conversation's reply: conversation is
    its position in the batch, like_id the other conversation's id."""

    conversation: int
    turn: int
    like_id: str
    like_turn: int
    similarity: float


@dataclass
class Analysis:
    """Everything one analysis produced."""

    scorecard: Scorecard
    skipped: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, object] = field(default_factory=dict)


def _met(requirement: Requirement, conversation: Conversation, encoder: SentenceEncoder) -> bool:
    if requirement == Requirement.TIMINGS:
        return conversation.timed
    if requirement == Requirement.MESSAGE_TIMES:
        return bool(conversation.turns) and all(t.sent_at is not None for t in conversation.turns)
    if requirement == Requirement.AGENT_TURNS:
        return any(t.role == Role.AGENT for t in conversation.turns)
    if requirement == Requirement.CUSTOMER_TURNS:
        return any(t.role == Role.CUSTOMER for t in conversation.turns)
    if requirement == Requirement.WORDS:
        return any(t.text.strip() for t in conversation.turns)
    if requirement == Requirement.EMBEDDINGS:
        return encoder.available()
    if requirement == Requirement.TONE:
        return any(t.tone is not None for t in conversation.turns)
    if requirement == Requirement.WRITTEN:
        return conversation.channel != Channel.CALL
    raise KeyError(requirement)


def unmet(
    detector: type[Detector],
    conversation: Conversation,
    *,
    known: dict[Requirement, bool] | None = None,
    encoder: SentenceEncoder | None = None,
) -> str | None:
    """Why the conversation cannot support the detector, or None when it can. `known` keeps
    the requirements checked so far for this conversation (each is checked once); `encoder`
    is the one embeddings would come from (default: `default_encoder()`)."""
    known = {} if known is None else known
    encoder = encoder or default_encoder()
    for requirement in sorted(detector.requires):
        ok = known.get(requirement)
        if ok is None:
            ok = known[requirement] = _met(requirement, conversation, encoder)
        if not ok:
            return REQUIREMENT_REASONS[requirement]
    return None


def ordered(selected: list[type[Detector]]) -> list[type[Detector]]:
    """Detectors sorted so that every annotation is assigned before it is needed."""
    remaining = list(selected)
    done: list[type[Detector]] = []
    assigned: set[str] = set()
    all_assigned = {a for d in selected for a in d.assigns}
    while remaining:
        for cls in remaining:
            if all(n in assigned or n not in all_assigned for n in cls.needs):
                done.append(cls)
                assigned.update(cls.assigns)
                remaining.remove(cls)
                break
        else:
            names = ", ".join(d.name for d in remaining)
            raise DetectorError(f"detectors need each other's annotations in a cycle: {names}")
    return done


def _check(finding: Finding, conversation: Conversation, detector: str) -> None:
    for span in finding.spans:
        if span.turn >= len(conversation.turns) or span.end > len(
            conversation.turns[span.turn].text
        ):
            raise DetectorError(f"{detector} returned a span outside the conversation: {span}")


def _superseded(
    findings: list[Finding],
    replaced: set[tuple[str, str]],
    joined: dict[tuple[str, str], str],
) -> list[Finding]:
    """`findings` without those another detector replaces, and without a joined detector's
    finding on a turn where the detector it joins found the same behaviour."""
    found = {(f.behaviour, f.detector, f.spans[0].turn) for f in findings}
    kept = []
    for f in findings:
        key = (f.behaviour, f.detector)
        if key in replaced:
            continue
        other = joined.get(key)
        if other is not None and (f.behaviour, other, f.spans[0].turn) in found:
            continue
        kept.append(f)
    return kept


class Analyzer:
    """Runs a set of detectors over conversations and scores them with a rubric."""

    def __init__(
        self,
        *,
        rubric: Rubric | None = None,
        only: list[str] | None = None,
        profile: bool = False,
        outcome: bool = True,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self.rubric = rubric or load_rubric()
        self.encoder = encoder or default_encoder()
        """Where detectors that require embeddings get their vectors (`Context.encoder`)."""
        self.profile = profile
        self.seconds: defaultdict[str, float] = defaultdict(float)
        """With `profile`, the time spent in each detector (and "scoring") so far."""
        available = detectors()
        names = only or sorted(available)
        unknown = [n for n in names if n not in available]
        if unknown:
            raise KeyError(f"unknown detectors: {', '.join(unknown)}")
        self.detectors = ordered([available[n] for n in names])
        self.outcome = outcome
        """Whether scorecards carry the outcome model's prediction (`OUTCOME`)."""
        self._instances = [cls() for cls in self.detectors]

    def context(self, conversation: Conversation) -> Context:
        """A fresh analysis context for `conversation`, with this analyzer's rubric and
        encoder."""
        return Context(conversation, self.rubric, encoder=self.encoder)

    def analyze(self, conversation: Conversation) -> Analysis:
        """Findings, scorecard and skip reasons for one conversation."""
        return self._predict([self._score(*self._detect(conversation))], [conversation])[0]

    def analyze_many(
        self, conversations: list[Conversation], *, hints: list[TemplateHint] | None = None
    ) -> list[Analysis]:
        """Analyse conversations together: each as `analyze` does, and agent replies that are
        near-duplicates of a reply in another conversation of the batch become template_reply
        findings (unless the reply was personalised).

        `hints` are the batch's near-duplicates found beforehand by `template_hints` (on a
        larger batch this part came from, positions renumbered for this part): analysing the
        parts of a batch with their hints, in any process, gives what analysing the whole
        batch gives."""
        contexts = [self.context(c) for c in conversations]
        self._embed_ahead(contexts)
        if len(contexts) > 1:
            for detector in self._instances:
                started = time.perf_counter() if self.profile else 0.0
                detector.prepare(contexts)
                if self.profile:
                    self.seconds[detector.name] += time.perf_counter() - started
        runs = [self._detect(c, ctx) for c, ctx in zip(conversations, contexts, strict=True)]
        for hint in self.template_hints(conversations) if hints is None else hints:
            ctx, findings, _ = runs[hint.conversation]
            turn = hint.turn
            if any(
                f.behaviour in ("template_reply", "personalised_reply") and f.spans[0].turn == turn
                for f in findings
            ):
                continue
            findings.append(
                ctx.finding(
                    BATCH_DETECTOR,
                    "template_reply",
                    "digital",
                    Polarity.NEGATIVE,
                    Span(turn=turn, start=0, end=len(ctx.turns[turn].text)),
                    confidence=0.6,
                    explanation=f"nearly the same reply as conversation {hint.like_id} turn "
                    f"{hint.like_turn} (similarity {hint.similarity:.2f})",
                    near_duplicate_of={"conversation": hint.like_id, "turn": hint.like_turn},
                    similarity=hint.similarity,
                )
            )
        return self._predict([self._score(*run) for run in runs], conversations)

    def score_again(
        self, conversation: Conversation, findings: list[Finding], *, overturned: set[str]
    ) -> Analysis:
        """Score `conversation` again from `findings` (a stored scorecard's, its overturned ones
        included) without those whose `Finding.key` is in `overturned`: a lead accepted the
        agent's dispute of them. The detectors run again only for what scoring reads besides
        findings (emotions, details, metrics, skip reasons); the findings are the ones given,
        so a batch's finding (a template reply) stays. The overturned findings are kept on the
        scorecard as evidence (`Scorecard.overturned`), not scored."""
        ctx, _, skipped = self._detect(conversation)
        kept = [f for f in findings if f.key not in overturned]
        analysis = self._score(ctx, kept, skipped)
        analysis.scorecard.overturned = [f for f in findings if f.key in overturned]
        return self._predict([analysis], [conversation])[0]

    def template_hints(self, conversations: list[Conversation]) -> list[TemplateHint]:
        """The near-duplicate replies of a batch, in the order `analyze_many` applies them."""
        thresholds = self.rubric.thresholds
        return [
            TemplateHint(
                conversation=d.reply.conversation,
                turn=d.reply.turn,
                like_id=conversations[d.like.conversation].id,
                like_turn=d.like.turn,
                similarity=d.similarity,
            )
            for d in near_duplicates(
                conversations,
                threshold=thresholds.near_duplicate_jaccard,
                min_words=thresholds.near_duplicate_min_words,
            )
        ]

    def _embed_ahead(self, contexts: list[Context]) -> None:
        """Encode in one call every text the embedding detectors will ask for in `contexts`
        (the encoder caches them, so each detector's own `encode` finds them ready). The
        vectors are the ones encoding each conversation apart gives (to float rounding)."""
        embedding = [d for d in self._instances if Requirement.EMBEDDINGS in type(d).requires]
        if len(contexts) < 2 or not embedding or not self.encoder.available():
            return
        texts: list[str] = []
        for ctx in contexts:
            known: dict[Requirement, bool] = {}
            for detector in embedding:
                why = unmet(type(detector), ctx.conversation, known=known, encoder=self.encoder)
                if why is None:
                    texts += detector.embedding_texts(ctx)
        unique = list(dict.fromkeys(texts))[:EMBED_AHEAD]
        if unique:
            self.encoder.encode(unique)

    def _detect(
        self, conversation: Conversation, ctx: Context | None = None
    ) -> tuple[Context, list[Finding], dict[str, str]]:
        ctx = ctx or self.context(conversation)
        findings: list[Finding] = []
        skipped: dict[str, str] = {}
        known: dict[Requirement, bool] = {}
        replaced: set[tuple[str, str]] = set()  # (behaviour, detector) another one replaces
        joined: dict[tuple[str, str], str] = {}  # (behaviour, detector) → the one it joins
        for detector in self._instances:
            reason = detector.unavailable() or unmet(
                type(detector), conversation, known=known, encoder=self.encoder
            )
            if reason is None:
                missing = [n for n in detector.needs if n not in ctx.annotations]
                if missing:
                    reason = f"needs {', '.join(missing)}, which no detector assigned"
            if reason is not None:
                skipped[detector.name] = reason
                continue
            started = time.perf_counter() if self.profile else 0.0
            for finding in detector.detect(ctx):
                _check(finding, conversation, detector.name)
                findings.append(finding)
            replaced.update(detector.replaces().items())
            joined.update({(b, d): detector.name for b, d in detector.joins().items()})
            if self.profile:
                self.seconds[detector.name] += time.perf_counter() - started
        if replaced or joined:
            findings = _superseded(findings, replaced, joined)
        return ctx, findings, skipped

    def _predict(
        self, analyses: list[Analysis], conversations: list[Conversation]
    ) -> list[Analysis]:
        """Put the outcome model's prediction on each scorecard (in one batch), or say why not."""
        if not self.outcome:
            return analyses
        started = time.perf_counter()
        model = _outcome_model()
        if isinstance(model, str):
            for analysis in analyses:
                analysis.skipped[OUTCOME] = model
            return analyses
        ready = []
        for analysis, conversation in zip(analyses, conversations, strict=True):
            if not conversation.turns:
                analysis.skipped[OUTCOME] = "the conversation has no turns"
            elif not _met(Requirement.WORDS, conversation, self.encoder):
                analysis.skipped[OUTCOME] = REQUIREMENT_REASONS[Requirement.WORDS]
            else:
                ready.append((conversation, analysis.scorecard))
        for (_, card), prediction in zip(ready, model.predict_many(ready), strict=True):
            card.outcome = prediction
        if self.profile:
            self.seconds[OUTCOME] += time.perf_counter() - started
        return analyses

    def _score(self, ctx: Context, findings: list[Finding], skipped: dict[str, str]) -> Analysis:
        started = time.perf_counter() if self.profile else 0.0
        findings.sort(key=lambda f: (f.spans[0].turn, f.spans[0].start, f.behaviour))
        card = score(
            ctx,
            findings,
            self.rubric,
            {d.name: d.name.rsplit(".", 1)[-1] for d in self._instances},
            skipped,
            unjudged=self._unjudged(ctx.conversation, skipped),
        )
        if self.profile:
            self.seconds["scoring"] += time.perf_counter() - started
        return Analysis(scorecard=card, skipped=skipped, annotations=ctx.annotations)

    def _unjudged(self, conversation: Conversation, skipped: dict[str, str]) -> dict[str, str]:
        """Behaviour → why it was not judged: n/a on the checklist, rather than done, avoided
        or missed, and nothing to the Listening Score. A behaviour every detector finding it was
        skipped for is not checked, with the first one's reason ("hard_to_read" on a call: the
        readability detector needs a written conversation); in a call read for timing only,
        every behaviour no detector that ran can find."""
        ran = {b for d in self._instances if d.name not in skipped for b in d.behaviours}
        if conversation.turns and not _met(Requirement.WORDS, conversation, self.encoder):
            why = "not judged: the call was read for timing only (no words)"
            return {name: why for name in self.rubric.behaviours if name not in ran}
        reasons: dict[str, str] = {}
        for detector in self._instances:
            for behaviour in detector.behaviours:
                if behaviour not in ran and detector.name in skipped:
                    reasons.setdefault(behaviour, f"not checked: {skipped[detector.name]}")
        return reasons


def analyze(conversation: Conversation, *, rubric: Rubric | None = None) -> Scorecard:
    """Analyse one conversation with every registered detector and the rubric."""
    return Analyzer(rubric=rubric).analyze(conversation).scorecard
