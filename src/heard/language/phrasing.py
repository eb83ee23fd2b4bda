"""Coaching language: the one place that chooses the customer's words to say back, turns them
into the agent's voice, and wraps them in sentences an agent could send.

Tips (heard.analysis.scoring), live nudges (heard.live.nudges), the reply checker
(heard.coaching.reply_check) and the paraphrase detector all go through here, so a customer's
words are said back one way everywhere:

- `say_back` picks a whole clause worth saying back from the customer's turns: a statement of
  their situation, not a greeting, thanks, question, order to the agent, verdict on the
  company ("this is ridiculous") or "as I said…"; openers ("hi,", "also,", "so") and trailing
  fillers (", though", ", please") are dropped; a long clause is cut before a joining word, not
  mid-phrase.
- `second_person` turns the customer's words into the agent's: I → you with the verb agreeing
  ("I am" → "you are", "I was" → "you were"), my → your, me → you, we/our → you/your, and the
  customer's "you" (the company) → "we" as a subject, "us" as an object.
- `sentence` makes every suggestion a complete sentence: a capital first, final punctuation.
- `said_back_problems` holds words chosen to say back to the rules they keep.

A tip's example (the agent's own reply carried on, a plain acknowledgement, another way with a
no, templates filled in) and the rules every suggestion keeps are in heard.language.examples.

It imports only the lexicon loader beside it: analysis, detectors, live and coaching import
it, never the other way (docs/architecture.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from spellchecker import SpellChecker

from heard.language.lexicon import lexicon, wordlist


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_WORDS = 14
"""A clause said back is at most about this many words (cut before a joining word)."""
ENOUGH_WORDS = 6
"""The first clause of a turn with this many words is said back; else its longest."""

# --- turning the customer's words into the agent's --------------------------------------

_SIMPLE = {
    "i'm": "you're",
    "im": "you're",
    "i've": "you've",
    "ive": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "we": "you",
    "we're": "you're",
    "we've": "you've",
    "we'd": "you'd",
    "we'll": "you'll",
    "our": "your",
    "ours": "yours",
    "us": "you",
    "ourselves": "yourselves",
    "your": "our",
    "yours": "ours",
    "you're": "we're",
    "youre": "we're",
    "you've": "we've",
    "you'll": "we'll",
    "you'd": "we'd",
    "yourself": "ourselves",
    "yourselves": "ourselves",
}
_AFTER_I = {"am": "are", "was": "were", "wasn't": "weren't", "wasnt": "weren't"}
"""The verb after I that changes with the person ("I was" → "you were")."""
_SUBJECT_BEFORE = _wordset(
    "and but or so because if when that since as until unless while though although then "
    "why how what where who can could would will should shall did do does have has had "
    "are were was is am might must may cause cos coz"
)
"""Words after which the customer's "you" is a subject ("when you sent" → "when we sent");
after any other word it is an object ("you told me" ← "I told you" → "we told you")."""
_GROUP = frozenset({"guys", "people", "lot", "all"})
"""'you guys', 'you people': the company; said back as plain we/us."""
_TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?|[^A-Za-z]+")


def _cased(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _starts(tokens: list[str], n: int) -> bool:
    """Whether token `n` starts a sentence (nothing before it, or . ! ? before it)."""
    before = "".join(tokens[:n]).rstrip()
    return not before or before.endswith((".", "!", "?", "\n"))


def second_person(text: str) -> str:
    """The customer's words as the agent says them back: "I was charged twice for my order"
    → "you were charged twice for your order"; "you sent me the wrong one" → "we sent you the
    wrong one". Tense is kept; capitals are kept except on I."""
    tokens = _TOKEN.findall(text)
    words = [(n, t.lower().replace("’", "'")) for n, t in enumerate(tokens) if t[:1].isalpha()]
    out = list(tokens)
    skip: set[int] = set()
    for k, (n, low) in enumerate(words):
        if n in skip:
            continue
        before = words[k - 1][1] if k else None
        after = words[k + 1] if k + 1 < len(words) else None
        token = tokens[n]
        if low == "i":
            out[n] = "You" if _starts(tokens, n) else "you"
            if after is not None and after[1] in _AFTER_I:
                out[after[0]] = _cased(_AFTER_I[after[1]], tokens[after[0]])
                skip.add(after[0])
        elif low in ("am", "was", "wasn't") and after is not None and after[1] == "i":
            out[n] = _cased(_AFTER_I[low], token)  # "was I charged" → "were you charged"
        elif low == "you":
            subject = before is None or before in _SUBJECT_BEFORE or _ends_clause(tokens, n)
            out[n] = _cased("we" if subject else "us", token)
            if after is not None and after[1] in _GROUP:
                out[n] += ""
                out[after[0]] = ""
                if n + 1 < after[0]:
                    out[n + 1] = ""  # the space before the dropped word
        elif low == "us" and token == "US":
            continue  # the country
        elif low in _SIMPLE:
            upper = token[:1].isupper() and (not low.startswith("i") or _starts(tokens, n))
            out[n] = _cased(_SIMPLE[low], "X" if upper else "x")
    return "".join(out)


