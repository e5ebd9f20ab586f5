"""The single-sentence reason probes (eval/probes/, eval/probe_reasons.py) hold: every probe
whose wording the rules were fixed for gives its code; the one known miss is marked."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parent.parent / "eval"
sys.path.insert(0, str(EVAL))
from probe_reasons import codes_for  # noqa: E402

#: a miss left on purpose (see eval/probes/reasons-2.json's _about)
KNOWN_MISS = "the patient has completed 24 sessions already"


def _cases() -> list:
    out = []
    for path in sorted((EVAL / "probes").glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            marks = [pytest.mark.xfail(strict=True, reason="left unfixed")] if KNOWN_MISS in case["sentence"] else []
            out.append(pytest.param(case, id=f"{path.stem}:{case['sentence'][:40]}", marks=marks))
    return out


@pytest.mark.parametrize("case", _cases())
def test_probe_sentence_gives_its_code(case: dict) -> None:
    assert case["code"] in codes_for(case)
