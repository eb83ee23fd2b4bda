"""A tip's example and the rules every suggestion keeps: the one place that carries the
agent's own reply on after the words a tip adds (`agent_reply`, `agent_words`), picks a plain
acknowledgement (`heard_it`) and another way to offer with a no (`another_way`), fills a tip
template's placeholders and drops the parts of its example that have no value (`fill`), and
holds a finished suggestion to the rules every one must keep (`grammar_problems`: the tests and
`heard coach samples` use it).

The customer's words to say back are chosen in heard.language.phrasing, which this builds on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from heard.language.lexicon import lexicon
from heard.language.phrasing import (
    DANGLING_END,
    QUOTES_OPEN,
    SENTENCE_SPLIT,
    lower_first,
    misspelt,
    sentence,
)

_EXAMPLE = re.compile(r':\s*"([^"]*)"\s*$')
_EXAMPLE_SENTENCE = re.compile(r"\{agent_reply\}\s*|\{[a-z_]+\}\s*$|[^.!?]*[.!?]+\s*")
"""A sentence of a tip's example; the agent's own reply is one ("{agent_reply} {another_way}"),
and so is a last placeholder that brings its own end ("{another_way}")."""


AGENT_WORDS = 20
"""The longest first sentence of the agent's own reply a tip's example carries on with."""


_OPENER = re.compile(
    r"^\W*(?:hi|hello|hey|good (?:morning|afternoon|evening))\b|"
    r"\bhow (?:can|may) i (?:help|assist)",
    re.IGNORECASE,
)
"""A greeting or "how can I help?": no words to carry a tip's example on with."""
_INTERJECTED = re.compile(
    r"^(?:great|excellent|alright|all right|ok|okay|sure|right|perfect|well|wonderful)"
    r"\s*[,!.]\s+(?=\S)",
    re.IGNORECASE,
)
_DOUBLED_THE = re.compile(r"\b[Tt]he (The)\b")


def _first_sentence(text: str) -> str | None:
    """The first sentence of an agent's reply ("the The Porch" as "The Porch"); None when it
    is longer than AGENT_WORDS, only a greeting or misspelt."""
    first = next((s for s in SENTENCE_SPLIT.split(text.strip()) if s.strip()), "").strip()
    if not first or len(first.split()) > AGENT_WORDS or _OPENER.search(first):
        return None
    if misspelt(first) or lexicon("misused_words").search(first):
        return None  # "not able to accomodate you", "fill a fraud report": a slip copied into
        # the example reads as ours
    return _DOUBLED_THE.sub(r"\1", first)


def agent_reply(text: str) -> str | None:
    """The first sentence of the agent's reply as they wrote it, to follow the words a tip
    adds before it ("I see — your AC isn't working. I can send someone at 2."); None when it
    is long. An interjection it opens with goes: after the tip's own acknowledgement, "Thanks
    for letting me know. Great, there is still a viewing…" stacks two (judged clunky,
    sample n)."""
    first = _first_sentence(text)
    if first is None or len(first.split()) < REPLY_WORDS:
        return None  # "Name.", "It is not." after the tip's acknowledgement: no reply to send
    first = _INTERJECTED.sub("", first) or first
    asking = lexicon("yes_no_question").match(first) is not None
    if asking and first.endswith("."):
        first = first[:-1]  # "Do you want to file a report." asks: its mark goes back (sample s)
    if not _END.search(first):
        first += "?" if asking else "."  # "…at the same time Would another time…" ran two
        # together (sample r)
    return first[:1].upper() + first[1:]


REPLY_WORDS = 4
"""An agent's first sentence shorter than this ("Name.", "It is not.", "Ride booked.") is not
quoted after a tip's acknowledgement (judged ungrammatical or curt, samples o and r)."""


