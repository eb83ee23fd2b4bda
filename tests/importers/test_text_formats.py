"""CSV, plain-text, WebVTT and SRT importers: round trips of generated conversations, and cues."""

from __future__ import annotations

import csv
import html
import io
import os
from dataclasses import dataclass
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heard.errors import InputError
from heard.importers import ImportOptions, Source, importers
from heard.importers.subtitles import MERGE_GAP_SECONDS
from heard.importers.text import SNIFF_LINES, SNIFF_SHARE
from heard.model import Channel, Conversation, Role

ROUND_TRIPS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)

OUR_FORMATS = ("csv", "text", "vtt", "srt")
LABELS = {Role.AGENT: ("Agent", "Rep", "Agent Jane"), Role.CUSTOMER: ("Customer", "Caller")}

# Printable characters only: no whitespace (words are joined by single spaces) and no
# line or paragraph separators, which would end a line.
_CHARS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"))
words = st.text(_CHARS, min_size=1, max_size=8)
# SRT has no escapes: tags, style codes and colons (a "Label:" line) are markup there.
srt_words = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"),
        exclude_characters="<>{}:",
    ),
    min_size=1,
    max_size=8,
)


@dataclass(frozen=True)
class Spoken:
    """One generated turn: who, their label, the lines they said, and when (ms)."""

    role: Role
    label: str
    lines: tuple[tuple[str, ...], ...]
    start_ms: int
    end_ms: int

    def words(self) -> list[str]:
        return [word for line in self.lines for word in line]


@st.composite
def conversations(draw: st.DrawFn, word: st.SearchStrategy[str] = words) -> list[Spoken]:
    turns: list[Spoken] = []
    clock = draw(st.integers(0, 5_000))
    for _ in range(draw(st.integers(1, 6))):
        role = draw(st.sampled_from([Role.AGENT, Role.CUSTOMER]))
        label = draw(st.sampled_from(LABELS[role]))
        gap = draw(st.integers(0, 4_000))
        if turns and turns[-1].label == label:
            gap = max(gap, int(MERGE_GAP_SECONDS * 1000))  # else the cues would merge
        start = clock + gap
        end = start + draw(st.integers(500, 20_000))
        lines = draw(
            st.lists(st.lists(word, min_size=1, max_size=6).map(tuple), min_size=1, max_size=3)
        )
        turns.append(Spoken(role, label, tuple(lines), start, end))
        clock = end
    return turns


def _clock(ms: int, separator: str = ".") -> str:
    seconds, millis = divmod(ms, 1000)
    minutes, sec = divmod(seconds, 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:{sec:02d}{separator}{millis:03d}"


def _parse(
    fmt: str, text: str, name: str = "generated", *, sniffed: bool = True
) -> list[Conversation]:
    """Parse with `fmt`; when `sniffed`, also check `fmt` (and none of the others) claims it."""
    source = Source(f"{name}.input", text.encode())
    ours = importers()[fmt]().sniff(source)
    assert ours > 0 or not sniffed, f"{fmt} does not recognise its own output"
    for other in OUR_FORMATS:
        if other != fmt:
            assert importers()[other]().sniff(source) <= (ours if sniffed else 0), other
    return importers()[fmt]().parse(source, ImportOptions())


def _check_turns(conversation: Conversation, spoken: list[Spoken], *, joiner: str) -> None:
    assert [t.role for t in conversation.turns] == [s.role for s in spoken]
    assert [t.speaker_id for t in conversation.turns] == [s.label for s in spoken]
    assert [t.text for t in conversation.turns] == [
        joiner.join(" ".join(line) for line in s.lines) for s in spoken
    ]
    assert [t.start for t in conversation.turns] == [s.start_ms / 1000 for s in spoken]


# --- round trips -------------------------------------------------------------------------


@ROUND_TRIPS
@given(
    st.lists(conversations(), min_size=1, max_size=3),
    st.sampled_from(["seconds", "clock"]),
    st.randoms(use_true_random=False),
)
def test_csv_round_trip(calls: list[list[Spoken]], times: str, random: Random) -> None:
    rows = [
        (f"conv-{n}", position, turn)
        for n, call in enumerate(calls)
        for position, turn in enumerate(call)
    ]
    random.shuffle(rows)
    rows.sort(key=lambda row: row[1])  # interleaved, but each conversation in order
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["conversation_id", "role", "speaker", "text", "start", "end"])

    def shown(ms: int) -> str:
        return str(ms / 1000) if times == "seconds" else _clock(ms)

    for conversation_id, _, turn in rows:
        text = "\n".join(" ".join(line) for line in turn.lines)
        writer.writerow(
            [
                conversation_id,
                turn.role.value,
                turn.label,
                text,
                shown(turn.start_ms),
                shown(turn.end_ms),
            ]
        )
    parsed = _parse("csv", out.getvalue())
    first_seen = list(dict.fromkeys(row[0] for row in rows))
    assert [c.id for c in parsed] == first_seen
    for conversation in parsed:
        spoken = calls[int(conversation.id.split("-")[1])]
        assert conversation.channel == Channel.CALL
        _check_turns(conversation, spoken, joiner="\n")
        assert [t.end for t in conversation.turns] == [s.end_ms / 1000 for s in spoken]


