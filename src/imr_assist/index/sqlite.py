"""The default backend: one SQLite file is the store of record; scoring runs beside it.

Why this split (bench/retrieval.py, this 2-core machine shared with other work): an FTS5
`bm25()` OR query of 3–5 words took 47 ms p50 at 100k decisions, and item queries use up
to 32 terms; BM25 as a sparse matrix scores 100k in ~3 ms. So:

* `decisions` (SQLite) holds every field and the embedding (float32 BLOB); `letters` maps
  each letter to the file it came from (for resuming). Stats and counts run in SQL. No
  FTS5 table is kept: nothing would read it, and it costs build time.
* the side index (`<db>.side/`, see `side.py`) holds the BM25 matrix, the vectors and the
  columns filters read, as `.npy` files that are memory-mapped, not loaded: opening an
  index of a million decisions costs milliseconds and the pages a query touches. It is
  keyed by a generation counter every writer bumps; a stale one (another process wrote) is
  rebuilt on the next query, and `index` rebuilds it once at the end.

Writers replace a letter's rows in one transaction, so re-indexing is idempotent and a
killed batch keeps every chunk committed before it (`index` commits every 64 letters).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import numpy as np

from ..errors import IndexStoreError
from ..treatment import treatment_key
from .base import DecisionIndexBase, Light
from .embed import Embedder
from .models import IndexedDecision, IndexStats, SearchFilters, StatRow, filter_conditions
from .side import SIDE_VERSION, SideIndex, build_side, read_state
from .text import page_terms

SCHEMA_VERSION = "2"
ANN_MIN = 50_000  # below this many vectors, exact numpy search is fast enough
ANN_LISTS = 256
ANN_NPROBE = 24
EXACT_MAX = 2_000  # a filter leaving at most this many rows is searched exactly (else IVF + selector)
MAX_TERMS, MIN_TERMS, POSTINGS_BUDGET = 32, 3, 400_000  # BM25 query pruning (see `_rarest`)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS letters (letter_id TEXT PRIMARY KEY, source TEXT, hash TEXT);
CREATE INDEX IF NOT EXISTS letters_source ON letters(source);
CREATE TABLE IF NOT EXISTS decisions (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  letter_id TEXT NOT NULL,
  item_number INTEGER NOT NULL,
  case_number TEXT,
  request TEXT NOT NULL,
  decision TEXT NOT NULL,
  category TEXT NOT NULL,
  drug_class TEXT,
  generic_name TEXT,
  denial_reasons TEXT NOT NULL DEFAULT '[]',
  reviewer_guidelines TEXT NOT NULL DEFAULT '[]',
  reviewer_pages TEXT NOT NULL DEFAULT '[]',
  page_terms TEXT NOT NULL DEFAULT '[]',
  rationale TEXT NOT NULL DEFAULT '',
  decision_date TEXT,
  date_of_injury TEXT,
  reviewer_specialties TEXT NOT NULL DEFAULT '[]',
  embedding BLOB
);
CREATE INDEX IF NOT EXISTS decisions_letter ON decisions(letter_id);
CREATE INDEX IF NOT EXISTS decisions_generic ON decisions(generic_name);
CREATE INDEX IF NOT EXISTS decisions_class ON decisions(drug_class);
"""
#: Columns added by schema 2 (the treatment key and the findings); old files get them on open.
_ADDED = (
    ("family", "TEXT"), ("regions", "TEXT NOT NULL DEFAULT '[]'"), ("side", "TEXT"),
    ("treatment", "TEXT NOT NULL DEFAULT ''"), ("findings", "TEXT NOT NULL DEFAULT '[]'"),
)  # fmt: skip

_COLUMNS = (
    "id, letter_id, item_number, case_number, request, decision, category, drug_class, generic_name, "
    "denial_reasons, reviewer_guidelines, reviewer_pages, rationale, decision_date, date_of_injury, "
    "reviewer_specialties, family, regions, side, treatment, findings"
)
_LIST_FIELDS = (
    "denial_reasons", "reviewer_guidelines", "reviewer_pages", "reviewer_specialties", "regions", "findings",
)  # fmt: skip

