"""Refusals of the live protocol: what went wrong with a client's event or audio, sent back as
an error frame on its socket (the session goes on)."""

from __future__ import annotations

from heard.live.events import ErrorFrame


class LiveError(Exception):
    """A refusal the client should see as an error frame."""

    def __init__(
        self, code: str, message: str, *, event: int | None = None, expected: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.event = event
        self.expected = expected

    def frame(self) -> str:
        return ErrorFrame(
            code=self.code,  # type: ignore[arg-type]
            message=self.message,
            event=self.event,
            expected=self.expected,
        ).model_dump_json()
