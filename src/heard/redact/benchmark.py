"""Measure redaction recall and precision on generated customer-service sentences.

A seeded generator writes sentences that embed personal data of each kind in many
formats, and sentences full of look-alikes that are not personal data (order ids,
dates, money, times, Luhn-invalid numbers, zip codes, tracking numbers…). The truth is
known exactly, so :func:`measure` can count, per kind, how much was replaced by the
right placeholder (recall) and how many placeholders were right (precision).
"""

from __future__ import annotations

import random
import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from stdnum import luhn

from heard.redact.detect import PATTERN_KINDS, Kind
from heard.redact.text import redact_text


@dataclass(slots=True)
class Sample:
    """A generated sentence and the true personal-data spans in it."""

    text: str
    truth: list[tuple[Kind, int, int]] = field(default_factory=list)


class _Builder:
    """Builds a sentence piece by piece, remembering where the personal data went."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.truth: list[tuple[Kind, int, int]] = []

    def add(self, text: str, kind: Kind | None = None) -> _Builder:
        if kind is not None:
            self.truth.append((kind, self.length, self.length + len(text)))
        self.parts.append(text)
        self.length += len(text)
        return self

    def sample(self) -> Sample:
        return Sample("".join(self.parts), self.truth)


# --- personal data of each kind ---------------------------------------------------------

_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _spoken(rng: random.Random, digits: str, groups: list[int]) -> str:
    words = [("oh" if d == "0" and rng.random() < 0.5 else _DIGIT_WORDS[int(d)]) for d in digits]
    out: list[str] = []
    at = 0
    for size in groups:
        out.append(" ".join(words[at : at + size]))
        at += size
    return (", " if rng.random() < 0.5 else " ").join(out)


def _group(digits: str, sizes: list[int], sep: str) -> str:
    pieces, at = [], 0
    for size in sizes:
        pieces.append(digits[at : at + size])
        at += size
    return sep.join(pieces)


def card_number(rng: random.Random) -> tuple[str, str]:
    """A Luhn-valid number of a real network, and the network's name."""
    brand = rng.choice(["visa", "visa", "mastercard", "mastercard", "amex", "discover"])
    if brand == "visa":
        prefix, length = "4", 16
    elif brand == "mastercard":
        prefix = str(rng.randint(51, 55)) if rng.random() < 0.7 else str(rng.randint(2221, 2720))
        length = 16
    elif brand == "amex":
        prefix, length = rng.choice(["34", "37"]), 15
    else:
        prefix, length = rng.choice(["6011", "65", str(rng.randint(644, 649))]), 16
    body = prefix + _digits(rng, length - len(prefix) - 1)
    return body + luhn.calc_check_digit(body), brand


def card_text(rng: random.Random, digits: str, brand: str) -> str:
    sizes = [4, 6, 5] if brand == "amex" else [4, 4, 4, 4]
    style = rng.random()
    if style < 0.4:
        return _group(digits, sizes, " ")
    if style < 0.7:
        return _group(digits, sizes, "-")
    if style < 0.9:
        return digits
    if style < 0.95:
        return " ".join(digits)  # speech recognition writing each digit apart
    return _spoken(rng, digits, sizes)


_FIRST = ["jane", "john", "maria", "wei", "oluwaseun", "siobhan", "jose", "anna", "li", "mohammed"]
_LAST = ["doe", "smith", "garcia", "nguyen", "o'brien", "kowalski", "müller", "patel", "lee", "ng"]
_DOMAINS = [
    "gmail.com",
    "yahoo.co.uk",
    "outlook.com",
    "hotmail.fr",
    "icloud.com",
    "mail.acme-corp.com",
    "cs.stanford.edu",
    "example.org",
    "startup.io",
    "web.de",
    "company.com.au",
    "post.harvard.edu",
    "protonmail.ch",
    "my-isp.net",
]


def email_text(rng: random.Random) -> str:
    first = rng.choice(_FIRST)
    last = rng.choice(_LAST).replace("ü", "u")
    shapes: list[Callable[[], str]] = [
        lambda: f"{first}.{last}",
        lambda: f"{first}{last}",
        lambda: f"{first[0]}{last}",
        lambda: f"{first}_{last}{rng.randint(1, 99)}",
        lambda: f"{first}-{last}",
        lambda: f"{first}+{rng.choice(['orders', 'spam', 'shop'])}",
        lambda: f"{first}.{last}{rng.randint(1950, 2010)}",
        lambda: f"{first[0]}{last[0]}{rng.randint(100, 99999)}",
        lambda: f"{first.capitalize()}.{last.capitalize()}",
        lambda: f"{last}.{first}.{rng.choice(['work', 'home'])}",
    ]
    local = rng.choice(shapes)()
    domain = rng.choice(_DOMAINS)
    if rng.random() < 0.08:  # read out on a call and written down by speech recognition
        spoken_local = re.sub(r"[._+-]", lambda m: f" {_SYMBOL_WORDS[m.group()]} ", local.lower())
        return f"{spoken_local} at {domain.replace('.', ' dot ')}"
    address = f"{local}@{domain}"
    return address.upper() if rng.random() < 0.05 else address


