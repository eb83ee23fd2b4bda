"""Full-text search of stored conversations: the words a search asks for, the SQL condition
that finds them (SQLite's FTS5 table, PostgreSQL's tsvector column; both kept by the database
itself, see migration 0010) and the snippet of the turn that matched.

A search is a few words; a conversation matches when it holds every one of them, each as a
whole word or as the start of one ("refund" finds "refunds"), in its turns' text or email
subjects or its agent's or customer's name. Words are compared in lower case, without
stemming, the same way on both databases. Text is stored redacted, so a card number or an
email that was replaced is never found (its placeholder's word, such as "email", is)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import orjson
from sqlalchemy import Boolean, bindparam, select
from sqlalchemy import text as sql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement

from heard.store.errors import Invalid
from heard.store.records import Snippet, SnippetPart
from heard.store.tables import ConversationRow

MAX_SEARCH = 200
"""The longest search, in characters."""
MAX_WORDS = 12
"""The most words a search may hold."""
WORD_LENGTH = 64
"""A longer word is cut to its start (no stored word is that long but a hash or a link)."""
SNIPPET_BEFORE = 60
"""Characters of the matching turn shown before its first match."""
SNIPPET_LENGTH = 220
"""Characters of the matching turn a snippet shows at most."""
FEW = 20_000
"""A search the index finds in at most this many conversations is answered from its matches
(SQLite looks each up by id, then filters and sorts them); one found in more walks the list's
order and keeps the matches it meets, stopping at the page (`index_matches`)."""
COUNTED = 1_000
"""A list searched for words found in more than `FEW` conversations (on PostgreSQL, any
search) counts them up to this many and says "more than 1,000": an exact count would read
every match."""

_WORD = re.compile(r"[^\W_]+")


def search_words(search: str) -> list[str]:
    """The words of `search`, lower case, each once, in order; Invalid (field `q`) when it has
    none, too many or is too long."""
    if len(search) > MAX_SEARCH:
        raise Invalid(
            f"a search is at most {MAX_SEARCH} characters; this one has {len(search)}", field="q"
        )
    words = list(dict.fromkeys(w[:WORD_LENGTH] for w in _WORD.findall(_normal(search))))
    if not words:
        raise Invalid("type a word to search for (letters or digits)", field="q")
    if len(words) > MAX_WORDS:
        raise Invalid(
            f"a search is at most {MAX_WORDS} words; this one has {len(words)}", field="q"
        )
    return words


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


class Matches(ColumnElement[bool]):
    """The conversations (by `key`, a column holding their id) that hold every word of a
    search. `direct`: `key` is `conversations.id` itself, so PostgreSQL reads its column in
    place (its planner may then walk an index in the list's order and stop at the page).
    `walk`: on SQLite, the query walks an index of its own (the list's order) and keeps the
    matches it meets, rather than looking up each match by id (its planner cannot tell how
    many there are; `index_matches` can)."""

    type = Boolean()
    inherit_cache = False

    def __init__(
        self, key: ColumnElement[Any], words: list[str], *, direct: bool, walk: bool
    ) -> None:
        self.key = key
        self.words = words
        self.direct = direct
        self.walk = walk

    def self_group(self, against: Any = None) -> ColumnElement[Any]:
        return self  # a condition as it is: never "… = 1" (which no index can serve)


def matches(key: Any, search: str, *, direct: bool, walk: bool = False) -> Matches:
    return Matches(key, search_words(search), direct=direct, walk=walk)


def index_matches(session: Session, search: str) -> int | None:
    """How many conversations the full-text index alone finds for `search`, up to `FEW` + 1
    (a few milliseconds at a million stored); None on PostgreSQL, whose planner estimates it
    from the index's statistics."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    query = _fts5_query(search_words(search))
    found = session.execute(
        sql(
            "SELECT count(*) FROM (SELECT rowid FROM conversation_search "
            "WHERE conversation_search MATCH :query LIMIT :limit)"
        ),
        {"query": query, "limit": FEW + 1},
    )
    return int(found.scalar_one())


def _fts5_query(words: list[str]) -> str:
    """An FTS5 query for every word, each as a word or a word's start."""
    return " AND ".join(f'"{word}"*' for word in words)


@compiles(Matches, "sqlite")
def _sqlite(element: Matches, compiler: SQLCompiler, **kw: Any) -> str:
    query = _fts5_query(element.words)
    bound = compiler.process(bindparam("search", query, unique=True), **kw)
    key = compiler.process(element.key, **kw)
    walked = "+" if element.walk else ""  # a unary plus: no index lookup by this key
    return (
        f"{walked}{key} IN "
        f"(SELECT rowid FROM conversation_search WHERE conversation_search MATCH {bound})"
    )


@compiles(Matches, "postgresql")
def _postgresql(element: Matches, compiler: SQLCompiler, **kw: Any) -> str:
    query = " & ".join(f"'{word}':*" for word in element.words)
    bound = compiler.process(bindparam("search", query, unique=True), **kw)
    found = f"search_words @@ to_tsquery('pg_catalog.simple', {bound})"
    if element.direct:
        return f"conversations.{found}"
    key = compiler.process(element.key, **kw)
    return f"{key} IN (SELECT id FROM conversations WHERE {found})"


def snippet(body: str, search: str) -> Snippet | None:
    """Where the words of `search` are in the stored conversation `body` (JSON): the turn
    holding most of them (the first of equals), cut to a short piece around its first match;
    else the agent's or customer's name that holds one. None when neither does."""
    words = search_words(search)
    conversation = orjson.loads(body)
    best: tuple[int, int, str, str] | None = None  # (-distinct words, index, speaker, text)
    for turn in conversation.get("turns") or []:
        for text in (turn.get("text"), turn.get("subject")):
            if not text:
                continue
            found = _found(text, words)
            if found:
                candidate = (-len(found), int(turn.get("index", 0)), str(turn.get("role")), text)
                if best is None or candidate[:2] < best[:2]:
                    best = candidate
    if best is not None:
        _, index, speaker, text = best
        return Snippet(turn=index, speaker=speaker, parts=_parts(text, words))
    for speaker in ("agent", "customer"):
        name = (conversation.get(speaker) or {}).get("name")
        if name and _found(name, words):
            return Snippet(turn=None, speaker=speaker, parts=_parts(name, words))
    return None


def _found(text: str, words: list[str]) -> set[str]:
    tokens = [_normal(t) for t in _WORD.findall(text)]
    return {w for w in words if any(t.startswith(w) for t in tokens)}


def _parts(text: str, words: list[str]) -> list[SnippetPart]:
    spans = [
        (m.start(), m.end())
        for m in _WORD.finditer(text)
        if any(_normal(m.group()).startswith(w) for w in words)
    ]
    start = 0
    if spans and spans[0][0] > SNIPPET_BEFORE:
        start = text.rfind(" ", 0, spans[0][0] - SNIPPET_BEFORE) + 1  # at a word's start
    end = min(len(text), start + SNIPPET_LENGTH)
    if end < len(text) and (space := text.rfind(" ", start, end)) > start:
        end = space
    parts: list[SnippetPart] = [SnippetPart(text="…")] if start else []
    at = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        if s > at:
            parts.append(SnippetPart(text=text[at:s]))
        parts.append(SnippetPart(text=text[max(s, at) : e], match=True))
        at = e
    if at < end:
        parts.append(SnippetPart(text=text[at:end]))
    if end < len(text):
        parts.append(SnippetPart(text="…"))
    return parts


def bodies(session: Session, conversation_ids: list[int]) -> dict[int, str]:
    """The stored bodies of these conversations (a page's, for their snippets)."""
    if not conversation_ids:
        return {}
    stmt = select(ConversationRow.id, ConversationRow.body).where(
        ConversationRow.id.in_(conversation_ids)
    )
    return {row_id: body for row_id, body in session.execute(stmt)}
