"""The reply checker over HTTP: a draft reply and the conversation so far in, the issues out.
Nothing is stored."""

from __future__ import annotations

from typing import Annotated, Self

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from heard.coaching.reply_check import ReplyCheck, check_reply, pick_conversation
from heard.errors import InputError, Location
from heard.importers import importers
from heard.importers.base import Source
from heard.importers.registry import read_source
from heard.model import Conversation
from heard.model.values import Text
from heard.web.api.conversations import ERRORS
from heard.web.deps import IngestDep, PanelReader
from heard.web.errors import ApiError

router = APIRouter(tags=["replies"])

MAX_DRAFT = 20_000
"""Characters of a draft reply (a long email is a few thousand)."""


class ReplyCheckIn(BaseModel):
    """A draft and the conversation so far: as heard JSON (`conversation`), or as the text of
    a file in any importer format (`content`, with `format`)."""

    model_config = ConfigDict(extra="forbid")

    draft: Annotated[Text, Field(min_length=1, max_length=MAX_DRAFT)]
    conversation: Conversation | None = None
    content: Annotated[
        str | None,
        Field(max_length=5_000_000, description="a file's text: read as an upload is"),
    ] = None
    format: Annotated[Text, Field(description="an importer name, or auto", max_length=100)] = "auto"
    id: Annotated[
        Text | None, Field(description="which conversation, when `content` holds several")
    ] = None

    @model_validator(mode="after")
    def _one_conversation(self) -> Self:
        if (self.conversation is None) == (self.content is None):
            raise ValueError("send either conversation (heard JSON) or content (a file's text)")
        return self


@router.post("/replies/check", response_model=ReplyCheck, responses=ERRORS)
def check(body: ReplyCheckIn, principal: PanelReader, ingest: IngestDep) -> ReplyCheck:
    """Check an agent's draft chat or email reply before it is sent: concerns it leaves
    unanswered (named), a missing acknowledgement for an upset customer, jargon, template-like
    text, no next step, and the draft's other negative findings (dismissive, blame,
    condescending, hard to read…), each with a suggestion, most important first. Any role may
    call it, and so may an agent panel with its key; nothing is stored."""
    del principal  # any signed-in caller with the read scope, or a panel key
    if not body.draft.strip():
        raise ApiError(422, "empty", "the draft is empty", field="draft")
    conversation = body.conversation or _read(body)
    return check_reply(conversation, body.draft, analyzer=ingest.analyzer())  # the app's analyzer


def _read(body: ReplyCheckIn) -> Conversation:
    if body.format != "auto" and body.format not in importers():
        raise ApiError(
            422,
            "unknown_format",
            f"unknown format {body.format!r}; use auto or one of: {', '.join(sorted(importers()))}",
            field="format",
        )
    assert body.content is not None
    # A file's text, so read as an uploaded file is: a lone surrogate becomes bytes that are
    # not UTF-8 (refused, located), a NUL is dropped from the turns' text.
    source = Source("content", body.content.encode("utf-8", "surrogatepass"))
    try:
        _, conversations = read_source(source, format=body.format)
    except InputError as exc:
        raise ApiError(422, exc.code, str(exc), field="content") from None
    try:
        return pick_conversation(conversations, body.id, where=Location(file="content"))
    except InputError as exc:
        raise ApiError(
            422, exc.code, str(exc), field="id" if conversations else "content"
        ) from None
