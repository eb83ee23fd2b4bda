"""What the lexicons moved out of detectors, scoring, the reply checker and phrasing find: a
literal text per cue, and the near misses each one must leave alone."""

from __future__ import annotations

import pytest

from heard.language.lexicon import lexicon

FOUND = [
    # thanks: one list for rushing (a goodbye to thanks is invited) and the acknowledgement
    # ("You're welcome"); "cheers" is a thanks in British chat
    ("thanks", "search", "No, no. Thank you! I'll leave an excellent rating.", "Thank you"),
    ("thanks", "search", "ok thx", "thx"),
    ("thanks", "search", "Cheers, that's the one.", "Cheers"),
    # anything_else: one stock closing question for concerns, the reply checker and heard_it
    ("anything_else", "search", "Is there anything else I can do?", "anything else"),
    ("anything_else", "search", "Something else I can help with?", "Something else"),
    ("anything_else", "search", "Do you have any other questions?", "any other questions"),
    ("surprise", "match", "Really?", "Really?"),
    ("surprise", "match", "Oh, really?!", "Oh, really?!"),
    ("surprise", "match", "Are you serious?", "Are you serious?"),
    (
        "withdraws",
        "search",
        "I think I will just take this scooter instead.",
        "I think I will just take this scooter instead",
    ),
    ("withdraws", "search", "Oh never mind, found it.", "never mind"),
    ("withdraws", "search", "I don't need it anymore", "don't need it anymore"),
    ("small_talk", "search", "Did you know what goes up must come down?", "Did you know"),
    ("small_talk", "search", "Is it ever going to stop raining?", "ever going to stop raining?"),
    ("small_talk", "search", "Great.  How did I forget that?", "How did I forget that?"),
    ("customer_done", "search", "Well I guess not, catch the thief!", "Well I guess not"),
    ("not_heard", "search", "Like I said, it is still broken.", "Like I said"),
    ("when_question", "match", "Can you tell me when it will be nice?", "Can you tell me when"),
    ("someone_elses_name", "search", "Could I have the name of the host?", "name of the host"),
    ("alternative", "search", "I can pick from pizza, Indian or Thai.", "I can pick from"),
    ("yes_no_question", "match", "Do you want to file a report.", "Do you"),
    ("misused_words", "search", "Do you want to fill a fraud report.", "fill a fraud report"),
    ("loss", "search", "I lost my debit card", "lost"),
    ("loss", "search", "The parcel never arrived.", "never arrived"),
    ("loss", "search", "I got locked out of the app", "locked out"),
    ("setback", "search", "It's too late now.", "too late"),
    ("setback", "search", "I've been waiting all week", "been waiting"),
    ("setback", "search", "I'm still not sure", "still not"),
    ("new_point", "match", "Also, my bill is wrong.", "Also"),
    ("new_point", "match", "P.S. the door code changed.", "P.S."),
    ("asked_first", "match", "But first, can I check my balance?", "But first"),
    ("several_points", "search", "I have a couple of questions.", "couple of questions"),
    ("confirms", "search", "Perfect, that works!", "Perfect"),
    ("confirms", "search", "Got it, cheers", "Got it"),
    ("accepts_offer", "match", "Yes, please do that.", "Yes, please do that."),
    ("accepts_offer", "match", "Sure, book it!", "Sure, book it!"),
    ("cut_off", "search", "Sorry, hit enter too early.", "hit enter too early"),
    ("joking", "search", "I'm so nervous! Just kidding!", "Just kidding"),
    ("joking", "search", "Properly lol'd at that", "lol'd"),
    ("cannot_give", "search", "One sec", "One sec"),
    ("cannot_give", "search", "I can't remember it", "can't remember"),
    ("another_one", "search", "Can you check on another ride ID?", "another ride ID"),
    ("another_one", "search", "Another friend's giving me a ride.", "Another friend's"),
    ("greeting_or_apology", "match", "Sorry, I replied too soon.", "Sorry"),
    ("greeting_or_apology", "match", "Hi Sam.", "Hi"),
    ("heartfelt", "search", "Oh, I'm so sorry to hear that.", "so sorry"),
    (
        "emotion_satisfaction",
        "search",
        "Thanks, that's exactly what I needed",
        "exactly what I needed",
    ),
    (
        "emotion_satisfaction",
        "search",
        "Thank you for fixing it so fast!",
        "Thank you for fixing it so fast",
    ),
    ("emotion_satisfaction", "search", "Right, that sorts it.", "that sorts it"),
    ("reflection_of_feeling", "search", "You feel like nobody listened.", "You feel like"),
    ("reflection_of_feeling", "search", "Sounds like you had a rough week.", "Sounds like you"),
    ("reflection_of_feeling", "search", "That must be so hard.", "That must be so hard"),
    ("reflection_of_feeling", "search", "You're overwhelmed, of course.", "You're overwhelmed"),
    ("heartfelt", "search", "My heart goes out to you both.", "My heart goes out"),
]


@pytest.mark.parametrize(("name", "method", "text", "found"), FOUND)
def test_a_lexicon_finds_its_cue(name: str, method: str, text: str, found: str) -> None:
    match = getattr(lexicon(name), method)(text)
    assert match is not None and match.group(0) == found


MISSED = [
    ("not_heard", "search", "I meant Friday, not Saturday like I said at first. Sorry!"),
    ("customer_done", "search", "I guess I need a taxi then."),
    ("someone_elses_name", "search", "May I have your name, please?"),
    ("yes_no_question", "match", "Could not find your booking."),
    ("misused_words", "search", "Please fill in a report form."),
    ("thanks", "search", "Thanksgiving is on Thursday"),
    ("anything_else", "search", "Anything you need, ask."),
    ("surprise", "match", "Really? Then why was I charged twice?"),  # more than surprise
    ("withdraws", "search", "I don't mind waiting."),
    ("loss", "search", "I never get the answers wrong"),  # not any "wrong"
    ("loss", "search", "I like to show up late"),  # nor any "late"
    ("setback", "search", "I'll be there"),  # "ill" stands alone only
    ("new_point", "match", "I also need a receipt."),  # only at the start
    ("asked_first", "match", "First time calling, hi."),
    ("asked_first", "match", "My first name is Ann."),
    ("several_points", "search", "Two tickets, please."),
    ("accepts_offer", "match", "Yes, but can you also check my bill?"),
    ("joking", "search", "I'm not even kidding! I refused to go back."),  # in earnest
    ("cannot_give", "search", "Ok, it's 12 March 1980"),
    ("another_one", "search", "Another thing: my card was declined."),
    ("greeting_or_apology", "match", "Thanks for waiting. Sorry about that."),
]


@pytest.mark.parametrize(("name", "method", "text"), MISSED)
def test_a_lexicon_leaves_its_near_misses(name: str, method: str, text: str) -> None:
    assert getattr(lexicon(name), method)(text) is None


@pytest.mark.parametrize(
    ("name", "word", "found"),
    [
        ("negation", "haven't", True),
        ("negation", "isn’t", True),
        ("negation", "nothing", True),
        ("negation", "note", False),
        ("number_unit", "pm", True),
        ("number_unit", "dollars", True),
        ("number_unit", "pmt", False),
    ],
)
def test_a_one_word_lexicon_matches_whole_words(name: str, word: str, found: bool) -> None:
    assert (lexicon(name).pattern.fullmatch(word) is not None) == found