def agent_words(text: str) -> str | None:
    """The first sentence of the agent's reply, to follow the customer's words in a tip's
    example ("So you need to get to your interview fast — do you want to drive or take the
    bus?"): in lower case unless it opens with I or a name; None when it is long."""
    first = _first_sentence(text)
    if first is None:
        return None
    first = _INTERJECTED.sub("", first) or first  # "— great, the Porch…": "— the Porch…"
    opener = first.split(" ", 1)[0].replace("’", "'")
    if opener == "I" or opener.startswith("I'"):
        return first
    return lower_first(first, text)


HEARD_IT = {
    "bad_news": "I understand",
    "upset": "I'm sorry to hear that",
    "thanks": "You're welcome",
    "glad": "That sounds great",
    "request": "Sure, I can help with that",
    "other": "Thanks for letting me know",
    "luck": "Good luck",
    "urgent": "Right away",
    "fixed": "Good news",
}
"""Plain acknowledgements, by what the customer said and what the reply goes on to say."""
EASE = "I'll make this as easy as I can for you"
"""What follows sympathy for a sad customer (a loss, heartbreak): in the empathy tip, the live
nudge and the reply check."""
SYMPATHY = "I'm so sorry to hear that."
"""Sympathy for a sad customer (a loss, loneliness, heartbreak), before anything else."""
VALIDATION = {
    "anger": "I'm sorry — I can see why that's frustrating.",
    "frustration": "I'm sorry — I can see why that's frustrating.",
    "worry": "I'm sorry — I can see why that's worrying.",
    "sadness": f"{SYMPATHY} {EASE}.",
    "confusion": "I'm sorry — I can see why that's confusing.",
}
"""What an agent says to validate a feeling before solving, by the customer's emotion (the
empathy tip's {validation}, through `validation`): a bereaved or heartbroken customer is not
"frustrated"."""


def validation(emotion: str, said: str) -> str | None:
    """`VALIDATION` for the customer's `emotion`, given what they `said`: a sad customer who
    asks for nothing ("I'm lonely and have nobody to talk to") gets sympathy alone, since
    `EASE` promises to make a task easy that is not there (sample 2026-12-07e, unusable to
    both judges); one with a task ("my husband passed away and I need to close his account")
    gets both."""
    if emotion == "sadness" and not asks_for_something(said):
        return SYMPATHY
    return VALIDATION.get(emotion)


def asks_for_something(said: str) -> bool:
    """Whether a customer's words ask for something: a question, or a request
    (`lexicons/concern_request.txt`: "I need to…", "can you…")."""
    return "?" in said or bool(lexicon("concern_request").search(said))


REASSURANCE = {
    "bare_cry": "I'm here to help — what's happened?",
    "urgent": "I'm on it right now, and I'll be as quick as I can.",
    "worry": "I can see why that would worry you. Let's see what we can do.",
}
"""What an agent says to reassure a customer before going on (the reassurance tip's
{reassurance}): to a bare cry for help ("I need help!", `heard.analysis.moments.bare_cry`)
that they are there, and a question about what is wrong, since a worry or an emergency not
yet told is only presumed (star-3683: "I need help!" → "I can see why that would worry
you"); to an emergency or a hurry (`lexicons/urgent.txt`) a promise of speed, since
"I can see why that would worry you" understates a failing life support and "let's see what we
can do" sounds hesitant there (sample 2026-12-07e, 27 tips judged unusable). (A confused
customer is owed a clearer answer, not comfort: the tip's moment is never theirs.)"""
SAFETY_CHECK = (
    "I'm really sorry you're feeling like this, and I'm glad you told me. Are you safe right now?"
)
"""What an agent says first to a customer who may be at risk (`lexicons/vulnerability.txt`),
before anything about the task: acknowledge, and ask directly whether they are safe."""
SAFETY_NEXT = "Then follow your team's vulnerable-customer process."
"""What comes after `SAFETY_CHECK`, in the tip, the reply check and the live nudge alike."""
SAFETY_ADVICE = f"Pause the task and answer them first: “{SAFETY_CHECK}” {SAFETY_NEXT}"
"""The advice around `SAFETY_CHECK`, as the scorecard's tip and the reply check give it."""
_BAD_NEWS = re.compile(
    r"^\W*(?:(?:i'm|i am|we're|we are) (?:very |so |really )?sorry|sorry|unfortunately|"
    r"i'm afraid|i am afraid)\b",
    re.IGNORECASE,
)


