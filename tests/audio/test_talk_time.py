"""Talk time from voice activity (heard.audio.call.speech_with_words, spoken_utterances):
recognised words by hand laid on stretches of speech by hand; a turn lasts as long as the voice
it holds, whatever the recogniser made of the words."""

from __future__ import annotations

import pytest

from heard.audio.call import Stretch, speech_with_words, spoken_utterances, utterances
from heard.audio.recognise import HeardWord


def word(text: str, start: float, end: float) -> HeardWord:
    return HeardWord(text, start, end, 0.9)


def spans(pieces: list[Stretch]) -> list[tuple[float, float, list[str]]]:
    return [(p.start, p.end, [w.text for w in p.words]) for p in pieces]


def test_each_word_goes_to_the_stretch_it_overlaps_most_which_keeps_its_times() -> None:
    speech = [(1.0, 2.0), (2.5, 4.0)]
    words = [word("hello", 1.0, 1.6), word("there", 1.9, 2.8), word("in?", 3.5, 4.8)]
    # "there" is more in the second stretch; "in?" runs on into silence: its stretch ends at 4.0
    assert spans(speech_with_words(speech, words)) == [
        (1.0, 2.0, ["hello"]),
        (2.5, 4.0, ["there", "in?"]),
    ]


def test_speech_the_recogniser_missed_is_still_speech() -> None:
    # "[laughter] um" heard by voice activity, no word recognised in it (a7ccc3379af44b9f)
    speech = [(26.7, 27.0), (27.7, 28.9)]
    pieces = speech_with_words(speech, [word("Tuesday?", 27.7, 28.9)])
    assert spans(pieces) == [(26.7, 27.0, []), (27.7, 28.9, ["Tuesday?"])]
    [turn] = spoken_utterances([pieces, []])
    assert (turn.start, turn.end) == (26.7, 28.9)


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        # a word with length outside all voice activity: speech heard late (a soft onset)
        (word("Can", 29.44, 29.82), [(29.44, 29.82, ["Can"]), (29.82, 30.75, [])]),
        # a word of no length says nothing of when it was said: the nearest stretch takes it
        (word("My", 29.5, 29.5), [(29.82, 30.75, ["My"])]),
        (word("My", 31.0, 31.0), [(29.82, 30.75, ["My"])]),
    ],
)
def test_a_word_outside_the_voice_activity(heard: HeardWord, expected: list) -> None:
    assert spans(speech_with_words([(29.82, 30.75)], [heard])) == expected


def test_overlapping_speaker_turns_of_one_party_are_one_stretch() -> None:
    pieces = speech_with_words([(3.0, 5.0), (1.0, 2.0), (4.0, 6.0)], [word("so", 4.5, 4.8)])
    assert spans(pieces) == [(1.0, 2.0, []), (3.0, 6.0, ["so"])]


def test_voice_activity_without_words_standing_alone_is_no_turn_and_splits_none() -> None:
    agent = speech_with_words([(0.0, 1.0), (2.0, 3.0)], [word("hi", 0.0, 1.0), word("yes", 2, 3)])
    # a cough on the customer's line in the agent's pause: no turn, the agent's turn holds
    customer = speech_with_words([(1.2, 1.5)], [])
    assert [(u.party, u.start, u.end) for u in spoken_utterances([agent, customer])] == [
        (0, 0.0, 3.0)
    ]
    assert len(utterances([agent, customer])) == 3  # the cut before the cough is left out


def test_the_other_party_talking_on_through_a_pause_does_not_split_a_turn() -> None:
    # the agent speaks without a pause from 80.9 s; the customer says "thank you", pauses while
    # the agent goes on, and says "no that's all" (a7ccc3379af44b9f, 81.6-85.0 s): one turn, as
    # the human segments are cut, not two with the pause lost from the customer's talk time
    agent = speech_with_words(
        [(80.9, 82.6)], [word(w, 80.9 + 0.2 * i, 81.1 + 0.2 * i) for i, w in enumerate("abcdefgh")]
    )
    customer = speech_with_words(
        [(81.9, 82.2), (84.0, 85.0)],
        [word("thank", 81.9, 82.0), word("you", 82.0, 82.2), word("no", 84.0, 85.0)],
    )
    turns = spoken_utterances([agent, customer])
    assert [(u.party, u.start, u.end) for u in turns] == [(0, 80.9, 82.6), (1, 81.9, 85.0)]
