"""Shared helpers for the drafting tests: letters, records and a small in-memory index.

The fake index implements the two calls drafting uses (`similar_to_item`, `get`) over
decisions extracted from the bundled corpus, ranked by a transparent lexical score, so
tests do not depend on the retrieval engineer's ranking.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

from imr_assist.api import extract_path
from imr_assist.index.models import IndexedDecision, SearchFilters, SimilarHit
from imr_assist.index.records import decisions_from_record
from imr_assist.schema import Item, Record

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
LETTERS = sorted((BUNDLED / "letters").glob("*.txt"))
#: Corpus letters with both upheld and overturned items (named in the issue).
MIXED = [BUNDLED / "corpus" / "txt" / f"{c}.txt" for c in ("CM16-0230548", "CM17-0007142", "CM17-0010420")]
EXAMPLES = [*LETTERS, *MIXED]


@cache
def letter(path: Path) -> tuple[Record, str]:
    record = extract_path(path)
    return record, path.read_text(encoding="utf-8")


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{3,}", text.lower()))


class FakeIndex:
    """In-memory stand-in for the decision index; `honor_filters=False` simulates a
    retrieval bug that returns upheld decisions despite the filter."""

    def __init__(self, decisions: list[IndexedDecision], honor_filters: bool = True) -> None:
        self.decisions = {d.id: d for d in decisions}
        self.honor_filters = honor_filters
        self.calls: list[SearchFilters | None] = []

    def get(self, id: str) -> IndexedDecision | None:
        return self.decisions.get(id)

    def similar_to_item(self, item: Item, record: Record, k: int = 5, filters: SearchFilters | None = None):
        self.calls.append(filters)
        query = _tokens(item.request)
        hits = []
        for d in self.decisions.values():
            if self.honor_filters and filters and filters.decision and d.decision != filters.decision:
                continue
            score = len(query & _tokens(d.request)) + 2 * (d.category == item.category)
            score += 3 * (bool(item.generic_name) and d.generic_name == item.generic_name)
            if score:
                hits.append(SimilarHit(decision=d, score=float(score), matching_sentence=d.rationale.split(". ")[0]))
        hits.sort(key=lambda h: (-h.score, h.decision.id))
        return hits[:k]


@lru_cache(maxsize=1)
def corpus_decisions() -> tuple[IndexedDecision, ...]:
    out: list[IndexedDecision] = []
    for path in sorted((BUNDLED / "corpus" / "txt").glob("*.txt")):
        out.extend(decisions_from_record(extract_path(path)))
    return tuple(out)


def corpus_index(honor_filters: bool = True) -> FakeIndex:
    return FakeIndex(list(corpus_decisions()), honor_filters)
