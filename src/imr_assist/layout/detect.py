"""Which layout a letter uses, from the headings each layout prints (case-insensitive)."""

from __future__ import annotations

import re

from ..errors import NotAnIMRLetter

_MARKERS: dict[str, list[re.Pattern[str]]] = {
    "dwc_final_determination": [
        re.compile(r"HOW THE IMR FINAL DETERMINATION WAS MADE", re.I),
        re.compile(r"IMR ISSUES,? DECISIONS,? AND RATIONALES", re.I),
        re.compile(r"MAXIMUS guideline\s*:", re.I),
        re.compile(r"Decision rationale\s*:", re.I),
    ],
    "maximus_imr": [
        re.compile(r"MAXIMUS FEDERAL SERVICES,? INC\.?\s+Independent Medical Review", re.I),
        re.compile(r"\bDOCUMENTS REVIEWED\b", re.I),
        re.compile(r"IMR DECISION\(?S?\)? AND RATIONALE\(?S?\)?", re.I),
        re.compile(r"medically necessary and appropriate", re.I),
    ],
    "medical_professional_review": [
        re.compile(r"MEDICAL PROFESSIONAL REVIEW", re.I),
        re.compile(r"ISSUES? (AT|IN) DISPUTE\s*:", re.I),
        re.compile(r"RATIONALE FOR WHY THE REQUESTED TREATMENT", re.I),
        re.compile(r"MEDICAL REVIEWER QUALIFICATIONS\s*:", re.I),
    ],
}
_IMR_WORDS = re.compile(
    r"Independent Medical Review|\bIMR\b|Utilization Review|medically necessary|\bUpheld\b|\bOverturned\b", re.I
)


def detect_format(text: str) -> str:
    """The layout with the most of its headings present; 'unknown' for an IMR letter in
    no known layout; `NotAnIMRLetter` for text that is not an IMR letter at all."""
    scores = {name: sum(1 for p in pats if p.search(text)) for name, pats in _MARKERS.items()}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] >= 2 or (scores[best] == 1 and len(_IMR_WORDS.findall(text)) >= 2):
        return best
    if len(set(m.lower() for m in _IMR_WORDS.findall(text))) >= 2:
        return "unknown"
    raise NotAnIMRLetter("not an IMR determination letter (no IMR headings or decisions found)")
