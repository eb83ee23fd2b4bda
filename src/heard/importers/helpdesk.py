"""Help-desk threads as their APIs return them (Zendesk Support tickets, Intercom conversations).

Both hold e-mail-like messages whose bodies quote earlier messages and carry signatures; each
body passes through `heard.importers._email` so that a turn holds only the words its author
wrote. Internal notes and events (assignments, closes) are not part of what the customer
heard: they are skipped and counted in the conversation's metadata. See docs/formats/helpdesk.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictInt, StrictStr

from heard.errors import InputError, Location
from heard.importers._email import authored_text
from heard.importers.base import (
    Importer,
    ImportOptions,
    Source,
    TurnDraft,
    assemble,
    resolve_role,
    validate,
)
from heard.importers.registry import register
from heard.model import Channel, Conversation, Role

VendorId = StrictInt | StrictStr
"""Vendor ids are integers (Zendesk) or strings (Intercom); either is read as text."""
UnixSeconds = Annotated[float, Field(ge=0, le=253_402_300_799, allow_inf_nan=False)]
"""Seconds since 1970 up to the end of year 9999."""


class _Schema(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _id(value: VendorId | None) -> str | None:
    return None if value is None else str(value)


def _body_metadata(original: str, removed: bool) -> dict[str, JsonValue]:
    metadata: dict[str, JsonValue] = {"original_chars": len(original)}
    if removed:
        metadata["quote_or_signature_removed"] = True
    return metadata


def _nothing_said(skipped: Counter[str], where: Location) -> InputError:
    """The error for a thread with no message the customer saw that has words of its own."""
    if list(skipped) == ["private"]:
        message = "empty conversation: every comment is a private internal note"
    else:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items()))
        message = "empty conversation: no message with words of its own" + (
            f" (skipped: {counts})" if counts else ""
        )
    return InputError(
        message, where=where, expected="at least one public message with text", code="empty"
    )


def _fallback_id(source: Source) -> str:
    return PurePath(source.name).name.split(".")[0] or "conversation"


# ---------------------------------------------------------------------------------------------
# Zendesk Support


class _ZendeskAddress(_Schema):
    address: StrictStr | None = None
    name: StrictStr | None = None


class _ZendeskViaSource(_Schema):
    from_: _ZendeskAddress | None = Field(default=None, alias="from")


class _ZendeskVia(_Schema):
    channel: VendorId | None = None
    source: _ZendeskViaSource | None = None


class _ZendeskComment(_Schema):
    id: VendorId | None = None
    author_id: VendorId
    body: StrictStr | None = None
    html_body: StrictStr | None = None
    plain_body: StrictStr | None = None
    public: bool = True
    created_at: datetime | None = None
    via: _ZendeskVia | None = None


class _ZendeskTicket(_Schema):
    id: VendorId
    subject: StrictStr | None = None
    raw_subject: StrictStr | None = None
    requester_id: VendorId | None = None
    assignee_id: VendorId | None = None
    created_at: datetime | None = None
    via: _ZendeskVia | None = None
    status: StrictStr | None = None
    tags: list[StrictStr] | None = None
    comments: list[_ZendeskComment] | None = None


class _ZendeskUser(_Schema):
    id: VendorId
    name: StrictStr | None = None
    role: StrictStr | None = None


class _ZendeskDocument(_Schema):
    ticket: _ZendeskTicket | None = None
    comments: list[_ZendeskComment] | None = None
    users: list[_ZendeskUser] | None = None


ZENDESK_CHANNELS: dict[str, Channel] = {
    "email": Channel.EMAIL,
    "web": Channel.CHAT,
    "chat": Channel.CHAT,
    "native_messaging": Channel.CHAT,
    "mobile_sdk": Channel.CHAT,
    "sms": Channel.SMS,
    "twitter": Channel.SOCIAL,
    "facebook": Channel.SOCIAL,
    "voice": Channel.CALL,
}
"""`via.channel` → channel; any other value (api, mobile, rule…) reads as e-mail."""

ZENDESK_ROLES: dict[str, Role] = {
    "end-user": Role.CUSTOMER,
    "agent": Role.AGENT,
    "admin": Role.AGENT,
}
"""`users[].role` → role; other values go through --role mappings."""


def _looks_like_zendesk_comment(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "author_id" in value
        and ("html_body" in value or "plain_body" in value or "public" in value)
    )


@register
class ZendeskImporter(Importer):
    name: ClassVar[str] = "zendesk"
    title: ClassVar[str] = "Zendesk Support ticket with its comments (API JSON)"
    extensions: ClassVar[tuple[str, ...]] = (".json",)
    sample: ClassVar[str] = (
        "built from the Zendesk Support API reference examples (Tickets, Ticket Comments, "
        "Users); see tests/data/formats/zendesk/README.md"
    )

    def sniff(self, source: Source) -> float:
        doc = source.try_json()
        if not isinstance(doc, dict):
            return 0.0
        ticket = doc.get("ticket")
        comments = doc.get("comments")
        if isinstance(ticket, dict) and "id" in ticket:
            if isinstance(comments, list) or isinstance(ticket.get("comments"), list):
                return 0.95
            if "requester_id" in ticket:
                return 0.6  # a ticket without its comments: parse says where to get them
            return 0.0
        if isinstance(comments, list) and comments and _looks_like_zendesk_comment(comments[0]):
            return 0.9 if isinstance(doc.get("users"), list) else 0.7
        return 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        doc = source.json
        where = source.where()
        if not isinstance(doc, dict):
            raise InputError(
                "not a Zendesk ticket document",
                where=source.where(path="$"),
                expected='an object with "ticket" and "comments", or "comments" and "users"',
                code="invalid_value",
            )
        parsed = validate(_ZendeskDocument, doc, where)
        ticket = parsed.ticket
        if parsed.comments is not None:
            comments, prefix = parsed.comments, "$.comments"
        elif ticket is not None and ticket.comments is not None:
            comments, prefix = ticket.comments, "$.ticket.comments"
        else:
            raise InputError(
                "no comments",
                where=source.where(path="$.comments"),
                expected="the ticket's comments "
                "(GET /api/v2/tickets/{id}/comments.json?include=users)",
                code="missing_field",
            )
        users = {_id(u.id): u for u in parsed.users or []}
        user_paths = {_id(u.id): f"$.users[{i}]" for i, u in enumerate(parsed.users or [])}
        requester = _id(ticket.requester_id) if ticket else None
        if not users and requester is None:
            raise InputError(
                "cannot tell the customer from the agents",
                where=source.where(path="$"),
                expected='side-loaded "users" (?include=users) or "ticket.requester_id"',
                code="missing_field",
            )

        def role_of(author: str, at: Location) -> Role:
            user = users.get(author)
            if user is not None and user.role is not None:
                known = ZENDESK_ROLES.get(user.role.casefold())
                if known is not None:
                    return known
                return resolve_role(
                    user.role, options, source.where(path=f"{user_paths[author]}.role")
                )
            if requester is not None:
                return Role.CUSTOMER if author == requester else Role.AGENT
            raise InputError(
                f"comment author {author} is not among the side-loaded users",
                where=at,
                expected="an author_id listed in users[] (or ticket.requester_id)",
                code="unknown_role",
            )

        drafts, skipped = _zendesk_drafts(source, comments, prefix, role_of)
        if not drafts:
            raise _nothing_said(skipped, source.where(path=prefix))
        subject = (ticket.subject or ticket.raw_subject) if ticket else None
        if drafts and subject and subject.strip():
            drafts[0].subject = subject.strip()

        channel, metadata = _zendesk_channel(ticket, comments, skipped)

        customer_id = requester or next(
            (d.speaker_id for d in drafts if d.role is Role.CUSTOMER), None
        )
        agent_id = (_id(ticket.assignee_id) if ticket else None) or next(
            (d.speaker_id for d in drafts if d.role is Role.AGENT), None
        )
        ticket_id = _id(ticket.id) if ticket else None
        return [
            assemble(
                source,
                drafts,
                id=f"zendesk-{ticket_id or _fallback_id(source)}",
                channel=channel,
                where=where,
                options=options,
                keep_order=True,
                source="zendesk",
                external_id=ticket_id,
                started_at=(ticket.created_at if ticket else None)
                or next((c.created_at for c in comments if c.created_at), None),
                customer=dict(
                    id=customer_id,
                    name=_zendesk_name(users, customer_id)
                    or (_sender_name(ticket.via) if ticket and customer_id == requester else None),
                )
                if customer_id
                else None,
                agent=dict(id=agent_id, name=_zendesk_name(users, agent_id)) if agent_id else None,
                metadata=metadata,
            )
        ]


def _zendesk_drafts(
    source: Source,
    comments: list[_ZendeskComment],
    prefix: str,
    role_of: Callable[[str, Location], Role],
) -> tuple[list[TurnDraft], Counter[str]]:
    """A turn for each public comment with text, and how many were skipped for each reason."""
    drafts: list[TurnDraft] = []
    skipped: Counter[str] = Counter()
    for i, comment in enumerate(comments):
        path = f"{prefix}[{i}]"
        if not comment.public:
            skipped["private"] += 1
            continue
        author = str(comment.author_id)
        role = role_of(author, source.where(path=f"{path}.author_id"))
        html, original = _zendesk_body(comment)
        cleaned = authored_text(original, html=html)
        if not cleaned.text:
            skipped["empty"] += 1
            continue
        metadata = _body_metadata(original, cleaned.removed)
        if comment.id is not None:
            metadata = {"comment_id": str(comment.id), **metadata}
        if comment.via is not None and isinstance(comment.via.channel, str):
            metadata["via"] = comment.via.channel
        drafts.append(
            TurnDraft(
                role=role,
                text=cleaned.text,
                where=source.where(path=path),
                speaker_id=author,
                sent_at=comment.created_at,
                metadata=metadata,
            )
        )
    return drafts, skipped


def _zendesk_channel(
    ticket: _ZendeskTicket | None, comments: list[_ZendeskComment], skipped: Counter[str]
) -> tuple[Channel, dict[str, JsonValue]]:
    """The ticket's channel (from its `via`, else the first comment's; e-mail when unknown)
    and the conversation's metadata (via, status, tags, skipped comments)."""
    via = (
        ticket.via
        if ticket and ticket.via
        else next((c.via for c in comments if c.via is not None), None)
    )
    channel_name = via.channel if via is not None else None
    channel = (
        ZENDESK_CHANNELS.get(channel_name.casefold(), Channel.EMAIL)
        if isinstance(channel_name, str)
        else Channel.EMAIL
    )
    metadata: dict[str, JsonValue] = {}
    if isinstance(channel_name, str):
        metadata["via"] = channel_name
    if ticket and ticket.status:
        metadata["status"] = ticket.status
    if ticket and ticket.tags:
        metadata["tags"] = list(ticket.tags)
    if skipped:
        metadata["skipped"] = dict(sorted(skipped.items()))
    return channel, metadata


