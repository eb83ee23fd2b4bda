"""Arbitrary bytes or JSON given to any importer raise only heard's InputError.

Each importer gets HEARD_FUZZ_EXAMPLES examples of each kind: 200 by default (as CI runs;
the whole fuzz took 4 minutes of CI at 1,000), more for a deeper search, e.g. 10,000.
"""

from __future__ import annotations

import contextlib
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heard.errors import InputError
from heard.importers import ImportOptions, Source, importers, read_source
from heard.model.values import text_problem

EXAMPLES = int(os.environ.get("HEARD_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["\x00", "a\x00b", "9999-12-31T23:59:59Z", "0001-01-01", "x" * 301]),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                # keys the importers look for, so the fuzzer reaches past the first check
                [
                    "id",
                    "channel",
                    "turns",
                    "role",
                    "text",
                    "start",
                    "end",
                    "index",
                    "Transcript",
                    "Participants",
                    "ParticipantId",
                    "ParticipantRole",
                    "Content",
                    "BeginOffsetMillis",
                    "EndOffsetMillis",
                    "ConversationAnalytics",
                    "SpeechSegments",
                    "SpeakerLabels",
                    "SegmentSpeaker",
                    "SegmentStartTime",
                    "SegmentEndTime",
                    "transcripts",
                    "phrases",
                    "participantPurpose",
                    "startTimeMs",
                    "sentences",
                    "media_channel",
                    "transcript",
                    "sentence_index",
                    "start_time",
                    "end_time",
                    "ticket",
                    "comments",
                    "author_id",
                    "body",
                    "conversation_parts",
                    "type",
                    "source",
                    "original",
                    "Version",
                    "Channel",
                    "AbsoluteTime",
                    "DisplayText",
                    "users",
                    "html_body",
                    "public",
                    "author",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=6,
        )
    ),
    max_leaves=25,
)

NAMES = sorted(importers())


def _parse_only_input_errors(name: str, data: bytes) -> None:
    importer = importers()[name]()
    source = Source("fuzz.input", data)
    with contextlib.suppress(InputError):
        importer.sniff(source)
    with contextlib.suppress(InputError):
        _, found = read_source(Source("fuzz.input", data), format=name, options=ImportOptions())
        for conversation in found:  # what would be stored: no NUL, nothing that is not UTF-8
            assert text_problem(conversation.to_json()) is None


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_arbitrary_bytes_raise_only_input_error(name: str) -> None:
    @FUZZ
    @given(st.binary(max_size=400))
    def run(data: bytes) -> None:
        _parse_only_input_errors(name, data)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_arbitrary_json_raises_only_input_error(name: str) -> None:
    @FUZZ
    @given(json_values, st.booleans())
    def run(value: object, as_lines: bool) -> None:
        text = json.dumps(value)
        if as_lines and isinstance(value, list):
            text = "\n".join(json.dumps(v) for v in value)
        _parse_only_input_errors(name, text.encode())

    run()
