"""The team app's store: conversations, scorecards, coaching and users in SQLite or PostgreSQL.

Open with ``Store.open(url)`` (it migrates to head); every query takes a ``Viewer``.
"""

from heard.store.database import make_engine, migrate
from heard.store.errors import Conflict, Forbidden, Invalid, NotFound, StoreError
from heard.store.records import ConversationFilter, Scope, UserRole, Viewer
from heard.store.repository import Store

__all__ = [
    "Conflict",
    "ConversationFilter",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Scope",
    "Store",
    "StoreError",
    "UserRole",
    "Viewer",
    "make_engine",
    "migrate",
]