def _zendesk_body(comment: _ZendeskComment) -> tuple[bool, str]:
    """(is HTML, body): html_body keeps quote structure; plain_body and body are fallbacks."""
    if comment.html_body and comment.html_body.strip():
        return True, comment.html_body
    return False, comment.plain_body or comment.body or ""


def _sender_name(via: _ZendeskVia | None) -> str | None:
    """The requester's name from an e-mail ticket's sender, when no users are side-loaded."""
    sender = via.source.from_ if via is not None and via.source is not None else None
    return sender.name if sender is not None and sender.name else None


def _zendesk_name(users: dict[str | None, _ZendeskUser], user_id: str | None) -> str | None:
    user = users.get(user_id)
    return user.name if user is not None and user.name else None


# ---------------------------------------------------------------------------------------------
# Intercom


class _IntercomAuthor(_Schema):
    type: StrictStr
    id: VendorId | None = None
    name: StrictStr | None = None
    email: StrictStr | None = None


class _IntercomSource(_Schema):
    type: StrictStr | None = None
    id: VendorId | None = None
    delivered_as: StrictStr | None = None
    subject: StrictStr | None = None
    body: StrictStr | None = None
    author: _IntercomAuthor


class _IntercomPart(_Schema):
    id: VendorId | None = None
    part_type: StrictStr
    body: StrictStr | None = None
    created_at: UnixSeconds | None = None
    author: _IntercomAuthor


