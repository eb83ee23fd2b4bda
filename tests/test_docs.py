"""The docs stay true: published schemas match the code, every command and format is documented."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from heard.cli.main import app
from heard.cli.reference import command_paths, render
from heard.cli.schema import conversation_schema, scorecard_schema
from heard.importers import importers

DOCS = ROOT / "docs"


@pytest.mark.parametrize(
    ("file", "schema"),
    [
        ("conversation.schema.json", conversation_schema),
        ("scorecard.schema.json", scorecard_schema),
    ],
)
def test_published_schema_matches_code(file: str, schema) -> None:
    published = json.loads((DOCS / file).read_text())
    assert published == schema(), f"docs/{file} is stale: run `heard schema > docs/{file}`"


def test_every_format_is_documented() -> None:
    text = "\n".join(p.read_text() for p in (DOCS / "formats").glob("*.md"))
    text += (DOCS / "importers.md").read_text()
    missing = [name for name in importers() if f"`{name}`" not in text]
    assert not missing, f"formats missing from docs/importers.md or docs/formats/: {missing}"


def test_cli_reference_is_generated_from_help() -> None:
    assert (DOCS / "cli.md").read_text() == render(app), (
        "docs/cli.md is stale: run `python -m heard.cli.reference > docs/cli.md`"
    )


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for path in command_paths(app):
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path


def test_every_detector_is_documented() -> None:
    from heard.analysis import detectors

    text = (DOCS / "analysis.md").read_text()
    missing = [name for name in detectors() if f"`{name}`" not in text]
    assert not missing, f"detectors missing from docs/analysis.md: {missing}"


def test_accuracy_doc_is_generated_by_heard_eval() -> None:
    from heard.evaluation.docs import GENERATED
    from heard.evaluation.validity import VALIDITY
    from heard.learn.datasets import TASKS

    text = (DOCS / "accuracy.md").read_text()
    assert text.startswith("# Accuracy\n\n" + GENERATED), (
        "docs/accuracy.md must be written by `heard eval --data ../shared/data --write-docs`"
    )
    assert "- command: `heard eval --data " in text and "--write-docs" in text
    from heard.evaluation import corpus

    groups = [f"corpus.{group} (default)" for group in corpus.GROUPS]
    names = [*TASKS, *VALIDITY, *corpus.TASKS, *groups]
    missing = [name for name in names if f"| {name} " not in text]
    assert not missing, f"tasks missing from docs/accuracy.md (re-run heard eval): {missing}"


def test_every_setting_is_documented() -> None:
    from heard.settings import Settings

    text = (DOCS / "store.md").read_text()
    missing = [
        name
        for name in Settings.model_fields
        if f"`{name}`" not in text or f"`HEARD_{name.upper()}`" not in text
    ]
    assert not missing, f"settings missing from docs/store.md: {missing}"


def test_every_api_route_is_documented() -> None:
    import re

    from heard.web.api import ROUTERS

    text = (DOCS / "api.md").read_text()
    missing = []
    for route in (r for router in ROUTERS for r in router.routes):
        path = re.sub(r"\{[a-z_]+\}", "{id}", route.path)  # type: ignore[attr-defined]
        if path == "/feedback/{id}":
            path = "/feedback/{token}"
        if f"/api/v1{path}`" not in text and f"{path}`" not in text:
            missing.append(path)
    assert not missing, f"API routes missing from docs/api.md: {missing}"