@ROUND_TRIPS
@given(conversations(), st.sampled_from(["none", "[before]", "[after]", "before", "after"]))
def test_text_round_trip(spoken: list[Spoken], stamps: str) -> None:
    lines = []
    for turn in spoken:
        stamp = _clock(turn.start_ms)
        first = " ".join(turn.lines[0])
        label = {
            "none": f"{turn.label}:",
            "[before]": f"[{stamp}] {turn.label}:",
            "[after]": f"{turn.label} [{stamp}]:",
            "before": f"{stamp} {turn.label}:",
            "after": f"{turn.label} {stamp}:",
        }[stamps]
        lines.append(f"{label} {first}")
        lines += ["    " + " ".join(line) for line in turn.lines[1:]]
    top = lines[:SNIFF_LINES]
    labelled = sum(not line.startswith(" ") for line in top) >= SNIFF_SHARE * len(top)
    (conversation,) = _parse("text", "\n".join(lines) + "\n", name="chat-42", sniffed=labelled)
    assert conversation.id == "chat-42"
    assert [t.role for t in conversation.turns] == [s.role for s in spoken]
    assert [t.speaker_id for t in conversation.turns] == [s.label for s in spoken]
    assert [t.text for t in conversation.turns] == [
        "\n".join(" ".join(line) for line in s.lines) for s in spoken
    ]
    assert all(t.end is None for t in conversation.turns)
    if stamps == "none":
        assert conversation.channel == Channel.CHAT
        assert all(t.start is None for t in conversation.turns)
    else:
        assert conversation.channel == Channel.CALL
        assert [t.start for t in conversation.turns] == [s.start_ms / 1000 for s in spoken]