_SYMBOL_WORDS = {".": "dot", "_": "underscore", "-": "dash", "+": "plus"}

_AREA_CODES = [
    "201", "202", "206", "212", "213", "303", "305", "310", "312", "404", "415", "469",
    "503", "512", "602", "617", "646", "702", "713", "718", "773", "818", "917", "972",
]  # fmt: skip
_TOLL_FREE = ["800", "888", "877", "866"]


def _exchange(rng: random.Random) -> str:
    while True:
        ex = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
        if ex[1:] != "11":
            return ex


def phone_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.12:  # United Kingdom, international format
        if rng.random() < 0.5:
            a, b = _digits(rng, 3), _digits(rng, 4)
            return rng.choice([f"+44 20 7{a} {b}", f"+44 207 {a} {b}", f"+44 (0)20 7{a} {b}"])
        # Mobile ranges 074–075 and 077–079 (076 is pagers and personal numbering).
        return f"+44 7{rng.choice('45789')}{_digits(rng, 2)} {_digits(rng, 6)}"
    area = rng.choice(_TOLL_FREE) if rng.random() < 0.1 else rng.choice(_AREA_CODES)
    if rng.random() < 0.3:
        exchange, line = "555", f"01{_digits(rng, 2)}"
    else:
        exchange, line = _exchange(rng), _digits(rng, 4)
    formats = [
        f"({area}) {exchange}-{line}",
        f"({area}){exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"+1 {area} {exchange} {line}",
        f"+1-{area}-{exchange}-{line}",
        f"+1{area}{exchange}{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
        f"{area}{exchange}{line}",
        f"1-{area}-{exchange}-{line}",
        f"1 ({area}) {exchange}-{line}",
        f"{area} {exchange}-{line}",
        f"+1 ({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line} ext. {rng.randint(2, 9999)}",
        f"+1 {area}-{exchange}-{line}",
        f"1.{area}.{exchange}.{line}",
        f"({area}) {exchange} - {line}",
    ]
    if rng.random() < 0.06:
        return _spoken(rng, area + exchange + line, [3, 3, 4])
    return rng.choice(formats)


def ssn_text(rng: random.Random) -> tuple[str, bool]:
    """An SSN and whether it needs a cue (bare or spoken digits)."""
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    digits = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    style = rng.random()
    if style < 0.5:
        return _group(digits, [3, 2, 4], "-"), False
    if style < 0.75:
        return _group(digits, [3, 2, 4], " "), False
    if style < 0.93:
        return digits, True
    return _spoken(rng, digits, [3, 2, 4]), True


_IBAN_FORMATS: dict[str, str] = {
    "DE": "18n",
    "GB": "4a14n",
    "NL": "4a10n",
    "FR": "10n11c2n",
    "IT": "1a10n12c",
    "CH": "5n12c",
    "AT": "16n",
    "PL": "24n",
    "IE": "4a14n",
    "BE": "be",
}


def _bban(rng: random.Random, country: str) -> str:
    spec = _IBAN_FORMATS[country]
    if spec == "be":  # Belgium: a real bank code, seven digits, the remainder modulo 97
        bank = rng.choice([f"{rng.randint(1, 99):03d}", str(rng.randint(300, 399)), "733", "068"])
        body = bank + _digits(rng, 7)
        check = int(body) % 97 or 97
        return f"{body}{check:02d}"
    out, count = [], ""
    for ch in spec:
        if ch.isdigit():
            count += ch
            continue
        alphabet = {
            "n": string.digits,
            "a": string.ascii_uppercase,
            "c": string.ascii_uppercase + string.digits,
        }[ch]
        out.append("".join(rng.choice(alphabet) for _ in range(int(count))))
        count = ""
    return "".join(out)


def iban_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{98 - number % 97:02d}"


def iban_compact(rng: random.Random) -> str:
    country = rng.choice(list(_IBAN_FORMATS))
    bban = _bban(rng, country)
    return country + iban_check_digits(country, bban) + bban