class _IntercomParts(_Schema):
    conversation_parts: list[_IntercomPart] = []


class _IntercomTag(_Schema):
    name: StrictStr | None = None


class _IntercomTags(_Schema):
    tags: list[_IntercomTag] = []


class _IntercomConversation(_Schema):
    type: StrictStr
    id: VendorId
    created_at: UnixSeconds | None = None
    source: _IntercomSource
    conversation_parts: _IntercomParts | None = None
    admin_assignee_id: VendorId | None = None
    state: StrictStr | None = None
    tags: _IntercomTags | None = None


INTERCOM_ROLES: dict[str, Role] = {
    "admin": Role.AGENT,
    "team": Role.AGENT,
    "user": Role.CUSTOMER,
    "lead": Role.CUSTOMER,
    "contact": Role.CUSTOMER,
    "bot": Role.BOT,
}
"""`author.type` → role; other values go through --role mappings."""

INTERCOM_CHANNELS: dict[str, Channel] = {
    "email": Channel.EMAIL,
    "sms": Channel.SMS,
    "phone_call": Channel.CALL,
    "facebook": Channel.SOCIAL,
    "instagram": Channel.SOCIAL,
    "twitter": Channel.SOCIAL,
    "whatsapp": Channel.SOCIAL,
}
"""`source.type` (or `delivered_as`) → channel; anything else (conversation, push…) is chat."""


