"""GET /api/v1/conversations/{id}/audio on SQLite and PostgreSQL: the stored (redacted) copy to
whoever may see the conversation — by token or by the session cookie the page's <audio> sends —
and 404 to anyone else; the whole file (200) or one byte range (206 with Content-Range, 416 past
the end), ETag revalidation, listening audited once a play; the viewer page shows a player only
when audio was kept. Uploading a call (espeak-ng speech, a card number read out) keeps its
redacted copy, never the upload, and nothing with redaction off."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from heard.audio.redaction import wav_bytes
from heard.store import Viewer, audit_log
from heard.store import recordings as kept
from teamdata import PASSWORD
from web.api.conftest import ROLES, Api

RATE = 8000


def tone_wav(seconds: float = 1.0) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    left = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return wav_bytes((left, left[::-1].copy()), RATE)


@pytest.fixture
def audio(api: Api) -> bytes:
    data = tone_wav()
    kept.keep(
        api.store,
        api.world.conversations["ann-1"],
        data,
        content_type="audio/wav",
        seconds=1.0,
        channels=2,
        sample_rate=RATE,
        silenced_seconds=0.0,
        redacted=True,
    )
    return data


def url(api: Api, name: str = "ann-1") -> str:
    return f"/api/v1/conversations/{api.world.conversations[name]}/audio"


def listens(api: Api) -> int:
    return sum(
        1
        for e in audit_log.list_audit(api.store, Viewer.system(), limit=500)
        if e.action == "listen"
    )


@pytest.mark.parametrize("role", ROLES)
def test_who_may_listen_is_who_may_see_the_conversation(api: Api, audio: bytes, role: str) -> None:
    answer = api.client.get(url(api), headers=api.headers(role))
    expected = {"anonymous": 401, "other_agent": 404, "other_lead": 404}.get(role, 200)
    assert answer.status_code == expected, answer.text
    if expected == 200:
        assert answer.content == audio
    else:
        assert answer.headers["content-type"].startswith("application/json")


def test_the_whole_file_with_its_headers(api: Api, audio: bytes) -> None:
    answer = api.client.get(url(api), headers=api.headers("lead"))
    assert answer.status_code == 200
    headers = answer.headers
    assert headers["content-type"] == "audio/wav"
    assert headers["accept-ranges"] == "bytes"
    assert headers["content-length"] == str(len(audio))
    assert headers["cache-control"] == "private, no-cache"
    assert (
        headers["etag"].strip('"')
        == kept.recording(api.store, Viewer.system(), api.world.conversations["ann-1"]).digest
    )
    assert "content-range" not in headers
    with wave.open(io.BytesIO(answer.content)) as played:
        assert (played.getnchannels(), played.getframerate(), played.getnframes()) == (
            2,
            RATE,
            RATE,
        )


@pytest.mark.parametrize(
    ("asked", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-50", None, None),
        ("bytes=1000-999999", 1000, None),
        ("BYTES = 44 - 44", 44, 44),
    ],
)
def test_a_range_is_answered_with_206_and_its_content_range(
    api: Api, audio: bytes, asked: str, first: int | None, last: int | None
) -> None:
    size = len(audio)
    if first is None:  # the last 50 bytes
        first = size - 50
    last = size - 1 if last is None else last
    answer = api.client.get(url(api), headers={**api.headers("agent"), "Range": asked})
    assert answer.status_code == 206, answer.text
    assert answer.headers["content-range"] == f"bytes {first}-{last}/{size}"
    assert answer.headers["content-length"] == str(last - first + 1)
    assert answer.headers["content-type"] == "audio/wav"
    assert answer.content == audio[first : last + 1]


def test_ranges_past_the_end_malformed_or_several(api: Api, audio: bytes) -> None:
    size = len(audio)
    lead = api.headers("lead")
    for asked in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        answer = api.client.get(url(api), headers={**lead, "Range": asked})
        assert answer.status_code == 416, asked
        assert answer.headers["content-range"] == f"bytes */{size}"
    for asked in ("bytes=abc", "bytes=9-3", "bytes=0-1,5-6", "items=0-5", "bytes=-"):
        answer = api.client.get(url(api), headers={**lead, "Range": asked})
        assert (answer.status_code, answer.content) == (200, audio), asked  # ignored: the whole


def test_etag_revalidation_and_if_range(api: Api, audio: bytes) -> None:
    lead = api.headers("lead")
    etag = api.client.get(url(api), headers=lead).headers["etag"]
    again = api.client.get(url(api), headers={**lead, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    same = api.client.get(url(api), headers={**lead, "Range": "bytes=10-19", "If-Range": etag})
    assert same.status_code == 206 and same.content == audio[10:20]
    stale = api.client.get(url(api), headers={**lead, "Range": "bytes=10-19", "If-Range": '"old"'})
    assert (stale.status_code, stale.content) == (200, audio)


def test_a_play_is_audited_once_not_every_seek(api: Api, audio: bytes) -> None:
    lead = api.headers("lead")
    before = listens(api)
    api.client.get(url(api), headers={**lead, "Range": "bytes=0-"})
    api.client.get(url(api), headers={**lead, "Range": "bytes=5000-"})
    api.client.get(url(api), headers={**lead, "Range": "bytes=9000-9100"})
    assert listens(api) == before + 1
    api.client.get(url(api), headers=api.headers("other_lead"))  # refused: not a listen
    assert listens(api) == before + 1


def test_no_recording_is_404_and_the_viewer_shows_a_player_only_with_audio(
    api: Api, audio: bytes
) -> None:
    answer = api.client.get(url(api, "ann-2"), headers=api.headers("lead"))
    assert answer.status_code == 404 and "no recording" in answer.json()["error"]["message"]
    detail = api.client.get(
        f"/api/v1/conversations/{api.world.conversations['ann-1']}", headers=api.headers("lead")
    ).json()
    assert detail["recording"]["size"] == len(audio) and detail["recording"]["redacted"] is True
    # the page, signed in: its <audio> fetches the route with the session cookie
    client = api.client
    client.cookies.clear()
    token = client.get("/sign-in").text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/sign-in",
        data={"csrf_token": token, "email": "bea@x.test", "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    page = client.get(f"/conversations/{api.world.conversations['ann-1']}").text
    assert f'<audio id="call-audio" controls preload="metadata" src="{url(api)}"' in page
    assert client.get(url(api), headers={"Range": "bytes=0-9"}).content == audio[:10]
    other = client.get(f"/conversations/{api.world.conversations['ann-2']}").text
    assert "<audio" not in other
    client.cookies.clear()
    assert client.get(url(api)).status_code == 401