def iban_text(rng: random.Random, compact: str) -> str:
    style = rng.random()
    text = (
        compact if style < 0.4 else " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    )
    return text.lower() if rng.random() < 0.05 else text


# --- look-alikes that are not personal data ---------------------------------------------


def _broken_luhn(rng: random.Random) -> str:
    digits, brand = card_number(rng)
    wrong = str((int(digits[-1]) + rng.randint(1, 9)) % 10)
    return card_text(rng, digits[:-1] + wrong, brand) if rng.random() < 0.9 else digits[:-1] + wrong


def _bad_iban(rng: random.Random) -> str:
    compact = iban_compact(rng)
    check = int(compact[2:4])
    wrong = f"{(check + rng.randint(1, 96) - 2) % 97 + 2:02d}"
    if wrong == compact[2:4]:
        wrong = f"{(check + 1 - 2) % 97 + 2:02d}"
    return iban_text(rng, compact[:2] + wrong + compact[4:])


def _bad_ssn(rng: random.Random) -> str:
    area = rng.choice(["000", "666", f"9{_digits(rng, 2)}"])
    digits = area + f"{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    if rng.random() < 0.2:
        digits = f"{rng.randint(1, 665):03d}00{rng.randint(1, 9999):04d}"
    return _group(digits, [3, 2, 4], rng.choice(["-", " "]))


def _date(rng: random.Random) -> str:
    y, m, d = rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        [
            f"{y}-{m:02d}-{d:02d}",
            f"{m:02d}/{d:02d}/{y}",
            f"{d:02d}.{m:02d}.{y}",
            f"{m}/{d}/{y % 100}",
        ]
    )


def _money(rng: random.Random) -> str:
    amount = rng.choice([rng.randint(1, 99), rng.randint(100, 9999), rng.randint(10000, 9999999)])
    cents = rng.randint(0, 99)
    return rng.choice(
        [
            f"${amount:,}.{cents:02d}",
            f"${amount}",
            f"USD {amount:,}",
            f"{amount:,}.{cents:02d} dollars",
        ]
    )


_DECOYS: list[tuple[str, Callable[[random.Random], str]]] = [
    ("order", lambda r: f"order {r.randint(1000000, 9999999)}"),
    ("order10", lambda r: f"order number {r.randint(2000000000, 9999999999)}"),
    ("order#", lambda r: f"order #{r.randint(10000, 99999999)}"),
    ("amazon", lambda r: f"order {_digits(r, 3)}-{_digits(r, 7)}-{_digits(r, 7)}"),
    ("date", _date),
    ("datetime", lambda r: f"{_date(r)} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}"),
    ("money", _money),
    ("time", lambda r: f"{r.randint(1, 12)}:{r.randint(0, 59):02d} {r.choice(['am', 'pm'])}"),
    ("time24", lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}"),
    ("luhn", _broken_luhn),
    ("zip", lambda r: f"{r.randint(10000, 99999)}"),
    ("zip4", lambda r: f"{r.randint(10000, 99999)}-{r.randint(1000, 9999)}"),
    ("quantity", lambda r: f"{r.randint(2, 500)} units"),
    ("account", lambda r: f"account ending in {_digits(r, 4)}"),
    ("acctno", lambda r: f"account number {_digits(r, r.randint(8, 12))}"),
    ("reference", lambda r: f"reference {r.choice(['REF', 'CS', 'TKT'])}-{_digits(r, 6)}"),
    ("case", lambda r: f"case {_digits(r, 8)}"),
    ("ticket", lambda r: f"ticket #{_digits(r, r.randint(6, 10))}"),
    ("invoice", lambda r: f"invoice INV-{r.randint(2019, 2026)}-{_digits(r, 5)}"),
    ("ups", lambda r: f"1Z{_digits(r, 3)}{r.choice(['AA', 'E0', 'X4'])}{_digits(r, 10)}"),
    ("usps", lambda r: "94" + _group(_digits(r, 20), [2, 4, 4, 4, 4, 2], " ")),
    ("fedex", lambda r: _group(_digits(r, 12), [4, 4, 4], " ")),
    ("bad_iban", _bad_iban),
    ("bad_ssn", _bad_ssn),
    ("routing", lambda r: f"routing number {_digits(r, 9)}"),
    ("member9", lambda r: f"member id {_digits(r, 9)}"),
    ("ip", lambda r: f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}"),
    ("serial", lambda r: f"serial SN-{_digits(r, 4)}-{_digits(r, 4)}-{_digits(r, 4)}"),
    ("percent", lambda r: f"{r.randint(1, 99)}.{r.randint(0, 9)}%"),
    ("extension", lambda r: f"extension {_digits(r, 4)}"),
    ("points", lambda r: f"{r.randint(1000, 9999999):,} points"),
    ("imei", lambda r: "IMEI " + (b := "35" + _digits(r, 12)) + luhn.calc_check_digit(b)),
    (
        "loyalty",
        lambda r: (
            f"{r.choice(['loyalty', 'rewards', 'meter', 'policy', 'claim'])} "
            f"number {r.randint(2, 9)}{_digits(r, 9)}"
        ),
    ),
    ("timestamp", lambda r: f"{r.randint(0, 1):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"),
    ("dial", lambda r: f"dial {r.choice(['911', '311', '411', '*67', '0'])}"),
    ("version", lambda r: f"version {r.randint(1, 20)}.{r.randint(0, 99)}.{r.randint(0, 999)}"),
]


