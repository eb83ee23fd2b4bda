"""The detector registry: heard's own detectors and third-party ones from entry points."""

from __future__ import annotations

from heard.analysis.detector import Detector
from heard.plugins import Registry

ENTRY_POINT_GROUP = "heard.detectors"

_REGISTRY: Registry[Detector] = Registry(
    kind="detector", package="heard.detectors", group=ENTRY_POINT_GROUP
)
register = _REGISTRY.register


def detectors() -> dict[str, type[Detector]]:
    """Every registered detector by name."""
    return _REGISTRY.all()
