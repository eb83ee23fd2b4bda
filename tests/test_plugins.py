"""The shared registry of named parts refuses two different classes under one name."""

from __future__ import annotations

from typing import ClassVar

import pytest

from heard.analysis import detectors
from heard.importers import importers
from heard.plugins import Registry


def test_registry_refuses_a_second_class_under_one_name() -> None:
    registry: Registry[object] = Registry(
        kind="thing", package="heard.detectors", group="heard.test-things"
    )

    class First:
        name: ClassVar[str] = "x"

    class Second:
        name: ClassVar[str] = "x"

    registry.register(First)
    registry.register(First)  # the same class again is fine
    with pytest.raises(ValueError, match="thing name 'x' is already registered"):
        registry.register(Second)


def test_builtins_are_found_by_scanning_their_packages() -> None:
    assert {"json", "csv", "aws-connect", "zendesk", "star"} <= set(importers())
    assert {"heard.phrases.v1", "heard.call_timing.v1"} <= set(detectors())
