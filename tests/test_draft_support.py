"""Shared helpers for the drafting tests: letters, records and a small in-memory index.

The fake index implements the three calls drafting uses (`similar_to_item`, `get`, `stats`)
over decisions extracted from the bundled corpus, with their findings from the corpus gold,
ranked by a transparent lexical score that ignores the kind of treatment, so tests do not
depend on the retrieval engineer's ranking and drafting must hold the same-kind rule itself.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

from imr_assist.api import extract_path
from imr_assist.evaluation.scorer import pair_items
from imr_assist.index.models import IndexedDecision, IndexStats, SearchFilters, SimilarHit
from imr_assist.index.records import decisions_from_record
from imr_assist.schema import Finding, Item, Record

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
            if self.honor_filters and not _keeps(filters, d):
                continue
            score = len(query & _tokens(d.request)) + 2 * (d.category == item.category)
            score += 3 * (bool(item.generic_name) and d.generic_name == item.generic_name)
            if score:
                hits.append(SimilarHit(decision=d, score=float(score), matching_sentence=d.rationale.split(". ")[0]))
        hits.sort(key=lambda h: (-h.score, h.decision.id))
        return hits[:k]

    def stats(self, filters: SearchFilters | None = None, top: int | None = None) -> IndexStats:
        """Totals only, counted by hand over the decisions the filters keep."""
        ds = [d for d in self.decisions.values() if _keeps(filters, d)]
        over = sum(d.decision == "overturned" for d in ds)
        return IndexStats(total=len(ds), overturned=over, upheld=len(ds) - over,
                          overturn_rate=over / len(ds) if ds else 0.0, letters=len({d.letter_id for d in ds}))


def _keeps(f: SearchFilters | None, d: IndexedDecision) -> bool:
    """The filters drafting uses, checked by hand (decision, generic, class, family, regions)."""
    if f is None:
        return True
    return ((f.decision is None or d.decision == f.decision)
            and (f.generic_name is None or f.generic_name in (d.generic_name or "").split("/"))
            and (f.drug_class is None or d.drug_class == f.drug_class)
            and (f.family is None or d.family == f.family)
            and (f.regions_any is None or bool(set(f.regions_any) & set(d.regions))))  # fmt: skip


def with_gold_findings(record: Record) -> Record:
    """The record with each item's findings taken from the corpus gold (the rules leave them
    empty until the sentence reader lands), items paired by request as eval pairs them."""
    gold_path = BUNDLED / "corpus" / "gold" / f"{record.letter_id}.json"
    if not gold_path.exists():
        return record
    gold = json.loads(gold_path.read_text(encoding="utf-8"))["items"]
    items = [it.model_copy() for it in record.items]
    for gi, pi, _ in pair_items([g["request"] for g in gold], [it.request for it in items]):
        items[pi].findings = [Finding(text=t) for t in gold[gi].get("findings", [])]
    return record.model_copy(update={"items": items})


@lru_cache(maxsize=1)
def corpus_decisions() -> tuple[IndexedDecision, ...]:
    out: list[IndexedDecision] = []
    for path in sorted((BUNDLED / "corpus" / "txt").glob("*.txt")):
        out.extend(decisions_from_record(with_gold_findings(extract_path(path))))
    return tuple(out)


def corpus_index(honor_filters: bool = True) -> FakeIndex:
    return FakeIndex(list(corpus_decisions()), honor_filters)
