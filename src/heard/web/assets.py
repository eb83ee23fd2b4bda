"""The web app's own files at /static/, and Swagger UI's files from the installed
swagger-ui-bundle-v2 package under /static/vendor/swagger-ui/ (never copied into the
repository, never fetched from a CDN).

Pages link each file by a name carrying a hash of its content (`asset_url`:
/static/heard.3f2a9c0d81be.css), served with `Cache-Control: public, max-age=31536000,
immutable`: a browser fetches a file once per version of it and never asks again. The plain
name (/static/heard.css), or a hash that is not the file's (a page of an older version),
gets the current file with `no-cache`, so that nothing stale is kept under a name a page
trusts. Text files (CSS, JavaScript, SVG, JSON) are gzipped once a process and sent
compressed to a browser that accepts gzip (`Vary: Accept-Encoding`), each with its ETag for
conditional requests. The pages themselves are not compressed: they carry the session's CSRF
token next to words the visitor chose (a search), which compression would leak to an
observer of response sizes (BREACH)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(str(files("heard.web") / "static"))
SWAGGER_DIR = "vendor/swagger-ui/"
"""Where Swagger UI's files sit under /static/."""
SWAGGER_FILES = frozenset(
    {"swagger-ui-bundle.js", "swagger-ui.css", "oauth2-redirect.js", "favicon-32x32.png"}
)
"""The files of the Swagger UI distribution the API's docs page loads."""

IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control of a file asked for by its hashed name: a year, never revalidated."""
REVALIDATE = "no-cache"
"""Cache-Control of a file asked for by its plain name or a stale hash: kept, but checked
(ETag) before each use."""
DIGEST_LENGTH = 12
"""Hex digits of the content's SHA-256 in a hashed name."""
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
"""Media types worth gzipping (images such as PNG are compressed already)."""
MIN_COMPRESS = 256
"""Files smaller than this are sent as they are."""


def swagger_ui_dir() -> Path:
    """The folder of the Swagger UI distribution inside the installed swagger-ui-bundle-v2."""
    from swagger_ui_bundle import swagger_ui_path

    path = Path(str(swagger_ui_path))
    if not (path / "swagger-ui-bundle.js").is_file():
        raise FileNotFoundError(
            f"Swagger UI not found at {path}: reinstall it (pip install swagger-ui-bundle-v2)"
        )
    return path


@dataclass(frozen=True)
class Asset:
    """A static file read once a process: its bytes, gzipped bytes when worth it, and the
    hash its name carries."""

    body: bytes
    gzipped: bytes | None
    media_type: str
    digest: str

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'

    @property
    def gzip_etag(self) -> str:
        return f'"{self.digest}-gz"'


def media_type_of(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed in ("application/javascript", "text/javascript"):
        guessed = "text/javascript"
    if guessed.startswith("text/") or guessed in ("application/json", "image/svg+xml"):
        return f"{guessed}; charset=utf-8"
    return guessed


@functools.lru_cache(maxsize=64)
def _load(path: Path, mtime_ns: int, size: int) -> Asset:
    body = path.read_bytes()
    media_type = media_type_of(path)
    gzipped = None
    if len(body) >= MIN_COMPRESS and media_type.startswith(COMPRESSIBLE):
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
    digest = hashlib.sha256(body).hexdigest()[:DIGEST_LENGTH]
    return Asset(body=body, gzipped=gzipped, media_type=media_type, digest=digest)


def load_asset(path: Path) -> Asset:
    """The file at `path` as an Asset, read again only when it changed on disk."""
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size)


def source_of(name: str) -> Path | None:
    """The file a plain /static/ name stands for (our own folder, or one of Swagger UI's
    files), None when it is not one the app serves."""
    wanted = name.replace("\\", "/").lstrip("/")
    if wanted.startswith(SWAGGER_DIR):
        file = wanted.removeprefix(SWAGGER_DIR)
        return swagger_ui_dir() / file if file in SWAGGER_FILES else None
    if not wanted or any(part in ("", ".", "..") for part in wanted.split("/")):
        return None
    path = STATIC_DIR / wanted
    return path if path.is_file() else None


def asset_url(name: str) -> str:
    """The URL a page links a static file by: /static/ and its name with the content's hash
    before the suffix (heard.css → /static/heard.3f2a9c0d81be.css)."""
    path = source_of(name)
    if path is None:
        raise FileNotFoundError(f"no static file {name!r} in {STATIC_DIR} or Swagger UI")
    folder, _, file = name.rpartition("/")
    stem, dot, suffix = file.rpartition(".")
    if not dot:
        stem, suffix = file, ""
    digest = load_asset(path).digest
    hashed = f"{stem}.{digest}.{suffix}" if suffix else f"{stem}.{digest}"
    return f"/static/{folder}/{hashed}" if folder else f"/static/{hashed}"


def split_hashed(name: str) -> tuple[str, str | None]:
    """A requested name without its hash, and the hash (None for a plain name)."""
    folder, slash, file = name.rpartition("/")
    found = HASHED_NAME.match(file)
    if found is None:
        return name, None
    return f"{folder}{slash}{found['stem']}{found['suffix']}", found["digest"]


def accepts_gzip(headers: Headers) -> bool:
    for part in headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            return not (params.strip().startswith("q=") and _is_zero(q))
    return False


def _is_zero(q: str) -> bool:
    try:
        return float(q) == 0
    except ValueError:
        return False


def asset_response(asset: Asset, *, scope: Scope, immutable: bool) -> Response:
    """The file's answer: gzipped when the browser accepts it, 304 when the browser holds
    this version already, with the caching its name earns."""
    request_headers = Headers(scope=scope)
    compressed = asset.gzipped is not None and accepts_gzip(request_headers)
    body = asset.gzipped if compressed and asset.gzipped is not None else asset.body
    etag = asset.gzip_etag if compressed else asset.etag
    headers = {"cache-control": IMMUTABLE if immutable else REVALIDATE, "etag": etag}
    if asset.gzipped is not None:
        headers["vary"] = "Accept-Encoding"
    if compressed:
        headers["content-encoding"] = "gzip"
    held = [tag.strip() for tag in request_headers.get("if-none-match", "").split(",")]
    if etag in held or f"W/{etag}" in held:
        return Response(status_code=304, headers=headers)
    headers["content-length"] = str(len(body))
    if scope["method"] == "HEAD":
        return Response(b"", headers=headers, media_type=asset.media_type)
    return Response(body, headers=headers, media_type=asset.media_type)


class HeardStatic(StaticFiles):
    """web/static and Swagger UI's files, by plain or hashed name, cached and compressed."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405)
        name, digest = split_hashed(path)
        source = source_of(name)
        if source is None:
            raise HTTPException(status_code=404)
        asset = load_asset(source)
        return asset_response(asset, scope=scope, immutable=digest == asset.digest)


def static_files() -> HeardStatic:
    """The ASGI app that serves /static/ (mount it at /static with the name "static")."""
    return HeardStatic(directory=STATIC_DIR)


def mount_static(app: Any) -> None:
    """Mount the static files on a FastAPI or Starlette app at /static (route name "static")."""
    app.mount("/static", static_files(), name="static")