def _split_into_cues(turn: Spoken, parts: int) -> list[tuple[int, int, list[str]]]:
    """A turn as up to `parts` back-to-back cues, as caption tools cut long utterances."""
    flat = turn.words()
    parts = max(1, min(parts, len(flat)))
    span = turn.end_ms - turn.start_ms
    cues = []
    for i in range(parts):
        chunk = flat[i * len(flat) // parts : (i + 1) * len(flat) // parts]
        start = turn.start_ms + i * span // parts
        end = turn.start_ms + (i + 1) * span // parts
        cues.append((start, end, chunk))
    return cues


@ROUND_TRIPS
@given(conversations(), st.integers(1, 3), st.booleans())
def test_vtt_round_trip(spoken: list[Spoken], parts: int, classes: bool) -> None:
    out = ["WEBVTT", ""]
    for n, turn in enumerate(spoken):
        for i, (start, end, chunk) in enumerate(_split_into_cues(turn, parts)):
            tag = f"<v.loud {turn.label}>" if classes else f"<v {turn.label}>"
            text = html.escape(" ".join(chunk), quote=False)
            out += [f"{n}-{i}", f"{_clock(start)} --> {_clock(end)}", f"{tag}{text}</v>", ""]
    (conversation,) = _parse("vtt", "\n".join(out))
    assert conversation.channel == Channel.CALL
    _check_turns(conversation, spoken, joiner=" ")
    assert [t.end for t in conversation.turns] == [s.end_ms / 1000 for s in spoken]


@ROUND_TRIPS
@given(conversations(word=srt_words), st.integers(1, 3))
def test_srt_round_trip(spoken: list[Spoken], parts: int) -> None:
    out = []
    number = 0
    for turn in spoken:
        for start, end, chunk in _split_into_cues(turn, parts):
            number += 1
            half = max(1, len(chunk) // 2)
            body = [f"{turn.label}: {' '.join(chunk[:half])}"]
            if chunk[half:]:
                body.append(" ".join(chunk[half:]))
            out += [str(number), f"{_clock(start, ',')} --> {_clock(end, ',')}", *body, ""]
    (conversation,) = _parse("srt", "\n".join(out))
    _check_turns(conversation, spoken, joiner=" ")
    assert [t.end for t in conversation.turns] == [s.end_ms / 1000 for s in spoken]


# --- behaviour by hand -------------------------------------------------------------------


def _read(fmt: str, text: str, **options: object) -> list[Conversation]:
    return importers()[fmt]().parse(Source("case.in", text.encode()), ImportOptions(**options))


def _error(fmt: str, text: str, **options: object) -> InputError:
    with pytest.raises(InputError) as info:
        _read(fmt, text, **options)
    return info.value


VTT_TWO_CUES = """WEBVTT

00:00:01.000 --> 00:00:02.000
<v Agent>Hello.</v>

00:00:{start} --> 00:00:05.000
<v Agent>How can I help?</v>
"""


@pytest.mark.parametrize(
    ("start", "turns"),
    [("02.000", 1), ("02.999", 1), (f"{2 + MERGE_GAP_SECONDS:06.3f}", 2), ("04.000", 2)],
)
def test_vtt_merges_one_speakers_cues_closer_than_the_gap(start: str, turns: int) -> None:
    (conversation,) = _read("vtt", VTT_TWO_CUES.format(start=start))
    assert len(conversation.turns) == turns
    assert conversation.turns[-1].end == 5.0


def test_vtt_strips_cue_markup_and_keeps_two_voices_in_one_cue() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000 align:start\n"
        "<v Agent><c.yellow>Is</c> <00:00:01.500>that <b>right</b>?</v>\n"
        "<v Customer>Yes &amp; no</v>\n"
    )
    (conversation,) = _read("vtt", text)
    assert [(t.role, t.text) for t in conversation.turns] == [
        (Role.AGENT, "Is that right?"),
        (Role.CUSTOMER, "Yes & no"),
    ]
    assert all((t.start, t.end) == (1.0, 4.0) for t in conversation.turns)


def test_vtt_unknown_speaker_says_how_to_map_it() -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Jane Doe>Hello.</v>\n"
    error = _error("vtt", text)
    assert error.code == "unknown_role" and error.where.line == 4
    assert "--role 'Jane Doe=agent'" in str(error)
    (conversation,) = _read("vtt", text, speaker_roles={"jane doe": Role.AGENT})
    assert conversation.turns[0].speaker_id == "Jane Doe"


def test_vtt_cues_out_of_order_are_an_error() -> None:
    text = (
        "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\n<v Agent>Later.</v>\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v Customer>Earlier.</v>\n"
    )
    error = _error("vtt", text)
    assert (error.code, error.where.line) == ("bad_time", 6)


def test_srt_timing_line_error_names_the_line() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hi.\n\n2\n00:00:03 --> 00:00:04,000\nX\n"
    error = _error("srt", text)
    assert (error.code, error.where.line) == ("bad_time", 6)
    assert error.expected == "HH:MM:SS,mmm --> HH:MM:SS,mmm"


def test_srt_garbage_between_cues_names_its_line() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hi.\n\nnot a cue\n"
    error = _error("srt", text)
    assert (error.code, error.where.line) == ("malformed", 5)


def test_text_label_with_custom_name_and_channel_override() -> None:
    text = "Dana: Hi, how can I help?\nCustomer: My order is late.\n"
    assert _error("text", text).code == "unknown_role"
    (conversation,) = _read("text", text, speaker_roles={"Dana": Role.AGENT}, channel=Channel.SMS)
    assert conversation.channel == Channel.SMS
    assert [t.role for t in conversation.turns] == [Role.AGENT, Role.CUSTOMER]


def test_text_first_line_must_have_a_label() -> None:
    error = _error("text", "\n\nhello there\nAgent: Hi\n")
    assert (error.code, error.where.line) == ("malformed", 3)


@pytest.mark.parametrize(
    "text",
    [
        '{"id": "x", "turns": []}',
        '[{"role": "agent", "text": "Hi"}]',
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Agent>Hi</v>\n",
        "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hi\n",
        "conversation_id,role,text\nc1,agent,Hello: there\nc1,customer,Hi: you\n",
        "Dear team,\nmy order is late.\nRegards, Sam\n",
    ],
)
def test_text_does_not_claim_other_formats(text: str) -> None:
    assert importers()["text"]().sniff(Source("x.in", text.encode())) == 0.0


def test_csv_columns_mapped_by_option_and_names_kept() -> None:
    text = "Ticket;Who;Said;When\nT1;Jane;Hello;2024-05-01T10:00:00+00:00\nT1;client;Hi;\n"
    error = _error("csv", text)
    assert error.code == "missing_field" and error.where.line == 1
    assert "'Ticket', 'Who', 'Said', 'When'" in error.message
    (conversation,) = _read(
        "csv",
        text,
        columns={"conversation": "ticket", "role": "Who", "text": "Said", "timestamp": "When"},
        speaker_roles={"Jane": Role.AGENT},
    )
    assert conversation.id == "T1" and conversation.channel == Channel.CHAT
    assert [(t.role, t.speaker_id) for t in conversation.turns] == [
        (Role.AGENT, "Jane"),
        (Role.CUSTOMER, None),
    ]
    assert conversation.turns[0].sent_at is not None


def test_csv_without_conversation_column_is_one_conversation_named_by_file() -> None:
    (conversation,) = _read("csv", "role\ttext\tstart\nagent\tHi\t1.5\ncustomer\tHello\t3\n")
    assert conversation.id == "case" and conversation.channel == Channel.CALL
    assert [t.start for t in conversation.turns] == [1.5, 3.0]


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("role,text,start\nagent,Hi,1.5\ncustomer,Hello,-3\n", 3, "bad_time"),
        ("role,text,start\nagent,Hi,1e999\n", 2, "bad_time"),
        ('role,text\nagent,"Hi\nthere"\ncustomer,"unterminated\n', 4, "malformed"),
        ("role,text,end,start\nagent,Hi,1,2\n", 2, "bad_time"),
        ("role,text,channel\nagent,Hi,chat\ncustomer,Yo,email\n", 3, "invalid_value"),
        ("role,text\n\n\n", 1, "empty"),
    ],
)
def test_csv_errors_name_the_line(text: str, line: int, code: str) -> None:
    error = _error("csv", text)
    assert (error.code, error.where.line) == (code, line)


