"""The backend interface and the ranking every backend shares.

A backend stores decisions and answers a few primitive questions (`_lexical`, `_vector`,
`_cosines`, `_matching`, `_light`, `_fetch`); this class turns them into ranked `SimilarHit`s.

Ranking (measured by `imr-assist eval --suite retrieval`; see README "Similar past decisions"):

* the query's treatment key (`imr_assist.treatment`) comes first: candidates are searched in
  its same-kind groups (same generic, then same class; same family in a compatible region,
  then same family), and each candidate's `kind_score` (1 = same generic / same family and
  region) is the leading term of its score, so a decision about the same treatment always
  ranks above one about another;
* text orders within a kind: the BM25 score (as a share of the best candidate's), weighted
  `W_LEXICAL`, and the cosine of the vectors `W_VECTOR` (when the index has them); neither
  can lift a candidate over a better kind (the text term adds +0.018 nDCG@10 over the key
  alone; a boost for shared denial reasons was measured at +0.001 and dropped);
* the relevance floor: when the key names a kind, only same-kind decisions (`kind_score` >=
  `SAME_KIND`) are shown, and nothing when the index holds none; when it names none (a free
  text query such as "no functional improvement"), a hit needs a BM25 score of at least
  `TEXT_FLOOR` of the best one's.

`mode="lexical"` and `mode="vector"` rank by that one signal alone (no key, no floor).
A new backend is one file: subclass `DecisionIndexBase` and implement the abstract methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..schema import Item, Record
from ..treatment import SAME_KIND, TreatmentKey, key_filters, key_from_parts, key_from_request, kind_score
from ..treatment import treatment_key as item_key
from .embed import Embedder, embedding_text
from .models import IndexedDecision, IndexStats, SearchFilters, SimilarHit
from .records import decision_id, decisions_from_record, record_hash
from .text import matching_sentence, query_terms

W_LEXICAL = 0.1
W_VECTOR = 0.1
TEXT_FLOOR = 0.3
MAX_QUERY_TERMS = 48
MODES = ("hybrid", "lexical", "vector")


@dataclass(frozen=True)
class Ranking:
    """What the hybrid ranking adds up (the retrieval suite's ablations change it)."""

    key: bool = True  # the treatment key: same-kind groups, kind_score, the same-kind floor
    lexical: float = W_LEXICAL
    vector: float = W_VECTOR


DEFAULT_RANKING = Ranking()


@dataclass(frozen=True)
class Light:
    """What ranking needs to know about a candidate: its letter and treatment key columns."""

    letter_id: str
    generic_name: str | None
    drug_class: str | None
    category: str
    family: str | None
    regions: tuple[str, ...]
    side: str | None

    def key(self) -> TreatmentKey:
        return key_from_parts(self.generic_name, self.drug_class, self.family, self.regions, self.side)


@dataclass
class Probe:
    """A query: terms for BM25, a vector, the treatment key to agree with, a letter to leave out."""

    terms: list[str]
    vector: np.ndarray | None = None
    key: TreatmentKey | None = None
    exclude_letter: str | None = None


def _merge(filters: SearchFilters | None, extra: dict) -> SearchFilters | None:
    """The user's filters narrowed to one same-kind group; None when they contradict it."""
    base = filters.model_dump(exclude_none=True) if filters else {}
    for k, v in extra.items():
        if k in base and k != "regions_any" and base[k] != v:
            return None
    return SearchFilters(**{**base, **extra})


class DecisionIndexBase(ABC):
    """Store decisions; find similar ones; count them. Use as a context manager or call `close()`."""

    #: the embedder used for new rows and queries, or None (lexical + structured only)
    embedder: Embedder | None = None
    #: where the index lives (a path or a URL without password), for messages
    location: str = ""

    # ---- primitives a backend implements ------------------------------------------------
    @abstractmethod
    def _replace_letters(self, decisions: list[IndexedDecision], vectors: np.ndarray | None,
                         letters: list[tuple[str, str | None, str]]) -> None:
        """Delete every row of the given letters (letter_id, source, content hash), then insert `decisions`."""

    @abstractmethod
    def _lexical(self, terms: list[str], n: int, filters: SearchFilters | None,
                 exclude_letter: str | None) -> list[tuple[str, float]]:
        """Top `n` (id, BM25 score) for `terms` (OR), filtered, best first."""

    @abstractmethod
    def _vector(self, vector: np.ndarray, n: int, filters: SearchFilters | None,
                exclude_letter: str | None) -> list[tuple[str, float]]:
        """Top `n` (id, cosine) for `vector`, filtered, best first; [] when the index has no vectors."""

    @abstractmethod
    def _matching(self, n: int, filters: SearchFilters | None, exclude_letter: str | None) -> list[str]:
        """Up to `n` ids of decisions matching `filters`, newest first (candidates with no
        word in common with the query)."""

    @abstractmethod
    def _light(self, ids: list[str]) -> dict[str, Light]: ...

    @abstractmethod
    def _fetch(self, ids: list[str]) -> dict[str, IndexedDecision]: ...

    @abstractmethod
    def _cosines(self, vector: np.ndarray, ids: list[str]) -> dict[str, float]:
        """Cosine of `vector` with each of `ids` that has a stored vector ({} without vectors)."""

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
    def indexed_hashes(self) -> dict[str, str]:
        """letter_id -> content hash of the record it was indexed from (`record_hash`), for
        skipping records that are already indexed unchanged."""

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
        letters: list[tuple[str, str | None, str]] = []
        for record in latest.values():
            letters.append((record.letter_id, record.source, record_hash(record)))
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
               mode: str = "hybrid", ranking: Ranking = DEFAULT_RANKING) -> list[SimilarHit]:
        """Decisions most similar to a free-text query (its treatment key, read from the text
        like a request, ranks first when it names one: "MRI left knee", "Flexeril")."""
        probe = Probe(terms=query_terms(text, limit=MAX_QUERY_TERMS), key=key_from_request(text))
        if mode != "lexical" and self.has_vectors() and text.strip():
            probe.vector = self.embedder.encode([text])[0]  # type: ignore[union-attr]
        return self._rank(probe, k, filters, mode, ranking)

    def similar_to_item(self, item: Item, record: Record, k: int = 5, filters: SearchFilters | None = None,
                        mode: str = "hybrid", exclude_same_letter: bool = True,
                        ranking: Ranking = DEFAULT_RANKING) -> list[SimilarHit]:
        """Decisions most similar to one item of a letter (other letters only, by default)."""
        probe = Probe(
            terms=query_terms(item.request, item.generic_name or "", item.rationale, limit=MAX_QUERY_TERMS),
            key=item_key(item),
            exclude_letter=record.letter_id if exclude_same_letter else None,
        )
        if mode != "lexical" and self.has_vectors():
            number = next((n for n, it in enumerate(record.items, 1) if it is item), None)
            stored = self._stored_vector(decision_id(record.letter_id, number)) if number else None
            probe.vector = stored if stored is not None else self.embedder.encode(  # type: ignore[union-attr]
                [embedding_text(item.request, item.rationale, item.generic_name)]
            )[0]
        return self._rank(probe, k, filters, mode, ranking)

    def _rank(self, probe: Probe, k: int, filters: SearchFilters | None, mode: str,
              ranking: Ranking = DEFAULT_RANKING) -> list[SimilarHit]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if k <= 0:
            return []
        n = max(50, 4 * k)
        use_key = mode == "hybrid" and ranking.key and probe.key is not None
        groups = key_filters(probe.key) if use_key else []  # type: ignore[arg-type]
        scoped = [f for g in groups if (f := _merge(filters, g)) is not None]
        lex: dict[str, float] = {}
        if mode != "vector" and probe.terms and (mode != "hybrid" or ranking.lexical or not groups):
            # keyed: the best texts in each same-kind group (the floor drops every other kind);
            # unkeyed: the best texts overall
            for f in scoped if groups else [filters]:
                for i, sc in self._lexical(probe.terms, n, f, probe.exclude_letter):
                    lex[i] = sc
        vec: dict[str, float] = {}
        if mode != "lexical" and probe.vector is not None and not groups:
            vec = dict(self._vector(probe.vector, n, filters, probe.exclude_letter))
        others: list[str] = []
        for f in scoped:  # same-kind decisions that share no word with the query
            others += self._matching(n, f, probe.exclude_letter)
        cands = list(dict.fromkeys([*lex, *vec, *others]))
        if not cands:
            return []
        if groups and probe.vector is not None and mode != "lexical":
            vec = self._cosines(probe.vector, cands)  # within a kind, vectors only order: no top-n search
        best_lex = max(lex.values(), default=0.0) or 1.0
        light = self._light(cands) if mode == "hybrid" else {}
        keyed = bool(groups)
        scored = []
        for i in cands:
            ls, vs, ks = lex.get(i, 0.0) / best_lex, vec.get(i), None
            if mode == "lexical":
                s = ls
            elif mode == "vector":
                s = vs if vs is not None else -1.0
            else:
                c = light.get(i)
                ks = kind_score(probe.key, c.key()) if keyed and c is not None else None  # type: ignore[arg-type]
                if keyed and (ks is None or ks < SAME_KIND):
                    continue  # the relevance floor: same kind only
                if not keyed and lex and ls < TEXT_FLOOR:
                    continue  # the floor without a key: a real share of the best text match
                s = (ks or 0.0) + ranking.lexical * ls + ranking.vector * (vs or 0.0)
            scored.append((s, i, ls, vs, ks))
        scored.sort(key=lambda t: (-t[0], t[1]))
        top = scored[:k]
        full = self._fetch([t[1] for t in top])
        lex_rank = {i: r for r, i in enumerate(sorted(lex, key=lambda x: -lex[x]), 1)}
        vec_rank = {i: r for r, i in enumerate(sorted(vec, key=lambda x: -vec[x]), 1)}
        hits = []
        for s, i, ls, vs, ks in top:
            d = full.get(i)
            if d is None:  # deleted meanwhile by another writer
                continue
            hits.append(SimilarHit(
                decision=d, score=round(s, 6), matching_sentence=matching_sentence(d.rationale, probe.terms),
                lexical_rank=lex_rank.get(i), vector_rank=vec_rank.get(i), kind_score=ks,
                lexical_score=round(ls, 4) if i in lex else None, vector_score=None if vs is None else round(vs, 4),
                why=_why(probe, d, ks, ls if i in lex else None, vs),
            ))  # fmt: skip
        return hits


def _why(probe: Probe, d: IndexedDecision, ks: float | None, ls: float | None, vs: float | None) -> list[str]:
    """Plain reasons for a hit's place (`similar --explain`)."""
    out = []
    if ks is not None and probe.key is not None:
        q = probe.key
        if q.kind == "medicine":
            what = (f"same generic: {d.generic_name}" if ks == 1.0 else f"shares a drug: {d.generic_name}" if ks >= 0.8
                    else f"same drug class: {d.drug_class}")  # fmt: skip
            out.append(f"{what} (kind {ks:g})")
        else:
            where = f" {', '.join(d.regions)}" if d.regions else ""
            region = {1.0: "same region" if q.region_decides else "", 0.8: "region compatible or unstated",
                      0.4: "other region"}.get(ks, "")  # fmt: skip
            out.append(f"same family: {d.family}{where}" + (f" ({region})" if region else "") + f" (kind {ks:g})")
    if ls is not None:
        out.append(f"text match {ls:.2f} of the best")
    if vs is not None:
        out.append(f"vector cosine {vs:.2f}")
    return out
