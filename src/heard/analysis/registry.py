"""The detector registry: heard's own detectors and third-party ones from entry points."""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

from heard.analysis.detector import Detector

ENTRY_POINT_GROUP = "heard.detectors"

_REGISTRY: dict[str, type[Detector]] = {}
_loaded = False


def register(cls: type[Detector]) -> type[Detector]:
    """Class decorator: add a detector under its versioned `name`."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"detector name {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


def detectors() -> dict[str, type[Detector]]:
    """Every registered detector by name."""
    global _loaded
    if not _loaded:
        _loaded = True
        package = importlib.import_module("heard.detectors")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                importlib.import_module(f"heard.detectors.{info.name}")
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            cls = ep.load()
            if cls.name not in _REGISTRY:
                register(cls)
    return dict(_REGISTRY)