@register
class IntercomImporter(Importer):
    name: ClassVar[str] = "intercom"
    title: ClassVar[str] = "Intercom conversation as GET /conversations/{id} returns it"
    extensions: ClassVar[tuple[str, ...]] = (".json",)
    sample: ClassVar[str] = (
        "built from the Intercom REST API reference (Conversation and Conversation Part "
        "models); see tests/data/formats/intercom/README.md"
    )

    def sniff(self, source: Source) -> float:
        doc = source.try_json()
        if not isinstance(doc, dict) or doc.get("type") != "conversation":
            return 0.0
        if not isinstance(doc.get("source"), dict):
            return 0.0
        return 0.95 if isinstance(doc.get("conversation_parts"), dict) else 0.85

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        doc = source.json
        where = source.where()
        if not isinstance(doc, dict) or doc.get("type") != "conversation":
            raise InputError(
                "not an Intercom conversation",
                where=source.where(path="$.type" if isinstance(doc, dict) else "$"),
                expected='an object with "type": "conversation" (GET /conversations/{id})',
                code="invalid_value",
            )
        parsed = validate(_IntercomConversation, doc, where)

        def role_of(author: _IntercomAuthor, path: str) -> Role:
            known = INTERCOM_ROLES.get(author.type.casefold())
            if known is not None:
                return known
            return resolve_role(author.type, options, source.where(path=f"{path}.type"))

        drafts: list[TurnDraft] = []
        skipped: Counter[str] = Counter()
        names: dict[str, str] = {}
        started_at = _from_unix(parsed.created_at)
        messages = _intercom_messages(parsed, started_at, skipped)
        for path, body, author, part_id, sent_at, kind in messages:
            role = role_of(author, f"{path}.author")
            speaker = _id(author.id)
            if speaker and author.name:
                names.setdefault(speaker, author.name)
            cleaned = authored_text(body, html=True)
            if not cleaned.text:
                skipped["empty"] += 1
                continue
            metadata = _body_metadata(body, cleaned.removed)
            if part_id is not None:
                key = "source_id" if kind == "source" else "part_id"
                metadata = {key: part_id, **metadata}
            if kind not in ("source", "comment"):
                metadata["part_type"] = kind
            drafts.append(
                TurnDraft(
                    role=role,
                    text=cleaned.text,
                    where=source.where(path=path),
                    speaker_id=speaker,
                    sent_at=sent_at,
                    metadata=metadata,
                )
            )
        if not drafts:
            raise _nothing_said(skipped, source.where(path="$.conversation_parts"))
        subject = parsed.source.subject
        if drafts and drafts[0].where.path == "$.source" and subject and subject.strip():
            drafts[0].subject = subject.strip()

        channel, metadata = _intercom_channel(parsed, skipped)

        customer_id = next((d.speaker_id for d in drafts if d.role is Role.CUSTOMER), None)
        agent_id = _id(parsed.admin_assignee_id) or next(
            (d.speaker_id for d in drafts if d.role is Role.AGENT), None
        )
        conversation_id = str(parsed.id)
        return [
            assemble(
                source,
                drafts,
                id=f"intercom-{conversation_id}",
                channel=channel,
                where=where,
                options=options,
                keep_order=True,
                source="intercom",
                external_id=conversation_id,
                started_at=started_at,
                customer=dict(id=customer_id, name=names.get(customer_id)) if customer_id else None,
                agent=dict(id=agent_id, name=names.get(agent_id)) if agent_id else None,
                metadata=metadata,
            )
        ]