_DONE = re.compile(
    r"\b(?:is|are|has been|have been) (?:now |all |successfully |just )?(?:done|booked|"
    r"reserved|scheduled|confirmed|submitted|filed|sent|cancell?ed|updated|changed)\b",
    re.IGNORECASE,
)


_CHEERS = re.compile(
    r"^\W*(?:great|excellent|perfect|wonderful|awesome|fantastic|(?:that's|that is|sounds) "
    r"(?:great|good|wonderful|awesome|fantastic))\b",
    re.I,
)


def heard_it(
    reply: str | None,
    *,
    upset: bool,
    request: bool,
    glad: bool = False,
    thanked: bool = False,
    luck: bool = False,
    urgent: bool = False,
) -> str:
    """A plain acknowledgement to open the agent's `reply` with, where saying the customer's
    words back would parrot them (a chat, where they are on screen): sorry for a problem or a
    feeling, "you're welcome" for thanks, "that sounds great" for good news, "I can help" for
    a request, thanks for anything else, "good luck" to a customer who asks for it ("wish me
    luck on my job interview?"), "right away" in an emergency — and a plain "I understand"
    before a reply that brings bad news itself ("I'm sorry, but…")."""
    if reply and _BAD_NEWS.match(reply):
        return HEARD_IT["bad_news"]
    if luck:
        return HEARD_IT["luck"]
    if urgent:
        return HEARD_IT["urgent"]  # an emergency: not "Sure, I can help" nor "thanks"
    if upset and reply and _DONE.search(reply):
        return HEARD_IT["fixed"]  # "I'm sorry to hear that. Your reservation has been
        # confirmed" answered a customer's "Noooo" with sorrow before good news (sample u)
    if upset:
        return HEARD_IT["upset"]
    if thanked:
        return HEARD_IT["thanks"]
    cheered = bool(reply and _CHEERS.match(reply))  # "Great, …" / "Excellent, …": glad already
    if glad and not cheered:
        return HEARD_IT["glad"]
    closing = bool(reply and lexicon("anything_else").search(reply))
    if request and not closing and not (reply and _DONE.search(reply)):
        return HEARD_IT["request"]  # not before "it's done" nor before "anything else?"
    return HEARD_IT["other"]


ANOTHER_WAY = {
    "refused_ride": "Would you like me to book you another ride instead?",
    "refused_time": "Would another time work for you?",
    "refused_place": "Would another date or option work for you?",
    "other": "Would you like me to try something else for you?",
}
"""The other way a no goes with, by what was refused (lexicons refused_time, refused_place):
"another time" fitted a ride's driver or a pickup point badly (9 tips, sample q)."""


def another_way(refusal: str) -> str:
    """The question (or the opening) that offers another way with the agent's `refusal`."""
    for kind in ("refused_ride", "refused_place", "refused_time"):  # "no room … for your dates"
        if lexicon(kind).search(refusal):
            return ANOTHER_WAY[kind]
    return ANOTHER_WAY["other"]


