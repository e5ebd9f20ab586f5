"""Extractors turn a `Document` into a `Record`. All share one schema and one interface.

A new extractor is one module here plus one line in `_REGISTRY`; its constructor takes the
run's `Settings` and the caller's usage `Ledger` (both may be None), and anything that asks
a model goes through `imr_assist.model.open_model`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import ConfigError
from ..reading import Document
from ..schema import Record

if TYPE_CHECKING:
    from ..model.usage import Ledger
    from ..settings import Settings


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


def get_extractor(name: str = "rules", settings: Settings | None = None, ledger: Ledger | None = None) -> Extractor:
    """Build an extractor by name (imported only when asked for). An unknown name is a
    `ConfigError`; a model extractor that cannot be configured raises its `ModelError`."""
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown extractor {name!r} (choose {', '.join(_REGISTRY)})") from None
    module_name, cls_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    extractor: Extractor = cls(settings=settings, ledger=ledger)
    return extractor
