"""Retrieval benchmark: build an index of N decisions and time opening and querying it.

    .venv/bin/python bench/retrieval.py [--n 100000] [--db /tmp/bench.db] [--queries 200] [--vectors]
    .venv/bin/python bench/retrieval.py --n 1000000                       # SQLite, no embeddings
    .venv/bin/python bench/retrieval.py --n 100000 --db postgresql://postgres@127.0.0.1:5432/bench --workers 4

The decisions are *recombined from the real ones, for load only*: the 64 bundled DWC
letters and the 3 example letters are extracted with the rules extractor; each synthetic
decision takes a real item's request, decision, category, drug class, generic name,
reasons and pages, and a rationale made of 4–9 real rationale sentences drawn from items
of the same category (so term statistics look like real rationales, and no two
rationales are the same). They are generated as a stream, never all held in memory.
Nothing here measures ranking quality: `imr-assist eval --suite retrieval` does that.

SQLite: the index is built (store, then the side index), then a *separate process* opens it
cold and reports the time to the first answer, p50/p95 latency per query type and its own
peak RSS (the figure a user's `similar` process would have). `--vectors` adds random unit
vectors (384-d) so dense search runs at full size (the latency of exact cosine search does
not depend on the values); without it the index is what the default install (no
`[embed]` extra) builds: BM25 + the treatment key + filters.

PostgreSQL (`--db postgresql://...`): `--workers` processes index disjoint shares of the
letters at once (rate, then a check that every decision is there exactly once), random
vectors go in with the rows, the HNSW index is built after the load (its build time is
reported), and the same queries are timed through the same API.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
sys.path.insert(0, str(ROOT / "src"))

from imr_assist.api import extract_path  # noqa: E402
from imr_assist.index import SearchFilters, open_index  # noqa: E402
from imr_assist.index.text import split_sentences  # noqa: E402
from imr_assist.schema import Record  # noqa: E402

DIM = 384


class LoadEmbedder:
    """Random unit vectors (load only): the values do not change search latency."""

    name = "bench-random-384"
    dim = DIM

    def __init__(self, seed: int = 7) -> None:
        self.rng = np.random.default_rng(seed)

    def encode(self, texts: list[str]) -> np.ndarray:
        v = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def real_records() -> list[Record]:
    paths = sorted((BUNDLED / "corpus" / "txt").glob("*.txt")) + sorted((BUNDLED / "letters").glob("*.txt"))
    return [extract_path(p) for p in paths]


def synthetic_records(real: list[Record], n_decisions: int, seed: int = 1, start: int = 0,
                      step: int = 1) -> Iterator[Record]:
    """Letters of 1–4 recombined decisions, `n_decisions` in all; with `step` > 1 only every
    step-th letter from `start` (one worker's share; the same letters whatever the split)."""
    rng = random.Random(seed)
    items = [it for r in real for it in r.items]
    by_cat: dict[str, list[str]] = {}
    for it in items:
        by_cat.setdefault(it.category, []).extend(split_sentences(it.rationale))
    made = letter = 0
    while made < n_decisions:
        head = rng.choice(real)
        k = min(rng.randint(1, 4), n_decisions - made)
        picks = []
        for _ in range(k):
            it = rng.choice(items)
            pool = by_cat.get(it.category) or ["No rationale."]
            picks.append((it, [rng.choice(pool) for _ in range(rng.randint(4, 9))]))
        if letter % step == start:
            new_items = [it.model_copy(update={"rationale": " ".join(s), "spans": {}, "provenance": {}})
                         for it, s in picks]  # fmt: skip
            lid = f"SYN{letter:07d}"
            yield head.model_copy(update={"letter_id": lid, "case_number": lid, "items": new_items, "source": None})
        made += k
        letter += 1


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000, p))


