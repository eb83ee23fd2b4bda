"""The one typed set of settings of the team app, read from `HEARD_*` environment variables."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret_key"
"""The file beside the default database that keeps the generated secret key."""


def data_dir() -> Path:
    """Where heard keeps its default database and secret key (the platform's user data dir)."""
    return Path(platformdirs.user_data_dir("heard"))


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'heard.db'}"


ENGINE_NAMES = ("local", "ray")
"""What `engine` (HEARD_ENGINE) accepts: the names of `heard.engines.ENGINES`."""

FRAME_SOURCE = re.compile(
    r"'self'|'none'|\*|[A-Za-z][A-Za-z0-9+.-]*:"
    r"|(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"(?::(?:[0-9]+|\*))?(?:/[A-Za-z0-9._~%!$&()*+=:@/-]*)?"
)
"""One source of a CSP frame-ancestors list: 'self', 'none', *, a scheme or a host."""


class Settings(BaseSettings):
    """Settings of the store and the web app; each field reads `HEARD_<NAME>` from the env."""

    model_config = SettingsConfigDict(env_prefix="HEARD_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL of the store: sqlite:///path or postgresql+psycopg://…",
    )
    secret_key: str | None = Field(
        default=None,
        description="signs session cookies and survey links; generated once when unset",
    )
    redact: bool = Field(default=True, description="redact personal data before it is stored")
    max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, gt=0, description="largest request body the API accepts"
    )
    ingest_workers: int | None = Field(
        default=None,
        ge=1,
        description="processes that analyse large ingests (default: one per CPU core; 1: none)",
    )
    engine: Literal["local", "ray"] = Field(
        default="local",
        description="where large ingests and rescores are analysed: local (the ingest "
        "workers' process pool) or ray (a Ray cluster; pip install 'heard[ray]')",
    )
    ray_address: str | None = Field(
        default_factory=lambda: os.environ.get("RAY_ADDRESS") or None,
        description="with engine ray: the Ray cluster to join, e.g. ray://head:10001 or auto "
        "(default: $RAY_ADDRESS, else a local cluster started by heard)",
    )
    recognition_min_conversations: int = Field(
        default=5, ge=1, description="conversations an agent needs in a week to be ranked"
    )

    @field_validator("engine", mode="before")
    @classmethod
    def _engine(cls, value: object) -> object:
        name = value.strip().lower() if isinstance(value, str) else value
        if name not in ENGINE_NAMES:
            raise ValueError(
                f"HEARD_ENGINE: unknown engine {value!r}; use one of: {', '.join(ENGINE_NAMES)}"
            )
        return name

    panel_frame_ancestors: str = Field(
        default="'self'",
        description="who may show the agent panel in an iframe: CSP frame-ancestors sources "
        "separated by spaces, e.g. \"'self' https://crm.example.com\"",
    )

    panel_link_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 30,
        description="how long a signed agent-panel link (for an iframe on another site) works",
    )

    @field_validator("panel_frame_ancestors")
    @classmethod
    def _frame_ancestors(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value or not all(FRAME_SOURCE.fullmatch(source) for source in value.split()):
            raise ValueError(
                "expected CSP frame-ancestors sources separated by spaces, such as "
                f"\"'self' https://crm.example.com\", got {value!r}"
            )
        return value

    outcome_model: Path | None = Field(
        default=None,
        description="outcome model JSON scorecards use instead of the shipped one (a team's "
        "own, from `heard train --task outcome`); the analysis reads HEARD_OUTCOME_MODEL itself",
    )
    live_nudge_interval: float = Field(
        default=15.0,
        ge=0,
        description="live coaching: at most one nudge per this many seconds of conversation",
    )
    live_nudge_min_turns: int = Field(
        default=3, ge=0, description="live coaching, untimed chats: turns between nudges"
    )
    live_nudge_kinds: list[str] | None = Field(
        default=None, description="live coaching: the nudge kinds enabled (default: all)"
    )
    live_talk_ratio_window: float = Field(
        default=120.0, gt=0, description="live coaching: seconds of talk the talk ratio covers"
    )
    live_talk_ratio_share: float = Field(
        default=0.7, gt=0, le=1, description="live coaching: agent share that raises a nudge"
    )
    live_silence_seconds: float = Field(
        default=20.0, gt=0, description="live coaching: silence that raises a nudge"
    )
    live_audio_workers: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="live calls' audio: utterances recognised at once (worker threads sharing "
        "one speech model and the machine's cores; default one per two cores)",
    )
    live_audio_window: float = Field(
        default=10.0,
        ge=1,
        le=30,
        description="live calls' audio: seconds of the speech model's encoder window for one "
        "utterance (30: Whisper's own, most accurate, about 4× slower)",
    )
    live_audio_pause: float = Field(
        default=0.5,
        ge=0.1,
        le=5,
        description="live calls' audio: a pause this long (seconds) ends an utterance",
    )
    live_audio_keep: bool = Field(
        default=True,
        description="live calls' audio: keep the redacted copy of a call's audio when it ends, "
        "for the conversation viewer's player (never with redaction off)",
    )

    https: bool = Field(
        default=False,
        description="the app is reached over HTTPS (itself or behind a proxy that ends TLS): "
        "the session cookie is Secure and responses carry Strict-Transport-Security",
    )
    session_idle_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 90,
        description="a signed-in browser session ends after this long without a request",
    )
    session_max_hours: float = Field(
        default=14 * 24.0,
        gt=0,
        le=24 * 365,
        description="a signed-in browser session ends this long after sign-in, used or not",
    )
    token_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="how long a new API token works unless its maker chooses otherwise",
    )
    reset_link_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 14,
        description="how long a password reset link an admin issues works (once)",
    )
    survey_link_days: float = Field(
        default=30.0,
        gt=0,
        le=3650,
        description="how long a customer's survey link works after it is made",
    )
    survey_edit_minutes: float = Field(
        default=60.0,
        ge=0,
        le=60 * 24 * 30,
        description="how long after the first answer a survey link may change it (0: never)",
    )

    live_max_turn_chars: int = Field(
        default=20_000,
        ge=1,
        description="live coaching: the most characters of text one turn or partial may carry",
    )
    live_max_turn_words: int = Field(
        default=5_000,
        ge=1,
        description="live coaching: the most recognised words one turn may carry",
    )
    live_max_message_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="live coaching: the largest WebSocket message (checked before it is parsed)",
    )

    @model_validator(mode="after")
    def _live_message_holds_a_turn(self) -> Settings:
        if self.live_max_message_bytes < self.live_max_turn_chars:
            raise ValueError(
                f"live_max_message_bytes ({self.live_max_message_bytes:,}) is smaller than "
                f"live_max_turn_chars ({self.live_max_turn_chars:,}): the longest turn would "
                "not fit in a message"
            )
        return self

    redact_names: bool = Field(
        default=True,
        description="with `redact`, a conversation's customer name becomes [FIRST_NAME], "
        "[MIDDLE_NAME] and [LAST_NAME] in its field and wherever the conversation repeats it",
    )
    sign_in_account_failures: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="sign-in: failed attempts on one account before each further one must wait",
    )
    sign_in_address_failures: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="sign-in: failed attempts from one address before each further one must wait",
    )
    sign_in_backoff_seconds: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="sign-in: the first wait after the free failures; it doubles with each "
        "further failure",
    )
    sign_in_backoff_max_seconds: float = Field(
        default=300.0, gt=0, le=86_400, description="sign-in: the longest wait"
    )
    sign_in_hashes: int = Field(
        default=1,
        ge=1,
        le=64,
        description="sign-in: password checks (argon2, 64 MiB each) running at once",
    )
    sign_in_hash_wait_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="sign-in: how long an attempt waits for a free password check before 503",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or networks of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (default: none)",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="heard serve and heard demo's log lines: key=value text or JSON",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: list[str]) -> list[str]:
        proxies = []
        for item in value:
            try:
                if "/" in item:
                    proxies.append(str(ipaddress.ip_network(item.strip(), strict=False)))
                else:
                    proxies.append(str(ipaddress.ip_address(item.strip())))
            except ValueError:
                raise ValueError(
                    f"expected IP addresses or networks such as 10.0.0.1 or 10.0.0.0/8, "
                    f"got {item!r}"
                ) from None
        return proxies

    def key(self) -> str:
        """The secret key: the setting, or one generated once and kept beside the default
        database (mode 0600)."""
        if self.secret_key:
            return self.secret_key
        path = data_dir() / SECRET_KEY_FILE
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        return key
