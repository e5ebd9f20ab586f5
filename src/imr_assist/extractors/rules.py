"""The embedded default: the deterministic layout parser. Offline, no model, no key."""

from __future__ import annotations

from ..layout.parser import parse_letter
from ..reading import Document
from ..schema import Record


class RulesExtractor:
    name = "rules"

    def extract(self, doc: Document) -> Record:
        return parse_letter(doc)
