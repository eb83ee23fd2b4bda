"""What the live hub redacts before anything is stored or sent: the start event's names and
metadata, each turn and partial, each supervisor's hint, the tip of the end-of-conversation
summary — as the store redacts an ingested conversation, so the conversation stored at the end
is the one the session analysed.

With names on, the customer's name (from the start event) is replaced in the start event and
in every later turn. The name itself is kept only in memory; the stored start event carries
keyed digests of its words instead (`NAME_DIGESTS`, keyed by the server's secret key), so a
server that restarts mid-conversation goes on finding the name in the turns still to come.
"""

from __future__ import annotations

import hmac
from collections import Counter
from typing import Any

import orjson

from heard.live.events import EndSummary, PartialEvent, StartEvent, TurnEvent
from heard.model import Conversation
from heard.redact import (
    CustomerName,
    redact_conversation,
    redact_json,
    redact_string,
    redact_text,
    redact_words,
)
from heard.store.redaction import redaction_note

NAME_DIGESTS = "name_digests"
"""The key of the stored start event's payload that holds the digests of the customer's name
(the hub's own: stripped before the event is read back)."""


def name_key(secret: str) -> bytes:
    """The key of the name digests, derived from the server's secret key."""
    return hmac.new(secret.encode("utf-8"), b"heard.live.customer-name", "sha256").digest()


class LiveRedaction:
    """The hub's redaction: on (`HEARD_REDACT`) or off, customer names (`HEARD_REDACT_NAMES`)
    or not, and the key of the stored name digests."""

    def __init__(self, *, enabled: bool, names: bool, key: bytes) -> None:
        self.enabled = enabled
        self.names = enabled and names
        self._key = key

    def start(self, event: StartEvent) -> tuple[StartEvent, CustomerName | None]:
        """The start event as stored and analysed, and the customer's name to find in the
        turns to come (None: no name, or names are not redacted)."""
        if not self.enabled:
            return event, None
        name = None
        changes: dict[str, Any] = {}
        if event.customer_name:
            shaped = redact_text(event.customer_name).text
            name = CustomerName.parse(shaped) if self.names else None
            changes["customer_name"] = redact_string(event.customer_name, name=name).text
        if event.agent_name:
            changes["agent_name"] = redact_text(event.agent_name).text
        if event.metadata:
            changes["metadata"], _ = redact_json(event.metadata, name=name)
        return event.model_copy(update=changes), name

    def start_payload(self, event: StartEvent, name: CustomerName | None) -> str:
        """The stored form of a (redacted) start event: with the digests of `name`."""
        if name is None:
            return event.model_dump_json()
        body = orjson.loads(event.model_dump_json())
        body[NAME_DIGESTS] = name.digests(self._key)
        return orjson.dumps(body).decode()

    def read_start(self, payload: str) -> tuple[StartEvent, CustomerName | None]:
        """A stored start event and the customer's name its digests describe."""
        body = orjson.loads(payload)
        digests = body.pop(NAME_DIGESTS, None) if isinstance(body, dict) else None
        event = StartEvent.model_validate(body)
        name = CustomerName.from_digests(digests, self._key) if self.names else None
        return event, name

    def event(self, event: Any, name: CustomerName | None) -> Any:
        """A turn or partial with personal data (and the customer's name) replaced; other
        events as they are."""
        if not self.enabled or not isinstance(event, TurnEvent | PartialEvent):
            return event
        changes: dict[str, Any] = {"text": redact_string(event.text, name=name).text}
        if isinstance(event, TurnEvent) and event.words:
            changes["words"] = redact_words(event.words, name=name)
        return event.model_copy(update=changes)

    def hint(self, text: str, name: CustomerName | None) -> tuple[str, str | None]:
        """A hint's text as stored and sent, and the audit note of what was replaced."""
        if not self.enabled:
            return text, None
        result = redact_string(text, name=name)
        return result.text, redaction_note(Counter(r.kind.value for r in result.redactions))

    def summary(self, summary: EndSummary, name: CustomerName | None) -> EndSummary:
        """The end-of-conversation summary as sent: its tip (which may quote the conversation)
        with personal data and the customer's name replaced, as in the turns and hints. Built
        from text redacted on arrival, it should find nothing more; it is checked all the
        same, since it leaves the server."""
        if not self.enabled or summary.tip is None:
            return summary
        tip = summary.tip
        changes = {"message": redact_string(tip.message, name=name).text}
        if tip.suggestion is not None:
            changes["suggestion"] = redact_string(tip.suggestion, name=name).text
        return summary.model_copy(update={"tip": tip.model_copy(update=changes)})

    def conversation(self, conversation: Conversation) -> Conversation:
        """The finished conversation as ingest stores it (its turns and name were redacted
        as they arrived: this changes their text only if the redaction rules did)."""
        if not self.enabled:
            return conversation
        return redact_conversation(conversation, names=self.names)
