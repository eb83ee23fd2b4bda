"""Find personal data in text, so it can be replaced before a transcript is stored.

Each finder returns :class:`Hit` values (kind and character span);
:func:`heard.redact.text.find_pii` runs the finders asked for and resolves overlaps by
priority: email, IBAN and card first, then SSN, then phone. Each finder starts with a
cheap precompiled pre-check, and the slow phone matcher only runs on text that holds
seven digits close together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from stdnum import iban as _iban
from stdnum import luhn as _luhn
from stdnum.us import ssn as _ssn


class Kind(StrEnum):
    """A kind of personal data that redaction replaces, with its placeholder."""

    CARD = "card"
    EMAIL = "email"
    PHONE = "phone"
    SSN = "ssn"
    IBAN = "iban"
    FIRST_NAME = "first_name"
    MIDDLE_NAME = "middle_name"
    LAST_NAME = "last_name"

    @property
    def placeholder(self) -> str:
        return f"[{self.name}]"


PATTERN_KINDS: tuple[Kind, ...] = (Kind.CARD, Kind.EMAIL, Kind.PHONE, Kind.SSN, Kind.IBAN)
"""The kinds found by their shape in any text (the finders below), in a fixed order."""

ALL_KINDS: frozenset[Kind] = frozenset(PATTERN_KINDS)
"""What `redact_text` looks for unless told otherwise: every kind found by its shape."""

NAME_KINDS: tuple[Kind, ...] = (Kind.FIRST_NAME, Kind.MIDDLE_NAME, Kind.LAST_NAME)
"""The words of a customer's name, found only where the conversation names the customer
(`heard.redact.names`)."""

# Lower rank wins an overlap; within a rank the longer span wins.
PRIORITY: dict[Kind, int] = {Kind.EMAIL: 0, Kind.IBAN: 0, Kind.CARD: 0, Kind.SSN: 1, Kind.PHONE: 2}


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of personal data found in a text: its kind and [start, end)."""

    kind: Kind
    start: int
    end: int


def _cue_window(lowered: str, start: int, width: int = 40) -> str:
    """The text just before ``start``, cut after the last digit or placeholder, so that a
    cue for an earlier number is not borrowed by this one."""
    window = lowered[max(0, start - width) : start]
    for i in range(len(window) - 1, -1, -1):
        if window[i].isdigit() or window[i] == "]":
            return window[i + 1 :]
    return window


# Letters, two check digits and groups of four: the shape of an IBAN, valid or not.
_IBAN_SHAPE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?", re.IGNORECASE
)


def iban_shapes(text: str) -> list[tuple[int, int]]:
    """Spans shaped like an IBAN; digits inside them are not phones or cards."""
    return [m.span() for m in _IBAN_SHAPE.finditer(text)]


def _inside_any(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


# --- payment cards ----------------------------------------------------------------------

# A run of digit groups joined by single spaces, dashes or commas (speech recognition writes a
# card read out in fours as "4539, 1726, 0528, 3919"), not glued to a word.
_DIGIT_RUN = re.compile(r"(?<![\w])\d+(?:(?:[ -]|, ?)\d+)*(?!\w)")
_GROUP = re.compile(r"\d+")


def card_brand(digits: str) -> str | None:
    """The card network whose IIN range and length fit ``digits``, if any."""
    n = len(digits)
    d1, d2, d4, d6 = digits[:1], int(digits[:2]), int(digits[:4]), int(digits[:6])
    if d1 == "4":
        return "visa" if n in (16, 19) else None
    if 51 <= d2 <= 55 or 2221 <= d4 <= 2720:
        return "mastercard" if n == 16 else None
    if d2 in (34, 37):
        return "amex" if n == 15 else None
    if d4 == 6011 or 644 <= int(digits[:3]) <= 649 or d2 == 65 or 622126 <= d6 <= 622925:
        return "discover" if 16 <= n <= 19 else None
    if 3528 <= d4 <= 3589:
        return "jcb" if 16 <= n <= 19 else None
    if 300 <= int(digits[:3]) <= 305 or d2 in (36, 38, 39):
        return "diners" if 14 <= n <= 19 else None
    if d2 == 62:
        return "unionpay" if 16 <= n <= 19 else None
    if d2 == 50 or 56 <= d2 <= 69:
        return "maestro" if 13 <= n <= 19 else None
    return None


def is_card_number(digits: str) -> bool:
    """13–19 digits, an IIN range and length of a known network, and a valid Luhn digit."""
    return 13 <= len(digits) <= 19 and card_brand(digits) is not None and _luhn.is_valid(digits)


def find_cards(text: str) -> list[Hit]:
    hits: list[Hit] = []
    lowered: str | None = None
    shapes: list[tuple[int, int]] | None = None
    for run in _DIGIT_RUN.finditer(text):
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(run.group())]
        total = sum(e - s for s, e in groups)
        if total < 13:
            continue
        if lowered is None:
            lowered = text.lower()
            shapes = iban_shapes(text)
        base = run.start()
        if _ID_CUE.search(_cue_window(lowered, base)):
            continue  # "order 659-2890292-9456795": an identifier that passes Luhn by chance
        found = _card_in_groups(run.group(), groups)
        if found is None:
            continue
        start, end = base + found[0], base + found[1]
        if shapes and _inside_any(shapes, start, end):
            continue
        hits.append(Hit(Kind.CARD, start, end))
    return hits


