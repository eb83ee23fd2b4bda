"""The web app's own files at /static/, plotly.js served from the installed plotly package at
/static/vendor/plotly.min.js, and Swagger UI's files from the installed swagger-ui-bundle-v2
package under /static/vendor/swagger-ui/ (never copied into the repository, never fetched from
a CDN)."""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(str(files("heard.web") / "static"))
PLOTLY_PATH = "vendor/plotly.min.js"
"""Where plotly.js sits under /static/."""
SWAGGER_DIR = "vendor/swagger-ui/"
"""Where Swagger UI's files sit under /static/."""
SWAGGER_FILES = frozenset(
    {"swagger-ui-bundle.js", "swagger-ui.css", "oauth2-redirect.js", "favicon-32x32.png"}
)
"""The files of the Swagger UI distribution the API's docs page loads."""


def plotly_js() -> Path:
    """The plotly.min.js file shipped inside the installed plotly package."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(
            f"plotly.js not found at {path}: reinstall the plotly package (pip install plotly)"
        )
    return path


EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
"""The CSP hash of an empty `<style>` element."""

_STYLESHEET_TEXT = re.compile(r"\.textContent='([^'\\]*)'")
"""A stylesheet set as a plain JavaScript string (no escapes) on a `<style>` element."""


@functools.cache
def plotly_style_sources() -> tuple[str, ...]:
    """CSP `style-src` hash sources of the `<style>` elements plotly.js writes: an empty one,
    which it then fills rule by rule through the CSSOM (not governed by CSP), and the map
    library's stylesheet, found in the installed plotly.min.js (read once a process)."""
    sources = [EMPTY_STYLE]
    script = plotly_js().read_text(encoding="utf-8")
    at = script.find('createElement("style")')
    while at >= 0:
        text_at = script.find(".textContent='", at, at + 300)
        found = _STYLESHEET_TEXT.match(script, text_at) if text_at >= 0 else None
        if found is not None:
            digest = hashlib.sha256(found.group(1).encode()).digest()
            sources.append(f"'sha256-{base64.b64encode(digest).decode()}'")
        at = script.find('createElement("style")', at + 1)
    return tuple(sources)


def swagger_ui_dir() -> Path:
    """The folder of the Swagger UI distribution inside the installed swagger-ui-bundle-v2."""
    from swagger_ui_bundle import swagger_ui_path

    path = Path(str(swagger_ui_path))
    if not (path / "swagger-ui-bundle.js").is_file():
        raise FileNotFoundError(
            f"Swagger UI not found at {path}: reinstall it (pip install swagger-ui-bundle-v2)"
        )
    return path


class HeardStatic(StaticFiles):
    """web/static, plus plotly.js and Swagger UI from their packages under vendor/."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        wanted = path.replace("\\", "/").lstrip("/")
        if wanted == PLOTLY_PATH:
            vendor = plotly_js()
            return str(vendor), os.stat(vendor)
        if wanted.startswith(SWAGGER_DIR):
            name = wanted.removeprefix(SWAGGER_DIR)
            if name not in SWAGGER_FILES:
                return "", None
            vendor = swagger_ui_dir() / name
            return str(vendor), os.stat(vendor)
        return super().lookup_path(path)


def static_files() -> HeardStatic:
    """The ASGI app that serves /static/ (mount it at /static with the name "static")."""
    return HeardStatic(directory=STATIC_DIR)


def mount_static(app: Any) -> None:
    """Mount the static files on a FastAPI or Starlette app at /static (route name "static")."""
    app.mount("/static", static_files(), name="static")
