"""Live coaching: a conversation analysed as it happens, nudges for the agent."""

from heard.live.events import Event, Frame, LiveState, Nudge
from heard.live.session import LiveSession, LiveUpdate

__all__ = ["Event", "Frame", "LiveSession", "LiveState", "LiveUpdate", "Nudge"]
