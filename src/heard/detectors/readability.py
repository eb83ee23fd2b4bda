"""Clear language: how easy the agent's written turns are to read (Flesch reading ease and
Flesch-Kincaid grade from a syllable count) and long, complex sentences that are hard to read.
Calls are skipped: the customer hears them, and reading ease has no sound spoken measure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import ClassVar

from heard.analysis.context import Context, Sentence
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.model import Finding, Polarity, Role

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d[\d.,:/-]*")
_VOWELS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=16384)
def syllables(word: str) -> int:
    """Syllables in an English word, by vowel groups with the usual silent endings (≥ 1)."""
    w = word.lower()
    if "'" in w:  # you're, I'm, didn't: the part before the apostrophe, plus n't
        base, _, rest = w.partition("'")
        return syllables(base) + (1 if rest == "t" and len(base) > 3 else 0)
    if not w.isalpha():
        return 1 if w[:1].isdigit() else max(1, len(_VOWELS.findall(w)))
    if len(w) <= 3:
        return 1
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        w = w[:-1]
    elif w.endswith(("es", "ed")) and not w.endswith(("ted", "ded", "ses", "zes", "ces", "ges")):
        w = w[:-2]
    return max(1, len(_VOWELS.findall(w)))


def reading_ease(words: int, sentences: int, syllable_count: int) -> float:
    """Flesch reading ease: 90+ very easy, 60-70 plain English, below 50 hard."""
    return 206.835 - 1.015 * words / sentences - 84.6 * syllable_count / words


def grade_level(words: int, sentences: int, syllable_count: int) -> float:
    """Flesch-Kincaid grade: the US school year that can read the text."""
    return 0.39 * words / sentences + 11.8 * syllable_count / words - 15.59


def measure(sentence: Sentence) -> tuple[int, int]:
    """(words, syllables) of one sentence."""
    found = _WORD.findall(sentence.text)
    return len(found), sum(syllables(w) for w in found)


@register
class Readability(Detector):
    name: ClassVar[str] = "heard.readability.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("hard_to_read",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.WORDS, Requirement.WRITTEN}
    )
    """Reading ease is a measure of text: a call's agent is heard, and "split it into short
    sentences" of a transcript coaches on where speech recognition put the full stops."""

    def detect(self, ctx: Context) -> Iterable[Finding]:
        thresholds = ctx.rubric.thresholds
        findings = []
        total_words = total_sentences = total_syllables = 0
        for turn in ctx.turns:
            if turn.role != Role.AGENT:
                continue
            hard: list[tuple[Sentence, int, float]] = []
            for sentence in ctx.sentences[turn.index]:
                words, count = measure(sentence)
                if not words:
                    continue
                total_words += words
                total_sentences += 1
                total_syllables += count
                if words >= thresholds.hard_sentence_words:
                    ease = reading_ease(words, 1, count)
                    if ease < thresholds.hard_sentence_reading_ease:
                        hard.append((sentence, words, ease))
            if hard:
                findings.append(
                    ctx.finding(
                        self.name,
                        "hard_to_read",
                        "clear_language",
                        Polarity.NEGATIVE,
                        [s.span for s, _, _ in hard],
                        confidence=0.6,
                        explanation=f"a {hard[0][1]}-word sentence with reading ease "
                        f"{hard[0][2]:.0f} (below {thresholds.hard_sentence_reading_ease:g})",
                        suggestion="Split it into short sentences of everyday words, one "
                        "step each.",
                        reading_ease=[round(e, 1) for _, _, e in hard],
                    )
                )
        if total_words:
            metrics = ctx.annotations.setdefault("metrics", {})
            args = (total_words, total_sentences, total_syllables)
            metrics["agent_reading_ease"] = round(reading_ease(*args), 1)
            metrics["agent_grade_level"] = round(grade_level(*args), 1)
        return findings