# --- sentences --------------------------------------------------------------------------

_OPENERS = ["", "", "Sure, ", "Okay so ", "Hi, ", "yeah ", "Thanks. ", "um ", "Right, "]
_CLOSERS = ["", ".", ".", " please.", ", thanks!", " if that helps", "?", " okay", "."]

_PII_TEMPLATES: dict[Kind, list[str]] = {
    Kind.CARD: [
        "my card number is {}",
        "the {brand} ending, um, the full number is {}",
        "I paid with {} and it was declined",
        "card: {} exp 0{m}/{y}",
        "can you charge {} instead",
        "it's {} for the new card",
        "number {} 0{m}{y} {cvv}",
    ],
    Kind.EMAIL: [
        "my email is {}",
        "send the receipt to {}",
        "you can reach me at {} anytime",
        "email:{}",
        "I changed it to <{}> last week",
        "is it {} or the old one",
    ],
    Kind.PHONE: [
        "my number is {}",
        "call me back at {}",
        "the best number to reach me is {} after 5",
        "phone: {}",
        "I tried calling {} twice",
        "text me on {} when it ships",
        "I called {} 3 times today",
    ],
    Kind.SSN: [
        "my social security number is {}",
        "SSN {}",
        "the last one I gave was {} for verification",
        "ssn: {}",
        "my social is {}",
        "for the tax form use {}",
    ],
    Kind.IBAN: [
        "my IBAN is {}",
        "please refund to {}",
        "the account is {} with my bank",
        "IBAN: {}",
        "wire it to {} please",
        "bank details {}",
    ],
}
_SSN_CUED = [t for t in _PII_TEMPLATES[Kind.SSN] if "social" in t or "ssn" in t.lower()]

_DECOY_TEMPLATES = [
    "I'm calling about {}",
    "it says {} on my screen",
    "that was {} I think",
    "the note says {} and nothing else",
    "{} is what I have",
    "regarding {} from last week",
]


def _pii_value(rng: random.Random, kind: Kind) -> tuple[str, dict[str, str], bool]:
    if kind is Kind.CARD:
        digits, brand = card_number(rng)
        return card_text(rng, digits, brand), {"brand": brand}, False
    if kind is Kind.EMAIL:
        return email_text(rng), {}, False
    if kind is Kind.PHONE:
        return phone_text(rng), {}, False
    if kind is Kind.SSN:
        value, needs_cue = ssn_text(rng)
        return value, {}, needs_cue
    return iban_text(rng, iban_compact(rng)), {}, False


def _fill(builder: _Builder, template: str, value: str, kind: Kind | None, **extra: str) -> None:
    before, after = template.split("{}", 1)
    builder.add(before.format(**extra)).add(value, kind).add(after.format(**extra))


def pii_sentence(rng: random.Random, kind: Kind) -> Sample:
    """A sentence with one piece of personal data of ``kind``, sometimes with a decoy."""
    value, extra, needs_cue = _pii_value(rng, kind)
    extra |= {
        "m": str(rng.randint(1, 9)),
        "y": str(rng.randint(26, 31)),
        "cvv": _digits(rng, 4 if extra.get("brand") == "amex" else 3),
    }
    templates = _SSN_CUED if needs_cue else _PII_TEMPLATES[kind]
    builder = _Builder().add(rng.choice(_OPENERS))
    _fill(builder, rng.choice(templates), value, kind, **extra)
    if rng.random() < 0.3:
        _, decoy = rng.choice(_DECOYS)
        builder.add(rng.choice([" and ", ", also ", " about "]))
        builder.add(decoy(rng))
    if rng.random() < 0.2:
        other = rng.choice([k for k in PATTERN_KINDS if k is not kind])
        o_value, _, o_cue = _pii_value(rng, other)
        if not o_cue:
            builder.add(rng.choice([" and ", "; "]))
            builder.add(o_value, other)
    builder.add(rng.choice(_CLOSERS))
    return builder.sample()