def timed(fn, args_list) -> tuple[float, float, float]:
    """p50 and p95 wall-clock ms, and p50 CPU ms (this process's CPU time: less sensitive to
    other work on a shared machine than the wall clock)."""
    fn(*args_list[0])  # warm
    ts, cs = [], []
    for a in args_list:
        t, c = time.perf_counter(), time.process_time()
        fn(*a)
        ts.append(time.perf_counter() - t)
        cs.append(time.process_time() - c)
    return pct(ts, 50), pct(ts, 95), pct(cs, 50)


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident set now (VmRSS) or at its peak (VmHWM), memory-mapped index
    pages included. (getrusage's ru_maxrss would be wrong here: Linux keeps it across exec,
    so a child started by the build process would report the build's peak.)"""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ---- building --------------------------------------------------------------------------------

def build(db: str, n: int, vectors: bool, chunk: int = 500) -> dict:
    real = real_records()
    ix = open_index(db, embedder=LoadEmbedder() if vectors else "none", create=True)
    t0, c0 = time.perf_counter(), time.process_time()
    buf: list[Record] = []
    for rec in synthetic_records(real, n):
        buf.append(rec)
        if len(buf) >= chunk:
            ix.add_records(buf)
            buf = []
    if buf:
        ix.add_records(buf)
    t_store = time.perf_counter() - t0
    ix.flush()
    t_build = time.perf_counter() - t0
    c_build = time.process_time() - c0
    count = ix.count()
    ix.close()
    return {"decisions": count, "build_per_s": round(n / t_build), "build_cpu_per_s": round(n / c_build),
            "build_store_s": round(t_store, 1), "build_side_index_s": round(t_build - t_store, 1),
            "build_peak_rss_mb": round(rss_mb("VmHWM"))}  # fmt: skip


# ---- querying (run in a fresh process: cold open, latency, RSS) -------------------------------------

def queries(n_queries: int, seed: int = 5) -> dict:
    real = real_records()
    rng = random.Random(seed)
    vocab = sorted({w for r in real for it in r.items for w in it.request.lower().split() if w.isalpha() and len(w) > 3}
                   | {"opioid", "spasm", "functional", "improvement", "injection", "therapy", "sessions", "imaging"})
    texts = [" ".join(rng.sample(vocab, rng.randint(3, 5))) for _ in range(n_queries)]
    requests = [it.request for r in real for it in r.items]
    kinds = [rng.choice(requests) for _ in range(n_queries)]  # free text that names a kind ("MRI of the left knee")
    generic = [it.generic_name for r in real for it in r.items if it.generic_name]
    pool = [
        SearchFilters(decision="overturned"), SearchFilters(decision="upheld", category="medication"),
        SearchFilters(drug_class="opioid"), SearchFilters(category="therapy"),
        SearchFilters(generic_name=rng.choice(generic)), SearchFilters(reason="no_functional_improvement"),
        SearchFilters(guideline="ODG"), SearchFilters(family="mri", region="knee"),
    ]  # fmt: skip
    filters = [pool[i % len(pool)] for i in range(n_queries)]
    examples = [r for r in real if r.letter_id.startswith(("0", "CM"))]
    items = [(it, r) for r in examples for it in r.items]
    rng.shuffle(items)
    return {"texts": texts, "kinds": kinds, "filters": filters, "items": (items * 4)[:n_queries]}


def query_run(db: str, n_queries: int, vectors: bool) -> dict:
    """Open `db` cold, answer one query, then time every query type (this process only)."""
    q = queries(n_queries)
    rss0 = rss_mb()
    t = time.perf_counter()
    ix = open_index(db, embedder=LoadEmbedder() if vectors else "none")
    it, rec = q["items"][0]
    ix.similar_to_item(it, rec, 10)
    cold = time.perf_counter() - t
    out: dict = {"cold_first_query_s": round(cold, 3), "rss_before_open_mb": round(rss0)}
    rows = [
        ("lexical", lambda s: ix.search(s, 10, mode="lexical"), [(s,) for s in q["texts"]]),
        ("hybrid, text naming a kind", lambda s: ix.search(s, 10), [(s,) for s in q["kinds"]]),
        ("hybrid, random words", lambda s: ix.search(s, 10), [(s,) for s in q["texts"]]),
        ("hybrid + filters", lambda s, f: ix.search(s, 10, f), list(zip(q["kinds"], q["filters"], strict=True))),
        ("item -> hybrid", lambda i, r: ix.similar_to_item(i, r, 10), q["items"]),
        ("item -> hybrid, overturned only", lambda i, r: ix.similar_to_item(i, r, 10, SearchFilters(decision="overturned")),  # noqa: E501
         q["items"]),
    ]  # fmt: skip
    if vectors and ix.has_vectors():
        rows.append(("vector", lambda s: ix.search(s, 10, mode="vector"), [(s,) for s in q["texts"]]))
    lat = {}
    for name, fn, args in rows:
        p50, p95, cpu50 = timed(fn, args)
        lat[name] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "cpu_p50_ms": round(cpu50, 2)}
    out["latency"] = lat
    out["rss_after_queries_mb"] = round(rss_mb())  # before close: the mapped index pages still count
    out["peak_rss_mb"] = round(rss_mb("VmHWM"))
    ix.close()
    return out


def query_in_child(db: str, n_queries: int, vectors: bool) -> dict:
    cmd = [sys.executable, __file__, "--query-only", "--db", db, "--queries", str(n_queries)]
    if vectors:
        cmd.append("--vectors")
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"query process failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# ---- PostgreSQL: concurrent indexing, HNSW --------------------------------------------------------

def _pg_worker(url: str, n: int, start: int, step: int, vectors: bool) -> None:
    from imr_assist.index.postgres import PostgresIndex

    real = real_records()
    ix = PostgresIndex(url, LoadEmbedder(seed=start + 11) if vectors else None, ann_index=False)
    buf: list[Record] = []
    for rec in synthetic_records(real, n, start=start, step=step):
        buf.append(rec)
        if len(buf) >= 200:
            ix.add_records(buf)
            buf = []
    if buf:
        ix.add_records(buf)
    ix.close()