def _ends_clause(tokens: list[str], n: int) -> bool:
    """Whether punctuation stands between the token before `n` and `n` (a new clause)."""
    for token in reversed(tokens[:n]):
        if token[:1].isalpha():
            return False
        if re.search(r"[,;:.!?—–-]", token):
            return True
    return True


# --- choosing the words to say back -------------------------------------------------------

_GREETING = (
    r"(?:hi|hello|hey|hiya|howdy|dear|good (?:morning|afternoon|evening|day))"
    r"(?: there| all| team| guys| folks| (?-i:[A-Z][a-z]+)(?=[,!.])| \w+(?=[,!]))?"
)
_ALWAYS = (
    r"and|but|so|also|plus|um+|uh+|erm|er|oh no|uh oh|oh|ah|anyway|anyways|basically|however|"
    r"though|ugh+|argh+|omg|wow|gosh|geez|jeez|please|pls|plz|ok|okay|or|"
    r"then|hmm+|lol|okay so|ok so"
)
_WITH_COMMA = (
    r"yes|yeah|yep|yup|no|nope|ok|okay|well|look|listen|right|sure|actually|sorry|please|"
    r"alright|thanks|thank you|cheers|great|perfect|first(?:ly)?|second(?:ly)?|finally|"
    r"honestly|seriously|again|now|see|wow|ugh|argh|man|hm+|fine|cool|excuse me|"
    r"just so you know|by the way|btw|(?:you|we|i) know|i mean|i guess"
)
_OPENING = re.compile(
    rf"^(?:(?:{_GREETING})[,!.:]*\s*|(?:{_ALWAYS})\b[,!.:]*\s*|(?:{_WITH_COMMA})[,!.:]+\s*)+",
    re.IGNORECASE,
)
"""Greetings, fillers and joining words that open a sentence: never said back."""
_TRAILING = re.compile(
    r"(?:[,\s]+(?:though|too|please|thanks|thank you|lol|haha|right|ok|okay|you know|"
    r"or something|and stuff|etc|either|anyway|anyways|as well))+\s*$",
    re.IGNORECASE,
)
_TO_THE_AGENT = re.compile(
    r"^(?:(?:please|just|now|so|can|could|would|will)\s+)?(?:(?:you|u)\s+)?(?:don'?t|do not|"
    r"stop|tell|give|get|let|put|send|fix|listen|read|check|look|call|cancel|refund|transfer|"
    r"answer|help|calm|make|find|book|show|explain|connect|change|reset|sort|hurry|email|"
    r"text|ring|confirm|go|try|remove|add|update|contact|hold on|wait|hang on|open|close|turn|"
    r"bring|take|pick|play|schedule|reserve|buy|lock|unlock|activate|block|look up|search)\b",
    re.IGNORECASE,
)
"""An order to the agent ("Don't tell me to calm down", "just let me into the account")."""
_VERDICT = re.compile(
    r"^(?:this|that|it|you(?: people| guys| lot)?|your (?:company|service|staff)|"
    r"(?:this|that) (?:is|was)|what)"
    r"(?:'s|'re| is| are| was| were| a)?\s+(?:(?:so|just|absolutely|completely|totally|"
    r"really|beyond|a|an|such a|utterly|the)\s+)*(?:ridiculous|unbelievable|unacceptable|joke|"
    r"insane|crazy|outrageous|absurd|terrible|awful|pathetic|useless|hopeless|incompetent|"
    r"disgraceful|disgrace|nightmare|shambles|rubbish|garbage|scam|worst|stupid|horrible|"
    r"frustrating|annoying|shame|pity|too bad|confusing)\b"
    r"|^(?:so|how|too|really|very|soo+)\s+(?:annoying|frustrating|confusing|stupid|ridiculous|"
    r"bad|sad|weird|strange|boring|annoyed|frustrated|upset|angry|mad)\b",
    re.IGNORECASE,
)
"""The customer's verdict on the company or the agent: said back it agrees with an insult."""
_NOT_SAID_BACK = re.compile(
    r"\bmy name(?:'s| is)\b|^(?:this is|it's|it is|i'm|i am) (?-i:[A-Z][a-z]+)"
    r"(?: (?-i:[A-Z][a-z]+))?$|^this is [a-z]+(?: [a-z]+)?$|"
    r"^(?:i have|i've got|i got) (?:a|one|another|some|two|few|a few) (?:quick )?"
    r"(?:question|questions|problem|issue|query|thing)s?$|"
    r"\b(?:have a (?:good|nice|great) (?:day|one|evening)|bye|goodbye|take care)\b|"
    r"\b(?:you (?:have been|were|are)|you've been) (?:very |so |really )?"
    r"(?:helpful|great|kind)\b|^(?:no problem|not really|i see|i guess|i think so|"
    r"i don't know|that's all|that is all|that's it|that is it|nothing else)\b|"
    r"\b(?:can|could|would|will) you\b|\[[A-Z_]+\]|"
    r"^(?:i'm|i am|im|i feel|i'm feeling|i am feeling) (?:(?:so|very|really|quite|a bit|"
    r"a little|extremely|getting|just|now|kind of|pretty) )*(?:worried|frustrated|angry|upset|"
    r"annoyed|furious|scared|anxious|confused|stressed|sad|mad|fed up|disappointed|nervous|"
    r"afraid)$|^(?:thanks|thank you|thx|ty)\b|\b(?:sounds|looks) (?:great|good|perfect|fine|lovely|"
    r"awesome|nice)\b|^(?:what|why|how|where|who|which)\b(?! (?:i|we|my|our)\b)|"
    r"^(?:in order to|to)\b|\b(?:c ya|see ya|see you later|talk later)\b|"
    r"\bso (?:annoying|frustrating|confusing|stupid|ridiculous|bad|boring|weird)\b|"
    r"^(?:annoying|frustrating|confusing|ridiculous|unbelievable|terrible|awful|great|sad|"
    r"weird|strange|crazy|funny|interesting|nice|cool|good|bad|amazing|lovely)\b|"
    r"\b(?:pin|password|passcode|security (?:code|answer|question)|(?:account|card|routing) "
    r"number|social security|ssn|cvv|maiden name|pet as a child|date of birth|dob)\b|"
    r"\b(?:was|were) going to (?:say|ask|book|go|do|come)\b|\bi mean\b|"
    r"\bcan'?t believe\b|^(?:i'm|i am|im) (?:so|such) |^i bet\b|"
    r"^you (?:can|may|could) (?:proceed|go ahead|continue|carry on|book|do)\b|"
    r"^(?:i|we) (?:just )?(?:need|want|would like|'d like) (?:your |some |a little )?help$|"
    r"^(?:what|when|where|why|how|which|who)(?:'s| (?:is|are|was|were|do|does|did|can|could|"
    r"will|would|should|about|time|much|many|long))\b|"
    r"^(?:is|are|was|were|do|does|did|can|could|will|would|should|have|has) (?:it|there|this|"
    r"that|you|they|he|she|we|i|my|the)\b",
    re.IGNORECASE,
)
"""Names, a bare "this is Sam", "I have a question", goodbyes, praise, fillers, requests of
the agent, redaction placeholders, credentials and security answers (a PIN, an account number,
a mother's maiden name), a question without its question mark: nothing of the customer's
situation to say back. Nor a plan they dropped ("I was going to say Thursday… how about
Friday?"), "I mean", or a state said back that mocks ("so you can't believe you got lost
again", "so you are so lost")."""
_JOIN = _wordset(
    "and but so because since which who that when while after before as with for on at "
    "in from by until unless although though or if where"
)
"""A long clause is cut before one of these: what comes before it still reads whole."""
_DANGLING = _wordset(
    "and or but so because the a an to of with for which who my your our their his "
    "her its is are was were be been am at in on by from as if when then "
    "also though than very really just even somehow suddenly basically actually dr mr mrs ms st"
)
_PRONOUN_CLAUSE = re.compile(
    r"\s+(?=(?:i'm|i've|i'd|i'll)\s|i\s+(?:like|will|really|wanna|recently|lost|need|want|"
    r"would|'d|am|was|have|had|just|think|called|"
    r"lost|tried|got|also|don't|didn't|can't|cannot|can|could|noticed|ordered|paid|bought|"
    r"moved|received|wanted|needed|haven't|hadn't|still|only|never|already)\b)",
)
"""In an unpunctuated transcript ("my card was stolen i need a new one"), where a new clause
with I starts."""
_CLAUSE_SPLIT = re.compile(
    r"\s*(?:\.{2,}|…)\s*|\s*;\s*|,\s+(?=(?:but|so|and then|though)\b)|\s+[—–]\s+|"
    r"[,\s]+(?=please\b)",
    re.IGNORECASE,
)
_INTERJECTION = re.compile(
    r"\s*[-–—]?\s*(?<![\w'])(?:ugh+|argh+|lol|lmao|haha+|hehe+|omg|yikes|meh)(?![\w'])[!.]*",
    re.IGNORECASE,
)
"""An interjection inside a clause ("reorganizing my planner -ugh"): never said back."""
_EMOTICON = re.compile(
    r"(?<!\w)(?:[:;=8][-'^]?[()\[\]DPpOo/\\|*3]+|<3+|xd+|\^_*\^)(?!\w)|"
    r"[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]",
    re.IGNORECASE,
)
"""Emoticons and emoji: never part of the words said back."""
_MISTURNED = re.compile(
    r"\bus\s+(?!(?:about|at|for|from|in|into|on|to|with|by|over|after|before|again|back|"
    r"that|the|a|an|this|these|those|my|your|our|their|its|it|if|and|or|but|so|because|"
    r"when|yet|twice|once|now|today|yesterday|already|anything|any|some|all|up|out|off|"
    r"down|here|there|know|\d)\b)[A-Za-z]",
    re.IGNORECASE,
)
"""The customer's "you" said back as an object before a verb ("I hope you get" → "you hope
us get", "actually you wrote" → "actually us wrote"): the customer spoke to the company in a
way no pronoun swap turns right, so the clause is not said back."""
_LOWER_WORD = re.compile(r"(?<![\w'’])[a-z]{3,}(?![\w'’])")
_BRITISH = (
    (re.compile(r"our"), "or"),
    (re.compile(r"is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"yse(d|s)?$"), r"yze\1"),
    (re.compile(r"tre(s?)$"), r"ter\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"),
    (re.compile(r"ll(ed|ing|er)$"), r"l\1"),
    (re.compile(r"ence$"), r"ense"),
)
"""British spellings turned American, for the spelling dictionary: colour, organised, centre."""
_BRACKET = re.compile(r"[(){}<>]|\[(?![A-Z_]+\])|(?<![A-Z_])\]")
"""Brackets, except those of a redaction placeholder ([NAME]: never said back)."""
_SPACE_BEFORE = re.compile(r"\s+([,;:.!?])")
SENTENCE_SPLIT = re.compile(
    r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!Mrs\.)(?<!\bSt\.)(?<!\bNo\.)\s+|\n+"
)
_WORD = re.compile(r"[A-Za-z0-9$£€][A-Za-z0-9$£€'’.,:/-]*[A-Za-z0-9]|[A-Za-z0-9]")


def _stop() -> frozenset[str]:
    return wordlist("stopwords")


@cache
def _speller() -> SpellChecker:
    return SpellChecker(distance=1)


def misspelt(text: str) -> list[str]:
    """The lower-case words of `text` no English dictionary knows ("thiings", "hopiong"), in
    American or British spelling; names, acronyms and numbers are not checked. Said back, a
    customer's typo reads as the agent's."""
    words = [w for w in _LOWER_WORD.findall(text) if w not in wordlist("known_words")]
    unknown = _speller().unknown(words) if words else set()
    return [
        word
        for word in words
        if word in unknown
        and not any(
            pattern.search(word) and not _speller().unknown([pattern.sub(to, word)])
            for pattern, to in _BRITISH
        )
    ]


def clauses(text: str) -> list[str]:
    """The clauses of a customer's turn, openers and trailing fillers dropped."""
    found = []
    text = _BRACKET.sub(" ", _INTERJECTION.sub(" ", _EMOTICON.sub(" ", text)))
    text = _SPACE_BEFORE.sub(r"\1", text.strip())
    for sentence in SENTENCE_SPLIT.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        question = sentence.endswith("?")
        pieces = _CLAUSE_SPLIT.split(sentence)
        if not any(c in sentence for c in ".,;!?") or len(sentence.split()) > 2 * MAX_WORDS:
            pieces = [p for piece in pieces for p in _PRONOUN_CLAUSE.split(piece)]
        for piece in pieces:
            piece = _tidy(piece)
            if piece:
                found.append(piece + ("?" if question and not piece.endswith("?") else ""))
    return found


def _tidy(piece: str) -> str:
    """A clause without its opening greeting or filler, trailing filler and end stops."""
    for _ in range(3):
        before = piece
        piece = _OPENING.sub("", piece.strip())
        piece = _TRAILING.sub("", piece.strip().rstrip(".!?…,;: "))
        if piece == before:
            break
    return piece.strip(" ,;:-—–\"'“”")


_REPEATS = re.compile(r"\b([A-Za-z']+)(?:\s+\1\b)+", re.IGNORECASE)
"""A word typed twice or more in a row ("a a time"): said back once."""
_SUBORDINATE = re.compile(
    r"^(?:since|because|cause|cos|if|although|though|unless|while|whereas|as|so that|even if|"
    r"even though|when|whenever|after|before|until|till|unless)\b",
    re.IGNORECASE,
)


def worth_saying_back(clause: str) -> bool:
    """A statement of the customer's situation: at least three words, not a question, an
    order to the agent, a verdict on the company, "as I said…", thanks, a name or a goodbye."""
    if clause.endswith("?") or len(_WORD.findall(clause)) < 3:
        return False
    if misspelt(clause) or _SELF_INSULT.search(clause) or _MISTURNED.search(second_person(clause)):
        return False
    if _SUBORDINATE.match(clause) and "," not in clause:
        return False  # "since there are no flights": a clause with no main clause
    if not _SUBORDINATE.match(clause) and not _has_subject(clause):
        return False
    return not (
        _TO_THE_AGENT.match(clause)
        or _VERDICT.match(clause)
        or _NOT_SAID_BACK.search(clause)
        or lexicon("not_heard").search(clause)
        or lexicon("emotion_satisfaction").search(clause)
    )


_PIECES = re.compile(
    r",|\s+and\s+(?=(?:please\s+|just\s+)?(?:tell|give|send|let|show|find|get|book|"
    r"check|call|email|text|help|explain)\b)",
    re.IGNORECASE,
)


_SUBJECTS = _wordset(
    "i i'm i've i'd i'll im ive you you're youre we we're they they're he she it it's its this "
    "that there there's these those my your our their his her the a an someone somebody "
    "nobody nothing everything everyone one some no none each every all both another "
    "something anyone anything mine yours"
)
_NOT_A_SUBJECT = re.compile(
    r"^(?:still|need|needs|got|get|just|also|really|not|never|been|have|had|want|wanted|would|"
    r"could|can|will|please|maybe|probably|only|even|already|was|were|is|are|am|do|does|did|"
    r"hope|hoping|looking|trying|going|thinking|must|should|might|may|wish|like|love|hate)$"
    r"|(?:ing|ed|ly)$",
    re.IGNORECASE,
)


_NUMBER_WORDS = _wordset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty fifty hundred"
)
_VERB_SIGN = re.compile(
    r"\b(?:is|are|was|were|am|be|been|being|have|has|had|do|does|did|can|could|will|would|"
    r"should|may|might|must|need|needs|want|wants|got|get|gets|keep|keeps|came|come|went|go|"
    r"goes|took|take|takes|left|lost|paid|said|told|cost|costs|works|work)\b|\w(?:ed|n't)\b|"
    r"\w'(?:s|re|m|ve|d|ll)\b",
    re.IGNORECASE,
)
_TRAILING_SUBORDINATE = re.compile(
    r"\s+(?:and|but|or)\s+(?:before|after|when|while|if|because|since|although|though|until|"
    r"as soon as|unless)\b.*$",
    re.IGNORECASE,
)
"""A subordinate clause joined at the end with no main clause of its own ("… and before you
could cancel it"): said back without it."""
_SELF_INSULT = re.compile(
    r"\b(?:i'm|i am|im)\s+(?:such\s+)?(?:an?\s+)?(?:idiot|stupid|dumb|moron|fool|dummy|"
    r"dimwit|loser)\b",
    re.IGNORECASE,
)
"""The customer running themselves down: said back, it insults them."""


