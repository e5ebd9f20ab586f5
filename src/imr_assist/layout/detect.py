"""Which layout a letter uses, from the headings each layout prints (case-insensitive)."""

from __future__ import annotations

import re

from ..errors import NotAnIMRLetter
from .text import loose

_MARKERS: dict[str, list[re.Pattern[str]]] = {
    "dwc_final_determination": [
        loose(r"HOW THE IMR FINAL DETERMINATION WAS MADE"),
        loose(r"IMR ISSUES,? DECISIONS,? AND RATIONALES"),
        loose(r"MAXIMUS guideline\s*:"),
        loose(r"Decision rationale\s*:"),
    ],
    "maximus_imr": [
        loose(r"MAXIMUS FEDERAL SERVICES,? INC\.?\s+Independent Medical Review"),
        loose(r"\bDOCUMENTS REVIEWED\b"),
        loose(r"IMR DECISION\(?S?\)? AND RATIONALE\(?S?\)?"),
        loose(r"medically necessary and appropriate"),
    ],
    "medical_professional_review": [
        loose(r"MEDICAL PROFESSIONAL REVIEW"),
        loose(r"ISSUES? (AT|IN) DISPUTE\s*:"),
        loose(r"RATIONALE FOR WHY THE REQUESTED TREATMENT"),
        loose(r"MEDICAL REVIEWER QUALIFICATIONS\s*:"),
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
