"""Which layout a letter uses, from the headings each layout prints (case-insensitive)."""

from __future__ import annotations

from ..errors import NotAnIMRLetter
from .text import lowered

#: Literal headings per layout, matched on the lower-cased text with whitespace collapsed
#: (plain substring tests: this runs on every letter of a batch).
_MARKERS: dict[str, tuple[str, ...]] = {
    "dwc_final_determination": (
        "how the imr final determination was made",
        "imr issues, decisions and rationales",
        "maximus guideline:",
        "decision rationale:",
    ),
    "maximus_imr": (
        "maximus federal services, inc. independent medical review",
        "documents reviewed",
        "imr decision(s) and rationale(s)",
        "medically necessary and appropriate",
    ),
    "medical_professional_review": (
        "medical professional review",
        "issue at dispute:",
        "rationale for why the requested treatment",
        "medical reviewer qualifications:",
    ),
}
_IMR_WORDS = ("independent medical review", "imr ", "utilization review", "medically necessary", "upheld", "overturned")


def detect_format(text: str) -> str:
    """The layout with the most of its headings present; 'unknown' for an IMR letter in
    no known layout; `NotAnIMRLetter` for text that is not an IMR letter at all."""
    flat = " ".join(lowered(text).split())
    scores = {name: sum(1 for marker in markers if marker in flat) for name, markers in _MARKERS.items()}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] >= 2:
        return best
    words = [w for w in _IMR_WORDS if w in flat]
    if scores[best] == 1 and len(words) >= 2:
        return best
    if len(words) >= 2:
        return "unknown"
    raise NotAnIMRLetter("not an IMR determination letter (no IMR headings or decisions found)")