def pg_build(url: str, n: int, workers: int, vectors: bool) -> dict:
    import psycopg

    from imr_assist.index.postgres import PostgresIndex

    PostgresIndex(url, LoadEmbedder() if vectors else None, ann_index=False).close()  # schema + extension
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP INDEX IF EXISTS imr_decisions_hnsw")  # built once after the load: far faster
        con.execute("TRUNCATE imr_decisions, imr_letters")
        con.execute("DELETE FROM imr_meta WHERE key = 'embed_model'")
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, __file__, "--pg-worker", str(w), "--workers", str(workers),
                               "--db", url, "--n", str(n)] + (["--vectors"] if vectors else []))
             for w in range(workers)]  # fmt: skip
    codes = [p.wait() for p in procs]
    t_load = time.perf_counter() - t0
    if any(codes):
        raise SystemExit(f"a worker failed: exit codes {codes}")
    with psycopg.connect(url, autocommit=True) as con:
        rows, distinct = con.execute("SELECT count(*), count(DISTINCT id) FROM imr_decisions").fetchone()
        letters = con.execute("SELECT count(*) FROM imr_letters").fetchone()[0]
        t = time.perf_counter()
        hnsw_s = None
        if vectors:
            con.execute("SET maintenance_work_mem = '2GB'")
            con.execute("SET max_parallel_maintenance_workers = 1")
            con.execute("CREATE INDEX IF NOT EXISTS imr_decisions_hnsw ON imr_decisions "
                        "USING hnsw (embedding vector_cosine_ops)")  # fmt: skip
            hnsw_s = round(time.perf_counter() - t, 1)
        con.execute("ANALYZE imr_decisions")
    return {"workers": workers, "decisions": rows, "distinct_ids": distinct, "expected": n, "letters": letters,
            "lost_or_duplicated": n - distinct + (rows - distinct), "load_s": round(t_load, 1),
            "load_per_s": round(n / t_load), "hnsw_build_s": hnsw_s}  # fmt: skip


# ---- main -----------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="decisions to index")
    ap.add_argument("--db", default=None, help="SQLite file or postgresql:// URL (default: a temp SQLite file)")
    ap.add_argument("--queries", type=int, default=200, help="queries per measurement")
    ap.add_argument("--vectors", action="store_true", help="store random 384-d vectors too (dense search)")
    ap.add_argument("--workers", type=int, default=4, help="PostgreSQL: concurrent indexing processes")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    ap.add_argument("--query-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--pg-worker", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.query_only:
        print(json.dumps(query_run(args.db, args.queries, args.vectors)))
        return
    if args.pg_worker is not None:
        _pg_worker(args.db, args.n, args.pg_worker, args.workers, args.vectors)
        return

    res: dict = {"n_decisions": args.n, "cpus": os.cpu_count(), "load_before": round(os.getloadavg()[0], 2),
                 "vectors": args.vectors}  # fmt: skip
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work shares them)")
    tmpdir = None
    if args.db and args.db.startswith(("postgresql://", "postgres://")):
        db = args.db
        res["backend"] = "postgresql"
        res["build"] = pg_build(db, args.n, args.workers, args.vectors)
        b = res["build"]
        print(f"indexing by {b['workers']} workers at once: {b['load_per_s']:,} decisions/s ({b['load_s']} s); "
              f"{b['decisions']:,} rows, {b['distinct_ids']:,} distinct ids, {b['expected']:,} expected "
              f"-> {b['lost_or_duplicated']} lost or duplicated"
              + (f"; HNSW index built in {b['hnsw_build_s']} s" if b["hnsw_build_s"] is not None else ""))
    else:
        if args.db is None:
            tmpdir = tempfile.mkdtemp(prefix="imr-bench-")
            db = str(Path(tmpdir) / "bench.db")
        else:
            db = args.db
            for p in (Path(db), Path(f"{db}-wal"), Path(f"{db}-shm")):
                p.unlink(missing_ok=True)
        res["backend"] = "sqlite"
        res["build"] = build(db, args.n, args.vectors)
        b = res["build"]
        print(f"build: {b['build_per_s']:,} decisions/s ({b['build_store_s']} s SQLite store, "
              f"{b['build_side_index_s']} s side index; peak RSS {b['build_peak_rss_mb']:,} MB)")
        res["db_mb"] = round(Path(db).stat().st_size / 2**20)
        side = Path(db + ".side")
        res["side_mb"] = round(sum(f.stat().st_size for f in side.iterdir()) / 2**20) if side.exists() else 0

    q = query_in_child(db, args.queries, args.vectors)
    res["query"] = q
    print(f"\nin a fresh process: open + first item query {q['cold_first_query_s']} s; "
          f"RSS after {args.queries} queries of each type {q['rss_after_queries_mb']:,} MB "
          f"(peak {q['peak_rss_mb']:,} MB)")
    print(f"query latency at {args.n:,} decisions, top-10, {args.queries} queries each (ms):")
    print(f"  {'query':44s} {'p50':>8s} {'p95':>8s} {'CPU p50':>8s}")
    for name, v in q["latency"].items():
        print(f"  {name:44s} {v['p50_ms']:8.2f} {v['p95_ms']:8.2f} {v['cpu_p50_ms']:8.2f}")
    res["load_after"] = round(os.getloadavg()[0], 2)
    print(f"load average at the end {res['load_after']:.1f}")
    if args.json:
        print(json.dumps(res, indent=2))
    if tmpdir:
        import shutil

        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
