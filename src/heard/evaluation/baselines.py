"""The simplest rules: what a detector must beat to be worth shipping (issue 19).

Each labelled task that `heard eval` scores — heard's own corpus (`heard.evaluation.corpus`)
and the shared data's tasks (`SHARED`) — has one rule a person could write in a minute: a '?'
for a question, a leading wh-word for an open question, a short word list for empathy, an
interpretation or an emotion. They are scored on the same test part as heard's defaults, and
their figures stand beside them in docs/accuracy.md.

The word lists are written from the published definitions (EPITOME, MITI, ESConv's strategies,
Ekman's six emotions). Where two simple rules could do a task's job, the one that scored better
on the task's train part was kept (never its test part): a yardstick should be hard to beat,
not a straw man. So EPITOME's interpretations count a shared experience ("me too", "I was in
the same place"), as its definition does; any question in a peer's reply is an exploration;
and an open question in AnnoMI is one with an open word anywhere in the turn ("So, what do you
make of that?"), not only at its start.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from heard.learn.datasets import NO, YES, Example


@cache
def _cue(pattern: str, *, case: bool = False) -> re.Pattern[str]:
    return re.compile(pattern, 0 if case else re.IGNORECASE)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Cue:
    """`when` if `pattern` is found in the turn (`needs_question`: and it has a '?'), else
    `otherwise`."""

    pattern: str
    when: str = YES
    otherwise: str = NO
    needs_question: bool = False
    per_question: bool = False
    """Match the pattern against the first sentence that ends in '?' (open vs closed)."""
    case: bool = False
    """Match letter case as written (otherwise case is ignored)."""

    def label(self, text: str, _context: str) -> str:
        if self.needs_question and "?" not in text:
            return self.otherwise
        if self.per_question:
            asked = [s for s in _SENTENCE_END.split(text) if s.rstrip().endswith("?")]
            text = asked[0] if asked else text
        return self.when if _cue(self.pattern, case=self.case).search(text) else self.otherwise

    def describe(self) -> str:
        where = "the first question of the turn" if self.per_question else "the turn"
        extra = " and a '?' in it" if self.needs_question else ""
        extra += " (case as written)" if self.case else ""
        return f"{self.when} if `{self.pattern}` matches {where}{extra}, else {self.otherwise}"


@dataclass(frozen=True)
class FirstCue:
    """The label of the first cue list that matches the turn, else `otherwise`."""

    cues: tuple[tuple[str, str], ...]
    otherwise: str

    def label(self, text: str, _context: str) -> str:
        for label, pattern in self.cues:
            if _cue(pattern).search(text):
                return label
        return self.otherwise

    def describe(self) -> str:
        tried = "; ".join(f"{label} if `{pattern}`" for label, pattern in self.cues)
        return f"first that matches: {tried}; else {self.otherwise}"


@dataclass(frozen=True)
class EveryCue:
    """Every label whose cue list matches the turn (a multi-label task), else `otherwise`."""

    cues: tuple[tuple[str, str], ...]
    otherwise: str

    def labels(self, text: str, _context: str) -> tuple[str, ...]:
        found = tuple(label for label, pattern in self.cues if _cue(pattern).search(text))
        return found or (self.otherwise,)

    def describe(self) -> str:
        tried = "; ".join(f"{label} if `{pattern}`" for label, pattern in self.cues)
        return f"every label that matches: {tried}; none: {self.otherwise}"


@dataclass(frozen=True)
class SharesWord:
    """yes if the reply repeats a content word of the customer turn (stop words left out)."""

    def label(self, text: str, context: str) -> str:
        from heard.learn.features import overlap

        return YES if overlap([text], [context])[0, 0] > 0 else NO

    def describe(self) -> str:
        return "yes if the reply shares a content word with the customer turn, else no"


BaselineRule = Cue | FirstCue | EveryCue | SharesWord


def predict(rule: BaselineRule, examples: Sequence[Example]) -> list[tuple[str, ...]]:
    """The rule's label(s) for each example (its text, with its context as the customer turn)."""
    if isinstance(rule, EveryCue):
        return [rule.labels(e.text, e.context) for e in examples]
    return [(rule.label(e.text, e.context),) for e in examples]


# --- the word lists -------------------------------------------------------------------------

