"""The web app's own files at /static/, and plotly.js served from the installed plotly package
at /static/vendor/plotly.min.js (never copied into the repository, never fetched from a CDN)."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any

from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(str(files("heard.web") / "static"))
PLOTLY_PATH = "vendor/plotly.min.js"
"""Where plotly.js sits under /static/."""


def plotly_js() -> Path:
    """The plotly.min.js file shipped inside the installed plotly package."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(
            f"plotly.js not found at {path}: reinstall the plotly package (pip install plotly)"
        )
    return path


class HeardStatic(StaticFiles):
    """web/static, plus plotly.js from its package under vendor/."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if path.replace("\\", "/").lstrip("/") == PLOTLY_PATH:
            vendor = plotly_js()
            return str(vendor), os.stat(vendor)
        return super().lookup_path(path)


def static_files() -> HeardStatic:
    """The ASGI app that serves /static/ (mount it at /static with the name "static")."""
    return HeardStatic(directory=STATIC_DIR)


def mount_static(app: Any) -> None:
    """Mount the static files on a FastAPI or Starlette app at /static (route name "static")."""
    app.mount("/static", static_files(), name="static")
