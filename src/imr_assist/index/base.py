"""The backend interface and the ranking every backend shares.

A backend stores decisions and answers five primitive questions (`_lexical`, `_vector`,
`_structured`, `_light`, `_fetch`); this class turns them into ranked `SimilarHit`s:

* candidates: the top N lexical (BM25) hits, the top N vector (cosine) hits, and up to N
  decisions about the same generic drug, all after the structured filters;
* fused score: reciprocal-rank fusion, sum of 1/(60 + rank) over the lexical and vector
  lists, plus boosts for structured agreement with the query item: same generic name
  (0.05, larger than any sum of the other terms, so a decision about the same drug ranks
  above one about another drug), same drug class (0.01), same category (0.004), and the
  Jaccard overlap of denial reasons and of reviewer guideline pages (0.008 each).

A new backend is one file: subclass `DecisionIndexBase` and implement the abstract methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from ..schema import Item, Record
from .embed import Embedder, embedding_text
from .models import IndexedDecision, IndexStats, SearchFilters, SimilarHit
from .records import decision_id, decisions_from_record
from .text import matching_sentence, query_terms

RRF_K = 60
BOOST_GENERIC = 0.05
BOOST_DRUG_CLASS = 0.01
BOOST_CATEGORY = 0.004
BOOST_REASONS = 0.008
BOOST_PAGES = 0.008
MAX_QUERY_TERMS = 48
MODES = ("hybrid", "lexical", "vector")


@dataclass(frozen=True)
class Light:
    """What boosting needs to know about a candidate."""

    letter_id: str
    generic_name: str | None
    drug_class: str | None
    category: str
    denial_reasons: frozenset[str]
    pages: frozenset[str]


@dataclass
class Probe:
    """A query: terms for BM25, a vector, the structure to agree with, a letter to leave out."""

    terms: list[str]
    vector: np.ndarray | None = None
    generic_name: str | None = None
    drug_class: str | None = None
    category: str | None = None
    denial_reasons: frozenset[str] = field(default_factory=frozenset)
    pages: frozenset[str] = field(default_factory=frozenset)
    exclude_letter: str | None = None


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class DecisionIndexBase(ABC):
    """Store decisions; find similar ones; count them. Use as a context manager or call `close()`."""

    #: the embedder used for new rows and queries, or None (lexical + structured only)
    embedder: Embedder | None = None
    #: where the index lives (a path or a URL without password), for messages
    location: str = ""

    # ---- primitives a backend implements ------------------------------------------------
    @abstractmethod
    def _replace_letters(self, decisions: list[IndexedDecision], vectors: np.ndarray | None,
                         letters: list[tuple[str, str | None]]) -> None:
        """Delete every row of the given letters (letter_id, source), then insert `decisions`."""

    @abstractmethod
    def _lexical(self, terms: list[str], n: int, filters: SearchFilters | None,
                 exclude_letter: str | None) -> list[tuple[str, float]]:
        """Top `n` (id, BM25 score) for `terms` (OR), filtered, best first."""

    @abstractmethod
    def _vector(self, vector: np.ndarray, n: int, filters: SearchFilters | None,
                exclude_letter: str | None) -> list[tuple[str, float]]:
        """Top `n` (id, cosine) for `vector`, filtered, best first; [] when the index has no vectors."""

    @abstractmethod
    def _structured(self, generic_name: str, n: int, filters: SearchFilters | None,
                    exclude_letter: str | None) -> list[str]:
        """Up to `n` ids of decisions about `generic_name`, filtered."""

    @abstractmethod
    def _light(self, ids: list[str]) -> dict[str, Light]: ...

    @abstractmethod
    def _fetch(self, ids: list[str]) -> dict[str, IndexedDecision]: ...

    @abstractmethod
    def _stored_vector(self, id: str) -> np.ndarray | None:
        """The vector stored for `id` (None when absent or the index has no vectors)."""

    @abstractmethod
    def has_vectors(self) -> bool:
        """True when dense search is available (vectors stored with the query embedder's model)."""

    @abstractmethod
    def stats(self, filters: SearchFilters | None = None, top: int | None = None) -> IndexStats:
        """Counts and overturn rates over the decisions matching `filters` (`top`: rows per table)."""

    @abstractmethod
    def count(self, filters: SearchFilters | None = None) -> int: ...

    @abstractmethod
    def indexed_sources(self) -> dict[str, str]:
        """source key -> letter_id of every letter indexed from a file (for resuming)."""

    @abstractmethod
    def remove_letter(self, letter_id: str) -> int:
        """Delete a letter's decisions; how many were removed."""

    def flush(self) -> None:  # noqa: B027
        """Bring any side index up to date with the store (backends that keep one)."""

    def close(self) -> None:  # noqa: B027
        """Release connections and files."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- writing -------------------------------------------------------------------------
    def add_records(self, records: Iterable[Record]) -> int:
        """Index records; a letter indexed before has its rows replaced. Returns decisions written."""
        latest: dict[str, Record] = {}
        for record in records:  # a letter given twice in one batch: the last one wins
            latest.pop(record.letter_id, None)
            latest[record.letter_id] = record
        decisions: list[IndexedDecision] = []
        letters: list[tuple[str, str | None]] = []
        for record in latest.values():
            letters.append((record.letter_id, record.source))
            decisions.extend(decisions_from_record(record))
        if not letters:
            return 0
        vectors = None
        if self.embedder is not None and decisions:
            vectors = self.embedder.encode(
                [embedding_text(d.request, d.rationale, d.generic_name) for d in decisions]
            )
        self._replace_letters(decisions, vectors, letters)
        return len(decisions)

    # ---- reading -------------------------------------------------------------------------
    def get(self, id: str) -> IndexedDecision | None:
        """The decision with this id ('<letter_id>#<n>'), or None."""
        return self._fetch([id]).get(id)

    def search(self, text: str, k: int = 5, filters: SearchFilters | None = None,
               mode: str = "hybrid") -> list[SimilarHit]:
        """Decisions most similar to a free-text query."""
        probe = Probe(terms=query_terms(text, limit=MAX_QUERY_TERMS))
        if mode != "lexical" and self.has_vectors() and text.strip():
            probe.vector = self.embedder.encode([text])[0]  # type: ignore[union-attr]
        return self._rank(probe, k, filters, mode)

    def similar_to_item(self, item: Item, record: Record, k: int = 5, filters: SearchFilters | None = None,
                        mode: str = "hybrid", exclude_same_letter: bool = True) -> list[SimilarHit]:
        """Decisions most similar to one item of a letter (other letters only, by default)."""
        probe = Probe(
            terms=query_terms(item.request, item.generic_name or "", item.rationale, limit=MAX_QUERY_TERMS),
            generic_name=(item.generic_name or "").lower() or None,
            drug_class=item.drug_class,
            category=item.category,
            denial_reasons=frozenset(item.denial_reasons),
            pages=frozenset(item.reviewer_pages),
            exclude_letter=record.letter_id if exclude_same_letter else None,
        )
        if mode != "lexical" and self.has_vectors():
            number = next((n for n, it in enumerate(record.items, 1) if it is item), None)
            stored = self._stored_vector(decision_id(record.letter_id, number)) if number else None
            probe.vector = stored if stored is not None else self.embedder.encode(  # type: ignore[union-attr]
                [embedding_text(item.request, item.rationale, item.generic_name)]
            )[0]
        return self._rank(probe, k, filters, mode)

    def _rank(self, probe: Probe, k: int, filters: SearchFilters | None, mode: str) -> list[SimilarHit]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if k <= 0:
            return []
        n = max(50, 4 * k)
        lex = self._lexical(probe.terms, n, filters, probe.exclude_letter) if mode != "vector" and probe.terms else []
        vec: list[tuple[str, float]] = []
        if mode != "lexical" and probe.vector is not None:
            vec = self._vector(probe.vector, n, filters, probe.exclude_letter)
        struct = (
            self._structured(probe.generic_name, n, filters, probe.exclude_letter)
            if probe.generic_name and mode == "hybrid" else []
        )  # fmt: skip
        lex_rank = {i: r for r, (i, _) in enumerate(lex, 1)}
        vec_rank = {i: r for r, (i, _) in enumerate(vec, 1)}
        cands = list(dict.fromkeys([i for i, _ in lex] + [i for i, _ in vec] + struct))
        if not cands:
            return []
        boost: Callable[[Light], float] = lambda _: 0.0  # noqa: E731
        if mode == "hybrid":
            boost = self._booster(probe)
        light = self._light(cands) if mode == "hybrid" else {}
        scored = []
        for i in cands:
            s = 0.0
            if i in lex_rank:
                s += 1.0 / (RRF_K + lex_rank[i])
            if i in vec_rank:
                s += 1.0 / (RRF_K + vec_rank[i])
            if i in light:
                s += boost(light[i])
            scored.append((s, i))
        scored.sort(key=lambda t: (-t[0], t[1]))
        top = scored[:k]
        full = self._fetch([i for _, i in top])
        hits = []
        for s, i in top:
            d = full.get(i)
            if d is None:  # deleted meanwhile by another writer
                continue
            hits.append(SimilarHit(
                decision=d, score=round(s, 6), matching_sentence=matching_sentence(d.rationale, probe.terms),
                lexical_rank=lex_rank.get(i), vector_rank=vec_rank.get(i),
            ))  # fmt: skip
        return hits

    @staticmethod
    def _booster(probe: Probe) -> Callable[[Light], float]:
        def boost(c: Light) -> float:
            b = 0.0
            if probe.generic_name and c.generic_name == probe.generic_name:
                b += BOOST_GENERIC
            if probe.drug_class and c.drug_class == probe.drug_class:
                b += BOOST_DRUG_CLASS
            if probe.category and c.category == probe.category:
                b += BOOST_CATEGORY
            b += BOOST_REASONS * _jaccard(probe.denial_reasons, c.denial_reasons)
            b += BOOST_PAGES * _jaccard(probe.pages, c.pages)
            return b

        return boost