def _card_in_groups(run: str, groups: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The card in a digit run: the whole run, else its first groups when at most
    eight digits follow (an expiry and a CVV typed straight after the number)."""
    n = len(groups)
    windows = [(0, n)]
    for k in range(n - 1, 0, -1):
        if sum(e - s for s, e in groups[k:]) > 8:
            break
        windows.append((0, k))
    for i, j in windows:
        start, end = groups[i][0], groups[j - 1][1]
        digits = "".join(run[s:e] for s, e in groups[i:j])
        if is_card_number(digits):
            return start, end
    return None


# --- email ------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+'%-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-])"
)


# "jane dot doe at gmail dot com", as speech recognition writes a spoken address.
_SPOKEN_TLD = r"(?:com|net|org|edu|gov|info|biz|[a-z]{2})"
_SPOKEN_EMAIL = re.compile(
    r"(?<![\w'])[a-z0-9]+(?:'[a-z0-9]+)?"
    r"(?:(?:\s+(?:dot|underscore|dash|hyphen|plus)\s+|[._-])[a-z0-9]+(?:'[a-z0-9]+)?)*"
    r"\s+at\s+[a-z0-9-]+(?:(?:\s+dot\s+|\.)[a-z0-9-]+)*(?:\s+dot\s+|\.)"
    rf"{_SPOKEN_TLD}\b",
    re.IGNORECASE,
)
_SPOKEN_EMAIL_HINT = re.compile(rf"\bdot\s+{_SPOKEN_TLD}\b", re.IGNORECASE)


# "merielatyahoo .com", "maria at yahoo .com": a spoken address speech recognition garbled
# (tiny.en on "my email is maria at yahoo dot com"), found by a mail provider's name before a
# top-level domain; with the words glued to it and an "at" before it, when there is one.
_MAIL_PROVIDERS = (
    r"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|aol|icloud|me|mac|protonmail|"
    r"proton|gmx|zoho|comcast|verizon|att|sbcglobal|btinternet|mail)"
)
TLD_HINT = re.compile(r"(?:\.|\bdot)\s?(?:com|net|org|co\.uk|de|fr|ca)\b", re.IGNORECASE)
"""A top-level domain written or spoken ("merielatyahoo .com", "gmail dot com"): the cheap
check before a garbled address is looked for (and `text.may_hold_pii`'s)."""
_GARBLED_EMAIL = re.compile(
    r"(?<![\w'@.])(?:[a-z0-9][a-z0-9._-]*\s+at\s+)?[a-z0-9._-]*?"
    rf"{_MAIL_PROVIDERS}\s*(?:\.|\s+dot)\s*(?:com|net|org|co\.uk|de|fr|ca)\b",
    re.IGNORECASE,
)


def find_emails(text: str) -> list[Hit]:
    hits: list[Hit] = []
    if "@" in text:
        hits += [Hit(Kind.EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
    if _SPOKEN_EMAIL_HINT.search(text):
        pos = 0
        while (m := _SPOKEN_EMAIL.search(text, pos)) is not None:
            # "reach me at anna dot ng at yahoo dot com": the address starts at the last "at".
            while (later := _SPOKEN_EMAIL.match(text, _after_at(m))) is not None:
                m = later
            hits.append(Hit(Kind.EMAIL, m.start(), m.end()))
            pos = m.end()
    garbled = _GARBLED_EMAIL.finditer(text) if TLD_HINT.search(text) else ()
    for m in garbled:  # what the spoken and written forms left
        if not any(h.start < m.end() and m.start() < h.end for h in hits):
            hits.append(Hit(Kind.EMAIL, m.start(), m.end()))
    return hits


def _after_at(m: re.Match[str]) -> int:
    """Where the domain of a spoken-address match begins."""
    return m.start() + re.search(r"\s+at\s+", m.group(), re.IGNORECASE).end()  # type: ignore[union-attr]


# --- IBAN -------------------------------------------------------------------------------

_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){10,32}")


def find_ibans(text: str) -> list[Hit]:
    hits: list[Hit] = []
    pos = 0
    while (m := _IBAN.search(text, pos)) is not None:
        pos = m.start() + 1
        candidate = m.group()
        # Cut points: the end of the candidate if nothing alphanumeric follows, and each space.
        ends = [i for i, c in enumerate(candidate) if c == " "]
        if not text[m.end() : m.end() + 1].isalnum():
            ends.append(len(candidate))
        for end in sorted(ends, reverse=True):
            piece = candidate[:end]
            if len(piece) - piece.count(" ") >= 15 and _iban.is_valid(piece):
                hits.append(Hit(Kind.IBAN, m.start(), m.start() + end))
                pos = m.start() + end
                break
    return hits


# --- US social security numbers ---------------------------------------------------------

_SSN_GROUPED = re.compile(r"(?<![\w.,/-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w/]|[.,-]\d)")
_SSN_BARE = re.compile(r"(?<![\w.,/-])\d{9}(?![\w/]|[.,-]\d)")
_SSN_CUE = re.compile(r"\b(?:ssn|social security|social sec|soc sec|social)\b")


def is_ssn(digits: str) -> bool:
    """A nine-digit string that stdnum accepts as a US SSN (no 000, 666, 9xx areas…)."""
    return len(digits) == 9 and _ssn.is_valid(f"{digits[:3]}-{digits[3:5]}-{digits[5:]}")


def has_ssn_cue(lowered: str, start: int) -> bool:
    """An SSN cue in the words just before ``start``, with no other number between,
    and no identifier word ("account number", "member id") right before it."""
    window = _cue_window(lowered, start)
    return _SSN_CUE.search(window) is not None and _ID_CUE.search(window) is None


def find_ssns(text: str) -> list[Hit]:
    hits = [
        Hit(Kind.SSN, m.start(), m.end())
        for m in _SSN_GROUPED.finditer(text)
        if is_ssn(m.group(1) + m.group(3) + m.group(4))
    ]
    bare = list(_SSN_BARE.finditer(text))
    if bare:
        lowered = text.lower()
        hits += [
            Hit(Kind.SSN, m.start(), m.end())
            for m in bare
            if is_ssn(m.group()) and has_ssn_cue(lowered, m.start())
        ]
    return hits


# --- phone numbers ----------------------------------------------------------------------

# Valid for its region and grouped as that region groups numbers: "1165 6796 8095" is not.
LENIENCY = phonenumbers.Leniency.STRICT_GROUPING
# Seven digits with at most a few separator characters between each: worth asking.
_SEVEN_DIGITS = re.compile(r"\d(?:[^\d\n]{0,4}\d){6}")
# Words that make a bare digit string an identifier rather than a phone number.
_ID_CUE = re.compile(
    r"\b(?:order|invoice|inv|tracking|track|confirmation|conf|reference|ref|account|acct|"
    r"case|ticket|claim|policy|booking|reservation|member|membership|serial|sku|item|"
    r"transaction|txn|receipt|shipment|parcel|package|customer|id)"
    r"(?:\s+(?:number|no\.?|num|id|code))?\s*(?:is|was|:|#|-)?\s*#?\s*$"
)
# "<noun> number 4155550132": a number named by a noun that is not about phoning.
_NAMED_NUMBER = re.compile(r"\b([a-z]+)\s+(?:number|no\.?|num|#|id|code)\s*(?:is|was|:)?\s*#?\s*$")
_PHONE_NOUNS = frozenset(
    [
        "phone",
        "cell",
        "mobile",
        "telephone",
        "tel",
        "contact",
        "callback",
        "call",
        "text",
        "fax",
        "home",
        "work",
        "office",
        "direct",
        "my",
        "your",
        "his",
        "her",
        "their",
        "our",
        "the",
        "this",
        "that",
        "a",
        "best",
        "new",
        "old",
        "other",
        "main",
        "alternate",
        "daytime",
        "whatsapp",
        "landline",
        "emergency",
        "support",
        "toll",
        "free",
    ]
)
_MONEY_BEFORE = re.compile(r"[$€£¥]\s*$")
_DATE_START = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{2,4}(?!\d)")


def find_phones(text: str, region: str = "US") -> list[Hit]:
    if _SEVEN_DIGITS.search(text) is None:
        return []
    hits: list[Hit] = []
    lowered: str | None = None
    shapes: list[tuple[int, int]] | None = None
    for start, end, raw in _phone_matches(text, region):
        if _glued_to_digits(text, start, end) or _DATE_START.match(raw):
            continue
        if _MONEY_BEFORE.search(text, max(0, start - 3), start):
            continue
        if shapes is None:
            shapes = iban_shapes(text)
        if shapes and any(s < end and start < e for s, e in shapes):
            continue
        if raw.isdigit():
            if lowered is None:
                lowered = text.lower()
            window = _cue_window(lowered, start)
            if _ID_CUE.search(window):
                continue
            named = _NAMED_NUMBER.search(window)
            if named and named.group(1) not in _PHONE_NOUNS:
                continue
        hits.append(Hit(Kind.PHONE, start, end))
    return hits


# A stretch of digits and phone punctuation that the matcher may have read too far.
_PHONE_STRETCH = re.compile(r"\+?\(?\d[\d ().-]{5,}\d")


def _phone_matches(text: str, region: str) -> list[tuple[int, int, str]]:
    """libphonenumber's matches, and numbers it missed or cut short because another
    number followed ("call +1 415 555 0132 3 times"): for each long stretch of digits
    that no match starts, retry without its last one or two space-separated groups."""
    found = [
        (m.start, m.end, m.raw_string)
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=LENIENCY)
    ]
    for stretch in _PHONE_STRETCH.finditer(text):
        s, e = stretch.span()
        if sum(c.isdigit() for c in stretch.group()) < 11:
            continue
        overlapping = [f for f in found if f[0] < e and s < f[1]]
        if any(f[0] <= s + 1 for f in overlapping):
            continue
        retried = _retry_shorter(text, s, e, region)
        if retried is not None:
            found = [f for f in found if f not in overlapping] + [retried]
    return found


def _retry_shorter(text: str, s: int, e: int, region: str) -> tuple[int, int, str] | None:
    cut = e
    for _ in range(2):
        cut = text.rfind(" ", s, cut)
        if cut <= s:
            return None
        for m in phonenumbers.PhoneNumberMatcher(text[:cut], region, leniency=LENIENCY):
            if m.end == cut and m.start >= s - 1:
                return m.start, m.end, m.raw_string
    return None


def _glued_to_digits(text: str, start: int, end: int) -> bool:
    """True when the match is part of a longer run of digit groups (a card, an id…)."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    if before[-1:].isdigit() or after[:1].isdigit():
        return True
    if len(before) == 2 and before[1] in "-.:/" and before[0].isdigit():
        return True
    if len(before) == 2 and before[1] == "-" and before[0].isalpha():
        return True  # "SN-1198-4422-2631", "INV-…": part of an identifier
    return len(after) == 2 and after[0] in "-.:/" and after[1].isdigit()
