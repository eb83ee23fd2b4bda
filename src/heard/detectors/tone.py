"""Tone of voice on calls from audio: the agent sounding flat, speaking fast or raising their
voice, each against the agent's own usual (their median over the call); and a customer who
raises their voice while their words are angry or frustrated, an escalation cue. Reads the
`Turn.tone` that heard.audio measures; a call without audio is skipped with the reason. The
thresholds are conservative (docs/analysis.md, "Tone of voice")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.model import Finding, Polarity, Role, Span, Turn

MIN_FAST_WORDS = 6
"""A turn needs this many words before its rate can be called fast (a quick "okay, sure, no
problem" is not rushing)."""
ANGRY = frozenset({"anger", "frustration"})
"""The customer emotions a raised voice confirms as an escalation cue."""


def _whole(turn: Turn) -> Span:
    return Span(turn=turn.index, start=0, end=len(turn.text))


@register
class AgentTone(Detector):
    name: ClassVar[str] = "heard.agent_tone.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("flat_tone", "fast_speech", "raised_voice")
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.TONE}
    )

    def detect(self, ctx: Context) -> Iterable[Finding]:
        t = ctx.rubric.thresholds
        findings = []
        for turn in ctx.turns:
            tone = turn.tone
            if turn.role != Role.AGENT or tone is None:
                continue
            if (
                tone.pitch_range_semitones is not None
                and tone.voiced_seconds >= t.flat_voiced_seconds
                and tone.pitch_range_semitones < t.flat_pitch_range_semitones
            ):
                findings.append(
                    ctx.finding(
                        self.name,
                        "flat_tone",
                        "empathy",
                        Polarity.NEGATIVE,
                        _whole(turn),
                        confidence=0.6,
                        explanation=f"flat voice: pitch moves only {tone.pitch_range_semitones:.1f}"
                        " semitones",
                        pitch_range_semitones=tone.pitch_range_semitones,
                    )
                )
            words = len(turn.words) if turn.words is not None else len(turn.text.split())
            if (
                tone.rate_change_ratio is not None
                and tone.words_per_second is not None
                and words >= MIN_FAST_WORDS
                and tone.rate_change_ratio >= t.fast_speech_ratio
                and tone.words_per_second >= t.fast_speech_words_per_second
            ):
                findings.append(
                    ctx.finding(
                        self.name,
                        "fast_speech",
                        "clear_language",
                        Polarity.NEGATIVE,
                        _whole(turn),
                        confidence=0.7,
                        explanation=f"speaks fast: {tone.words_per_second:.1f} words a second, "
                        f"{tone.rate_change_ratio:.1f}× the agent's usual pace",
                        words_per_second=tone.words_per_second,
                        rate_change_ratio=tone.rate_change_ratio,
                    )
                )
            if tone.loudness_change_db is not None and tone.loudness_change_db >= t.raised_voice_db:
                findings.append(
                    ctx.finding(
                        self.name,
                        "raised_voice",
                        "empathy",
                        Polarity.NEGATIVE,
                        _whole(turn),
                        confidence=0.7,
                        explanation=f"raised voice: {tone.loudness_change_db:.0f} dB louder than "
                        "the agent's usual",
                        loudness_change_db=tone.loudness_change_db,
                    )
                )
        return findings


@register
class CustomerTone(Detector):
    name: ClassVar[str] = "heard.customer_tone.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("escalation_cue",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.CUSTOMER_TURNS, Requirement.WORDS, Requirement.TONE}
    )
    needs: ClassVar[tuple[str, ...]] = ("customer_emotion",)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        """An escalation cue where the customer raises their voice and their words are angry
        or frustrated: the voice alone (a bad line, a noisy room) is not enough, nor are the
        words alone (heard.customer_cues.v1 reads those)."""
        emotions = ctx.annotations["customer_emotion"]
        raised = ctx.rubric.thresholds.raised_voice_db
        findings = []
        for turn in ctx.turns:
            tone = turn.tone
            if turn.role != Role.CUSTOMER or tone is None or tone.loudness_change_db is None:
                continue
            label = emotions.get(turn.index, {}).get("label")
            if label in ANGRY and tone.loudness_change_db >= raised:
                findings.append(
                    ctx.finding(
                        self.name,
                        "escalation_cue",
                        "empathy",
                        Polarity.NEUTRAL,
                        _whole(turn),
                        confidence=0.8,
                        explanation=f"the customer raised their voice "
                        f"({tone.loudness_change_db:.0f} dB over their usual) and sounds {label}",
                        source="tone",
                        emotion=label,
                        loudness_change_db=tone.loudness_change_db,
                    )
                )
        return findings
