"""Single-sentence probes of the denial-reason rules: does the right code come out of a
plainly worded reviewer sentence the rules were not written from?

Why: the corpus figures in eval/README.md are measured on the letters the rules were written
against. A probe is a sentence written from the contract's definition of a code, set in a
minimal rationale ("<sentence> Therefore, the request is not medically necessary."), so a
miss shows a wording the rules do not know. A probe set stays a held-out measure only until
its misses are fixed; each file's `_about` says where it stands. Run:

    python eval/probe_reasons.py [eval/probes/*.json] [-v]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from imr_assist.layout.rationale import read_rationale
from imr_assist.layout.reasons import explain_denial

PROBES = Path(__file__).resolve().parent / "probes"
FRAME = "{sentence} Therefore, the request is not medically necessary."


def codes_for(case: dict[str, str | None]) -> list[str]:
    """The codes the rules give the probe sentence in its minimal rationale."""
    reading = read_rationale(FRAME.format(sentence=case["sentence"]))
    return [r.code for r in explain_denial(reading, str(case["request"]), case["generic_name"], case["drug_class"])]


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    files = [Path(a) for a in argv if a != "-v"] or sorted(PROBES.glob("*.json"))
    for path in files:
        cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
        hits = 0
        for case in cases:
            got = codes_for(case)
            hits += case["code"] in got
            if verbose:
                print(f"  {'ok  ' if case['code'] in got else 'MISS'} {case['code']}: {got} | {case['sentence']}")
        print(f"{path.name}: the right code for {hits} of {len(cases)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
