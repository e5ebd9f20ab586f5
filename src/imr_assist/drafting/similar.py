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


_DENIAL_WORDS = ("not medically necessary", "no documentation", "not documented", "there is no", "there was no")
_CASE_WORDS = (
    "in this case", "in the case of", "the records", "medical records", "documented", "this patient",
    "the injured worker", "the patient", "was noted",
)  # fmt: skip


def approval_sentence(decision: IndexedDecision, matching: str = "") -> str:
    """The rationale sentence that best explains the approval, verbatim; '' if none.

    In order: the last sentence about this case ("in this case", "documented", "the injured
    worker") with an approval cue, no denial wording and not the bare "is medically
    necessary" conclusion; the last such sentence with an approval cue;
    the index's matching sentence when it is a whole sentence; the closing "is medically
    necessary" sentence.
    """
    sentences = split_sentences(decision.rationale)
    good = [
        s for s in sentences
        if has_cue(s, cues("approval")) and not has_cue(s, _DENIAL_WORDS) and "medically necessary" not in s.lower()
    ]  # fmt: skip
    case = [s for s in good if has_cue(s, _CASE_WORDS)]
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
