"""Every sample under tests/data/formats/<format>/ imports to its golden JSON.

Layout: `<format>/<case>.<ext>` with `<case>.golden.json` beside it (the imported
conversations), and `<format>/bad/<case>.<ext>` with `<case>.error.json` (the InputError).
Rewrite goldens after a deliberate change with HEARD_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golden import check_golden
from heard.errors import InputError
from heard.importers import ImportOptions, importers, read_file

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"
OPTIONS_FILE = "options.json"
MADE_IN_TESTS = {
    "audio": "recognised words and times are not byte-stable across CPUs; tests/audio makes "
    "its calls with espeak-ng and sox and checks them within bounds",
}
"""Formats whose good samples are made and checked by their own tests, with the reason."""


def _is_input(path: Path) -> bool:
    return (
        path.is_file()
        and not path.name.endswith((".golden.json", ".error.json"))
        and (path.name != OPTIONS_FILE)
        and not path.name.endswith(".md")
    )


def _cases(bad: bool) -> list[tuple[str, Path]]:
    found = []
    for fmt_dir in sorted(p for p in FORMATS.iterdir() if p.is_dir()):
        folder = fmt_dir / "bad" if bad else fmt_dir
        if folder.is_dir():
            found += [(fmt_dir.name, p) for p in sorted(folder.iterdir()) if _is_input(p)]
    return found


def _options(fmt_dir: Path) -> ImportOptions:
    import json

    from heard.model import Role

    file = fmt_dir / OPTIONS_FILE
    if not file.exists():
        return ImportOptions()
    raw = json.loads(file.read_text())
    return ImportOptions(
        speaker_roles={k: Role(v) for k, v in raw.get("speaker_roles", {}).items()},
        columns=raw.get("columns", {}),
    )


def _stem(path: Path) -> str:
    return path.name.split(".")[0]


@pytest.mark.parametrize(("fmt", "path"), _cases(bad=False), ids=lambda v: str(v)[-40:])
def test_sample_imports_to_golden(fmt: str, path: Path) -> None:
    options = _options(FORMATS / fmt)
    name, conversations = read_file(path, format=fmt, options=options)
    assert name == fmt
    dumped = [c.model_dump(mode="json", exclude_defaults=True) for c in conversations]
    check_golden(dumped, path.with_name(_stem(path) + ".golden.json"))


@pytest.mark.parametrize(("fmt", "path"), _cases(bad=False), ids=lambda v: str(v)[-40:])
def test_sample_is_sniffed(fmt: str, path: Path) -> None:
    options = _options(FORMATS / fmt)
    name, _ = read_file(path, format="auto", options=options)
    assert name == fmt


@pytest.mark.parametrize(("fmt", "path"), _cases(bad=True), ids=lambda v: str(v)[-40:])
def test_bad_sample_gives_located_error(fmt: str, path: Path) -> None:
    options = _options(FORMATS / fmt)
    with pytest.raises(InputError) as info:
        read_file(path, format=fmt, options=options)
    error = info.value.to_dict()
    error["file"] = path.name
    check_golden(error, path.with_name(_stem(path) + ".error.json"))


def test_every_format_has_a_golden_sample() -> None:
    with_samples = {fmt for fmt, _ in _cases(bad=False)}
    missing = set(importers()) - with_samples - set(MADE_IN_TESTS)
    assert not missing, f"formats without a golden sample in tests/data/formats/: {missing}"
