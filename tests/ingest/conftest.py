"""Ingest tests run on SQLite and PostgreSQL (the `database_url` fixture)."""

from databases import database_url

__all__ = ["database_url"]
