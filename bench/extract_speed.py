"""Letters per second and peak memory of the layout extractor, from text and from PDF.

The bundled corpus letters are repeated until at least --letters letters have been
extracted (default 2,000), on one core, in this process. Run:

    python bench/extract_speed.py [--letters 2000] [--json]

Floors (issue #3): >= 500 letters/s from text, >= 100 letters/s from PDF, < 200 MB peak.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from imr_assist.layout.parser import parse_letter
from imr_assist.paths import demo_corpus_dir
from imr_assist.reading import read_document


def run(paths: list[Path], n: int) -> dict[str, float]:
    """Read and extract `n` letters cycling over `paths`: wall time (untraced), then the
    peak Python allocation over one pass of the corpus measured separately with
    tracemalloc (tracing slows Python several-fold, so it never overlaps the timing)."""
    t0 = time.perf_counter()
    items = 0
    for path in itertools.islice(itertools.cycle(paths), n):
        items += len(parse_letter(read_document(path)).items)
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    for path in paths:
        parse_letter(read_document(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"letters": n, "items": items, "seconds": round(seconds, 3), "letters_per_s": round(n / seconds, 1),
            "peak_traced_mb": round(peak / 2**20, 1)}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=2000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    corpus = demo_corpus_dir()
    txt = sorted((corpus / "txt").glob("*.txt"))
    pdf = sorted((corpus / "pdf").glob("*.pdf"))
    # Untimed warm-up: tables and regexes compile once per process.
    parse_letter(read_document(txt[0]))
    results = {"text": run(txt, args.letters), "pdf": run(pdf, args.letters)}
    results["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    floors = {"text": 500, "pdf": 100}
    ok = all(results[k]["letters_per_s"] >= v for k, v in floors.items()) and results["max_rss_mb"] < 200
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for kind in ("text", "pdf"):
            r = results[kind]
            print(f"{kind:>4}: {r['letters']} letters ({r['items']} items) in {r['seconds']} s = "
                  f"{r['letters_per_s']} letters/s (floor {floors[kind]}), peak traced {r['peak_traced_mb']} MB")
        print(f"max RSS {results['max_rss_mb']} MB (floor < 200 MB)  ->  {'OK' if ok else 'BELOW FLOOR'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
