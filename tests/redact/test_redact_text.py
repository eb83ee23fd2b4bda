"""Literal cases for each kind of personal data, and the offset map of a redacted text."""

from __future__ import annotations

import pytest

from heard.redact import Kind, RedactedText, find_pii, redact_text

POSITIVE = [
    # cards: networks, spaces, dashes, none, speech-recognition digits
    ("card 4111 1111 1111 1111 please", "4111 1111 1111 1111", Kind.CARD),
    ("card 4111-1111-1111-1111.", "4111-1111-1111-1111", Kind.CARD),
    ("card 4111111111111111", "4111111111111111", Kind.CARD),
    ("mastercard 5555 5555 5555 4444", "5555 5555 5555 4444", Kind.CARD),
    ("new mastercard 2223 0000 4841 0010", "2223 0000 4841 0010", Kind.CARD),
    ("amex 3782 822463 10005", "3782 822463 10005", Kind.CARD),
    ("discover 6011 1111 1111 1117 ok", "6011 1111 1111 1117", Kind.CARD),
    ("it's 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 ok", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", Kind.CARD),
    ("card 4111 1111 1111 1111 12 25", "4111 1111 1111 1111", Kind.CARD),
    ("4111 1111 1111 1111 0325 123", "4111 1111 1111 1111", Kind.CARD),
    # emails
    ("mail jane.doe@example.com.", "jane.doe@example.com", Kind.EMAIL),
    ("to <J.O'Brien+shop@mail.acme-corp.co.uk>", "J.O'Brien+shop@mail.acme-corp.co.uk", Kind.EMAIL),
    ("email:x_y-z42@startup.io", "x_y-z42@startup.io", Kind.EMAIL),
    ("it's jane dot doe at gmail dot com", "jane dot doe at gmail dot com", Kind.EMAIL),
    (
        "reach me at li dot ng at yahoo dot co dot uk",
        "li dot ng at yahoo dot co dot uk",
        Kind.EMAIL,
    ),
    # phones
    ("call (415) 555-0132 now", "(415) 555-0132", Kind.PHONE),
    ("call 415-555-0132", "415-555-0132", Kind.PHONE),
    ("call +1 415 555 0132", "+1 415 555 0132", Kind.PHONE),
    ("call 415.555.0132", "415.555.0132", Kind.PHONE),
    ("call 4155550132", "4155550132", Kind.PHONE),
    ("call 1-800-555-0199", "1-800-555-0199", Kind.PHONE),
    ("I called +1 415 555 0132 3 times", "+1 415 555 0132", Kind.PHONE),
    ("London +44 20 7946 0958", "+44 20 7946 0958", Kind.PHONE),
    ("Paris +33 1 23 45 67 89", "+33 1 23 45 67 89", Kind.PHONE),
    ("it's four one five, five five five, oh one three two", None, Kind.PHONE),
    # SSNs
    ("ssn 123-45-6789", "123-45-6789", Kind.SSN),
    ("ssn 123 45 6789", "123 45 6789", Kind.SSN),
    ("my social security number is 123456789", "123456789", Kind.SSN),
    ("SSN: 536-90-4399.", "536-90-4399", Kind.SSN),
    # IBANs
    ("iban DE89 3704 0044 0532 0130 00 thanks", "DE89 3704 0044 0532 0130 00", Kind.IBAN),
    ("iban DE89370400440532013000", "DE89370400440532013000", Kind.IBAN),
    ("GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32", Kind.IBAN),
    ("to gb82west12345698765432 OK", "gb82west12345698765432", Kind.IBAN),
    ("NL91ABNA0417164300", "NL91ABNA0417164300", Kind.IBAN),
]

NEGATIVE = [
    "order 4839201",
    "order number 4155550132",
    "order 113-4829301-8472615",
    "on 2024-03-15 at 10:30",
    "03/15/2024",
    "15.03.2024 14:45",
    "$1,250.00",
    "USD 12,500",
    "zip 94103",
    "zip 94103-1234",
    "card 4111 1111 1111 1112",  # Luhn fails
    "4111-1111-1111-1121",
    "tracking 1Z999AA10123456784",
    "tracking 9400 1000 0000 0000 0000 00",
    "fedex 7489 2345 1234",
    "invoice INV-2024-00123",
    "serial SN-1198-4422-2631",
    "DE88 3704 0044 0532 0130 00",  # wrong IBAN check digits
    "000-12-3456",
    "666-12-3456",
    "912-12-3456",
    "123-00-4567",
    "123456789",  # nine digits, no SSN cue
    "member id 123456789",
    "routing number 021000021",
    "account ending in 4321",
    "rewards number 2125550134",
    "IMEI 356938035643809",
    "192.168.1.254",
    "12 units at 3:30 pm",
    "1,234,567 points",
    "call 911",
    "one two three four five six seven",
    "reach me at support",
    "@jane on twitter",
]


@pytest.mark.parametrize(("text", "pii", "kind"), POSITIVE)
def test_finds_personal_data(text: str, pii: str | None, kind: Kind) -> None:
    result = redact_text(text)
    assert [r.kind for r in result.redactions] == [kind]
    r = result.redactions[0]
    if pii is not None:
        assert text[r.original_start : r.original_end] == pii
    assert result.text[r.start : r.end] == kind.placeholder
    assert kind.placeholder in result.text


@pytest.mark.parametrize("text", NEGATIVE)
def test_leaves_look_alikes_alone(text: str) -> None:
    result = redact_text(text)
    assert result.redactions == [], result.text
    assert result.text == text


def test_several_kinds_in_one_text() -> None:
    text = "card 4111 1111 1111 1111, mail a@b.co, call 415-555-0132, ssn 123-45-6789"
    result = redact_text(text)
    assert result.text == "card [CARD], mail [EMAIL], call [PHONE], ssn [SSN]"
    assert [r.kind for r in result.redactions] == [Kind.CARD, Kind.EMAIL, Kind.PHONE, Kind.SSN]


def test_two_numbers_side_by_side() -> None:
    assert redact_text("415-555-0132 415-555-0199").text == "[PHONE] [PHONE]"


def test_kinds_option_limits_what_is_replaced() -> None:
    text = "mail a@b.co or call 415-555-0132"
    assert redact_text(text, kinds={Kind.PHONE}).text == "mail a@b.co or call [PHONE]"
    assert redact_text(text, kinds=[]).text == text


def test_region_option_reads_national_formats() -> None:
    text = "ring 020 7946 0958"
    assert redact_text(text).text == text
    assert redact_text(text, region="GB").text == "ring [PHONE]"


def test_card_beats_phone_inside_it() -> None:
    hits = find_pii("4111 1111 1111 1111")
    assert [h.kind for h in hits] == [Kind.CARD]


def test_offset_map() -> None:
    text = "call 415-555-0132 today"
    result = redact_text(text)
    assert result.text == "call [PHONE] today"
    r = result.redactions[0]
    assert (r.start, r.end, r.original_start, r.original_end) == (5, 12, 5, 17)
    assert result.to_original(0) == 0
    assert result.to_original(5) == 5
    assert result.to_original(8) == 5  # inside the placeholder
    assert result.to_original(12) == 17
    assert result.to_original(13) == 18
    assert result.span_to_original(13, 18) == (18, 23)
    assert text[slice(*result.span_to_original(13, 18))] == "today"
    assert result.span_to_original(6, 8) == (5, 17)  # inside the placeholder: the whole number
    assert result.span_to_original(0, 12) == (0, 17)
    assert result.span_to_original(0, 4) == (0, 4)
    assert result.to_redacted(18) == 13
    assert result.to_redacted(9) == 5
    assert result.to_redacted(4) == 4


def test_nothing_found_is_identity() -> None:
    result = redact_text("hello there")
    assert result == RedactedText("hello there")
    assert result.to_original(3) == 3
    assert result.span_to_original(1, 4) == (1, 4)


def test_redaction_round_trips_through_a_dict() -> None:
    r = redact_text("a@b.co").redactions[0]
    assert type(r).from_dict(r.to_dict()) == r
    assert r.to_dict() == {
        "kind": "email",
        "start": 0,
        "end": 7,
        "original_start": 0,
        "original_end": 6,
    }


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # tiny.en on "my email is maria at yahoo dot com" (docs/audio.md)
        ("my email is merielatyahoo .com thanks", "merielatyahoo .com"),
        ("my email is maria at yahoo .com", "maria at yahoo .com"),
        ("send it to bob.smith at hotmail.com please", "bob.smith at hotmail.com"),
    ],
)
def test_a_spoken_address_recognition_garbled_is_still_found(text: str, address: str) -> None:
    [hit] = find_pii(text)
    assert (hit.kind, text[hit.start : hit.end]) == (Kind.EMAIL, address)
    assert address not in redact_text(text).text


def test_a_mail_provider_named_without_an_address_is_left_alone() -> None:
    assert find_pii("I like yahoo news and my gmail app, they work fine.") == []


def test_a_whole_spoken_address_beats_its_garbled_tail() -> None:
    text = "it is jane dot doe at gmail dot com"
    [hit] = find_pii(text)
    assert text[hit.start : hit.end] == "jane dot doe at gmail dot com"


def test_the_spoken_digit_words_are_the_lexicons() -> None:
    """One list of digit words (lexicons/digit_word.txt) for the detectors and this pass: each
    word the pass reads is a digit or a repeat, and the lexicon has no word it cannot read."""
    from heard.language.lexicon import wordlist
    from heard.redact import spoken

    assert wordlist("digit_word") == spoken._WORDS.keys() | spoken._REPEATS.keys()
    assert spoken.spoken_digits("double oh triple nine four") == ("009994", False)