def _has_subject(clause: str) -> bool:
    """Whether a clause starts with its subject: a pronoun, a determiner, a number or a name
    ("Snow isn't very good", "Amazon charged me"), not a verb or an adverb ("Still a little
    chilly", "Need a ride", "Waiting for my refund"): said back, it must read as a sentence."""
    first = clause.split(" ", 1)[0].strip("\"'“”").replace("’", "'")
    if first[:1].isdigit() or first.lower() in _NUMBER_WORDS:
        return bool(_VERB_SIGN.search(clause))  # "3 people are coming", not "three course meal"
    if first.lower() in _SUBJECTS or first[:1] in "$£€":
        return True
    return first[:1].isupper() and not _NOT_A_SUBJECT.search(first)


def _bad(piece: str) -> bool:
    """A piece no sentence said back may hold: an order to the agent, a verdict on the
    company, "as I said…" or a name."""
    return bool(
        _TO_THE_AGENT.match(piece)
        or _VERDICT.match(piece)
        or _NOT_SAID_BACK.search(piece)
        or lexicon("not_heard").search(piece)
    )


def _candidates(clause: str) -> list[str]:
    """The clause, when none of its comma-joined pieces is bad; else its good pieces alone
    ("you promise it's you, just let you in" → "you promise it's you")."""
    pieces = [_tidy(p) for p in _PIECES.split(clause)]
    if len(pieces) == 1 or not any(_bad(p) for p in pieces):
        return [clause]
    return [p for p in pieces if p and not _bad(p)]


