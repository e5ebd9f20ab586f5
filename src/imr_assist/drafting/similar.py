"""Similar past decisions for a resubmission: only overturned ones, each with the
verbatim sentence of its rationale that explains why it was approved.

The index is whatever `imr_assist.index` provides; drafting only needs the two calls in
`DecisionIndex`, so tests pass a small in-memory fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..index.models import IndexedDecision, SearchFilters, SimilarHit
from ..schema import Item, Record
from .data import cues
from .text import has_cue, split_sentences


class DecisionIndex(Protocol):
    """The part of the retrieval API drafting uses."""

    def similar_to_item(
        self, item: Item, record: Record, k: int = 5, filters: SearchFilters | None = None
    ) -> list[SimilarHit]: ...

    def get(self, id: str) -> IndexedDecision | None: ...


@dataclass(frozen=True)
class Precedent:
    """An overturned decision cited in a draft."""

    id: str
    request: str
    decision_date: str | None
    sentence: str
    score: float


def approval_sentence(decision: IndexedDecision, matching: str = "") -> str:
    """The rationale sentence that best explains the approval, verbatim; '' if none.

    Prefers sentences about this case's records ("in this case", "documented") that do not
    announce a denial; falls back to the index's matching sentence, then the last sentence
    saying the request is medically necessary.
    """
    sentences = split_sentences(decision.rationale)
    good = [s for s in sentences if has_cue(s, cues("approval")) and "not medically necessary" not in s.lower()]
    case = [s for s in good if has_cue(s, ("in this case", "the records", "medical records", "documented"))]
    if case:
        return case[-1]
    if good:
        return good[-1]
    if matching and matching.strip() in sentences:
        return matching.strip()
    closing = [s for s in sentences if "medically necessary" in s.lower() and "not medically" not in s.lower()]
    return closing[-1] if closing else ""


def overturned_precedents(index: DecisionIndex, item: Item, record: Record, limit: int = 3) -> list[Precedent]:
    """Up to `limit` overturned decisions similar to `item`, from other letters."""
    hits = index.similar_to_item(item, record, k=limit * 4, filters=SearchFilters(decision="overturned"))
    out: list[Precedent] = []
    seen: set[str] = set()
    for hit in sorted(hits, key=lambda h: -h.score):
        d = hit.decision
        if d.decision != "overturned" or d.letter_id == record.letter_id or d.id in seen:
            continue
        sentence = approval_sentence(d, hit.matching_sentence)
        if not sentence:
            continue
        seen.add(d.id)
        out.append(Precedent(d.id, d.request, d.decision_date, sentence, hit.score))
        if len(out) >= limit:
            break
    return out


def open_decision_index(db: str | None) -> DecisionIndex | None:
    """Open `db` (or the bundled demo index when `db` is None) through `imr_assist.index`.

    Returns None when the retrieval package offers no opener or no demo index exists; the
    draft then says that no similar decisions were searched. A `db` path that does not
    exist is the caller's input error and is raised as such.
    """
    from pathlib import Path

    from ..errors import InputError

    try:
        from .. import index as index_pkg
    except ImportError:  # pragma: no cover
        return None
    opener = getattr(index_pkg, "open_index", None)
    if db is not None:
        if not Path(db).exists():
            raise InputError(f"{db}: no such index file")
        if opener is None:
            raise InputError("this install has no index support (imr_assist.index.open_index is missing)")
        return opener(db)
    default = getattr(index_pkg, "default_index_path", None)
    if opener is None or default is None:
        return None
    path = default()
    if path is None or not Path(path).exists():
        return None
    return opener(path)
