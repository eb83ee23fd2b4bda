"""Bad input gets an InputError naming the file, line or JSON path, and what was expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TEST_DATA
from heard.errors import InputError
from heard.importers import ImportOptions, read_file


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


CASES = [
    # (file name, content, format, code, line, path, words in the message)
    (
        "broken.json",
        '{"id": "c1", "channel": "chat",\n "turns": [\n  {"role": "agent" "text": "x"}]}',
        "json",
        "malformed",
        3,
        None,
        "malformed JSON",
    ),
    (
        "latin1.jsonl",
        '{"id": "c1", "channel": "chat", "turns": [{"role": "agent", "text": "caf\xe9"}]}'.encode(
            "latin-1"
        ),
        "jsonl",
        "encoding",
        1,
        None,
        "not valid UTF-8",
    ),
    (
        "missing.json",
        '{"id": "c1", "turns": [{"role": "agent", "text": "hi"}]}',
        "json",
        "missing_field",
        None,
        "$.channel",
        "required field is missing",
    ),
    (
        "empty.json",
        '{"id": "c1", "channel": "chat", "turns": []}',
        "json",
        "empty",
        None,
        None,
        "empty conversation",
    ),
    (
        "blank.json",
        '{"id": "c1", "channel": "chat", "turns": [{"role": "agent", "text": "  "}]}',
        "json",
        "empty",
        None,
        None,
        "empty conversation",
    ),
    (
        "role.json",
        '{"id": "c1", "channel": "chat", "turns": [{"role": "manager", "text": "hi"}]}',
        "json",
        "invalid_value",
        None,
        "$.turns[0].role",
        "manager",
    ),
    (
        "negative.json",
        '{"id": "c1", "channel": "call", "turns": '
        '[{"role": "agent", "text": "hi", "start": -2, "end": 1}]}',
        "json",
        "invalid_value",
        None,
        "$.turns[0].start",
        "greater than or equal to 0",
    ),
    (
        "backwards.json",
        '{"id": "c1", "channel": "call", "turns": '
        '[{"role": "agent", "text": "hi", "start": 5, "end": 1}]}',
        "json",
        "bad_time",
        None,
        "$.turns[0]",
        "before its start",
    ),
    (
        "overlap.json",
        '{"id": "c1", "channel": "call", "turns": ['
        '{"role": "agent", "text": "hello there", "start": 0, "end": 6},'
        '{"role": "agent", "text": "again", "start": 2, "end": 8}]}',
        "json",
        "bad_time",
        None,
        "$.turns[1]",
        "overlapping times",
    ),
    (
        "lines.jsonl",
        '{"id": "c1", "channel": "chat", "turns": [{"role": "agent", "text": "hi"}]}\n'
        '{"id": "c2", "channel": "fax", "turns": [{"role": "agent", "text": "hi"}]}\n',
        "jsonl",
        "invalid_value",
        2,
        "$.channel",
        "fax",
    ),
    (
        "long-agent.jsonl",
        '{"id": "c1", "channel": "chat", "turns": [{"role": "agent", "text": "hi"}]}\n'
        '{"id": "c2", "channel": "chat", "agent": {"id": "%s"}, '
        '"turns": [{"role": "agent", "text": "hi"}]}\n' % ("a" * 201),
        "jsonl",
        "invalid_value",
        2,
        "$.agent.id",
        "at most 200 characters",
    ),
    (
        "long-id.json",
        '{"id": "%s", "channel": "chat", "turns": [{"role": "agent", "text": "hi"}]}' % ("c" * 301),
        "json",
        "invalid_value",
        None,
        "$.id",
        "at most 300 characters",
    ),
    (
        "year-one.json",
        '{"id": "c1", "channel": "chat", "started_at": "0001-01-01T00:00:00Z", '
        '"turns": [{"role": "agent", "text": "hi"}]}',
        "json",
        "invalid_value",
        None,
        "$.started_at",
        "from 1900-01-01 to 2999-12-31",
    ),
    (
        "notes.json",
        "%PDF-1.4 not a conversation",
        "auto",
        "unknown_format",
        None,
        None,
        "could not recognise the format",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "fmt", "code", "line", "path", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_input_is_located(
    tmp_path: Path,
    name: str,
    content: str | bytes,
    fmt: str,
    code: str,
    line: int | None,
    path: str | None,
    words: str,
) -> None:
    file = _write(tmp_path, name, content)
    with pytest.raises(InputError) as info:
        read_file(file, format=fmt)
    error = info.value
    assert error.code == code
    assert error.where.file == str(file)
    assert error.where.line == line
    assert error.where.path == path
    assert words in str(error)
    assert str(file) in str(error)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    file = _write(tmp_path, "big.json", "x" * 2048)
    with pytest.raises(InputError) as info:
        read_file(file, options=ImportOptions(max_bytes=1024))
    assert info.value.code == "too_large"
    assert "2,048 bytes, over the limit of 1,024" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        read_file(tmp_path / "nope.json")
    assert info.value.code == "not_a_file"


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        read_file(tmp_path)


def test_unknown_format_name_lists_known_ones(tmp_path: Path) -> None:
    file = _write(tmp_path, "a.json", "{}")
    with pytest.raises(InputError, match="one of: auto, ") as info:
        read_file(file, format="fax-machine")
    assert info.value.code == "unknown_format"


def test_documentation_excerpt_with_elisions_says_so(tmp_path: Path) -> None:
    file = _write(tmp_path, "doc.json", '{\n  "Transcript": [\n    ...\n  ]\n}\n')
    with pytest.raises(InputError, match=r"elides content with '\.\.\.'") as info:
        read_file(file)
    assert info.value.where.line == 3


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    doc = '{"id": "c1", "channel": "chat", "turns": [{"role": "agent", "text": "café"}]}'
    file = _write(tmp_path, "u16.json", doc.encode("utf-16"))
    _, conversations = read_file(file)
    assert conversations[0].turns[0].text == "café"


def test_turn_index_may_be_left_out_but_must_match_when_given(tmp_path: Path) -> None:
    doc = (
        '{"id": "c1", "channel": "chat", "turns": [{"role": "agent", "text": "a"},'
        ' {"index": 5, "role": "customer", "text": "b"}]}'
    )
    with pytest.raises(InputError, match="indexes must count"):
        read_file(_write(tmp_path, "idx.json", doc))


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        (
            "escaped.json",
            '{"id": "c1", "channel": "chat", "agent": {"id": "a1", "name": "Ann\\u0000"}, '
            '"metadata": {"k\\u0000": ["v\\u0000"]}, '
            '"turns": [{"role": "agent", "text": "hi\\u0000 there", "subject": "\\u0000s"}]}',
            "json",
        ),
        ("raw.txt", "Agent: hi\x00 there\nCustomer: my parcel\x00\x00 never came\n", "text"),
        (
            "raw.csv",
            "conversation,role,text\nc1,agent,hi\x00 there\nc1,customer,thanks\x00\n",
            "csv",
        ),
    ],
)
def test_nul_characters_in_a_file_are_dropped_with_a_warning(
    tmp_path: Path, name: str, content: str, fmt: str
) -> None:
    from heard.importers import Source, read_source

    source = Source(name, content.encode())
    _, found = read_source(source, format=fmt)
    stored = found[0].to_json()
    assert "\\u0000" not in stored and "\x00" not in stored
    assert found[0].turns[0].text == "hi there"
    if "\\u0000" not in content:
        assert any("NUL" in w for w in source.warnings)


def test_a_value_an_importer_checks_itself_is_still_an_input_error(tmp_path: Path) -> None:
    # Twilio's words are built inside the importer; a time past heard's bound (1e10 s) must
    # come out as an InputError naming the file, never as pydantic's ValidationError.
    doc = json.loads((TEST_DATA / "formats" / "twilio" / "account_lockout.json").read_text())
    doc["sentences"][0]["words"][0]["end_time"] = 2e10
    file = _write(tmp_path, "far.json", json.dumps(doc))
    with pytest.raises(InputError) as info:
        read_file(file, format="twilio")
    assert str(file) in str(info.value) and "10000000000" in str(info.value)