def decoy_sentence(rng: random.Random) -> tuple[str, Sample]:
    """A sentence with a look-alike that is not personal data, and the look-alike's name."""
    name, decoy = rng.choice(_DECOYS)
    builder = _Builder().add(rng.choice(_OPENERS))
    _fill(builder, rng.choice(_DECOY_TEMPLATES), decoy(rng), None)
    if rng.random() < 0.3:
        _, second = rng.choice(_DECOYS)
        builder.add(" and ").add(second(rng))
    builder.add(rng.choice(_CLOSERS))
    return name, builder.sample()


def generate(n: int, seed: int) -> tuple[list[Sample], list[tuple[str, Sample]]]:
    """``n`` sentences with personal data (kinds in turn) and ``n`` look-alike sentences."""
    rng = random.Random(seed)
    kinds = list(PATTERN_KINDS)
    positives = [pii_sentence(rng, kinds[i % len(kinds)]) for i in range(n)]
    negatives = [decoy_sentence(rng) for _ in range(n)]
    return positives, negatives


def measure(n: int = 1000, seed: int = 0, *, region: str = "US") -> dict[str, object]:
    """Recall and precision per kind on ``n`` PII and ``n`` look-alike sentences.

    Recall counts a true span as found when one redaction of the right kind covers it
    entirely; precision counts a redaction as right when it covers a true span of its
    kind. Also reports the look-alikes wrongly redacted, and sentences per second.
    """
    positives, negatives = generate(n, seed)
    stats = {k: {"true": 0, "found": 0, "emitted": 0, "correct": 0} for k in PATTERN_KINDS}
    false_alarms: dict[str, int] = {}
    misses: list[str] = []
    errors: list[str] = []
    started = time.perf_counter()
    outcomes = [(s, redact_text(s.text, region=region)) for s in positives]
    decoys = [(name, s, redact_text(s.text, region=region)) for name, s in negatives]
    seconds = time.perf_counter() - started
    for sample, result in outcomes:
        for kind, start, end in sample.truth:
            stats[kind]["true"] += 1
            if any(
                r.kind is kind and r.original_start <= start and end <= r.original_end
                for r in result.redactions
            ):
                stats[kind]["found"] += 1
            elif len(misses) < 20:
                misses.append(f"{kind.value}: {sample.text[start:end]!r} in {sample.text!r}")
        for r in result.redactions:
            stats[r.kind]["emitted"] += 1
            if any(
                kind is r.kind and r.original_start <= start and end <= r.original_end
                for kind, start, end in sample.truth
            ):
                stats[r.kind]["correct"] += 1
            elif len(errors) < 20:
                piece = sample.text[r.original_start : r.original_end]
                errors.append(f"{r.kind.value}: {piece!r} in {sample.text!r}")
    for name, sample, result in decoys:
        for r in result.redactions:
            stats[r.kind]["emitted"] += 1
            false_alarms[name] = false_alarms.get(name, 0) + 1
            if len(errors) < 20:
                piece = sample.text[r.original_start : r.original_end]
                errors.append(f"{r.kind.value} on {name}: {piece!r} in {sample.text!r}")
    kinds: dict[str, dict[str, float | int]] = {}
    for kind, s in stats.items():
        kinds[kind.value] = {
            **s,
            "recall": s["found"] / s["true"] if s["true"] else 1.0,
            "precision": s["correct"] / s["emitted"] if s["emitted"] else 1.0,
        }
    total = len(positives) + len(negatives)
    return {
        "n": n,
        "seed": seed,
        "sentences": total,
        "kinds": kinds,
        "false_alarms": false_alarms,
        "misses": misses,
        "errors": errors,
        "seconds": seconds,
        "sentences_per_second": total / seconds if seconds else float("inf"),
    }


def format_table(result: dict[str, object]) -> str:
    """The per-kind figures of :func:`measure` as a plain-text table."""
    kinds = result["kinds"]
    assert isinstance(kinds, dict)
    lines = [f"{'kind':<6} {'true':>5} {'found':>5} {'emitted':>7} {'recall':>7} {'precision':>9}"]
    for name, s in kinds.items():
        lines.append(
            f"{name:<6} {s['true']:>5} {s['found']:>5} {s['emitted']:>7} "
            f"{s['recall']:>7.3f} {s['precision']:>9.3f}"
        )
    lines.append(
        f"{result['sentences']} sentences, {result['sentences_per_second']:.0f} sentences/s"
    )
    return "\n".join(lines)
