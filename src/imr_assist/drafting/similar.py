"""Similar past decisions for a resubmission: only overturned ones of the same kind of
treatment, each cited with the precedent's own finding (what was documented that won).

The rules (domain.md, "What each reader needs"):

* a precedent is cited only when it is the same kind of treatment as the item
  (`imr_assist.treatment.same_kind`: same drug or class; same family, and region where the
  region decides), checked here on every hit whatever the index returned;
* the sentence quoted is one of the precedent's `findings` (the reviewer's case-specific
  facts; for an overturned item, the facts that won), never a rationale sentence guessed by
  cue words, which too often was a restriction or a guideline quote; a precedent with no
  finding is listed without a quote;
* when the index holds no overturned decision of that kind, nothing else is cited: the draft
  says so with the counts (`KindCounts`, from the index's `stats`): "0 of 14 muscle-relaxant
  requests in this index were overturned; 14 upheld".

The index is whatever `imr_assist.index` provides; drafting needs only the three calls in
`DecisionIndex`, so tests pass a small in-memory fake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..index.models import IndexedDecision, IndexStats, SearchFilters, SimilarHit
from ..index.text import tokens
from ..schema import Item, Record
from ..treatment import (
    TreatmentKey,
    counts_filter,
    key_filters,
    key_from_parts,
    kind_phrase,
    same_kind,
    treatment_key,
)  # fmt: skip


class DecisionIndex(Protocol):
    """The part of the retrieval API drafting uses."""

    def similar_to_item(
        self, item: Item, record: Record, k: int = 5, filters: SearchFilters | None = None
    ) -> list[SimilarHit]: ...

    def get(self, id: str) -> IndexedDecision | None: ...

    def stats(self, filters: SearchFilters | None = None, top: int | None = None) -> IndexStats: ...


@dataclass(frozen=True)
class Precedent:
    """An overturned decision of the same kind, cited in a draft."""

    id: str
    request: str
    decision_date: str | None
    sentence: str  # one of its findings, verbatim; '' when it has none
    score: float
    kind: str = ""  # its treatment, e.g. 'MRI, knee'


@dataclass(frozen=True)
class KindCounts:
    """How decisions of the item's kind went in the index (for the counts sentence)."""

    kind: str
    total: int
    overturned: int
    upheld: int


@dataclass
class Precedents:
    """What a draft says about one item's precedents."""

    cited: list[Precedent] = field(default_factory=list)
    counts: KindCounts | None = None  # None when the item's kind could not be told

    def __iter__(self):
        return iter(self.cited)

    def __len__(self) -> int:
        return len(self.cited)


def decision_key(d: IndexedDecision) -> TreatmentKey:
    return key_from_parts(d.generic_name, d.drug_class, d.family, d.regions, d.side)


def cited_finding(decision: IndexedDecision, item: Item) -> str:
    """The precedent's finding that speaks most to this item (most words shared with the
    item's own findings and rationale; ties: the first), verbatim; '' when it has none."""
    if not decision.findings:
        return ""
    want = set(tokens(" ".join(f.text for f in item.findings) + " " + item.rationale))
    best = max(decision.findings, key=lambda f: (len(want & set(tokens(f))), -decision.findings.index(f)))
    return " ".join(best.split())


def kind_counts(index: DecisionIndex, key: TreatmentKey) -> KindCounts | None:
    group = counts_filter(key)
    if group is None:
        return None
    st = index.stats(SearchFilters(**group), top=1)
    return KindCounts(kind_phrase(key), st.total, st.overturned, st.upheld)


def overturned_precedents(index: DecisionIndex, item: Item, record: Record, limit: int = 3) -> Precedents:
    """Up to `limit` overturned decisions of the item's kind from other letters, those with a
    finding first, and the counts of the kind in the index."""
    key = treatment_key(item)
    counts = kind_counts(index, key)
    if counts is None:  # the kind is unknown: nothing can be shown to be the same kind
        return Precedents()
    hits: list[SimilarHit] = []
    for group in key_filters(key):  # the closest group first (same generic; same family and region)
        found_here = index.similar_to_item(item, record, k=limit * 4,
                                           filters=SearchFilters(decision="overturned", **group))  # fmt: skip
        hits += sorted(found_here, key=lambda h: -h.score)
    found: list[Precedent] = []
    seen: set[str] = set()
    for hit in hits:
        d = hit.decision
        if d.decision != "overturned" or d.letter_id == record.letter_id or d.id in seen:
            continue
        if not same_kind(key, decision_key(d)):
            continue
        seen.add(d.id)
        found.append(Precedent(d.id, d.request, d.decision_date, cited_finding(d, item), hit.score, d.treatment))
    found.sort(key=lambda p: not p.sentence)  # stable: those with a finding first, rank kept
    first_of_letter: dict[str, Precedent] = {}
    for p in found:
        first_of_letter.setdefault(p.id.split("#")[0], p)
    rest = [p for p in found if p not in first_of_letter.values()]  # other letters before a second from one
    return Precedents([*first_of_letter.values(), *rest][:limit], counts)
