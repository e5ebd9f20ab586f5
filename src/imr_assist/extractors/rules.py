"""The embedded default: the deterministic layout parser. Offline, no model, no key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..layout.parser import parse_letter
from ..reading import Document
from ..schema import Record

if TYPE_CHECKING:
    from ..model.usage import Ledger
    from ..settings import Settings


class RulesExtractor:
    name = "rules"

    def __init__(self, settings: Settings | None = None, ledger: Ledger | None = None) -> None:
        """Settings and ledger are part of every extractor's constructor; the parser needs neither."""

    def extract(self, doc: Document) -> Record:
        return parse_letter(doc)
