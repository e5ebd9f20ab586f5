"""Wall time of `imr-assist eval` end to end (process start, reading, extraction, reports).

Floors from issue #4: the gold suite in under 10 s, all bundled suites in under 30 s.
Usage: python bench/eval_speed.py [--extractor rules]. Exits 1 when a floor is missed.
The eval's own gate (exit 1) is not a speed failure; exit 2 (bad input) is.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOORS = {("--suite", "gold"): 10.0, (): 30.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extractor", default="rules")
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("imr-assist")
    cmd0 = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from imr_assist.cli import main; main()"]
    )
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for extra, floor in FLOORS.items():
            cmd = [*cmd0, "eval", "-e", args.extractor, "--report", tmp, *extra]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            label = " ".join(extra) or "all suites"
            if proc.returncode == 2:
                print(f"{label}: eval failed: {proc.stderr.strip()}")
                return 2
            met = seconds < floor
            ok &= met
            print(
                f"{label}: {seconds:.1f}s (floor {floor:.0f}s) {'ok' if met else 'MISS'}"
                f"  [eval exit {proc.returncode}]"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
