"""Bad input gets an InputError naming the file, line or JSON path, and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

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
