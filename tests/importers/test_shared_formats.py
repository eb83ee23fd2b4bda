"""The real AWS sample files in the shared data folder import, or fail where they are broken.

The files stay in the shared folder (CC BY-SA 4.0 / Apache-2.0); only their goldens live here,
under tests/data/shared_golden/. Rewrite them with HEARD_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import pytest

from conftest import SHARED_DATA, TEST_DATA, require_shared_data
from golden import check_golden
from heard.errors import InputError
from heard.importers import read_file

GOLDEN = TEST_DATA / "shared_golden"

VALID = [
    ("amazon_connect_contact_lens/chat_original_analyzed.json", "aws-connect"),
    ("aws_pca_parsed_output/testfile.json", "aws-pca"),
]

BROKEN = [
    # Published with one surplus closing brace at the end.
    ("amazon_connect_contact_lens/voice_original_analyzed.docs-example.txt", "aws-connect", 297),
    # Published with `...` where the docs elide repeated parts.
    (
        "amazon_transcribe_call_analytics/post_call_compiled.docs-example.txt",
        "aws-transcribe",
        None,
    ),
]


@pytest.mark.parametrize(("relative", "fmt"), VALID)
@pytest.mark.parametrize("requested", ["auto", "explicit"])
def test_shared_sample_imports_to_golden(relative: str, fmt: str, requested: str) -> None:
    require_shared_data()
    path = SHARED_DATA / "formats" / relative
    name, conversations = read_file(path, format=fmt if requested == "explicit" else "auto")
    assert name == fmt
    dumped = [c.model_dump(mode="json", exclude_defaults=True) for c in conversations]
    check_golden(dumped, GOLDEN / f"{path.name.split('.')[0]}.golden.json")


@pytest.mark.parametrize(("relative", "fmt", "line"), BROKEN)
@pytest.mark.parametrize("requested", ["auto", "explicit"])
def test_broken_docs_example_names_file_and_line(
    relative: str, fmt: str, line: int | None, requested: str
) -> None:
    require_shared_data()
    path = SHARED_DATA / "formats" / relative
    with pytest.raises(InputError) as info:
        read_file(path, format=fmt if requested == "explicit" else "auto")
    error = info.value
    assert error.code == "malformed"
    assert error.where.file == str(path)
    assert error.where.line is not None
    if line is not None:
        assert error.where.line == line
    assert f"line {error.where.line}" in str(error)
