"""Server-rendered pages: view models in, HTML out. Routes build the views from the store and
call these; nothing here queries anything."""

from heard.web.pages.rendering import (
    NAV,
    Pages,
    default_pages,
    render_agent_home,
    render_conversation,
    render_dashboard,
    render_error,
    render_feedback,
    render_live_board,
    render_live_panel,
    render_live_watch,
    render_recognition,
    render_sign_in,
    render_survey,
    render_upload,
)

__all__ = [
    "NAV",
    "Pages",
    "default_pages",
    "render_agent_home",
    "render_conversation",
    "render_dashboard",
    "render_error",
    "render_feedback",
    "render_live_board",
    "render_live_panel",
    "render_live_watch",
    "render_recognition",
    "render_sign_in",
    "render_survey",
    "render_upload",
]
