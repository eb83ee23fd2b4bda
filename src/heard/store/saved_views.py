"""Saved views: a user's named filters of the conversations page, to open again in one click.
Each belongs to the user who saved it, and only they list, open or delete it: to anyone else
it does not exist. A view holds the page's query parameters, never conversations, so opening it
shows what its owner may see now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, get_args

import orjson
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from heard.store import audit_log
from heard.store.errors import Conflict, Invalid, NotFound
from heard.store.records import (
    EmotionChoice,
    OutcomeBand,
    SavedView,
    SurveyChoice,
    Viewer,
)
from heard.store.redaction import free_text
from heard.store.tables import SavedViewRow

if TYPE_CHECKING:
    from heard.store.repository import Store

FIELDS = (
    "q",
    "team",
    "agent",
    "channel",
    "date_from",
    "date_to",
    "min_score",
    "max_score",
    "done",
    "missed",
    "emotion",
    "escalated",
    "has_notes",
    "survey",
    "outcome",
    "order",
)
"""The conversations page's query parameters a view keeps (its page position is not one)."""
NAME_LENGTH = 100
"""The longest view name."""
VALUE_LENGTH = 300
"""The longest value of one filter."""
CHOICES: dict[str, tuple[str, ...]] = {
    "emotion": get_args(EmotionChoice),
    "survey": get_args(SurveyChoice),
    "outcome": get_args(OutcomeBand),
    "escalated": ("yes", "no"),
    "has_notes": ("yes", "no"),
}
"""The filters a view keeps only with one of these values (the others are checked when the
page opens the view: a team the owner no longer leads may be one)."""
MAX_VIEWS = 50
"""The most views one user keeps."""


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _owner(viewer: Viewer) -> int:
    if viewer.user_id is None:
        raise Invalid("saved views belong to a signed-in user", field="user")
    return viewer.user_id


def _view(row: SavedViewRow) -> SavedView:
    return SavedView(
        id=row.id, name=row.name, filters=orjson.loads(row.filters), created_at=row.created_at
    )


def clean_name(name: str) -> str:
    """The name as kept: spaces at the ends and runs of spaces made one; Invalid when empty,
    too long or holding control characters."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("Give the view a name.", field="name")
    if len(cleaned) > NAME_LENGTH:
        raise Invalid(
            f"A view's name is at most {NAME_LENGTH} characters; this one has {len(cleaned)}.",
            field="name",
        )
    if any(not c.isprintable() for c in cleaned):
        raise Invalid("A view's name cannot hold control characters.", field="name")
    return cleaned


def clean_filters(filters: dict[str, str]) -> dict[str, str]:
    """The filters as kept: known fields only, empty ones left out; Invalid otherwise."""
    unknown = sorted(set(filters) - set(FIELDS))
    if unknown:
        raise Invalid(
            f"a view keeps only {', '.join(FIELDS)}; not {', '.join(unknown)}", field="filters"
        )
    kept = {field: filters[field].strip() for field in FIELDS if filters.get(field, "").strip()}
    for field, value in kept.items():
        if len(value) > VALUE_LENGTH or any(not c.isprintable() for c in value):
            raise Invalid(
                f"the {field} filter must be at most {VALUE_LENGTH} printable characters",
                field=field,
            )
        if field in CHOICES and value not in CHOICES[field]:
            raise Invalid(
                f"the {field} filter is one of {', '.join(CHOICES[field])}; not {value!r}",
                field=field,
            )
    return kept


def save(store: Store, viewer: Viewer, *, name: str, filters: dict[str, str]) -> SavedView:
    """Keep `filters` under `name` for the viewer. A name the viewer already uses is a
    Conflict; personal data in the name or a search is redacted as notes are."""
    owner = _owner(viewer)
    name = clean_name(name)
    kept = clean_filters(filters)
    name, _ = free_text(name, redact=store.redact, limit=NAME_LENGTH)
    if "q" in kept:
        kept["q"], _ = free_text(kept["q"], redact=store.redact, limit=VALUE_LENGTH)
    taken = f"You already have a view named “{name}”; choose another name or delete that one."
    with store._session() as session:
        mine = select(func.count()).select_from(SavedViewRow).where(SavedViewRow.user_id == owner)
        if (session.scalar(mine) or 0) >= MAX_VIEWS:
            raise Invalid(
                f"You have {MAX_VIEWS} saved views, the most one person keeps; delete one first.",
                field="name",
            )
        clash = select(SavedViewRow.id).where(
            SavedViewRow.user_id == owner, func.lower(SavedViewRow.name) == name.lower()
        )
        if session.scalar(clash) is not None:
            raise Conflict(taken, field="name")
        row = SavedViewRow(
            user_id=owner,
            name=name,
            filters=orjson.dumps(kept).decode(),
            created_at=now(),
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # the same name saved at the same moment
            raise Conflict(taken, field="name") from None
        audit_log.write(session, owner, "create", "saved_view", str(row.id), None)
        return _view(row)


def list_views(store: Store, viewer: Viewer) -> list[SavedView]:
    """The viewer's own views, by name."""
    owner = _owner(viewer)
    with store._session() as session:
        rows = session.scalars(
            select(SavedViewRow)
            .where(SavedViewRow.user_id == owner)
            .order_by(func.lower(SavedViewRow.name), SavedViewRow.id)
        )
        return [_view(row) for row in rows]


def delete(store: Store, viewer: Viewer, view_id: int) -> None:
    """Delete one of the viewer's own views; anyone else's is NotFound, as a missing one."""
    owner = _owner(viewer)
    with store._session() as session:
        row = session.get(SavedViewRow, view_id)
        if row is None or row.user_id != owner:
            raise NotFound(f"no saved view {view_id} of yours", field="view_id")
        session.delete(row)
        audit_log.write(session, owner, "delete", "saved_view", str(view_id), None)
