"""Extractors turn a `Document` into a `Record`. All share one schema and one interface.

A new extractor is one module here plus one line in `_REGISTRY`.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol, runtime_checkable

from ..reading import Document
from ..schema import Record


@runtime_checkable
class Extractor(Protocol):
    """Anything with a name that turns a letter into a record."""

    name: str

    def extract(self, doc: Document) -> Record: ...


_REGISTRY: dict[str, str] = {
    "rules": "imr_assist.extractors.rules:RulesExtractor",
    "llm": "imr_assist.extractors.llm:LLMExtractor",
    "hybrid": "imr_assist.extractors.hybrid:HybridExtractor",
}


def available() -> list[str]:
    return list(_REGISTRY)


def get_extractor(name: str = "rules", **options: Any) -> Extractor:
    """Build an extractor by name; options go to its constructor (model, base_url, ...)."""
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown extractor {name!r}; choose from {', '.join(_REGISTRY)}") from None
    module_name, cls_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(**options)
