"""The team web app: pages, API and the files they serve (an edge: depends inward only).

`create_app()` builds the FastAPI application (API under /api/v1).
"""

from heard.web.app import create_app
from heard.web.assets import mount_static, static_files

__all__ = ["create_app", "mount_static", "static_files"]
