"""End-to-end time of `imr-assist summarize LETTER` against `imr-assist extract LETTER --json`.

Each command runs --runs times (default 15) as a user would start it, alternating the two
so both see the same machine load; the median wall time and the median CPU time (user +
system, less sensitive to other processes on a shared machine) are reported. Run:

    python bench/summarize_speed.py [--runs 15] [--letter PATH] [--json]

Floor (issue 18): summarize <= 1.0 s end to end for one letter (median wall time).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from extract_speed import machine_speed

from imr_assist.assets import bundled_dir

LETTER = bundled_dir("letters") / "000_ab6402283f960931.txt"
FLOOR_S = 1.0


def run_once(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of the CLI."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--letter", type=Path, default=LETTER)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cli = str(Path(sys.executable).with_name("imr-assist"))
    commands = {
        "summarize": [cli, "summarize", str(args.letter)],
        "extract": [cli, "extract", str(args.letter), "--json"],
    }
    for command in commands.values():  # warm the file cache and byte-compiled modules
        run_once(command)
    machine = machine_speed()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(run_once(command))
    result = {
        name: {
            "median_wall_s": round(statistics.median(w for w, _ in runs), 3),
            "min_wall_s": round(min(w for w, _ in runs), 3),
            "median_cpu_s": round(statistics.median(c for _, c in runs), 3),
        }
        for name, runs in times.items()
    }
    ok = result["summarize"]["median_wall_s"] <= FLOOR_S
    if args.json:
        print(json.dumps({"machine": machine, "runs": args.runs, **result}, indent=2))
        return 0 if ok else 1
    print(f"machine: sum(range(10**7)) median {machine['median_s']} s, best {machine['best_s']} s")
    for name, r in result.items():
        print(f"{name:>9}: median {r['median_wall_s']} s wall (min {r['min_wall_s']}), "
              f"median {r['median_cpu_s']} s CPU, {args.runs} runs")  # fmt: skip
    print(f"floor: summarize <= {FLOOR_S} s  ->  {'OK' if ok else 'ABOVE FLOOR'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
