"""The SQLite backend's side index: what queries score and filter on, as memory-mapped arrays.

One position per decision, in rowid order. Files in `<db>.side/` (`state.json` says which
generation of the store they describe):

* `rowid.npy` (int64, ascending), and one int32 code column per equality filter
  (`decision`, `category`, `drug_class`, `generic_name`, `family`) with its values in
  `vocab.json`; `regions.npy` a bit per region; list filters (`reason`, `guideline`,
  `page`, `specialty`, `regions`) as posting lists (`<name>.ptr.npy` offsets,
  `<name>.pos.npy` positions);
* `bm25.*.npy`: the BM25 matrix (CSC: one column per term, `lexical.build_bm25`) and
  `bm25.vocab.json`; `vectors.npy` (float32, one row per decision) when the index has them.

Nothing is read at open time but `state.json` and the vocabularies: `np.load(mmap_mode="r")`
maps the files, and a query touches only the pages of the terms and rows it needs. At a
million decisions that makes the first query cost well under a second instead of the
minute a rebuild from SQLite takes, and keeps the process's memory to what queries touch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import numpy as np

from .lexical import build_bm25
from .models import SearchFilters, filter_conditions
from .text import index_tokens

SIDE_VERSION = 3
_CODED = ("decision", "category", "drug_class", "generic_name", "family")
#: list column (SQLite JSON) -> posting list name
_LISTS = {"denial_reasons": "reason", "reviewer_guidelines": "guideline", "page_terms": "page",
          "reviewer_specialties": "specialty", "regions": "regions"}  # fmt: skip
_ROWS = ("SELECT rowid, decision, category, drug_class, generic_name, family, denial_reasons, reviewer_guidelines, "
         "page_terms, reviewer_specialties, regions FROM decisions ORDER BY rowid")  # fmt: skip
_TEXT = "SELECT request || ' ' || coalesce(generic_name, '') || ' ' || rationale FROM decisions ORDER BY rowid"


def build_side(con: sqlite3.Connection, folder: Path, generation: str | None, dim: int | None) -> None:
    """Write the side index of the store behind `con` into `folder` (replaced atomically)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".side-", dir=folder.parent))
    try:
        n = _write_columns(con, tmp)
        bm = build_bm25(index_tokens(t) or ["_"] for (t,) in con.execute(_TEXT))
        for part in ("data", "indices", "indptr"):
            np.save(tmp / f"bm25.{part}.npy", np.asarray(bm.scores[part]))
        (tmp / "bm25.vocab.json").write_text(json.dumps(bm.vocab_dict))
        del bm
        if dim:
            _write_vectors(con, tmp / "vectors.npy", n, dim)
        (tmp / "state.json").write_text(json.dumps({"generation": generation, "n": n, "version": SIDE_VERSION,
                                                    "dim": dim}))  # fmt: skip
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_columns(con: sqlite3.Connection, out: Path) -> int:
    vocabs: dict[str, dict[str, int]] = {c: {} for c in _CODED}
    coded: dict[str, list[int]] = {c: [] for c in _CODED}
    postings: dict[str, dict[str, list[int]]] = {name: {} for name in _LISTS.values()}
    rowids: list[int] = []
    for p, r in enumerate(con.execute(_ROWS)):
        rowids.append(r[0])
        for c, v in zip(_CODED, r[1:6], strict=True):
            coded[c].append(vocabs[c].setdefault(v, len(vocabs[c])) if v else -1)
        for name, raw in zip(_LISTS.values(), r[6:11], strict=True):
            if raw and raw != "[]":
                lists = postings[name]
                for v in json.loads(raw):
                    lists.setdefault(v.lower() if name == "specialty" else v, []).append(p)
    np.save(out / "rowid.npy", np.asarray(rowids, np.int64))
    for c in _CODED:
        np.save(out / f"{c}.npy", np.asarray(coded[c], np.int32))
    meta: dict[str, list[str]] = {c: list(v) for c, v in vocabs.items()}
    for name, lists in postings.items():
        keys = sorted(lists)
        sizes = np.asarray([len(lists[k]) for k in keys], np.int64)
        ptr = np.zeros(len(keys) + 1, np.int64)
        np.cumsum(sizes, out=ptr[1:])
        pos = np.concatenate([np.asarray(lists[k], np.int32) for k in keys]) if keys else np.zeros(0, np.int32)
        np.save(out / f"{name}.ptr.npy", ptr)
        np.save(out / f"{name}.pos.npy", pos)
        meta[name] = keys
    (out / "vocab.json").write_text(json.dumps(meta))
    return len(rowids)


def _write_vectors(con: sqlite3.Connection, path: Path, n: int, dim: int) -> None:
    """Copy the stored embeddings into a float32 .npy, streaming (never all in memory twice)."""
    arr = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, dim))
    for p, (blob,) in enumerate(con.execute("SELECT embedding FROM decisions ORDER BY rowid")):
        if blob is not None:
            arr[p] = np.frombuffer(blob, np.float32)
    arr.flush()
    del arr


def read_state(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "state.json").read_text())
    except (OSError, ValueError):
        return None


