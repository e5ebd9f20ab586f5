"""Is this text an IMR determination letter, and in which layout?

Two tests, both required, because either alone is met by documents that are not letters:

1. `detect_format`: the text prints a heading only a determination letter of a layout
   prints ("HOW THE IMR FINAL DETERMINATION WAS MADE", "IMR DECISION(S) AND RATIONALE(S)",
   "MEDICAL REVIEWER QUALIFICATIONS:", ...). Words such as "Independent Medical Review",
   "upheld" or "medically necessary" are not enough: a utilization review letter explains
   the right to an IMR, and progress notes and reports discuss IMR decisions.
2. `require_decisions`: the layout's item structure holds at least one decided item, a
   request bound to its decision and followed by a rationale. A report that quotes a
   letter's headings has no such structure, nor has a letter cut off before its items.

Headings are matched on the letter with its whitespace removed (`squeezed`), so headings
broken across lines or inside words by text extraction ("DETERMINA TION") still count.
"""

from __future__ import annotations

import re

from ..errors import NotAnIMRLetter
from .items import ItemBlock
from .text import find_squeezed

#: Per layout, headings that only its determination letters print, then headings and
#: phrases it prints that other documents print too (they only break ties). Each heading
#: is a tuple of its spellings, matched as whole words on the squeezed letter.
_HEADINGS: dict[str, tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]] = {
    "dwc_final_determination": (
        (("how the imr final determination was made",),
         ("imr issues, decisions and rationales", "imr issues decisions and rationales"),
         ("maximus guideline:", "maximus guidelines:")),
        (("decision rationale:",), ("claims administrator guideline:", "claims administrator guidelines:")),
    ),
    "maximus_imr": (
        (("imr decision(s) and rationale(s)", "imr decisions and rationales", "imr decision and rationale"),
         ("independent medical review decision and rationale",)),
        (("maximus federal services, inc. independent medical review",), ("documents reviewed",),
         ("medically necessary and appropriate",)),
    ),
    "medical_professional_review": (
        (("medical professional review",), ("rationale for why the requested treatment",),
         ("medical reviewer qualifications",)),
        (("issue at dispute:", "issues at dispute:", "issue in dispute:", "issues in dispute:"), ("case summary:",)),
    ),
}  # fmt: skip
_SQUEEZED = {
    layout: tuple(tuple(tuple(s.replace(" ", "") for s in spellings) for spellings in group) for group in groups)
    for layout, groups in _HEADINGS.items()
}
#: Longer than any request these letters decide (the longest seen is 150 characters); a
#: "request" beyond it is a paragraph the item rules caught by mistake.
MAX_REQUEST_CHARS = 500
_WORD = re.compile(r"[^\W\d_]{2}")


def detect_format(text: str) -> str:
    """The layout whose headings the text prints (most of them wins, the first on a tie);
    `NotAnIMRLetter` when it prints none that only a determination letter prints."""
    best, best_score = None, 0
    for layout, (own, shared) in _SQUEEZED.items():
        if len(own) + len(shared) <= best_score:
            continue  # cannot win: most letters print every DWC heading, and stop here
        found = sum(1 for spellings in own if _prints(text, spellings))
        if not found:
            continue
        score = found + sum(1 for spellings in shared if _prints(text, spellings))
        if score > best_score:
            best, best_score = layout, score
    if best is None:
        raise NotAnIMRLetter(
            "not an IMR determination letter (no heading of one, such as "
            "'HOW THE IMR FINAL DETERMINATION WAS MADE' or 'IMR DECISION(S) AND RATIONALE(S)')"
        )
    return best


def _prints(text: str, spellings: tuple[str, ...]) -> bool:
    return any(find_squeezed(s, text) for s in spellings)


def require_decisions(blocks: list[ItemBlock]) -> None:
    """`NotAnIMRLetter` unless at least one item is decided: a request (words, not a
    paragraph) with a decision read from the item's own heading or conclusion, and a
    rationale."""
    if not any(_decided(b) for b in blocks):
        raise NotAnIMRLetter(
            "not an IMR determination letter (its headings, but no decided item: a request with "
            "its decision and a rationale; is the letter cut short?)"
        )


def _decided(b: ItemBlock) -> bool:
    return (
        b.decision is not None
        and b.decision_span is not None
        and b.rationale is not None
        and len(b.request) <= MAX_REQUEST_CHARS
        and _WORD.search(b.request) is not None
    )