_Message = tuple[str, str, _IntercomAuthor, str | None, datetime | None, str]
"""An Intercom message: (path, body, author, id, sent at, part type or "source")."""


def _intercom_messages(
    parsed: _IntercomConversation, started_at: datetime | None, skipped: Counter[str]
) -> list[_Message]:
    """The conversation's opening message and its parts that carry a body, in order; notes
    and empty parts are counted in `skipped` by their part type."""
    messages: list[_Message] = [
        (
            "$.source",
            parsed.source.body or "",
            parsed.source.author,
            _id(parsed.source.id),
            started_at,
            "source",
        )
    ]
    parts = parsed.conversation_parts.conversation_parts if parsed.conversation_parts else []
    for i, part in enumerate(parts):
        path = f"$.conversation_parts.conversation_parts[{i}]"
        if part.part_type.casefold().startswith("note") or not (part.body and part.body.strip()):
            skipped[part.part_type] += 1
            continue
        messages.append(
            (
                path,
                part.body,
                part.author,
                _id(part.id),
                _from_unix(part.created_at),
                part.part_type,
            )
        )
    return messages


def _intercom_channel(
    parsed: _IntercomConversation, skipped: Counter[str]
) -> tuple[Channel, dict[str, JsonValue]]:
    """The conversation's channel (from its source's type, else how it was delivered; chat when
    unknown) and its metadata (source type, state, tags, skipped parts)."""
    kinds = [parsed.source.type, parsed.source.delivered_as]
    channel = next(
        (INTERCOM_CHANNELS[k.casefold()] for k in kinds if k and k.casefold() in INTERCOM_CHANNELS),
        Channel.CHAT,
    )
    metadata: dict[str, JsonValue] = {}
    if parsed.source.type:
        metadata["source_type"] = parsed.source.type
    if parsed.state:
        metadata["state"] = parsed.state
    tags = [t.name for t in parsed.tags.tags if t.name] if parsed.tags else []
    if tags:
        metadata["tags"] = list(tags)
    if skipped:
        metadata["skipped"] = dict(sorted(skipped.items()))
    return channel, metadata


def _from_unix(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)
