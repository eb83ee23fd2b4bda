"""Settings: HEARD_* environment variables, defaults, and the secret key kept beside the store."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from heard import settings as settings_module
from heard.settings import Settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(settings_module, "data_dir", lambda: tmp_path / "heard")
    for name in Settings.model_fields:
        monkeypatch.delenv(f"HEARD_{name.upper()}", raising=False)
    return tmp_path / "heard"


def test_defaults(data_dir: Path) -> None:
    settings = Settings()
    assert settings.database_url == f"sqlite:///{data_dir / 'heard.db'}"
    assert settings.redact is True
    assert settings.max_upload_bytes == 20 * 1024 * 1024
    assert settings.recognition_min_conversations == 5


def test_environment_wins(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARD_DATABASE_URL", "postgresql+psycopg://db/heard")
    monkeypatch.setenv("HEARD_REDACT", "false")
    monkeypatch.setenv("HEARD_MAX_UPLOAD_BYTES", "1000")
    settings = Settings()
    assert (settings.database_url, settings.redact, settings.max_upload_bytes) == (
        "postgresql+psycopg://db/heard",
        False,
        1000,
    )
    monkeypatch.setenv("HEARD_MAX_UPLOAD_BYTES", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_secret_key_is_generated_once_and_private(data_dir: Path) -> None:
    first = Settings().key()
    path = data_dir / settings_module.SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 40 and Settings().key() == first
    assert Settings(secret_key="given").key() == "given"


def test_live_limits(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from heard.live.limits import LiveLimits

    assert LiveLimits.from_settings(Settings()) == LiveLimits(
        turn_chars=20_000, turn_words=5_000, message_bytes=1_048_576
    )
    monkeypatch.setenv("HEARD_LIVE_MAX_TURN_CHARS", "500")
    monkeypatch.setenv("HEARD_LIVE_MAX_MESSAGE_BYTES", "2048")
    assert LiveLimits.from_settings(Settings()).turn_chars == 500
    monkeypatch.setenv("HEARD_LIVE_MAX_TURN_CHARS", "5000")
    with pytest.raises(ValidationError, match="the longest turn would not fit"):
        Settings()


def test_engine_and_ray_address(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from heard.engines import ENGINES

    assert settings_module.ENGINE_NAMES == ENGINES
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    settings = Settings()
    assert (settings.engine, settings.ray_address) == ("local", None)
    monkeypatch.setenv("HEARD_ENGINE", " Ray ")
    monkeypatch.setenv("RAY_ADDRESS", "auto")
    assert (Settings().engine, Settings().ray_address) == ("ray", "auto")
    monkeypatch.setenv("HEARD_RAY_ADDRESS", "ray://head:10001")
    assert Settings().ray_address == "ray://head:10001", "HEARD_RAY_ADDRESS wins over RAY_ADDRESS"
    monkeypatch.setenv("HEARD_ENGINE", "bogus")
    with pytest.raises(
        ValidationError, match=r"HEARD_ENGINE: unknown engine 'bogus'; use one of: local, ray"
    ):
        Settings()


def test_the_ingest_service_takes_the_engine_from_the_settings(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from heard.ingest import IngestService
    from heard.store import Store

    monkeypatch.setenv("HEARD_INGEST_WORKERS", "3")
    store = Store.open(f"sqlite:///{tmp_path / 'heard.db'}")
    try:
        local = IngestService.from_settings(store, Settings())
        assert (local.engine_name, local.workers, local.start_engine()) == ("local", 3, None)
        local.close()
        monkeypatch.setenv("HEARD_ENGINE", "ray")
        monkeypatch.setenv("HEARD_RAY_ADDRESS", "ray://head:10001")
        ray = IngestService.from_settings(store, Settings())
        # the Ray engine is opened on first need (warm, or the first large batch), not here
        assert (ray.engine_name, ray.ray_address, ray.engine) == ("ray", "ray://head:10001", None)
        ray.close()
    finally:
        store.close()
