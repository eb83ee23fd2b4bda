"""The page routes run on the API tests' app: a fresh store (SQLite and PostgreSQL) and team."""

from web.api.conftest import api, database_url

__all__ = ["api", "database_url"]