# --- near-valid inputs -------------------------------------------------------------------

SAMPLES = {
    "csv": "conversation_id,role,speaker,text,start,end,timestamp,channel\n"
    'c1,agent,Dana,"Hi, how can I help?",0.5,00:02.250,2024-05-01T10:00:00Z,call\n'
    "c2,customer,,My order,1,2,,\nc1,customer,,Late again,3.0,4,,call\n",
    "text": "[00:00:01] Agent: Hello.\nCustomer [00:02]: Hi: there\n  more words\n"
    "00:00:05 Agent Jane: Sure.\n",
    "vtt": "WEBVTT\nLanguage: en\n\nNOTE hi\n\n1\n00:00:01.000 --> 00:00:02.000 align:start\n"
    "<v Agent>Hi <i>there</i></v>\n\n00:01.500 --> 00:03.000\n<v.x Customer>Yo &amp; you</v>\n"
    "<v Agent>Both</v>\n",
    "srt": "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hello <i>you</i>\nthere\n\n"
    "2\n00:00:02,500 --> 00:00:04,000\n- Customer: Hi\n- Agent: {\\an8}Yes\n",
}
_PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        " ",
        ":",
        ",",
        ";",
        "\t",
        '"',
        "[",
        "]",
        "<",
        ">",
        "-->",
        "<v ",
        "</v>",
        ".",
        "0",
        "9",
        "99",
        "-",
        "WEBVTT",
        "NOTE",
        "Agent: ",
        "\r",
        "\u2028",
        "&",
        "{",
        "é",
    ]
)


@settings(
    max_examples=int(os.environ.get("EDIT_EXAMPLES", "300")),
    deadline=None,
    derandomize=not os.environ.get("EDIT_EXAMPLES"),
)
@given(
    st.sampled_from(sorted(SAMPLES)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3), _PIECES), max_size=6),
)
def test_edited_samples_raise_only_input_error(fmt: str, edits: list[tuple[int, int, str]]) -> None:
    text = SAMPLES[fmt]
    for at, cut, piece in edits:
        at %= len(text) + 1
        text = text[:at] + piece + text[at + cut :]
    importer = importers()[fmt]()
    source = Source("edited.in", text.encode())
    importer.sniff(source)
    try:
        importer.parse(source, ImportOptions())
    except InputError as error:
        assert error.code and error.message


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_unedited_samples_parse(fmt: str) -> None:
    assert _read(fmt, SAMPLES[fmt])
