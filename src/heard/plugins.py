"""Registries of named parts (importers, detectors): built-ins found by scanning a package,
third-party ones from an entry-point group."""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Classes by their `name`; loads the package's modules and the entry points once."""

    def __init__(self, *, kind: str, package: str, group: str, skip: frozenset[str] = frozenset()):
        self.kind = kind
        self.package = package
        self.group = group
        self.skip = skip
        self._classes: dict[str, type[T]] = {}
        self._loaded = False

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator: add `cls` under its `name`."""
        name = cls.name  # type: ignore[attr-defined]
        if name in self._classes and self._classes[name] is not cls:
            raise ValueError(f"{self.kind} name {name!r} is already registered")
        self._classes[name] = cls
        return cls

    def all(self) -> dict[str, type[T]]:
        """Every registered class by name: built-ins first, then entry points."""
        if not self._loaded:
            self._loaded = True
            module: Any = importlib.import_module(self.package)
            for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
                if info.name not in self.skip and not info.name.startswith("_"):
                    importlib.import_module(f"{self.package}.{info.name}")
            for ep in entry_points(group=self.group):
                cls = ep.load()
                if cls.name not in self._classes:
                    self.register(cls)
        return dict(self._classes)
