"""Speaker turns from a side file: RTTM and heard's speaker JSON, read back as written, and each
bad line or field named in the error."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heard.audio.speakers import (
    SpeakerTurn,
    read_speaker_turns,
    rttm,
    speaker_files,
    speaker_json,
)
from heard.errors import InputError

RTTM = """\
;; made by a diarization tool
SPEAKER call 1 0.500 2.250 <NA> <NA> agent <NA> <NA>
SPKR-INFO call 1 <NA> <NA> <NA> unknown agent <NA> <NA>

SPEAKER call 1 3.000 1.000 <NA> <NA> caller <NA> <NA>
SPEAKER other 1 9.000 1.000 <NA> <NA> spk0 <NA> <NA>
"""


def test_rttm_lines_become_turns_of_the_recording_named() -> None:
    turns = read_speaker_turns(RTTM.encode(), "calls.rttm", recording="/calls/call.wav")
    assert turns == [SpeakerTurn(0.5, 2.75, "agent"), SpeakerTurn(3.0, 4.0, "caller")]
    assert read_speaker_turns(RTTM.encode(), "calls.rttm", recording="other.flac") == [
        SpeakerTurn(9.0, 10.0, "spk0")
    ]
    assert set(speaker_files(RTTM.encode(), "calls.rttm")) == {"call", "other"}


def test_a_file_for_one_recording_serves_any_recording_name() -> None:
    one = "SPEAKER x 1 1 2 <NA> <NA> A <NA> <NA>\nSPEAKER x 1 0 1 <NA> <NA> B <NA> <NA>\n"
    assert read_speaker_turns(one.encode(), "x.rttm", recording="call.wav") == [
        SpeakerTurn(0.0, 1.0, "B"),
        SpeakerTurn(1.0, 3.0, "A"),
    ]


def test_heards_json_with_or_without_a_recording() -> None:
    document = {"turns": [{"speaker": "agent", "start": 0, "end": 1.5}]}
    assert read_speaker_turns(json.dumps(document).encode(), "s.json") == [
        SpeakerTurn(0.0, 1.5, "agent")
    ]
    several = [
        {"recording": "a", "turns": [{"speaker": "x", "start": 1, "end": 2}]},
        {"recording": "b", "turns": [{"speaker": "y", "start": 3, "end": 4}]},
    ]
    assert read_speaker_turns(json.dumps(several).encode(), "s.json", recording="b.wav") == [
        SpeakerTurn(3.0, 4.0, "y")
    ]


@pytest.mark.parametrize(
    ("text", "where", "code"),
    [
        ("SPEAKER call 1 0.5\n", "bad.rttm, line 1, duration", "missing_field"),
        (";; ok\nSPEAKER call 1 abc 1 x x a x x\n", "bad.rttm, line 2, onset", "bad_time"),
        ("SPEAKER call 1 1 -2 <NA> <NA> a <NA> <NA>\n", "bad.rttm, line 1, duration", "bad_time"),
        ("SPEAKER call 1 1 0 <NA> <NA> a <NA> <NA>\n", "bad.rttm, line 1, duration", "bad_time"),
        ("SPEAKER c 1 1 1 <NA> <NA> a\nspeaker c 1\n", "bad.rttm, line 2, type", "malformed"),
        (";; nothing\n\n", "bad.rttm", "empty"),
        ("SPEAKER a 1 1 1 x x s\nSPEAKER b 1 1 1 x x s\n", "bad.rttm", "invalid_value"),
    ],
)
def test_bad_rttm_names_the_file_line_and_field(text: str, where: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        read_speaker_turns(text.encode(), "bad.rttm", recording="call.wav")
    assert str(caught.value.where) == where and caught.value.code == code


@pytest.mark.parametrize(
    ("document", "where", "code"),
    [
        ('{"turns": [\n{"speaker": "a", "start": 1,}]}', "s.json, line 2", "malformed"),
        ('{"speakers": []}', "s.json, turns", "missing_field"),
        ('{"turns": [{"speaker": "a", "start": 1}]}', "s.json, turns[0].end", "missing_field"),
        (
            '{"turns": [{"speaker": "a", "start": "1", "end": 2}]}',
            "s.json, turns[0].start",
            "bad_time",
        ),
        ('{"turns": [{"speaker": "a", "start": 2, "end": 1}]}', "s.json, turns[0].end", "bad_time"),
        (
            '{"turns": [{"speaker": "", "start": 1, "end": 2}]}',
            "s.json, turns[0].speaker",
            "invalid_value",
        ),
        ('[{"turns": []}, {"turns": [3]}]', "s.json, [1].turns[0]", "malformed"),
        ('{"turns": []}', "s.json", "empty"),
    ],
)
def test_bad_json_names_the_file_and_path(document: str, where: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        read_speaker_turns(document.encode(), "s.json")
    assert str(caught.value.where) == where and caught.value.code == code


def test_text_that_is_not_utf8_names_its_line() -> None:
    with pytest.raises(InputError) as caught:
        read_speaker_turns(b"SPEAKER a 1 0 1 x x s\nSPEAKER a 1 0 1 x x \xff\n", "s.rttm")
    assert str(caught.value.where) == "s.rttm, line 2" and caught.value.code == "encoding"


_turns = st.lists(
    st.builds(
        lambda start, length, speaker: SpeakerTurn(start / 1000, (start + length) / 1000, speaker),
        st.integers(0, 3_600_000),
        st.integers(1, 600_000),
        st.text("abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12),
    ),
    min_size=1,
    max_size=30,
)


def _ordered(turns: list[SpeakerTurn]) -> list[SpeakerTurn]:
    return sorted(turns, key=lambda t: (t.start, t.end, t.speaker))


@given(_turns)
def test_rttm_reads_back_what_was_written(turns: list[SpeakerTurn]) -> None:
    read = read_speaker_turns(rttm(turns, "call").encode(), "x.rttm", recording="call.wav")
    assert [(t.speaker, t.start, round(t.end, 3)) for t in read] == [
        (t.speaker, t.start, t.end) for t in _ordered(turns)
    ]


@given(_turns, st.sampled_from([None, "call"]))
def test_json_reads_back_what_was_written(turns: list[SpeakerTurn], recording: str | None) -> None:
    text = speaker_json(turns, recording)
    assert read_speaker_turns(text.encode(), "x.json", recording="call.wav") == _ordered(turns)
