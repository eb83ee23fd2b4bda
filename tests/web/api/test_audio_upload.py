"""Uploading a call recording keeps its redacted copy for the player, never the upload: an
espeak-ng call where the customer reads out a card number, uploaded through the API and the
upload page; the audio route then plays the copy, silent over the card number and the same as
the upload everywhere else. With redaction off (an admin's choice) no audio is kept."""

from __future__ import annotations

import io
import re
import wave
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from heard.store import Viewer, audit_log
from heard.web import create_app
from speech import RATE, card_call, require_tools, write_wav
from teamdata import PASSWORD
from web.api.conftest import Api, make_settings

pytestmark = pytest.mark.slow


def card_upload(folder: Path) -> tuple[bytes, np.ndarray, tuple[float, float]]:
    """A stereo call (agent left, customer right): the WAV's bytes, the customer's channel and
    when the customer speaks."""
    left, right, placed = card_call(folder)
    path = folder / "call.wav"
    write_wav(path, [left, right])
    return path.read_bytes(), right, (placed[1].start, placed[1].end)


@pytest.fixture
def client(api: Api) -> TestClient:
    app = create_app(make_settings(max_upload_bytes=4_000_000), store=api.store)
    with TestClient(app) as client:
        yield client


def channels(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as handle:
        frames = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
        return frames.reshape(-1, handle.getnchannels()).T, handle.getframerate()


def test_an_uploaded_call_keeps_only_its_redacted_copy(
    api: Api, client: TestClient, tmp_path
) -> None:
    require_tools()
    upload, customer, (said_from, said_to) = card_upload(tmp_path)
    lead = api.headers("lead")
    answer = client.post(
        "/api/v1/conversations/upload",
        headers=lead,
        files={"files": ("call.wav", upload, "audio/wav")},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    [item] = body["items"]
    assert body["recordings"] == [item["id"]] and body["redacted"] is True and not body["notes"]
    conversation = client.get(f"/api/v1/conversations/{item['id']}", headers=lead).json()
    assert "[CARD]" in conversation["conversation"]["turns"][1]["text"]
    recording = conversation["recording"]
    assert recording["redacted"] is True and recording["silenced_seconds"] > 1.0
    played = client.get(f"/api/v1/conversations/{item['id']}/audio", headers=lead)
    assert played.status_code == 200 and played.content != upload
    pcm, rate = channels(played.content)
    assert rate == RATE and pcm.shape == (2, len(customer))
    silent = pcm[1] == 0
    quiet = silent[int(said_from * RATE) : int(said_to * RATE)].mean()
    assert quiet > 0.6, "most of the customer's turn (the card number) is silenced"
    spoken = customer != 0
    kept = ~silent & spoken
    assert np.array_equal(pcm[1][kept], customer[kept])  # the rest sample for sample
    entries = audit_log.list_audit(api.store, Viewer.system(), limit=500)
    assert any(e.action == "store" and e.object_type == "recording" for e in entries)


def test_with_redaction_off_no_audio_is_kept_and_the_page_upload_says_so(
    api: Api, client: TestClient, tmp_path
) -> None:
    require_tools()
    upload, _, _ = card_upload(tmp_path)
    answer = client.post(
        "/api/v1/conversations/upload?redact=false",
        headers=api.headers("admin"),
        files={"files": ("call.wav", upload, "audio/wav")},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["recordings"] == [] and "not kept" in body["notes"][0]
    item = body["items"][0]["id"]
    assert (
        client.get(f"/api/v1/conversations/{item}/audio", headers=api.headers("admin")).status_code
        == 404
    )
    # the upload page, redaction on (the server's default): the copy is kept and it says so
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)[1]
    client.post(
        "/sign-in",
        data={"csrf_token": token, "email": "bea@x.test", "password": PASSWORD, "next": "/"},
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/upload").text)[1]
    page = client.post(
        "/upload",
        data={"csrf_token": token, "format": "auto"},
        files={"files": ("call-2.wav", upload, "audio/wav")},
        headers={"Accept": "application/json"},
    ).json()
    [result] = page["results"]
    assert result["ok"] and result["recordings"] == 1 and result["format"] == "audio"