def fill(
    template: str,
    words: str | None,
    *,
    name: str | None = None,
    agent: str | None = None,
    reply: str | None = None,
    heard: str | None = None,
    details: str | None = None,
    another: str | None = None,
    validation: str | None = None,
    reassurance: str | None = None,
) -> str:
    """A tip template with the customer's words ({customer_words}, a clause), first name
    ({customer_name}), the agent's own words ({agent_words} mid-sentence, {agent_reply} as a
    sentence of its own: see `agent_words`, `agent_reply`) and a plain acknowledgement
    ({acknowledgement}: `heard_it`), the customer's specifics ({customer_details}, quoted
    and joined), another way to offer with a no ({another_way}: `another_way`), the
    validation of the customer's feeling ({validation}: `VALIDATION`) and the reassurance
    that fits them ({reassurance}: `REASSURANCE`) filled in,
    as a sentence. An instruction's own " — {placeholder}" part goes when
    it has no value. When one
    is missing, the sentences of the quoted example ('Instruction: "Example."') that need it
    are dropped: "Close by checking: "You told me {customer_words}. Does that solve it for
    you?"" → "Close by checking: "Does that solve it for you?""; the instruction alone when
    nothing of the example is left."""
    values = {
        "{customer_words}": words,
        "{customer_name}": name,
        "{agent_words}": agent,
        "{agent_reply}": reply,
        "{acknowledgement}": heard,
        "{customer_details}": details,
        "{another_way}": another,
        "{validation}": validation,
        "{reassurance}": reassurance,
    }
    missing = [key for key, value in values.items() if key in template and not value]
    found = _EXAMPLE.search(template)
    head, tail = (template[: found.start()], template[found.start() :]) if found else (template, "")
    for key in missing:  # the instruction's own " — {placeholder}" (not the example's)
        head = head.replace(f" — {key}", "")
    template = head + tail
    missing = [key for key in missing if key in template]
    if missing:
        found = _EXAMPLE.search(template)
        instruction = template[: found.start()] if found else template
        kept = [
            part.strip()
            for part in _EXAMPLE_SENTENCE.findall(found.group(1) if found else "")
            if not any(key in part for key in missing)
        ]
        if all(part.strip(" .") == "{agent_reply}" for part in kept):
            kept = []  # the agent's own reply alone is no example of what to add to it
        if kept and not any(key in instruction for key in missing):
            example = " ".join(kept)
            template = f'{instruction}: "{example[:1].upper()}{example[1:]}"'
        else:
            template = re.split(r"\s*[:—–]\s*[“\"]", instruction, maxsplit=1)[0]
            for key in values:
                template = template.replace(key, "")
    text = template
    for key, value in values.items():
        text = text.replace(key, value or "")
    return sentence(text)


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) > 1:
        return ", ".join(items[:-1]) + " and " + items[-1]
    return items[0] if items else ""


_DOUBLED = re.compile(r"\b([A-Za-z']+)\s+\1\b", re.IGNORECASE)
_ALSO_COMMA = re.compile(r"(?:^|[,;:—–(“\"]\s*)also,|\b(?:out|about|up)\s+also\b", re.I)
_END = re.compile(r"[.?!…][”\"’')]*$")


def grammar_problems(text: str) -> list[str]:
    """What breaks the rules every suggestion keeps (empty when none): starts with a capital,
    ends with . ? or !, no doubled word, no "also," opening a clause, balanced quotes and
    brackets, no sentence ending on a joining word or article."""
    problems = []
    body = text.lstrip(QUOTES_OPEN + " ")
    if not body[:1].isupper() and not body[:1].isdigit():
        problems.append("does not start with a capital")
    if not _END.search(text.rstrip()):
        problems.append("does not end with . ? or !")
    doubled = _DOUBLED.search(text)
    if doubled and doubled.group(1).lower() not in ("that", "had"):
        problems.append(f"doubled word “{doubled.group(0)}”")
    if _ALSO_COMMA.search(text):
        problems.append("“also” opening a clause")
    if text.count("“") != text.count("”") or text.count('"') % 2:
        problems.append("unbalanced quotes")
    if text.count("(") != text.count(")"):
        problems.append("unbalanced brackets")
    dangling = DANGLING_END.search(text)
    if dangling:
        problems.append(f"a sentence ends on “{dangling.group(0)}”")
    if "“”" in text or '""' in text or " ." in text or " ," in text:
        problems.append("an empty quote or a space before punctuation")
    return problems