_NEEDS_MORE = _wordset(
    "need needs needed want wants wanted like would going have has had trying tried able "
    "planning hoping looking waiting pay paid asked supposed used get got make made is are was "
    "were be been am you we i they it realized realised noticed think thought said says "
    "hope hoped know knew found saw heard wonder wondered guess figured told"
)
"""Words a clause cannot end on: a cut right after them leaves it unfinished ("you need")."""


def _cut(clause: str, max_words: int) -> str | None:
    """The clause, or its start up to a joining word when it is long; None when it has no
    place to cut that leaves at least four words."""
    words = clause.split()
    if len(words) <= max_words:
        return clause
    for end in range(max_words, 3, -1):
        if words[end - 1].lower() in _NEEDS_MORE:
            continue
        if words[end].lower().strip(",") in _JOIN or words[end - 1].endswith(","):
            return " ".join(words[:end]).rstrip(",")
    return None


_STRANDED = _wordset("to at in on for with of from about by")
"""Prepositions a whole clause may end on ("the wedding I just got invited to")."""


def _trim(words: str, *, whole: bool = False) -> str:
    """No joining word or article left hanging at the end; a `whole` clause (not cut) keeps
    a preposition it ends on."""
    parts = words.split()
    while (
        len(parts) > 1
        and parts[-1].lower().strip(",.") in _DANGLING
        and not (whole and parts[-1].lower().strip(",.") in _STRANDED)
    ):
        parts.pop()
    return " ".join(parts).rstrip(",;:-–—")


