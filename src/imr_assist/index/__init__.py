"""Similar past decisions: index decided items, search them, count them.

The Python API (stable; drafting cites `IndexedDecision.id`, '<letter_id>#<item number>'):

    from imr_assist.index import open_index, SearchFilters

    with open_index("imr.db") as ix:             # or imr_assist.demo_index.open_decision_index(None)
        hits = ix.similar_to_item(item, record, k=5, filters=SearchFilters(decision="overturned"))
        hits = ix.search("cyclobenzaprine spasm", k=5, filters=SearchFilters(drug_class="muscle_relaxant"))
        d = ix.get("CM16-0213037#1")              # IndexedDecision | None
        st = ix.stats(SearchFilters(generic_name="tramadol"))   # IndexStats
        st = ix.stats(SearchFilters(family="mri", region="knee"))

* `open_index(db, embedder="auto", create=False)` -> a `DecisionIndexBase`:
  a path = a SQLite file (`imr.db`); `postgresql://...` = the PostgreSQL backend. The
  bundled demo index is `imr_assist.demo_index` (built from the package's letters). `embedder`: "auto" (vectors when the
  `[embed]` extra is installed and the index has them), "minilm", or "none".
* `similar_to_item(item, record, k=5, filters=None, mode="hybrid", exclude_same_letter=True)`,
  `search(text, k=5, filters=None, mode="hybrid")` -> `list[SimilarHit]` (best first; each
  has `.decision: IndexedDecision` (with its treatment key: `.family`, `.regions`,
  `.treatment`, and `.findings`), `.score`, `.kind_score`, `.why`, `.matching_sentence`,
  `.lexical_rank`, `.vector_rank`); `mode` is "hybrid" | "lexical" | "vector". Hybrid ranks
  the same kind of treatment first and shows nothing below the relevance floor
  (`base.py` says how).
* `get(id)` -> `IndexedDecision | None`; `stats(filters=None, top=None)` -> `IndexStats`;
  `count(filters=None)`; `add_records(records)`; `remove_letter(letter_id)`.
* `index_records(ix, records)`: records (from `imr_assist.pipeline` or an `extract --jsonl`
  file) into an index, committed in chunks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import IndexStoreError
from ..schema import Record
from .base import DecisionIndexBase
from .embed import Embedder, get_embedder
from .models import IndexedDecision, IndexStats, SearchFilters, SimilarHit, StatRow
from .records import decisions_from_record

__all__ = [
    "DecisionIndexBase", "IndexedDecision", "IndexStats", "SearchFilters", "SimilarHit", "StatRow",
    "open_index", "index_records", "decisions_from_record",
    "get_embedder", "is_postgres_url",
]  # fmt: skip

DEFAULT_DB = "imr.db"


def is_postgres_url(db: str | os.PathLike | None) -> bool:
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


def _stored_model(db: str | os.PathLike) -> str | None:
    """The embedding model an existing SQLite index holds vectors of (without loading a model)."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key='embed_model'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def open_index(db: str | os.PathLike, embedder: str | Embedder | None = "auto",
               create: bool = False) -> DecisionIndexBase:
    """Open an index (see the module docstring). `create=False` makes a missing file an IndexStoreError.

    With `embedder="auto"`, the model is loaded only when it is needed: when the index holds
    vectors, or when a new, empty index is created for writing."""
    if is_postgres_url(db):
        from .postgres import PostgresIndex

        emb = embedder if not isinstance(embedder, str) else get_embedder(embedder)
        return PostgresIndex(str(db), emb)
    path = Path(db)
    if not create and not path.exists():
        raise IndexStoreError(f"{path}: no such index file (build one with: imr-assist index LETTERS --db {path})")
    if isinstance(embedder, str) and embedder == "auto":
        stored = _stored_model(path) if path.exists() else None
        emb = get_embedder("auto") if (stored is not None or create) else None
    elif isinstance(embedder, str) or embedder is None:
        emb = get_embedder(embedder)
    else:
        emb = embedder
    from .sqlite import SQLiteIndex

    return SQLiteIndex(path, emb, create=True)


# ---- ingesting ----------------------------------------------------------------------------------

def index_records(ix: DecisionIndexBase, records: Iterable[Record], *, chunk: int = 64,
                  progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Add `records` to `ix`, committing every `chunk` letters; `progress(letters seen)`.

    The index stores what it is given: reading and extracting letters is the caller's job
    (`imr_assist.pipeline`), so storage never calls up into extraction.
    Returns (letters indexed, decisions indexed)."""
    letters = decisions = 0
    buf: list[Record] = []

    def flush() -> None:
        nonlocal letters, decisions, buf
        if buf:
            decisions += ix.add_records(buf)
            letters += len(buf)
            buf = []

    for seen, rec in enumerate(records, 1):
        buf.append(rec)
        if len(buf) >= chunk:
            flush()
        if progress:
            progress(seen)
    flush()
    ix.flush()
    return letters, decisions