class SideIndex:
    """A built side index, memory-mapped (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        state = read_state(folder) or {}
        self.n: int = int(state.get("n", 0))
        self.generation = state.get("generation")

        def load(name: str) -> np.ndarray:
            return np.load(folder / name, mmap_mode="r")

        self.rowid = load("rowid.npy")
        vocab = json.loads((folder / "vocab.json").read_text())
        self.codes = {c: {v: i for i, v in enumerate(vocab[c])} for c in _CODED}
        self.coded = {c: load(f"{c}.npy") for c in _CODED}
        self.lists = {name: ({v: i for i, v in enumerate(vocab[name])}, load(f"{name}.ptr.npy"),
                             load(f"{name}.pos.npy")) for name in _LISTS.values()}  # fmt: skip
        self.term_ids: dict[str, int] = json.loads((folder / "bm25.vocab.json").read_text())
        self.bm25 = tuple(load(f"bm25.{p}.npy") for p in ("data", "indices", "indptr"))
        self.vectors = load("vectors.npy") if (folder / "vectors.npy").exists() else None
        self.ann = None  # a faiss IVF index over `vectors`, for large indexes (SQLiteIndex._ensure_ann)
        self._memo: tuple[tuple[str, ...], np.ndarray] | None = None
        self._positions: dict[str, np.ndarray] = {}

    # ---- BM25 ------------------------------------------------------------------------------------
    def df(self, term: str) -> int:
        i = self.term_ids.get(term)
        if i is None:
            return 0
        ptr = self.bm25[2]
        return int(ptr[i + 1] - ptr[i])

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 of every decision for `terms` (OR), the same numbers as `bm25s.BM25.get_scores`.
        A term's postings hold each decision once, so a plain fancy-index add is exact (and
        several times faster than the `np.add.at` bm25s uses). The last query's scores are
        kept: the ranking asks for the same terms under several filters."""
        key = tuple(terms)
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        data, indices, indptr = self.bm25
        out = np.zeros(self.n, np.float32)
        for t in terms:
            i = self.term_ids.get(t)
            if i is None:
                continue
            a, b = int(indptr[i]), int(indptr[i + 1])
            out[indices[a:b]] += data[a:b]
        self._memo = (key, out)
        return out

    # ---- filters ---------------------------------------------------------------------------------
    def mask(self, f: SearchFilters | None, exclude: np.ndarray | None = None) -> np.ndarray | None:
        """Positions that pass the filters (None: all), without the `exclude` positions."""
        m: np.ndarray | None = None

        def both(x: np.ndarray) -> None:
            nonlocal m
            m = x if m is None else (m & x)

        for kind, col, values in filter_conditions(f):
            if kind == "equals":
                code = self.codes[col].get(values[0], -2)
                both(np.asarray(self.coded[col]) == code)
            elif kind == "generic":
                g = values[0]
                codes = [c for v, c in self.codes[col].items() if v == g or g in v.split("/")]
                both(self._any_code(col, codes))
            elif kind in ("holds", "overlaps"):
                both(self._posting_mask(_LISTS[col], list(values)))
            else:  # holds_like: '%text%' (LIKE-escaped, see like_literal), an element containing the text
                text = re.sub(r"\\(.)", r"\1", values[0][1:-1])
                vocab = self.lists["specialty"][0]
                both(self._posting_mask("specialty", [v for v in vocab if text in v]))
        if exclude is not None and len(exclude):
            m = np.ones(self.n, bool) if m is None else m.copy()
            m[exclude] = False
        return m

    def _any_code(self, col: str, codes: list[int]) -> np.ndarray:
        """Rows whose code is one of `codes` (a few `==` passes beat `np.isin` here, 4x)."""
        column = np.asarray(self.coded[col])
        out = np.zeros(self.n, bool)
        for c in codes:
            out |= column == c
        return out

    def _posting_mask(self, name: str, values: list[str]) -> np.ndarray:
        vocab, ptr, pos = self.lists[name]
        x = np.zeros(self.n, bool)
        for v in values:
            i = vocab.get(v)
            if i is not None:
                x[pos[int(ptr[i]):int(ptr[i + 1])]] = True
        return x

    def positions(self, f: SearchFilters | None) -> np.ndarray | None:
        """The positions that pass `f`, ascending (None: all), cached: the same few filters
        (a kind's group, decision=overturned) come back query after query."""
        if f is None or not filter_conditions(f):
            return None
        key = f.model_dump_json(exclude_none=True)
        hit = self._positions.get(key)
        if hit is None:
            m = self.mask(f)
            hit = np.flatnonzero(m).astype(np.int32) if m is not None else np.arange(self.n, dtype=np.int32)
            if len(self._positions) >= 32:
                self._positions.pop(next(iter(self._positions)))
            self._positions[key] = hit
        return hit

    # ---- picking -----------------------------------------------------------------------------------
    def top(self, scores: np.ndarray, n: int, within: np.ndarray | None,
            exclude: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(position, score) of the `n` best positive scores among the `within` positions
        (None: all), leaving out `exclude`, best first."""
        cand = np.flatnonzero(scores > 0) if within is None else within[scores[within] > 0]
        if exclude is not None and len(exclude) and len(cand):
            cand = cand[~np.isin(cand, exclude)]
        if not len(cand) or n <= 0:
            return []
        vals = scores[cand]
        if len(cand) > n:
            part = np.argpartition(-vals, n - 1)[:n]
            cand, vals = cand[part], vals[part]
        order = np.lexsort((cand, -vals))
        return [(int(cand[i]), float(vals[i])) for i in order]

    def newest(self, n: int, within: np.ndarray | None, exclude: np.ndarray | None = None) -> list[int]:
        """The last `n` of the `within` positions (None: all), leaving out `exclude`, newest first."""
        pos = within if within is not None else np.arange(self.n)
        tail = pos[-(n + (len(exclude) if exclude is not None else 0)):][::-1]
        if exclude is not None and len(exclude):
            tail = tail[~np.isin(tail, exclude)]
        return [int(p) for p in tail[:n]]
