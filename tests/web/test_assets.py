"""/static/ on its own: files by hashed name kept a year (immutable), by plain or stale name
revalidated; text gzipped for a browser that accepts it and sent as is otherwise; ETags and
304s; HEAD; Swagger UI's files from its package; nothing else served, no plotly."""

from __future__ import annotations

import gzip
import hashlib
import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from heard.web import mount_static
from heard.web.assets import (
    IMMUTABLE,
    REVALIDATE,
    STATIC_DIR,
    asset_url,
    load_asset,
    source_of,
    split_hashed,
    swagger_ui_dir,
)

GZIP = {"Accept-Encoding": "gzip, deflate"}
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = Starlette()
    mount_static(app)
    return TestClient(app)


def raw_get(client: TestClient, url: str, headers: dict[str, str]) -> httpx.Response:
    """The answer's bytes as sent (httpx would otherwise undo the gzip)."""
    with client.stream("GET", url, headers=headers) as answer:
        answer.raw_body = b"".join(answer.iter_raw())
    return answer


@pytest.mark.parametrize("name", ["heard.css", "heard.js", "live.js", "player.js", "favicon.svg"])
def test_a_hashed_name_is_kept_a_year_and_sent_gzipped(client: TestClient, name: str) -> None:
    body = (STATIC_DIR / name).read_bytes()
    url = asset_url(name)
    stem, suffix = name.rsplit(".", 1)
    digest = hashlib.sha256(body).hexdigest()[:12]
    assert url == f"/static/{stem}.{digest}.{suffix}"
    answer = raw_get(client, url, GZIP)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable" == IMMUTABLE
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(answer.raw_body) == body
    assert int(answer.headers["content-length"]) == len(answer.raw_body) < len(body)
    assert answer.headers["content-type"].endswith("charset=utf-8")
    plain = raw_get(client, url, IDENTITY)
    assert "content-encoding" not in plain.headers and plain.raw_body == body
    assert plain.headers["etag"] != answer.headers["etag"], "one ETag per representation"


def test_plain_and_stale_names_get_the_current_file_revalidated(client: TestClient) -> None:
    body = (STATIC_DIR / "heard.css").read_bytes()
    for url in ("/static/heard.css", "/static/heard.000000000000.css"):
        answer = client.get(url)
        assert answer.status_code == 200 and answer.content == body, url
        assert answer.headers["cache-control"] == REVALIDATE == "no-cache", url


def test_etag_answers_304_and_head_sends_no_body(client: TestClient) -> None:
    url = asset_url("heard.js")
    first = client.get(url, headers=GZIP)
    again = client.get(url, headers={**GZIP, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["cache-control"] == IMMUTABLE
    other = client.get(url, headers={**IDENTITY, "If-None-Match": first.headers["etag"]})
    assert other.status_code == 200, "the gzip ETag does not stand for the plain bytes"
    head = client.head(url, headers=GZIP)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]


def test_gzip_refused_with_q_zero(client: TestClient) -> None:
    answer = raw_get(client, asset_url("heard.css"), {"Accept-Encoding": "gzip;q=0, br"})
    assert "content-encoding" not in answer.headers


def test_swagger_ui_files_by_hashed_name(client: TestClient) -> None:
    url = asset_url("vendor/swagger-ui/swagger-ui-bundle.js")
    assert re.fullmatch(r"/static/vendor/swagger-ui/swagger-ui-bundle\.[0-9a-f]{12}\.js", url)
    answer = raw_get(client, url, GZIP)
    assert answer.headers["cache-control"] == IMMUTABLE
    assert answer.headers["content-encoding"] == "gzip"
    body = (swagger_ui_dir() / "swagger-ui-bundle.js").read_bytes()
    assert gzip.decompress(answer.raw_body) == body
    assert len(answer.raw_body) < len(body) / 2
    png = raw_get(client, asset_url("vendor/swagger-ui/favicon-32x32.png"), GZIP)
    assert png.status_code == 200 and "content-encoding" not in png.headers, "PNG is packed"


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/plotly.min.js",
        "/static/vendor/swagger-ui/index.html",
        "/static/vendor/other.js",
        "/static/../assets.py",
        "/static/%2e%2e/assets.py",
        "/static/",
        "/static/nothing.css",
        "/static/heard.0123456789ab.nothing",
    ],
)
def test_nothing_else_is_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404, path


def test_only_get_and_head(client: TestClient) -> None:
    assert client.post("/static/heard.css").status_code == 405


def test_names_and_hashes() -> None:
    assert split_hashed("heard.0123456789ab.css") == ("heard.css", "0123456789ab")
    assert split_hashed("vendor/swagger-ui/a.0123456789ab.js") == (
        "vendor/swagger-ui/a.js",
        "0123456789ab",
    )
    assert split_hashed("heard.css") == ("heard.css", None)
    assert source_of("../assets.py") is None and source_of("") is None
    assert load_asset(STATIC_DIR / "heard.css").gzipped is not None
    with pytest.raises(FileNotFoundError):
        asset_url("missing.js")
