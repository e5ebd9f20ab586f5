"""Similar past decisions: index decided items, search them, count them.

The Python API (stable; drafting cites `IndexedDecision.id`, '<letter_id>#<item number>'):

    from imr_assist.index import open_index, SearchFilters

    with open_index() as ix:                     # the bundled demo index, built on first use
        hits = ix.similar_to_item(item, record, k=5, filters=SearchFilters(decision="overturned"))
        hits = ix.search("cyclobenzaprine spasm", k=5, filters=SearchFilters(drug_class="muscle_relaxant"))
        d = ix.get("CM16-0213037#1")              # IndexedDecision | None
        st = ix.stats(SearchFilters(generic_name="tramadol"))   # IndexStats
        st = ix.stats(SearchFilters(family="mri", region="knee"))

* `open_index(db=None, embedder="auto", create=False)` -> a `DecisionIndexBase`:
  `db` None = the demo index (`default_index_path()`); a path = a SQLite file (`imr.db`);
  `postgresql://...` = the PostgreSQL backend. `embedder`: "auto" (vectors when the
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
* `index_paths(ix, paths, ...)`: letters (txt/pdf), folders, globs or `extract --jsonl`
  files into an index, resumable.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import InputError
from ..schema import Record
from .base import DecisionIndexBase
from .embed import Embedder, get_embedder
from .models import IndexedDecision, IndexStats, SearchFilters, SimilarHit, StatRow
from .records import decisions_from_record, is_jsonl, read_jsonl

__all__ = [
    "DecisionIndexBase", "IndexedDecision", "IndexStats", "SearchFilters", "SimilarHit", "StatRow",
    "open_index", "default_index_path", "build_demo_index", "index_paths", "decisions_from_record",
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


def open_index(db: str | os.PathLike | None = None, embedder: str | Embedder | None = "auto",
               create: bool = False) -> DecisionIndexBase:
    """Open an index (see the module docstring). `create=False` makes a missing file an InputError.

    With `embedder="auto"`, the model is loaded only when it is needed: when the index holds
    vectors, or when a new, empty index is created for writing."""
    if db is None:
        db = default_index_path()
    if is_postgres_url(db):
        from .postgres import PostgresIndex

        emb = embedder if not isinstance(embedder, str) else get_embedder(embedder)
        return PostgresIndex(str(db), emb)
    path = Path(db)
    if not create and not path.exists():
        raise InputError(f"{path}: no such index file (build one with: imr-assist index LETTERS --db {path})")
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

def iter_records(paths: list[str], skip_sources: set[str] | None = None,
                 on_error: Callable[[str], None] | None = None,
                 extractor: str = "rules", timeout: float = 60.0) -> Iterator[Record]:
    """Records from letters (extracted with `extractor`) and `extract --jsonl` files, in order.

    Bad inputs are reported through `on_error` (one line each) and skipped; letters whose
    source is in `skip_sources` are not extracted again (resume)."""
    from ..api import extract_path
    from ..batch import source_key
    from ..timebound import time_limit

    report = on_error or (lambda msg: print(f"error: {msg}", file=sys.stderr))
    for p in paths:
        if is_jsonl(p):
            for _, rec in read_jsonl(p):
                if isinstance(rec, InputError):
                    report(str(rec))
                else:
                    yield rec
            continue
        key = source_key(p)
        if skip_sources is not None and key in skip_sources:
            continue
        try:
            with time_limit(timeout, p):
                rec = extract_path(p, extractor)
        except InputError as exc:
            report(str(exc))
            continue
        except Exception as exc:  # a parser bug on one letter must not end the batch
            report(f"{p}: could not be extracted ({type(exc).__name__}: {str(exc)[:120]})")
            continue
        rec.source = key
        yield rec


def index_paths(ix: DecisionIndexBase, paths: Iterable[str], *, resume: bool = True, chunk: int = 64,
                progress: Callable[[int, int], None] | None = None,
                on_error: Callable[[str], None] | None = None, extractor: str = "rules") -> tuple[int, int, int]:
    """Index letters and JSONL files into `ix`, committing every `chunk` letters.

    Returns (letters indexed, decisions indexed, letters skipped as already indexed)."""
    from ..batch import source_key

    paths = list(paths)
    done = set(ix.indexed_sources()) if resume else set()
    skipped = sum(1 for p in paths if not is_jsonl(p) and source_key(p) in done)
    letters = decisions = 0
    buf: list[Record] = []

    def flush() -> None:
        nonlocal letters, decisions, buf
        if buf:
            decisions += ix.add_records(buf)
            letters += len(buf)
            buf = []

    for seen, rec in enumerate(iter_records(paths, done, on_error, extractor), 1):
        buf.append(rec)
        if len(buf) >= chunk:
            flush()
        if progress:
            progress(seen, len(paths) - skipped)
    flush()
    ix.flush()
    return letters, decisions, skipped


# ---- the bundled demo index -------------------------------------------------------------------

def cache_dir() -> Path:
    env = os.environ.get("IMR_ASSIST_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "imr-assist"


def _demo_letters() -> list[Path]:
    from ..paths import demo_corpus_dir

    return sorted((demo_corpus_dir() / "txt").glob("*.txt"))


def default_index_path(build: bool = True) -> Path | None:
    """The demo index over the bundled corpus (eval/corpus/txt), built into the user cache
    dir on first use (`IMR_ASSIST_CACHE` overrides the place). None when the corpus is absent."""
    letters = _demo_letters()
    if not letters:
        return None
    from .. import __version__ as version  # noqa: F401  (part of the key below)

    h = hashlib.sha1(str(version).encode())
    for p in letters:
        st = p.stat()
        h.update(f"{p.name}:{st.st_size}".encode())
    path = cache_dir() / f"demo-{h.hexdigest()[:12]}.db"
    if build and not path.exists():
        build_demo_index(path, letters)
    return path


def build_demo_index(path: Path, letters: list[Path] | None = None, quiet: bool = False) -> Path:
    """Extract the demo letters with the rules extractor into a fresh index at `path`
    (written to a temp file and renamed, so concurrent first uses do not clash)."""
    letters = letters if letters is not None else _demo_letters()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".demo-", suffix=".db", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    if not quiet:
        print(f"building the demo index from {len(letters)} bundled letters into {path} (once)…",
              file=sys.stderr, flush=True)  # fmt: skip
    try:
        ix = open_index(tmp, embedder="auto", create=True)
        try:
            index_paths(ix, [str(p) for p in letters], resume=False, on_error=lambda m: None)
        finally:
            ix.close()
        for suffix in ("-wal", "-shm"):
            Path(tmp + suffix).unlink(missing_ok=True)
        side = Path(tmp + ".side")
        os.replace(tmp, path)
        if side.exists():
            import shutil

            target = Path(str(path) + ".side")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(side, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
