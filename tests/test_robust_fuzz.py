"""Property fuzzing: whatever text reaches `parse_letter`, it returns a grounded record or
raises `InputError` / `NotAnIMRLetter` — never anything else, never slowly.

Three generators: free random text; text assembled from the parser's own headings and
labels (so detection and segmentation actually run); and mutations of a real letter
(cut, duplicated, spliced, case-flipped slices)."""

from __future__ import annotations

import os
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imr_assist.assets import bundled_dir
from imr_assist.errors import InputError
from imr_assist.layout.parser import parse_letter
from imr_assist.reading import Document

LETTER = (bundled_dir("letters") / "000_ab6402283f960931.txt").read_text(encoding="utf-8")
PER_CALL_S = 5.0

FRAGMENTS = [
    "HOW THE IMR FINAL DETERMINATION WAS MADE\n", "IMR ISSUES, DECISIONS AND RATIONALES\n",
    "CLINICAL CASE SUMMARY\n", "MAXIMUS FEDERAL SERVICES, INC. Independent Medical Review\n",
    "DOCUMENTS REVIEWED\n", "IMR DECISION(S) AND RATIONALE(S)\n", "MEDICAL PROFESSIONAL REVIEW\n",
    "ISSUE AT DISPUTE:\n", "CASE SUMMARY:\n", "MEDICAL REVIEWER QUALIFICATIONS:\n",
    "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS NOT MEDICALLY NECESSARY:\n",
    "Case Number: CM16-0213037\n", "Date of Injury: 10/11/2001\n", "UR Denial Date: 10/31/2015\n",
    "Decision Date:", "Date Assigned: ", "Baclofen 10mg #60 with 1 refill: Upheld\n", ": Overturned\n",
    "Claims Administrator guideline: Decision based on MTUS ", "MAXIMUS guideline: Decision based on ODG, ",
    "Page(s): 63-66, 78.", "Section(s): Opioids", "Decision rationale: ", "is not medically necessary. ",
    "is medically necessary and appropriate.", "The injured worker is a 53-year-old male-female, ",
    "State(s) of Licensure: California\n", "Certification(s)/Specialty: Orthopedic Surgery\n",
    "Associated Surgical Service: ", "1. ", "2) ", "#", "x 12 sessions", "3 times a week for 4 weeks",
    "non- \ncompliance", "( )", "\n\n\n", "\f", "\r\n", "\u00a0", "é", "—", "\u200b", "10- \n11-01",
]  # fmt: skip


def _check(text: str) -> None:
    t0 = time.perf_counter()
    try:
        rec = parse_letter(Document(text=text, source="fuzz"))
    except InputError:  # NotAnIMRLetter is an InputError
        return
    finally:
        assert time.perf_counter() - t0 < PER_CALL_S
    n = len(text)
    for key, (s, e) in rec.spans.items():
        assert 0 <= s <= e <= n, key
    for it in rec.items:
        assert it.decision in ("upheld", "overturned")
        for key, (s, e) in it.spans.items():
            assert 0 <= s <= e <= n, key


#: CI runs the default; `IMR_FUZZ_EXAMPLES=5000 pytest tests/test_robust_fuzz.py` for a deep run.
EXAMPLES = int(os.environ.get("IMR_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=3000))
def test_random_text(text: str) -> None:
    _check(text)


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=80))
def test_letter_shaped_text(parts: list[str]) -> None:
    _check("".join(parts))


@st.composite
def mutated_letter(draw: st.DrawFn) -> str:
    text = LETTER
    for _ in range(draw(st.integers(1, 6))):
        n = len(text)
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, min(n, a + 2000)))
        op = draw(st.sampled_from(["cut", "dup", "insert", "upper", "lower", "truncate"]))
        if op == "cut":
            text = text[:a] + text[b:]
        elif op == "dup":
            text = text[:b] + text[a:b] + text[b:]
        elif op == "insert":
            text = text[:a] + draw(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=60))) + text[a:]
        elif op == "upper":
            text = text[:a] + text[a:b].upper() + text[b:]
        elif op == "lower":
            text = text[:a] + text[a:b].lower() + text[b:]
        else:
            text = text[:a]
    return text


@FUZZ
@given(mutated_letter())
def test_mutated_real_letter(text: str) -> None:
    _check(text)
