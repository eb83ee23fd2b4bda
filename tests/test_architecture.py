"""Imports point one way: no heard package imports a higher layer's (tests/architecture.py
declares the layers) or closes a cycle between packages, counting imports inside functions
and under TYPE_CHECKING; docs/architecture.md shows the layers and imports as they are. No
module under src/ reaches 800 lines and no function outside the migrations is over 100."""

from __future__ import annotations

from pathlib import Path

import pytest

import architecture
from architecture import (
    LAYERS,
    SOURCE,
    apart,
    cycles,
    generated,
    imports,
    oversized,
    upward,
)


def test_no_import_points_up_the_layers() -> None:
    problems = upward(imports())
    assert not problems, "\n".join(problems)


def test_the_store_imports_no_analyzer_engine_or_ingest() -> None:
    problems = apart(imports())
    assert not problems, "\n".join(problems)


def test_no_packages_import_each_other_in_a_cycle() -> None:
    problems = cycles(imports())
    assert not problems, "\n".join(problems)


def test_no_module_reaches_800_lines_and_no_function_is_over_100() -> None:
    problems = oversized()
    assert not problems, "\n".join(problems)


def test_every_package_has_one_layer() -> None:
    declared = [p for _, _, packages in LAYERS for p in packages]
    assert len(declared) == len(set(declared)), "a package is in two layers"
    present = {
        p.name.removesuffix(".py")
        for p in SOURCE.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").is_file()) and p.name != "__init__.py"
    }
    assert present - set(declared) == set(), "add these to LAYERS in tests/architecture.py"


def test_docs_show_the_layers_read_from_the_code() -> None:
    text = architecture.DOC.read_text("utf-8")
    assert generated(imports()) in text, (
        "docs/architecture.md is out of date: PYTHONPATH=src python tests/architecture.py"
    )


# --- the checker itself, on a small tree written here --------------------------------------


def tree(root: Path, files: dict[str, str]) -> Path:
    source = root / "src" / "heard"
    for name, text in files.items():
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    for folder in {p.parent for p in source.rglob("*.py")}:
        (folder / "__init__.py").touch()
    return source


@pytest.mark.parametrize(
    ("text", "line", "name"),
    [
        ("from heard.cli.main import run\n", 1, "heard.cli.main"),
        ("import heard.cli\n", 1, "heard.cli"),
        ("from heard import cli\n", 1, "heard.cli"),
        ("from ..cli import main\n", 1, "heard.cli"),
        ("def f():\n    x = 1\n    from heard.cli import main\n    return main\n", 3, "heard.cli"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from heard.cli import main\n",
            3,
            "heard.cli",
        ),
        (
            "from importlib.resources import files\n\nDATA = files('heard.cli')\n",
            3,
            "heard.cli",
        ),
    ],
)
def test_an_import_up_the_layers_is_named_by_file_line_and_rule(
    tmp_path: Path, text: str, line: int, name: str
) -> None:
    source = tree(tmp_path, {"analysis/scoring.py": text, "cli/main.py": "run = 1\n"})
    [problem] = upward(imports(source))
    assert problem.startswith(f"src/heard/analysis/scoring.py:{line} imports {name}: ")
    assert "analysis (layer 'analysis') may not import cli (layer 'commands'" in problem
    assert cycles(imports(source)) == []


def test_imports_down_and_within_a_package_pass(tmp_path: Path) -> None:
    source = tree(
        tmp_path,
        {
            "detectors/questions.py": "from heard.analysis.detector import Detector\n"
            "from heard.detectors._words import words\nfrom . import _words\n",
            "detectors/_words.py": "from heard.language.lexicon import wordlist\n",
            "analysis/detector.py": (
                "from heard.model import Finding\nfrom heard import __version__\n"
            ),
            "language/lexicon.py": "wordlist = 1\n",
            "model/__init__.py": "Finding = 1\n",
        },
    )
    assert upward(imports(source)) == []
    assert cycles(imports(source)) == []


def test_a_cycle_between_packages_of_one_layer_is_named(tmp_path: Path) -> None:
    source = tree(
        tmp_path,
        {
            "importers/text.py": "from heard.audio.call import read\n",
            "audio/call.py": "def read():\n    from heard.importers import text\n    return text\n",
        },
    )
    assert upward(imports(source)) == []
    [problem] = cycles(imports(source))
    assert problem.startswith("packages audio, importers import each other in a cycle: ")
    assert "audio → importers at src/heard/audio/call.py:2 (heard.importers)" in problem
    assert "importers → audio at src/heard/importers/text.py:1 (heard.audio.call)" in problem


def test_a_package_in_no_layer_is_named(tmp_path: Path) -> None:
    source = tree(tmp_path, {"gadgets/thing.py": "from heard.model import Turn\n"})
    [problem] = upward(imports(source))
    assert problem.startswith("src/heard/gadgets/thing.py:1: heard.gadgets is in no layer")


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("from heard.analysis import Analyzer\n", True),
        ("from heard.analysis.analyzer import TemplateHint\n", True),
        ("def f():\n    from heard.engines.local import LocalEngine\n", True),
        ("from heard import ingest\n", True),
        ("from heard.ingest.cards import card_rows\n", True),
        ("from heard.analysis.rubric import load_rubric\n", False),
        ("from heard.model import Conversation\n", False),
    ],
)
def test_the_store_may_not_import_the_analyzer_engines_or_ingest(
    tmp_path: Path, text: str, forbidden: bool
) -> None:
    source = tree(
        tmp_path,
        {
            "store/repository.py": text,
            "analysis/analyzer.py": "Analyzer = 1\nTemplateHint = 1\n",
            "analysis/rubric.py": "load_rubric = 1\n",
            "engines/local.py": "LocalEngine = 1\n",
            "ingest/cards.py": "card_rows = 1\n",
            "model/__init__.py": "Conversation = 1\n",
        },
    )
    problems = apart(imports(source))
    assert bool(problems) == forbidden, problems
    if forbidden:
        assert problems[0].startswith("src/heard/store/repository.py:")
        assert "heard.store may not import" in problems[0]


def _function(name: str, body_lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x{k} = {k}\n" for k in range(body_lines))
    return f"{indent}def {name}() -> None:\n{body}"


def test_a_long_module_and_long_functions_are_named_with_their_length(tmp_path: Path) -> None:
    nested = "def outer() -> None:\n" + _function("inner", 100, "    ") + "    inner()\n"
    source = tree(
        tmp_path,
        {
            "report/fine.py": _function("short", 99) + "\n" * 699,
            "report/long.py": "\n" * 799 + "x = 1\n",
            "analysis/scoring.py": _function("score", 100),
            "detectors/concerns.py": nested,
            "store/migrations/versions/0001_tables.py": _function("upgrade", 300),
        },
    )
    assert oversized(source) == [
        "src/heard/analysis/scoring.py:1 function score has 101 lines (at most 100): "
        "split it into named helpers",
        "src/heard/detectors/concerns.py:1 function outer has 103 lines (at most 100): "
        "split it into named helpers",
        "src/heard/detectors/concerns.py:2 function inner has 101 lines (at most 100): "
        "split it into named helpers",
        "src/heard/report/long.py has 800 lines (a module must stay under 800): "
        "move a coherent part into a module of its own",
    ]