def lower_first(words: str, source: str) -> str:
    """A clause said back mid-sentence: its first word in lower case unless it is a name or an
    acronym (capitalised where it does not start a sentence in `source`, or all capitals)."""
    first = words.split(" ", 1)[0]
    bare = first.strip("\"'“”")
    if not bare or bare.lower() == bare:
        return words
    if bare.lower() in _stop() or bare.lower() in ("you", "your", "we", "our", "us"):
        return words[:1].lower() + words[1:]
    if len(bare) > 1 and bare.isupper():
        return words
    if re.search(rf"(?<![.!?]\s)(?<!^)\b{re.escape(bare)}\b", source.strip()[1:]):
        return words  # capitalised mid-sentence too: a name
    return words[:1].lower() + words[1:]


_QUOTE_MARKS = re.compile(r"[\"“”]")


def say_back(turns: Iterable[str], *, max_words: int = MAX_WORDS) -> str | None:
    """The customer's words to say back, from the first of `turns` (most relevant first) that
    has a clause worth saying back: its first such clause of ENOUGH_WORDS words, else its
    longest, in the agent's voice, starting in
    lower case, without final punctuation. None when no turn has one."""
    for text in turns:
        best: str | None = None
        for clause in (c for whole in clauses(text) for c in _candidates(whole)):
            if not worth_saying_back(clause):
                continue
            clause = _TRAILING_SUBORDINATE.sub("", clause)
            first = clause.split(", ", 1)[0]
            if first != clause and worth_saying_back(first):
                clause = first  # "I do need parking, also if there is any": the first part
            cut = _cut(clause, max_words)
            if cut is None:
                continue
            cut = _trim(_REPEATS.sub(r"\1", cut), whole=cut == clause)
            if DANGLING_END.search(cut + "."):
                continue  # "an appointment with": something was left out
            if len(_WORD.findall(cut)) < 3:
                continue
            if best is None or len(cut.split()) > len(best.split()):
                best = cut
            if len(best.split()) >= ENOUGH_WORDS:
                break  # the first clause that says enough: it usually states the problem
        if best is not None and len(_WORD.findall(best)) >= 3:
            best = " ".join(_QUOTE_MARKS.sub(" ", best).split())  # the tip's own quotes enclose it
            return lower_first(second_person(best), text)
    return None


