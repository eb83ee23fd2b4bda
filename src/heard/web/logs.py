"""The server's logs, with no secret and no personal data in them: one line per record
(key=value text or JSON), and a filter on every handler that masks tokens, keys and signed
links in what is logged (`?token=`, `?key=`, `/survey/{token}`, `/reset/{secret}`, `heard_…`
tokens) and replaces card numbers, emails and phone numbers (`heard.redact`) in messages and
tracebacks.

`log_config` is the logging configuration `heard serve` and `heard demo` give uvicorn.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal

from heard.redact import Kind, redact_text

MASK = "***"

_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:token|key|access_token|api_key|apikey|password|secret|signature|code)=)"
    r"[^&#\s\"'<>]*"
)
_PATH_SECRET = re.compile(r"(/(?:survey|reset|api/v1/feedback)/)[^/?#\s\"'<>]+")
_TOKEN = re.compile(r"heard_[A-Za-z0-9_\-]{20,}")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',;]+")
_PERSONAL = frozenset({Kind.CARD, Kind.EMAIL, Kind.PHONE, Kind.SSN, Kind.IBAN})


def mask_secrets(text: str) -> str:
    """`text` with API tokens, panel keys, survey, feedback and reset-link tokens and bearer
    credentials
    replaced by `***` (the parameter or path segment's name is kept)."""
    if "heard_" in text:
        text = _TOKEN.sub("heard_" + MASK, text)
    if "=" in text:
        text = _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, text)
    if "/survey/" in text or "/feedback/" in text or "/reset/" in text:
        text = _PATH_SECRET.sub(lambda m: m.group(1) + MASK, text)
    if "earer" in text:
        text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return text


def scrub(text: str) -> str:
    """`mask_secrets`, then personal data replaced by `[CARD]`, `[EMAIL]`, `[PHONE]`…"""
    return redact_text(mask_secrets(text), kinds=_PERSONAL).text


class Scrub(logging.Filter):
    """Masks secrets and personal data in every record it passes (on every handler):
    the message with its arguments merged, the traceback and the stack. An access-log record
    keeps its five arguments (client, method, path, HTTP version, status), its path masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "heard_scrubbed", False):
            return True
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            client, method, path, version, status = args
            record.args = (client, method, scrub(str(path)), version, status)
        else:
            record.msg = scrub(record.getMessage())
            record.args = None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record.heard_scrubbed = True  # the next handler's filter has nothing left to do
        return True


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """A record as named fields: time, level, logger, then the access log's own fields
    (client, method, path, status) or the message, then the traceback when there is one."""
    found: dict[str, Any] = {
        "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
    }
    args = record.args
    if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
        client, method, path, version, status = args
        found.update(client=client, method=method, path=path, http=version, status=status)
    else:
        found["message"] = record.getMessage()
    if record.exc_text:
        found["error"] = record.exc_text
    if record.stack_info:
        found["stack"] = record.stack_info
    return found


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(fields(record), ensure_ascii=False, default=str)


_BARE = re.compile(r"[^\s\"=\\]+")


class KeyValueFormatter(logging.Formatter):
    """One `key=value` line a record (values with spaces or quotes in double quotes, with
    newlines as \\n, so a traceback stays on its record's line)."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{k}={_value(v)}" for k, v in fields(record).items())


def _value(value: object) -> str:
    text = str(value)
    if _BARE.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=False)


LogFormat = Literal["text", "json"]


def log_config(log_format: LogFormat = "text", *, level: str = "info") -> dict[str, Any]:
    """The `logging.config.dictConfig` configuration of a heard server (for `uvicorn.run`'s
    `log_config`): every line to standard error through `Scrub`, uvicorn's at `level`,
    everything else from warnings up."""
    formatter = JsonFormatter if log_format == "json" else KeyValueFormatter
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "heard",
        "filters": ["scrub"],
    }
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"scrub": {"()": Scrub}},
        "formatters": {"heard": {"()": formatter}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            "uvicorn.access": {"handlers": ["default"], "level": upper, "propagate": False},
            "heard": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
    }


def log_uncaught() -> None:
    """Send exceptions nothing caught (in the main thread and in other threads) through the
    logs, and so through `Scrub`, instead of printing them raw to standard error."""
    log = logging.getLogger("heard")

    def main_hook(
        kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        log.critical("uncaught exception", exc_info=(kind, error, trace))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread else "?"
        log.error(
            "uncaught exception in thread %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    sys.excepthook = main_hook
    threading.excepthook = thread_hook
