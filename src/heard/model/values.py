"""The values every edge of heard checks the same way: text without NUL characters or lone
surrogates, ids and names no longer than the columns that keep them, dates within years
1900–2999.

Why: PostgreSQL refuses a NUL in text where SQLite keeps it; a lone surrogate (a JSON escape
such as "\\ud800") cannot be written as UTF-8 at all; PostgreSQL refuses a string longer than
its column where SQLite keeps it whole; date arithmetic near years 1 and 9999 overflows. What
the two databases would treat differently is refused here, so both answer alike: the API,
the pages, the live protocol and the CLI take these types, and the conversation model is
built of them. Each is a plain pydantic constraint (a pattern, a length, a range), so the
published JSON Schema and OpenAPI say it too, and the checks run inside pydantic-core.

Files from other systems are cleaned before they get here: the importers drop NULs from what
they read (heard.importers.base), and a lone surrogate cannot come out of strict UTF-8
decoding or orjson. docs/api.md and docs/format.md state the rule.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, JsonValue, StringConstraints
from pydantic_core import ErrorDetails, PydanticCustomError

CONVERSATION_KEY_LENGTH = 300
"""A conversation's id and external id (`conversations.conversation_id`, `.external_id`,
`live_sessions.conversation_id`)."""
SOURCE_LENGTH = 200
"""A conversation's source (`conversations.source`)."""
AGENT_KEY_LENGTH = 200
"""An agent's id in the conversations (`agents.external_id`)."""
NAME_LENGTH = 200
"""A person's, team's or token's name (`agents.name`, `users.name`, `teams.name`,
`api_tokens.name`)."""
EMAIL_LENGTH = 320
"""A user's email (`users.email`)."""
BEHAVIOUR_LENGTH = 64
"""A rubric behaviour's name (`conversation_verdicts.behaviour`)."""

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
"""The dates heard accepts: far from the ends of Python's calendar (years 1 and 9999), so
adding a week or moving a time to UTC never overflows."""

NO_NUL = "^[^\\u0000]*$"
"""Clean text's pattern (pydantic checks a constrained string is valid UTF-8 too, so a lone
surrogate is refused with it)."""
EMAIL = "^[^@\\s\\u0000]+@[^@\\s\\u0000]+$"
"""An email's pattern: something@somewhere, no spaces."""
IN_RANGE = "^(19|2[0-9])[0-9]{2}-"
"""The JSON Schema pattern of a date or date-time from FIRST_DAY to LAST_DAY."""

NUL_MESSAGE = "must not contain a NUL character (U+0000)"
SURROGATE_MESSAGE = "must not contain a lone surrogate (half of a UTF-16 pair, such as \\ud800)"
EMAIL_MESSAGE = "must be an email address: name@example.com"


def describe(error: ErrorDetails) -> str:
    """A validation error's message, in heard's words for the values of this module (the
    API, the live protocol, the importers and the CLI all say it this way)."""
    kind = error["type"]
    if kind == "string_unicode":
        return SURROGATE_MESSAGE
    if kind == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern")
        if pattern == NO_NUL:
            return NUL_MESSAGE
        if pattern == EMAIL:
            return EMAIL_MESSAGE
    return error["msg"].removeprefix("Value error, ")


def text_problem(value: str) -> str | None:
    """What makes `value` unfit to store (None: nothing)."""
    if "\x00" in value:
        return NUL_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def _walk(value: Any, where: str) -> None:
    if isinstance(value, str):
        if (problem := text_problem(value)) is not None:
            raise PydanticCustomError("bad_text", f"{where}: {problem}" if where else problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(key, f"{where} key {key!r}".lstrip())
            _walk(item, f"{where}[{key!r}]")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{where}[{i}]")


def check_json(value: Any) -> Any:
    """`value` when every string in it (object keys too) is clean text, else a validation
    error naming where inside it."""
    _walk(value, "")
    return value


def check_day(value: date) -> date:
    """`value` (a date, or a date-time by its own day) when from FIRST_DAY to LAST_DAY."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError(
            "date_range",
            "must be a date from {first} to {last}",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return value


Text = Annotated[str, StringConstraints(pattern=NO_NUL)]
"""Clean text: no NUL, no lone surrogate. Add lengths with `Field` as needed."""

ConversationKey = Annotated[
    str, StringConstraints(min_length=1, max_length=CONVERSATION_KEY_LENGTH, pattern=NO_NUL)
]
"""A conversation's id (in heard JSON and in the live feed)."""

ExternalId = Annotated[str, StringConstraints(max_length=CONVERSATION_KEY_LENGTH, pattern=NO_NUL)]
"""A conversation's id in its source system ('' is taken as none)."""

SourceName = Annotated[str, StringConstraints(max_length=SOURCE_LENGTH, pattern=NO_NUL)]
"""The system or format a conversation came from ('' is taken as none)."""

AgentKey = Annotated[str, StringConstraints(max_length=AGENT_KEY_LENGTH, pattern=NO_NUL)]
"""An agent's id in the conversations ('' is taken as none)."""

Name = Annotated[str, StringConstraints(max_length=NAME_LENGTH, pattern=NO_NUL)]
"""A person's, team's or token's name ('' is taken as none where a name is optional)."""

Email = Annotated[str, StringConstraints(min_length=3, max_length=EMAIL_LENGTH, pattern=EMAIL)]
"""A user's email."""

Behaviour = Annotated[
    str, StringConstraints(min_length=1, max_length=BEHAVIOUR_LENGTH, pattern=NO_NUL)
]
"""A rubric behaviour's name, as the filters take it."""

Metadata = Annotated[dict[str, JsonValue], BeforeValidator(check_json)]
"""Free-form JSON whose every string is clean text."""


class _InRange:
    """Adds IN_RANGE to a date's JSON Schema (what `check_day` checks)."""

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        found = handler(schema)
        found["pattern"] = IN_RANGE
        return found


Day = Annotated[date, AfterValidator(check_day), _InRange()]
"""A date from 1900-01-01 to 2999-12-31."""

Moment = Annotated[datetime, AfterValidator(check_day), _InRange()]
"""A date-time on a day from 1900-01-01 to 2999-12-31 (with or without a time zone)."""
