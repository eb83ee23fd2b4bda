"""The team web app: pages, API and the files they serve (an edge: depends inward only)."""

from heard.web.assets import mount_static, static_files

__all__ = ["mount_static", "static_files"]