_ASKS = re.compile(
    r"^(?:what|when|where|why|how|which|who|whose|whom|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|shall|may|might|have|has|had|am|isn't|aren't|don't|doesn't|didn't|"
    r"can't|won't|wouldn't)\b",
    re.IGNORECASE,
)


def ask_back(question: str, *, max_words: int = 16) -> str | None:
    """A customer's question in the agent's voice, to ask back: "Can I change the address on
    order 4411?" → "can you change the address on order 4411?"; the part of it that asks
    (after a comma) when it starts elsewhere; None when no part reads as a question."""
    pieces = [c for c in clauses(question) if c.endswith("?")]
    if not pieces:
        return None
    parts = [_tidy(p) for p in pieces[-1].rstrip("?").split(",")]
    least = 3 if len(parts) == 1 else 4
    asking = [p for p in parts if _ASKS.match(p) and len(p.split()) >= least]
    if not asking:
        return None
    words = _trim(asking[-1]).split()
    if len(words) > max_words:
        return None
    return lower_first(second_person(" ".join(words)), question) + "?"


# --- sentences ---------------------------------------------------------------------------

QUOTES_OPEN = "“\"'‘("
_QUOTES_CLOSE = "”\"'’)"


def sentence(text: str) -> str:
    """`text` as a complete sentence: capital first letter (inside any opening quote) and
    final punctuation (inside any closing quote); doubled spaces closed."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return text
    lead = len(text) - len(text.lstrip(QUOTES_OPEN))
    text = text[:lead] + text[lead : lead + 1].upper() + text[lead + 1 :]
    body = text.rstrip(_QUOTES_CLOSE)
    tail = text[len(body) :]
    if not body.endswith((".", "?", "!")):
        body = body.rstrip(" ,;:—–-…") + "."
    return body + tail


_JOINING_OPENER = re.compile(
    r"^(?:(?:also|plus|p\.?s\.?|another thing|one more thing)[,:]|and also|and|oh,? and)\s+",
    re.IGNORECASE,
)


def verbatim(text: str) -> str:
    """The customer's own words to quote inside a suggestion: emoticons, a joining opener
    ("Also, …", "And …": the customer's link to what came before) and the final full stop
    dropped (the suggestion's own punctuation follows), spaces closed and put after commas."""
    words = " ".join(_EMOTICON.sub(" ", text).split())
    words = _JOINING_OPENER.sub("", words)
    words = _SPACE_BEFORE.sub(r"\1", words)  # "information ,other" → "information,other"
    words = re.sub(r"([,;:])(?=[A-Za-z])", r"\1 ", words)
    return (words[:1].upper() + words[1:]).rstrip(".!,;: ")


def pointing_at(template: str, words: str, *, alone: str) -> str:
    """`template` with the customer's own `words` in place of {words} ("Answer the customer's
    question first: “{words}”"), or the instruction `alone` when they hold a typo: "“Im
    exhasuted, hows your day going?”" quoted in a tip reads as our mistake (judged
    ungrammatical, sample t)."""
    said = verbatim(words)
    if not said or misspelt(said):
        return alone
    return template.replace("{words}", said)


def quoted(*sentences: str) -> str:
    """Words for the agent to say, each a complete sentence, in quotation marks."""
    return "“" + " ".join(sentence(s) for s in sentences if s) + "”"


DANGLING_END = re.compile(
    r"\b(?:and|or|but|because|the|a|an|of|also|though|my|your)\s*[.?!]"
    r"|(?<!\bdie )(?<!\bwait )(?<!\blooking )(?<!\bwaiting )(?<!\binvited )(?<!\bused )"
    r"(?<!\bpaid )(?<!\basked )(?<!\bgoing )(?<!\bsigned up )(?<!\bcame )\b(?:to|with|for)\s*[.!]",
    re.IGNORECASE,
)
"""A sentence that ends on a word that needs more after it; a preposition a whole clause ends
on ("invited to", "to die for", "what I paid for") or a question strands ("what day is the
booking for?") is English."""
DANGLING_START = re.compile(r"^\W*(?:and|or|but|nor|because|than)\b", re.IGNORECASE)
"""Words that open on a word that needs more before it: "or not" is the end of "Are you going
to replace it or not?", no phrase of its own."""

# --- what words said back keep --------------------------------------------------------

_FIRST_PERSON = re.compile(r"\b(?:i|my|me|mine|myself|i'm|i've|i'd|i'll|im)\b", re.IGNORECASE)
_GREETING_WORDS = re.compile(
    r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks|thank you|dear)\b|"
    r"\bmy name is\b|\byour name is\b",
    re.IGNORECASE,
)


def said_back_problems(words: str) -> list[str]:
    """What is wrong with words chosen to say back (empty when none): first person left
    unturned, a greeting or a name, final punctuation, too few words."""
    problems = []
    if _FIRST_PERSON.search(words):
        problems.append("first person not turned into second")
    if _GREETING_WORDS.search(words):
        problems.append("a greeting or a name")
    if words.rstrip().endswith((".", "!", "?", ",")):
        problems.append("ends with punctuation")
    if len(_WORD.findall(words)) < 3:
        problems.append("fewer than three words")
    if re.search(r"[()\[\]{}<>]", words):
        problems.append("a bracket or an emoticon")
    last = words.split()[-1].lower() if words.split() else ""
    if not last or (last in _DANGLING and last not in _STRANDED):
        problems.append("ends on a joining word")  # "invited to" is English, "and" is not
    return problems