#: How `filter_conditions` kinds read in SQLite (list columns are JSON arrays).
_SQL = {
    "equals": "{col} = ?",
    # one drug of a combination: '/a/b/' holds '/a/' (no JSON built from stored text: a name may hold '"')
    "generic": "({col} = ? OR instr('/' || {col} || '/', '/' || ? || '/') > 0)",
    "holds": "EXISTS (SELECT 1 FROM json_each({col}) WHERE value = ?)",
    "holds_like": "EXISTS (SELECT 1 FROM json_each({col}) WHERE lower(value) LIKE ? ESCAPE '\\')",
    "overlaps": "EXISTS (SELECT 1 FROM json_each({col}) WHERE value IN ({marks}))",
}


class SQLiteIndex(DecisionIndexBase):
    """Decisions in one SQLite file (see the module docstring)."""

    def __init__(self, path: str | Path, embedder: Embedder | None = None, *, create: bool = True,
                 side_cache: bool = True) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        if not create and not self.path.exists():
            raise IndexStoreError(f"{self.path}: no such index file")
        if self.path.exists() and self.path.is_dir():
            raise IndexStoreError(f"{self.path}: is a folder, not an index file")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            self.con.execute("PRAGMA journal_mode=WAL")
            self.con.execute("PRAGMA synchronous=NORMAL")
            self.con.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise IndexStoreError(f"{self.path}: not an imr-assist index ({exc})") from None
        self.con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        self.con.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        self.con.commit()
        self._migrate()
        self.embedder = embedder
        self.side_cache = side_cache
        self._side: SideIndex | None = None
        self._private_side: Path | None = None  # where the side index lives when <db>.side cannot be written

    def _migrate(self) -> None:
        """Schema 1 -> 2: add the treatment key and findings columns, fill the key from each
        row's request (findings stay empty until the letter is indexed again). Any older
        file gets the letters' content-hash column (empty until a letter is indexed again)."""
        if "hash" not in {r[1] for r in self.con.execute("PRAGMA table_info(letters)")}:
            with self.con:
                self.con.execute("ALTER TABLE letters ADD COLUMN hash TEXT")
        have = {r[1] for r in self.con.execute("PRAGMA table_info(decisions)")}
        missing = [(c, t) for c, t in _ADDED if c not in have]
        if not missing:
            return
        from ..schema import Item

        with self.con:
            for col, typ in missing:
                self.con.execute(f"ALTER TABLE decisions ADD COLUMN {col} {typ}")
            q = "SELECT rowid, request, decision, category, generic_name, drug_class FROM decisions"
            updates = []
            for rowid, request, decision, category, generic, cls in self.con.execute(q).fetchall():
                key = treatment_key(Item(request=request, decision=decision, category=category, generic_name=generic,
                                         drug_class=cls))  # fmt: skip
                updates.append((key.family, json.dumps(key.regions), key.side, key.label, rowid))
            self.con.executemany("UPDATE decisions SET family=?, regions=?, side=?, treatment=? WHERE rowid=?", updates)
            self.con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (SCHEMA_VERSION,))
            self.con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    # ---- meta ------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def embed_model(self) -> str | None:
        """The embedding model the stored vectors come from (None: lexical-only index)."""
        return self._meta("embed_model")

    def has_vectors(self) -> bool:
        return self.embedder is not None and self.embed_model() == self.embedder.name

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.con.close()
        self._side = None
        if self._private_side is not None:
            import shutil

            shutil.rmtree(self._private_side.parent, ignore_errors=True)

    # ---- writing -----------------------------------------------------------------------------
    def _replace_letters(self, decisions, vectors, letters) -> None:
        model = self.embed_model()
        if vectors is not None and self.embedder is not None:
            if model is None and self.count() == 0:
                model = self.embedder.name
            if model != self.embedder.name:
                vectors = None  # an index keeps one model's vectors; this one is lexical or another model's
        with self.con:
            cur = self.con.cursor()
            if vectors is not None:
                cur.execute("INSERT OR REPLACE INTO meta VALUES ('embed_model', ?)", (model,))
                cur.execute("INSERT OR REPLACE INTO meta VALUES ('embed_dim', ?)", (str(vectors.shape[1]),))
            for letter_id, source, digest in letters:
                olds = [letter_id]
                if source:
                    olds += [r[0] for r in cur.execute("SELECT letter_id FROM letters WHERE source=?", (source,))]
                for old in set(olds):
                    cur.execute("DELETE FROM decisions WHERE letter_id=?", (old,))
                    cur.execute("DELETE FROM letters WHERE letter_id=?", (old,))
                cur.execute("INSERT INTO letters (letter_id, source, hash) VALUES (?, ?, ?)",
                            (letter_id, source, digest))  # fmt: skip
            rows = []
            for n, d in enumerate(decisions):
                blob = vectors[n].astype(np.float32).tobytes() if vectors is not None else None
                rows.append((
                    d.id, d.letter_id, d.item_number, d.case_number, d.request, d.decision, d.category,
                    d.drug_class, d.generic_name, _js(d.denial_reasons), _js(d.reviewer_guidelines),
                    _js(d.reviewer_pages), d.rationale, d.decision_date, d.date_of_injury,
                    _js(d.reviewer_specialties), d.family, _js(d.regions), d.side, d.treatment, _js(d.findings),
                    _js(page_terms(d.reviewer_pages)), blob,
                ))  # fmt: skip
            cur.executemany(
                f"INSERT INTO decisions ({_COLUMNS}, page_terms, embedding) VALUES ({','.join('?' * 23)})", rows
            )
            cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    def remove_letter(self, letter_id: str) -> int:
        with self.con:
            n = self.con.execute("DELETE FROM decisions WHERE letter_id=?", (letter_id,)).rowcount
            self.con.execute("DELETE FROM letters WHERE letter_id=?", (letter_id,))
            self.con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        return n

    def indexed_sources(self) -> dict[str, str]:
        return {s: lid for lid, s in self.con.execute("SELECT letter_id, source FROM letters WHERE source IS NOT NULL")}

    def indexed_hashes(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT letter_id, hash FROM letters WHERE hash IS NOT NULL"))

    # ---- the side index ---------------------------------------------------------------------
    def _side_dir(self) -> Path:
        if self._private_side is not None:
            return self._private_side
        return self.path.with_name(self.path.name + ".side")

    def flush(self) -> None:
        side = self._ensure_side()
        if side is not None and self.has_vectors():
            self._ensure_ann(side)

    def _ensure_side(self) -> SideIndex | None:
        """The side index of the current generation: the open one, the one on disk, or a new
        build (None when the store is empty)."""
        gen = self._meta("generation")
        if self._side is not None and self._side.generation == gen:
            return self._side
        self._side = None
        count = self.count()
        if count == 0:
            return None
        dim = int(self._meta("embed_dim") or 0) if self.embed_model() else None
        folder = self._side_dir()
        state = read_state(folder) if self.side_cache else None
        fresh = (state and state.get("generation") == gen and state.get("n") == count
                 and state.get("version") == SIDE_VERSION and state.get("dim") == dim)  # fmt: skip
        if not fresh:
            try:
                build_side(self.con, folder, gen, dim)
            except OSError:  # a read-only place: build in a private temp folder instead
                import tempfile

                self._private_side = Path(tempfile.mkdtemp(prefix="imr-side-")) / "side"
                folder = self._private_side
                build_side(self.con, folder, gen, dim)
        self._side = SideIndex(folder)
        return self._side

    def _positions_of_letter(self, side: SideIndex, letter_id: str | None) -> np.ndarray | None:
        if letter_id is None:
            return None
        rows = [r for (r,) in self.con.execute("SELECT rowid FROM decisions WHERE letter_id=?", (letter_id,))]
        if not rows:
            return None
        pos = np.searchsorted(side.rowid, np.asarray(rows, np.int64))
        return pos[(pos < side.n) & (np.asarray(side.rowid)[np.minimum(pos, side.n - 1)] == rows)]

    def _ids(self, side: SideIndex, positions: list[int]) -> dict[int, str]:
        """Position -> decision id, for a few positions (one SQL query)."""
        if not positions:
            return {}
        rowids = [int(side.rowid[p]) for p in positions]
        q = f"SELECT rowid, id FROM decisions WHERE rowid IN ({','.join('?' * len(rowids))})"
        by_rowid = dict(self.con.execute(q, rowids).fetchall())
        return {p: by_rowid[r] for p, r in zip(positions, rowids, strict=True) if r in by_rowid}

    # ---- primitives ----------------------------------------------------------------------------
    def _lexical(self, terms, n, filters, exclude_letter):
        side = self._ensure_side()
        if side is None:
            return []
        known = _rarest(terms, side.df)
        if not known:
            return []
        scores = side.scores(known)
        best = side.top(scores, n, side.positions(filters), self._positions_of_letter(side, exclude_letter))
        ids = self._ids(side, [p for p, _ in best])
        return [(ids[p], s) for p, s in best if p in ids]

    def _vector(self, vector, n, filters, exclude_letter):
        side = self._ensure_side()
        if side is None or side.vectors is None or not self.has_vectors():
            return []
        self._ensure_ann(side)
        mask = side.mask(filters, self._positions_of_letter(side, exclude_letter))
        best = self._vector_top(side, np.asarray(vector, np.float32), n, mask)
        ids = self._ids(side, [p for p, _ in best])
        return [(ids[p], s) for p, s in best if p in ids]

    def _cosines(self, vector, ids):
        side = self._ensure_side()
        if side is None or side.vectors is None or not self.has_vectors() or not ids:
            return {}
        q = f"SELECT id, rowid FROM decisions WHERE id IN ({','.join('?' * len(ids))})"
        found = self.con.execute(q, list(ids)).fetchall()
        pos = np.searchsorted(side.rowid, np.asarray([r for _, r in found], np.int64))
        scores = np.asarray(side.vectors[np.sort(pos)]) @ np.asarray(vector, np.float32)
        by_pos = dict(zip(np.sort(pos).tolist(), scores.tolist(), strict=True))
        return {i: float(by_pos[int(p)]) for (i, _), p in zip(found, pos, strict=True)}

    @staticmethod
    def _vector_top(side: SideIndex, q: np.ndarray, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """Cosine top-n: exact over the filtered rows when few, else the IVF index (when built)."""
        assert side.vectors is not None
        selected = side.n if mask is None else int(mask.sum())
        if selected == 0:
            return []
        if side.ann is not None and selected > EXACT_MAX:
            import faiss

            params = faiss.SearchParametersIVF(nprobe=ANN_NPROBE)
            if mask is not None:
                bits = np.packbits(mask, bitorder="little")
                params = faiss.SearchParametersIVF(
                    nprobe=ANN_NPROBE, sel=faiss.IDSelectorBitmap(side.n, faiss.swig_ptr(bits))
                )
            scores, idx = side.ann.search(q.reshape(1, -1), n, params=params)
            return [(int(i), float(sc)) for sc, i in zip(scores[0], idx[0], strict=True) if i >= 0]
        rows = np.flatnonzero(mask) if mask is not None else np.arange(side.n)
        scores = np.asarray(side.vectors[rows] if mask is not None else side.vectors) @ q
        k = min(n, len(rows))
        part = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        part = part[np.argsort(-scores[part], kind="stable")]
        return [(int(rows[i]), float(scores[i])) for i in part]

    def _ensure_ann(self, side: SideIndex) -> None:
        """Large indexes search vectors through a faiss IVF index (inner product, 256 lists,
        24 probed): ~1 ms instead of a full 100k x 384 scan. Built once per generation and
        cached in the side folder; without faiss (or below ANN_MIN rows) search is exact."""
        if side.ann is not None or side.vectors is None or side.n < ANN_MIN:
            return
        try:
            import faiss
        except ImportError:
            return
        path = side.folder / "ivf.faiss"
        if path.exists():
            try:
                ann = faiss.read_index(str(path))
                if ann.ntotal == side.n:
                    side.ann = ann
                    return
            except RuntimeError:
                pass
        vectors = np.ascontiguousarray(side.vectors)
        ann = faiss.IndexIVFFlat(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], ANN_LISTS,
                                 faiss.METRIC_INNER_PRODUCT)  # fmt: skip
        rng = np.random.default_rng(0)
        ann.train(np.ascontiguousarray(vectors[rng.choice(side.n, min(side.n, ANN_LISTS * 50), replace=False)]))
        ann.add(vectors)
        side.ann = ann
        if self.side_cache:
            with contextlib.suppress(OSError, RuntimeError):
                faiss.write_index(ann, str(path))

    def _matching(self, n, filters, exclude_letter):
        side = self._ensure_side()
        if side is None:
            return []
        pos = side.newest(n, side.positions(filters), self._positions_of_letter(side, exclude_letter))
        ids = self._ids(side, pos)
        return [ids[p] for p in pos if p in ids]

    def _light(self, ids):
        if not ids:
            return {}
        q = ("SELECT id, letter_id, generic_name, drug_class, category, family, regions, side "
             f"FROM decisions WHERE id IN ({','.join('?' * len(ids))})")  # fmt: skip
        return {
            i: Light(lid, g, dc, cat, fam, tuple(json.loads(rg)), sd)
            for i, lid, g, dc, cat, fam, rg, sd in self.con.execute(q, list(ids))
        }

    def _fetch(self, ids):
        if not ids:
            return {}
        q = f"SELECT {_COLUMNS} FROM decisions WHERE id IN ({','.join('?' * len(ids))})"
        out = {}
        names = [c.strip() for c in _COLUMNS.split(",")]
        for r in self.con.execute(q, ids):
            d = dict(zip(names, r, strict=True))
            for k in _LIST_FIELDS:
                d[k] = json.loads(d[k])
            out[d["id"]] = IndexedDecision.model_validate(d)
        return out

    def _stored_vector(self, id):
        if not self.has_vectors():
            return None
        row = self.con.execute("SELECT embedding FROM decisions WHERE id=?", (id,)).fetchone()
        return np.frombuffer(row[0], np.float32) if row and row[0] is not None else None

    # ---- SQL: counts and stats ------------------------------------------------------------------
    @staticmethod
    def _where(f: SearchFilters | None) -> tuple[str, list]:
        sql: list[str] = []
        args: list[object] = []
        for kind, col, values in filter_conditions(f):
            if kind == "overlaps":
                sql.append(_SQL[kind].format(col=col, marks=",".join("?" * len(values))) if values else "0")
            else:
                sql.append(_SQL[kind].format(col=col))
            args += values
        return (" AND ".join(sql) or "1=1"), args

    def count(self, filters=None) -> int:
        where, args = self._where(filters)
        return self.con.execute(f"SELECT count(*) FROM decisions WHERE {where}", args).fetchone()[0]

    def stats(self, filters=None, top=None) -> IndexStats:
        where, args = self._where(filters)
        base = f"SELECT * FROM decisions WHERE {where}"
        t, o, letters = self.con.execute(
            f"SELECT count(*), coalesce(sum(decision='overturned'), 0), count(DISTINCT letter_id) FROM ({base})", args
        ).fetchone()

        def grouped(key_sql: str, from_sql: str) -> list[StatRow]:
            q = (f"SELECT {key_sql} AS k, count(*), sum(decision='overturned') FROM ({base}) AS d {from_sql} "
                 "WHERE k IS NOT NULL GROUP BY k ORDER BY count(*) DESC, k" + (f" LIMIT {int(top)}" if top else ""))
            return [StatRow(key=k, total=n, overturned=ov, upheld=n - ov, overturn_rate=_rate(ov, n))
                    for k, n, ov in self.con.execute(q, args)]  # fmt: skip

        return IndexStats(
            total=t, overturned=o, upheld=t - o, overturn_rate=_rate(o, t), letters=letters,
            by_generic_name=grouped("d.generic_name", ""),
            by_drug_class=grouped("d.drug_class", ""),
            by_category=grouped("d.category", ""),
            by_family=grouped("d.family", ""),
            by_guideline_page=grouped("j.value", ", json_each(d.reviewer_pages) AS j"),
            by_denial_reason=grouped("j.value", ", json_each(d.denial_reasons) AS j"),
        )  # fmt: skip


def _rarest(terms: list[str], df) -> list[str]:
    """The query terms worth scoring, in query order: at most `MAX_TERMS`, rarest first, and
    (past `MIN_TERMS`) only while their postings add up to at most `POSTINGS_BUDGET`. The
    rare terms carry nearly all of BM25 (idf); the common ones cost the most to score (at a
    million decisions a word in half the rationales is 500k postings) and change little."""
    known = sorted((t for t in dict.fromkeys(terms) if df(t)), key=df)
    keep: list[str] = []
    total = 0
    for t in known[:MAX_TERMS]:
        total += df(t)
        if len(keep) >= MIN_TERMS and total > POSTINGS_BUDGET:
            break
        keep.append(t)
    chosen = set(keep)
    return [t for t in dict.fromkeys(terms) if t in chosen]


def _js(values: list[str]) -> str:
    return json.dumps(values) if values else "[]"


def _rate(overturned: int, total: int) -> float:
    return round(overturned / total, 4) if total else 0.0
