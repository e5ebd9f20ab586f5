"""Retrieval benchmark: build an index of N decisions (default 100,000) and time queries.

    .venv/bin/python bench/retrieval.py [--n 100000] [--db /tmp/bench.db] [--queries 200] [--embed-rate 200]

The decisions are *recombined from the real ones, for load only*: the 64 bundled DWC
letters and the 3 example letters are extracted with the rules extractor; each synthetic
decision takes a real item's request, decision, category, drug class, generic name,
reasons and pages, and a rationale made of 4–9 real rationale sentences drawn from items
of the same category (so term statistics look like real rationales, and no two
rationales are the same). Letter headers (dates, reviewer specialties) come from real
letters. Nothing here measures ranking quality; the tests do that on real letters.

Vectors: embedding 100k rationales with all-MiniLM-L6-v2 on 2 CPU cores takes far too long
for a benchmark, so the 100k rows get random unit vectors (384-d, float32) — the latency of
exact cosine search does not depend on the values — and the build rate *with* embeddings is
reported from timing the real model on `--embed-rate` real decision texts (when the
`[embed]` extra is installed). Queries are encoded with the real model when it is
installed (its time is part of the vector/hybrid latency), else with random vectors.

Reports: build rate (store + side index, no embeddings), the embedding rate, p50/p95 query
latency for lexical, vector and hybrid (with and without filters), item-to-item hybrid, the
FTS5 bm25() baseline the design was chosen against, cold open time, and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
sys.path.insert(0, str(ROOT / "src"))

from imr_assist.api import extract_path  # noqa: E402
from imr_assist.index import SearchFilters, open_index  # noqa: E402
from imr_assist.index.embed import embedding_text, get_embedder  # noqa: E402
from imr_assist.index.text import split_sentences  # noqa: E402
from imr_assist.schema import Item, Record  # noqa: E402


class LoadEmbedder:
    """Random unit vectors for stored rows (load only); queries through `query_model` if given."""

    name = "bench-random-384"
    dim = 384

    def __init__(self, seed: int = 7, query_model=None) -> None:
        self.rng = np.random.default_rng(seed)
        self.query_model = query_model

    def encode(self, texts: list[str]) -> np.ndarray:
        if self.query_model is not None and len(texts) == 1:
            return self.query_model.encode(texts)
        v = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def real_records() -> list[Record]:
    paths = sorted((BUNDLED / "corpus" / "txt").glob("*.txt")) + sorted((BUNDLED / "letters").glob("*.txt"))
    return [extract_path(p) for p in paths]


def synthetic_records(real: list[Record], n_decisions: int, seed: int = 1) -> list[Record]:
    rng = random.Random(seed)
    items = [it for r in real for it in r.items]
    by_cat: dict[str, list[str]] = {}
    for it in items:
        by_cat.setdefault(it.category, []).extend(split_sentences(it.rationale))
    out: list[Record] = []
    made = 0
    while made < n_decisions:
        head = rng.choice(real)
        k = min(rng.randint(1, 4), n_decisions - made)
        new_items = []
        for _ in range(k):
            it = rng.choice(items)
            pool = by_cat.get(it.category) or ["No rationale."]
            sentences = [rng.choice(pool) for _ in range(rng.randint(4, 9))]
            new_items.append(Item(**{**it.model_dump(exclude={"spans", "provenance", "rationale"}),
                                     "rationale": " ".join(sentences)}))  # fmt: skip
        lid = f"SYN{len(out):07d}"
        out.append(head.model_copy(update={"letter_id": lid, "case_number": lid, "items": new_items, "source": None}))
        made += k
    return out


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000, p))


def timed(fn, args_list) -> tuple[float, float]:
    fn(*args_list[0])  # warm
    ts = []
    for a in args_list:
        t = time.perf_counter()
        fn(*a)
        ts.append(time.perf_counter() - t)
    return pct(ts, 50), pct(ts, 95)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="decisions to index")
    ap.add_argument("--db", default=None, help="SQLite file to build (default: a temp file, removed after)")
    ap.add_argument("--queries", type=int, default=200, help="queries per measurement")
    ap.add_argument("--embed-rate", type=int, default=200,
                    help="real decisions to embed for the embedding rate (0: skip)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args()

    tmpdir = None
    if args.db is None:
        tmpdir = tempfile.mkdtemp(prefix="imr-bench-")
        db = Path(tmpdir) / "bench.db"
    else:
        db = Path(args.db)
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            p.unlink(missing_ok=True)
    res: dict[str, object] = {"n_decisions": args.n, "cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work shares them)")

    t0 = time.perf_counter()
    real = real_records()
    syn = synthetic_records(real, args.n)
    print(f"made {args.n} synthetic decisions in {len(syn)} letters from {sum(len(r.items) for r in real)} real ones "
          f"({time.perf_counter() - t0:.1f} s)")  # fmt: skip

    # ---- build (no embeddings): store of record + FTS5 + side index (bm25s, numpy) ----
    ix = open_index(db, embedder="none", create=True)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(syn), 500):
        ix.add_records(syn[i:i + 500])
    t_store = time.perf_counter() - t0
    ix.flush()
    t_build = time.perf_counter() - t0
    c_build = time.process_time() - c0
    ix.close()
    sample = syn[: max(1, args.embed_rate)]
    del syn  # the index holds them now; keep the process's peak memory about the index
    res["build_no_embed_cpu_per_s"] = round(args.n / c_build)
    res["build_no_embed_per_s"] = round(args.n / t_build)
    res["build_store_s"] = round(t_store, 1)
    res["build_side_index_s"] = round(t_build - t_store, 1)
    print(f"build without embeddings: {args.n / t_build:,.0f} decisions/s "
          f"({t_store:.1f} s SQLite store, {t_build - t_store:.1f} s bm25s side index); "
          f"{args.n / c_build:,.0f} decisions per CPU-second")  # fmt: skip

    # ---- embedding rate with the real model ----
    model = get_embedder("auto")
    if model is not None and args.embed_rate:
        texts = [embedding_text(it.request, it.rationale, it.generic_name)
                 for r in sample for it in r.items]
        texts = texts[: args.embed_rate]
        model.encode(texts[:2])
        t = time.perf_counter()
        model.encode(texts)
        rate = len(texts) / (time.perf_counter() - t)
        res["embed_per_s"] = round(rate, 1)
        res["build_with_embed_per_s"] = round(1 / (1 / rate + t_build / args.n), 1)
        print(f"embedding ({model.name}, CPU): {rate:.1f} decisions/s -> build with embeddings ≈ "
              f"{res['build_with_embed_per_s']} decisions/s")  # fmt: skip
    else:
        print("embedding rate: skipped ([embed] extra not installed)")

    # ---- add load vectors (random) so dense search runs at full size ----
    con = sqlite3.connect(db)
    rng = np.random.default_rng(3)
    ids = [r[0] for r in con.execute("SELECT rowid FROM decisions")]
    t = time.perf_counter()
    with con:
        for i in range(0, len(ids), 5000):
            v = rng.standard_normal((len(ids[i:i + 5000]), 384)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            con.executemany("UPDATE decisions SET embedding=? WHERE rowid=?",
                            [(v[j].tobytes(), rid) for j, rid in enumerate(ids[i:i + 5000])])  # fmt: skip
        con.execute("INSERT OR REPLACE INTO meta VALUES ('embed_model', ?), ('embed_dim', '384')", (LoadEmbedder.name,))
        con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    # ---- queries ----
    rng_q = random.Random(5)
    vocab = sorted({w for r in real for it in r.items for w in it.request.lower().split() if w.isalpha() and len(w) > 3}
                   | {"opioid", "spasm", "functional", "improvement", "injection", "therapy", "sessions", "imaging"})
    texts = [" ".join(rng_q.sample(vocab, rng_q.randint(3, 5))) for _ in range(args.queries)]
    generic = [it.generic_name for r in real for it in r.items if it.generic_name]
    filter_pool = [
        SearchFilters(decision="overturned"), SearchFilters(decision="upheld", category="medication"),
        SearchFilters(drug_class="opioid"), SearchFilters(category="therapy"),
        SearchFilters(generic_name=rng_q.choice(generic)), SearchFilters(reason="no_functional_improvement"),
        SearchFilters(guideline="ODG"), SearchFilters(decision="upheld", drug_class="muscle_relaxant"),
    ]  # fmt: skip
    filt = [filter_pool[i % len(filter_pool)] for i in range(args.queries)]

    t = time.perf_counter()
    ix = open_index(db, embedder=LoadEmbedder())
    ix.search("warm up the side index", 10)
    res["cold_open_s"] = round(time.perf_counter() - t, 2)
    print(f"first query after open (side index: bm25 + metadata + vectors + IVF, built or loaded): "
          f"{res['cold_open_s']} s")  # fmt: skip
    enc = "query vector given"

    rows = [
        ("lexical (bm25s)", lambda q: ix.search(q, 10, mode="lexical"), [(q,) for q in texts]),
        ("lexical + filters", lambda q, f: ix.search(q, 10, f, mode="lexical"), list(zip(texts, filt, strict=True))),
        (f"vector ({enc})", lambda q: ix.search(q, 10, mode="vector"), [(q,) for q in texts]),
        ("hybrid", lambda q: ix.search(q, 10), [(q,) for q in texts]),
        ("hybrid + filters", lambda q, f: ix.search(q, 10, f), list(zip(texts, filt, strict=True))),
    ]
    examples = [r for r in real if r.letter_id.startswith(("0", "CM"))][-3:] + real[-3:]
    items = [(it, r) for r in examples for it in r.items][:40]
    rows.append(("item -> hybrid + decision filter", lambda it, r: ix.similar_to_item(it, r, 10, SearchFilters(decision="overturned")),  # noqa: E501
                 items * max(1, args.queries // max(1, len(items)))))  # fmt: skip
    if model is not None:
        ix_real = open_index(db, embedder=LoadEmbedder(query_model=model))
        rows.append(("hybrid + filters, incl. MiniLM query encoding", lambda q, f: ix_real.search(q, 10, f),
                     list(zip(texts, filt, strict=True))))  # fmt: skip
    print(f"\nquery latency at {args.n:,} decisions, top-10, {args.queries} queries each (ms):")
    print(f"  {'query':44s} {'p50':>8s} {'p95':>8s}")
    lat = {}
    for name, fn, arglist in rows:
        p50, p95 = timed(fn, arglist)
        lat[name] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2)}
        print(f"  {name:44s} {p50:8.2f} {p95:8.2f}")
    ix.close()

    # ---- the FTS5 alternative, measured on the same rows (the store does not keep it) ----
    con = sqlite3.connect(db)
    t = time.perf_counter()
    with con:
        con.execute("CREATE VIRTUAL TABLE fts USING fts5(request, rationale, content='decisions', "
                    "content_rowid='rowid', tokenize='porter unicode61')")  # fmt: skip
        con.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
    t_fts = time.perf_counter() - t
    fts = [" OR ".join(q.split()) for q in texts[:50]]
    p50, p95 = timed(lambda q: con.execute(
        "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT 10", (q,)
    ).fetchall(), [(q,) for q in fts])  # fmt: skip
    lat["FTS5 bm25() alternative (not used)"] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2)}
    print(f"  {'FTS5 bm25() alternative, 50 queries':44s} {p50:8.2f} {p95:8.2f}")
    print(f"  (an FTS5 index over the same rows takes {t_fts:.1f} s to build: {args.n / t_fts:,.0f} decisions/s)")
    res["fts5_build_per_s"] = round(args.n / t_fts)
    con.close()
    res["latency"] = lat
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res["peak_rss_mb"] = round(peak_mb)
    res["db_mb"] = round(db.stat().st_size / 2**20)
    res["load_after"] = os.getloadavg()[0]
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    print(f"peak memory (max RSS of this process): {peak_mb:,.0f} MB; index file {res['db_mb']} MB")
    if args.json:
        print(json.dumps(res, indent=2))
    if tmpdir:
        import shutil

        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
