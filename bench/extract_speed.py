"""Letters per second and peak memory of the layout extractor, from text and from PDF.

Each round reads and extracts at least --letters letters (default 2,000), cycling over
the bundled corpus letters, on one core, in this process; the median of --rounds rounds
(default 3) is reported, with the slowest and fastest. Run:

    python bench/extract_speed.py [--letters 2000] [--rounds 3] [--json]

Floors (issue #3): >= 500 letters/s from text, >= 100 letters/s from PDF, < 200 MB peak.

Shared cloud machines vary by a third from one second to the next; the 'machine' line
times a fixed pure-Python loop in the same way, so runs on different days and machines
can be compared.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from imr_assist import pdf_bounds
from imr_assist.assets import demo_corpus_dir
from imr_assist.layout.parser import parse_letter
from imr_assist.reading import read_document


def one_round(paths: list[Path], n: int) -> tuple[float, int]:
    """Seconds to read and extract `n` letters cycling over `paths`, and their item count."""
    t0 = time.perf_counter()
    items = 0
    for path in itertools.islice(itertools.cycle(paths), n):
        items += len(parse_letter(read_document(path)).items)
    return time.perf_counter() - t0, items


def run(paths: list[Path], n: int, rounds: int) -> dict[str, float]:
    """Timed rounds (untraced), then the peak Python allocation over one pass of the corpus
    measured apart with tracemalloc (tracing slows Python several-fold)."""
    timed = [one_round(paths, n) for _ in range(rounds)]
    rates = sorted(n / seconds for seconds, _ in timed)
    tracemalloc.start()
    for path in paths:
        parse_letter(read_document(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "letters": n, "items": timed[0][1], "rounds": rounds,
        "letters_per_s": round(statistics.median(rates), 1),
        "slowest_round": round(rates[0], 1), "fastest_round": round(rates[-1], 1),
        "peak_traced_mb": round(peak / 2**20, 1),
    }  # fmt: skip


def machine_speed(rounds: int = 9) -> dict[str, float]:
    """Median and best seconds for sum(range(10**7)): how fast this machine is right now."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        sum(range(10**7))
        times.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(times), 3), "best_s": round(min(times), 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    corpus = demo_corpus_dir()
    txt = sorted((corpus / "txt").glob("*.txt"))
    pdf = sorted((corpus / "pdf").glob("*.pdf"))
    # Untimed warm-up: tables and regexes compile once per process, pdfium loads once.
    parse_letter(read_document(txt[0]))
    parse_letter(read_document(pdf[0]))
    machine = machine_speed()
    runs = {"text": run(txt, args.letters, args.rounds), "pdf": run(pdf, args.letters, args.rounds)}
    max_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    pdf_bounds._worker.close()  # PDF text is read in a child process: its peak counts once it has ended
    child_rss_mb = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    floors = {"text": 500, "pdf": 100}
    ok = all(runs[k]["letters_per_s"] >= v for k, v in floors.items()) and max_rss_mb + child_rss_mb < 200
    if args.json:
        out = {"machine": machine, **runs, "max_rss_mb": max_rss_mb, "pdf_child_rss_mb": child_rss_mb}
        print(json.dumps(out, indent=2))
        return 0 if ok else 1
    print(f"machine: sum(range(10**7)) median {machine['median_s']} s, best {machine['best_s']} s")
    for kind, r in runs.items():
        print(f"{kind:>4}: {r['letters']} letters ({r['items']} items) per round: {r['letters_per_s']} letters/s "
              f"(median of {r['rounds']}; rounds {r['slowest_round']}-{r['fastest_round']}; floor {floors[kind]}), "
              f"peak traced {r['peak_traced_mb']} MB")  # fmt: skip
    verdict = "OK" if ok else "BELOW FLOOR"
    print(f"max RSS {max_rss_mb} MB + PDF child {child_rss_mb} MB (floor < 200 MB)  ->  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