WH = r"^\W*(what|how|why|where|when|which|who|tell me|describe)\b"
"""An open question's opening (MITI: it invites more than one answer)."""
QUESTION = r"\?"
OPEN_WORD = r"\b(what|how|why|tell me|describe)\b"
"""A word that opens a question to more than one answer, anywhere in the turn."""
EMPATHY = (
    r"sorry|understand|frustrat|apologi|unfortunately|feel (for|with) you|hugs?\b|sucks"
    r"|awful|terrible|hope (you|things|it)|i'm here|that's (rough|hard|tough)"
)
"""An emotional reaction: sympathy, understanding, regret, warmth."""
EMPATHY_STRONG = (
    r"(so|really|truly|very) sorry|my heart|heartbreak|hugs?\b|i feel (for|so)"
    r"|i'm here for you|sending"
)
"""A strong emotional reaction (EPITOME's level 2): the feeling said with force."""
INTERPRET = (
    r"sounds like|you feel|you('re| are) (feeling|saying)|\bso you\b|if i understand"
    r"|i (understand|know|get) (how|what|that)|i('ve| have) been|me too|same|i (was|had|used to)"
)
"""An interpretation: saying back what the other person feels or means, or a shared
experience that shows it was understood."""
UNDERSTOOD = r"\bi (understand|know|get it|see)\b"
"""A generic "I understand" (EPITOME's weak interpretation)."""
EXPLORE = r"\b(what|how)\b"
"""An exploration: asking about the other person's experience."""
PARAPHRASE = (
    r"\b(so you|you('re| are) saying|you said|you mentioned|if i understand|just to confirm)\b"
)
REFLECT_FEELING = (
    r"\b(sounds|must be|you (feel|seem)|you('re| are) (frustrated|upset|worried|feeling))\b"
)
AFFIRM = (
    r"\b(don't worry|no worries|rest assured|happy to help|glad|of course|no problem"
    r"|you('re| are) (doing|not alone|strong|brave)|proud of you|good for you|you can do"
    r"|it will (be|get) (ok|okay|better)|i'm sure)\b"
)
"""Affirmation and reassurance (ESConv): encouragement, the other person's strengths."""
EKMAN = (
    ("anger", r"\b(angry|mad|furious|hate|pissed|annoy\w*|rage)\b"),
    ("disgust", r"\b(disgust\w*|gross|sick of|eww|nasty|vile)\b"),
    ("fear", r"\b(scared|afraid|fear\w*|terrif\w*|worr\w*|nervous|anxious)\b"),
    (
        "joy",
        r"\b(love|happy|glad|great|thanks?|thank you|awesome|amazing|nice|lol|haha\w*"
        r"|congrat\w*|cool|funny|best)\b",
    ),
    ("sadness", r"\b(sad|sorry|miss|cry\w*|depress\w*|lonely|hurts?|unfortunately)\b"),
    ("surprise", r"\b(wow|whoa|surpris\w*|omg|shock\w*|can't believe|unexpected)\b"),
)
"""Ekman's six emotions, a few everyday words each."""
CUSTOMER_EMOTION = (
    ("anger", r"\b(angry|furious|hate|pissed|mad)\b"),
    ("frustration", r"\b(frustrat\w*|annoy\w*|ridiculous|unacceptable|sick of|fed up)\b"),
    ("confusion", r"\b(confus\w*|don't understand|not sure|what do you mean|no idea)\b"),
    ("worry", r"\b(worr\w*|anxious|nervous|scared|afraid)\b"),
    ("sadness", r"\b(sad|passed away|died|heartbroken|devastated|griev\w*|miss (him|her))\b"),
    ("satisfaction", r"\b(thanks?|thank you|great|perfect|awesome|appreciate|love)\b"),
)

REACTION = FirstCue((("2", EMPATHY_STRONG), ("1", EMPATHY)), otherwise="0")
"""Emotional reactions 0/1/2."""
INTERPRETATION = FirstCue((("2", INTERPRET), ("1", UNDERSTOOD)), otherwise="0")
"""Interpretations 0/1/2."""

SHARED: dict[str, BaselineRule] = {
    "epitome.er": REACTION,
    "epitome.er.binary": Cue(EMPATHY),
    "epitome.ip": INTERPRETATION,
    "epitome.ip.binary": Cue(f"{INTERPRET}|{UNDERSTOOD}"),
    "epitome.ex": Cue(QUESTION, when="2", otherwise="0"),
    "epitome.ex.binary": Cue(QUESTION),
    "annomi.reflection": Cue(f"{PARAPHRASE}|{REFLECT_FEELING}"),
    "annomi.question": Cue(QUESTION),
    "annomi.open_closed": Cue(OPEN_WORD, when="open", otherwise="closed"),
    "esconv.question": Cue(QUESTION),
    "esconv.restatement": Cue(PARAPHRASE),
    "esconv.reflection": Cue(REFLECT_FEELING),
    "esconv.affirmation": Cue(AFFIRM),
    "goemotions.ekman": EveryCue(EKMAN, otherwise="neutral"),
    "goemotions.customer": EveryCue(CUSTOMER_EMOTION, otherwise="neutral"),
}
"""Shared-data task → its simplest rule."""
