"""The analyzer: checks what each detector needs, runs them in order, scores the findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from heard.analysis.context import Context
from heard.analysis.detector import REQUIREMENT_REASONS, Detector, Requirement
from heard.analysis.registry import detectors
from heard.analysis.rubric import Rubric, load_rubric
from heard.analysis.scoring import score
from heard.embed import available as embeddings_available
from heard.model import Conversation, Finding, Role, Scorecard


class DetectorError(RuntimeError):
    """A detector broke its contract (a finding pointing outside the conversation)."""


@dataclass
class Analysis:
    """Everything one analysis produced."""

    scorecard: Scorecard
    skipped: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, object] = field(default_factory=dict)


def unmet(detector: type[Detector], conversation: Conversation) -> str | None:
    """Why the conversation cannot support the detector, or None when it can."""
    for requirement in sorted(detector.requires):
        ok = {
            Requirement.TIMINGS: conversation.timed,
            Requirement.MESSAGE_TIMES: bool(conversation.turns)
            and all(t.sent_at is not None for t in conversation.turns),
            Requirement.AGENT_TURNS: any(t.role == Role.AGENT for t in conversation.turns),
            Requirement.CUSTOMER_TURNS: any(t.role == Role.CUSTOMER for t in conversation.turns),
            Requirement.EMBEDDINGS: embeddings_available(),
        }[requirement]
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


class Analyzer:
    """Runs a set of detectors over conversations and scores them with a rubric."""

    def __init__(self, *, rubric: Rubric | None = None, only: list[str] | None = None) -> None:
        self.rubric = rubric or load_rubric()
        available = detectors()
        names = only or sorted(available)
        unknown = [n for n in names if n not in available]
        if unknown:
            raise KeyError(f"unknown detectors: {', '.join(unknown)}")
        self.detectors = ordered([available[n] for n in names])
        self._instances = [cls() for cls in self.detectors]

    def analyze(self, conversation: Conversation) -> Analysis:
        ctx = Context(conversation, self.rubric)
        findings: list[Finding] = []
        skipped: dict[str, str] = {}
        for detector in self._instances:
            reason = unmet(type(detector), conversation)
            if reason is None:
                missing = [n for n in detector.needs if n not in ctx.annotations]
                if missing:
                    reason = f"needs {', '.join(missing)}, which no detector assigned"
            if reason is not None:
                skipped[detector.name] = reason
                continue
            for finding in detector.detect(ctx):
                _check(finding, conversation, detector.name)
                findings.append(finding)
        findings.sort(key=lambda f: (f.spans[0].turn, f.spans[0].start, f.behaviour))
        card = score(
            ctx,
            findings,
            self.rubric,
            {d.name: d.name.rsplit(".", 1)[-1] for d in self._instances},
            skipped,
        )
        return Analysis(scorecard=card, skipped=skipped, annotations=ctx.annotations)


def analyze(conversation: Conversation, *, rubric: Rubric | None = None) -> Scorecard:
    """Analyse one conversation with every registered detector and the rubric."""
    return Analyzer(rubric=rubric).analyze(conversation).scorecard
