"""The default backend: one SQLite file is the store of record; scoring runs beside it.

Why this split (bench/retrieval.py, 100k decisions, this 2-core machine shared with other
work): an FTS5 `bm25()` OR query of 3–5 words took 47 ms p50 / 188 ms p95, and item
queries use up to 32 terms; BM25 as a sparse matrix (bm25s) scores all 100k in ~3 ms, and
cosine over the vectors (exact numpy, or a faiss IVF index past 50k rows) in ~4 ms. So:

* `decisions` (SQLite) holds every field and the embedding (float32 BLOB); `letters` maps
  each letter to the file it came from (for resuming). Stats and counts run in SQL. No
  FTS5 table is kept: nothing would read it, and it costs build time.
* a side index in memory (cached on disk next to the file, `<db>.side/`, keyed by a
  generation counter every writer bumps) holds the BM25 matrix, the vectors (and IVF
  index) and the columns that filters and boosts read, as numpy arrays. A stale side index
  (another process wrote) is rebuilt on the next query; `index` rebuilds it once at the end.

Writers replace a letter's rows in one transaction, so re-indexing is idempotent and a
killed batch keeps every chunk committed before it (`index` commits every 64 letters).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import numpy as np

from ..errors import IndexStoreError
from .base import DecisionIndexBase, Light
from .embed import Embedder
from .lexical import build_bm25
from .models import IndexedDecision, IndexStats, SearchFilters, StatRow, filter_conditions
from .text import index_tokens, page_terms

SCHEMA_VERSION = "1"
ANN_MIN = 50_000  # below this many vectors, exact numpy search is fast enough
ANN_LISTS = 256
ANN_NPROBE = 24
EXACT_MAX = 2_000  # a filter leaving at most this many rows is searched exactly (else IVF + selector)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS letters (letter_id TEXT PRIMARY KEY, source TEXT);
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

_COLUMNS = (
    "id, letter_id, item_number, case_number, request, decision, category, drug_class, generic_name, "
    "denial_reasons, reviewer_guidelines, reviewer_pages, rationale, decision_date, date_of_injury, "
    "reviewer_specialties"
)
_LIST_FIELDS = ("denial_reasons", "reviewer_guidelines", "reviewer_pages", "reviewer_specialties")


def _generic_parts(g: str) -> set[str]:
    return {g, *g.split("/")}


#: How `filter_conditions` kinds read in SQLite (list columns are JSON arrays).
_SQL = {
    "equals": "{col} = ?",
    # one drug of a combination: '/a/b/' holds '/a/' (no JSON built from stored text: a name may hold '"')
    "generic": "({col} = ? OR instr('/' || {col} || '/', '/' || ? || '/') > 0)",
    "holds": "EXISTS (SELECT 1 FROM json_each({col}) WHERE value = ?)",
    "holds_like": "EXISTS (SELECT 1 FROM json_each({col}) WHERE lower(value) LIKE ? ESCAPE '\\')",
}
#: The in-memory posting list for each list column a filter reads.
_POSTING = {"denial_reasons": "reason", "reviewer_guidelines": "guideline", "page_terms": "page"}

class _Side:
    """The in-memory side index: one position per decision, in rowid order."""

    def __init__(self, rows: list[tuple], vectors: np.ndarray | None, bm25) -> None:
        # rows: (id, letter_id, decision, category, drug_class, generic, reasons, guidelines, pages, specs)
        n = len(rows)
        self.n = n
        self.ids = [r[0] for r in rows]
        self.pos = {i: p for p, i in enumerate(self.ids)}
        letters: dict[str, int] = {}
        self.letter = np.fromiter((letters.setdefault(r[1], len(letters)) for r in rows), np.int32, n)
        self.letters = letters
        self.overturned = np.fromiter((r[2] == "overturned" for r in rows), bool, n)
        self.cols: dict[str, tuple[dict[str, int], np.ndarray]] = {}
        for name, k in (("category", 3), ("drug_class", 4), ("generic_name", 5)):
            vocab: dict[str, int] = {}
            arr = np.fromiter((vocab.setdefault(r[k], len(vocab)) if r[k] else -1 for r in rows), np.int32, n)
            self.cols[name] = (vocab, arr)
        self.posting: dict[str, dict[str, np.ndarray]] = {}
        for name, k in (("reason", 6), ("guideline", 7), ("page", 8), ("specialty", 9)):
            lists: dict[str, list[int]] = {}
            for p, r in enumerate(rows):
                for v in r[k]:
                    lists.setdefault(v.lower() if name == "specialty" else v, []).append(p)
            self.posting[name] = {v: np.asarray(ps, np.int64) for v, ps in lists.items()}
        self.light = [
            Light(r[1], r[5], r[4], r[3], frozenset(r[6]), frozenset(p for p in r[8] if "-" in p or p.isdigit()))
            for r in rows
        ]
        self.vectors = vectors
        self.ann = None  # a faiss IVF index over `vectors`, for large indexes (see `_ensure_ann`)
        self.bm25 = bm25
        self.df: dict[str, int] = {}
        if bm25 is not None:
            indptr = np.asarray(bm25.scores["indptr"])
            counts = np.diff(indptr)
            self.df = {t: int(counts[i]) for t, i in bm25.vocab_dict.items() if i < len(counts)}

    def mask(self, f: SearchFilters | None, exclude_letter: str | None) -> np.ndarray | None:
        m: np.ndarray | None = None

        def both(x: np.ndarray) -> None:
            nonlocal m
            m = x if m is None else (m & x)

        def from_positions(ps: list[np.ndarray]) -> np.ndarray:
            x = np.zeros(self.n, bool)
            for p in ps:
                x[p] = True
            return x

        for kind, col, values in filter_conditions(f):
            value = values[0]
            if kind == "equals" and col == "decision":
                both(self.overturned if value == "overturned" else ~self.overturned)
            elif kind == "equals":
                vocab, arr = self.cols[col]
                both(arr == vocab.get(value, -2))
            elif kind == "generic":
                vocab, arr = self.cols[col]
                codes = [c for v, c in vocab.items() if value in _generic_parts(v)]
                both(np.isin(arr, codes) if codes else np.zeros(self.n, bool))
            elif kind == "holds":
                both(from_positions([self.posting[_POSTING[col]].get(value, np.empty(0, np.int64))]))
            else:  # holds_like: '%text%', an element containing the text (escaped for LIKE)
                text = re.sub(r"\\(.)", r"\1", value[1:-1])
                both(from_positions([ps for v, ps in self.posting["specialty"].items() if text in v]))
        if exclude_letter is not None and exclude_letter in self.letters:
            both(self.letter != self.letters[exclude_letter])
        return m

    def vector_top(self, q: np.ndarray, n: int, mask: np.ndarray | None) -> list[tuple[str, float]]:
        """Cosine top-n: exact over the filtered rows when few, else the IVF index (when built)."""
        assert self.vectors is not None
        selected = self.n if mask is None else int(mask.sum())
        if selected == 0:
            return []
        if self.ann is not None and selected > EXACT_MAX:
            import faiss

            params = faiss.SearchParametersIVF(nprobe=ANN_NPROBE)
            if mask is not None:
                bits = np.packbits(mask, bitorder="little")
                params = faiss.SearchParametersIVF(
                    nprobe=ANN_NPROBE, sel=faiss.IDSelectorBitmap(self.n, faiss.swig_ptr(bits))
                )
            scores, idx = self.ann.search(q.reshape(1, -1), n, params=params)
            return [(self.ids[i], float(sc)) for sc, i in zip(scores[0], idx[0], strict=True) if i >= 0]
        if mask is None or selected > self.n // 2:
            return self.top(self.vectors @ q, n, mask, positive=False)
        rows = np.flatnonzero(mask)
        scores = self.vectors[rows] @ q
        k = min(n, len(rows))
        part = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        part = part[np.argsort(-scores[part], kind="stable")]
        return [(self.ids[rows[i]], float(scores[i])) for i in part]

    def top(self, scores: np.ndarray, n: int, mask: np.ndarray | None, positive: bool) -> list[tuple[str, float]]:
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        if positive:
            scores = np.where(scores > 0, scores, -np.inf)
        n = min(n, len(scores))
        if n <= 0:
            return []
        idx = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        idx = idx[np.isfinite(scores[idx])]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in idx]


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
        self.embedder = embedder
        self.side_cache = side_cache
        self._side: _Side | None = None
        self._side_gen: str | None = None

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
            for letter_id, source in letters:
                olds = [letter_id]
                if source:
                    olds += [r[0] for r in cur.execute("SELECT letter_id FROM letters WHERE source=?", (source,))]
                for old in set(olds):
                    cur.execute("DELETE FROM decisions WHERE letter_id=?", (old,))
                    cur.execute("DELETE FROM letters WHERE letter_id=?", (old,))
                cur.execute("INSERT INTO letters VALUES (?, ?)", (letter_id, source))
            rows = []
            for n, d in enumerate(decisions):
                blob = vectors[n].astype(np.float32).tobytes() if vectors is not None else None
                rows.append((
                    d.id, d.letter_id, d.item_number, d.case_number, d.request, d.decision, d.category,
                    d.drug_class, d.generic_name, _js(d.denial_reasons), _js(d.reviewer_guidelines),
                    _js(d.reviewer_pages), _js(page_terms(d.reviewer_pages)), d.rationale,
                    d.decision_date, d.date_of_injury, _js(d.reviewer_specialties), blob,
                ))  # fmt: skip
            cur.executemany(
                f"INSERT INTO decisions ({_COLUMNS}, page_terms, embedding) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [r[:12] + r[13:17] + (r[12], r[17]) for r in rows],
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

    # ---- the side index ---------------------------------------------------------------------
    def _side_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".side")

    def flush(self) -> None:
        side = self._ensure_side()
        if self.has_vectors():
            self._ensure_ann(side)

    def _ensure_side(self) -> _Side:
        gen = self._meta("generation")
        if self._side is not None and gen == self._side_gen:
            return self._side
        rows = []
        vecs: list[bytes | None] = []
        want_vectors = self.embed_model() is not None
        q = ("SELECT id, letter_id, decision, category, drug_class, generic_name, denial_reasons, "
             "reviewer_guidelines, page_terms, reviewer_specialties" + (", embedding" if want_vectors else "")
             + " FROM decisions ORDER BY rowid")  # fmt: skip
        for r in self.con.execute(q):
            rows.append(r[:6] + tuple(json.loads(x) for x in r[6:10]))
            if want_vectors:
                vecs.append(r[10])
        vectors = None
        if want_vectors and rows:
            dim = int(self._meta("embed_dim") or 0)
            vectors = np.zeros((len(rows), dim), np.float32)
            for i, v in enumerate(vecs):
                if v is not None:
                    vectors[i] = np.frombuffer(v, np.float32)
            del vecs
        bm25 = self._load_or_build_bm25(gen, rows) if rows else None
        self._side, self._side_gen = _Side(rows, vectors, bm25), gen
        return self._side

    def _load_or_build_bm25(self, gen: str | None, rows: list[tuple]):
        import bm25s

        side = self._side_dir()
        state = side / "state.json"
        if self.side_cache and state.exists():
            try:
                st = json.loads(state.read_text())
                if st.get("generation") == gen and st.get("n") == len(rows) and st.get("ids_head") == rows[0][0]:
                    return bm25s.BM25.load(str(side / "bm25"), mmap=False, show_progress=False)
            except (OSError, ValueError, KeyError):
                pass
        texts = self.con.execute(
            "SELECT request || ' ' || coalesce(generic_name, '') || ' ' || rationale FROM decisions ORDER BY rowid"
        )
        bm25 = build_bm25(index_tokens(text) or ["_"] for (text,) in texts)
        if self.side_cache:
            try:
                tmp = Path(tempfile.mkdtemp(prefix=".side-", dir=self.path.parent))
                bm25.save(str(tmp / "bm25"), show_progress=False)
                (tmp / "state.json").write_text(json.dumps({"generation": gen, "n": len(rows), "ids_head": rows[0][0]}))
                if side.exists():
                    shutil.rmtree(side, ignore_errors=True)
                os.replace(tmp, side)
            except OSError:  # a read-only place: keep it in memory only
                shutil.rmtree(tmp, ignore_errors=True)
        return bm25

    # ---- primitives ----------------------------------------------------------------------------
    def _lexical(self, terms, n, filters, exclude_letter):
        side = self._ensure_side()
        if side.bm25 is None:
            return []
        known = [t for t in terms if t in side.df]
        if len(known) > 32:  # the rarest terms carry the signal and cost least to score
            keep = set(sorted(known, key=lambda t: side.df[t])[:32])
            known = [t for t in known if t in keep]
        if not known:
            return []
        scores = side.bm25.get_scores(known)
        return side.top(scores, n, side.mask(filters, exclude_letter), positive=True)

    def _vector(self, vector, n, filters, exclude_letter):
        side = self._ensure_side()
        if side.vectors is None or not self.has_vectors():
            return []
        self._ensure_ann(side)
        return side.vector_top(np.asarray(vector, np.float32), n, side.mask(filters, exclude_letter))

    def _ensure_ann(self, side: _Side) -> None:
        """Large indexes search vectors through a faiss IVF index (inner product, 256 lists,
        16 probed): ~1 ms instead of a full 100k x 384 scan. Built once per generation and
        cached in the side folder; without faiss (or below ANN_MIN rows) search is exact."""
        if side.ann is not None or side.vectors is None or side.n < ANN_MIN:
            return
        try:
            import faiss
        except ImportError:
            return
        path = self._side_dir() / f"ivf-{self._side_gen}.faiss"
        if path.exists():
            try:
                ann = faiss.read_index(str(path))
                if ann.ntotal == side.n:
                    side.ann = ann
                    return
            except RuntimeError:
                pass
        nlist = ANN_LISTS
        ann = faiss.IndexIVFFlat(faiss.IndexFlatIP(side.vectors.shape[1]), side.vectors.shape[1], nlist,
                                 faiss.METRIC_INNER_PRODUCT)  # fmt: skip
        rng = np.random.default_rng(0)
        sample = side.vectors[rng.choice(side.n, min(side.n, nlist * 50), replace=False)]
        ann.train(np.ascontiguousarray(sample))
        ann.add(np.ascontiguousarray(side.vectors))
        side.ann = ann
        if self.side_cache and self._side_dir().exists():
            with contextlib.suppress(OSError, RuntimeError):
                for old in self._side_dir().glob("ivf-*.faiss"):
                    old.unlink()
                faiss.write_index(ann, str(path))

    def _structured(self, generic_name, n, filters, exclude_letter):
        side = self._ensure_side()
        vocab, arr = side.cols["generic_name"]
        code = vocab.get(generic_name)
        if code is None:
            return []
        m = arr == code
        extra = side.mask(filters, exclude_letter)
        if extra is not None:
            m &= extra
        pos = np.flatnonzero(m)[-n:][::-1]
        return [side.ids[p] for p in pos]

    def _light(self, ids):
        side = self._ensure_side()
        return {i: side.light[side.pos[i]] for i in ids if i in side.pos}

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
            by_guideline_page=grouped("j.value", ", json_each(d.reviewer_pages) AS j"),
            by_denial_reason=grouped("j.value", ", json_each(d.denial_reasons) AS j"),
        )  # fmt: skip


def _js(values: list[str]) -> str:
    return json.dumps(values) if values else "[]"


def _rate(overturned: int, total: int) -> float:
    return round(overturned / total, 4) if total else 0.0
