"""Guideline sources and the reviewer's cited pages, from a guideline line's cleaned text.

The source patterns are matched on the lower-cased line (see `text.lower_pattern`)."""

from __future__ import annotations

import re

from .tables import trie_pattern
from .text import lower_keeping_offsets, lower_pattern, one_of

_NO_EVIDENCE = lower_pattern(r"did not cite any (medical )?evidence|no (medical )?evidence (was )?cited")
_DECISION_BASED = lower_pattern(r"Decision based on")
#: Phrases that mention MTUS only to say it was not used.
_NEGATED_MTUS = one_of(
    [
        r"D(?:id not|oes not|idn't) base (their|its|his|her|his/her) decision on (the )?(CA |California )?MTUS",
        r"outside (of )?(the )?(CA |California )?MTUS( Guidelines?)?",
        r"MTUS (is silent|does not address|did not address|do(es)? not (address|apply))",
        r"not (addressed|covered) (in|by) (the )?(CA )?MTUS",
        r"Non-MTUS",
    ]
)
_ACOEM_CHAPTERS = [
    "acoem", "complaints", "elbow disorders", "initial approaches to treatment", "general approach",
    "stress related conditions", "stress-related conditions", "cornerstones of disability",
    "independent medical examinations", "prevention", "occupational medicine practice guidelines",
]  # fmt: skip
#: Any ACOEM chapter title, as one trie regex: ten alternatives opening with common letters
#: made a plain alternation the slowest source test.
_ACOEM_CHAPTER = trie_pattern(_ACOEM_CHAPTERS)
_SOURCES: list[tuple[str, re.Pattern[str]]] = [
    ("MTUS", one_of([r"\bMTUS\b", "Chronic Pain Medical Treatment", "Medical Treatment Utilization Schedule",
                     "Chronic Pain (Treatment )?Guidelines", "Postsurgical Treatment", "Opioid Treatment"])),
    ("ACOEM", re.compile(_ACOEM_CHAPTER)),
    ("ODG", one_of([r"\bODG\b", "Official Disability Guidelines?", "Work Loss Data Institute"])),
    ("FDA", one_of([r"\bFDA\b", "Food and Drug Administration"])),
]  # fmt: skip
_CITATION = lower_pattern(r"Non-MTUS Citation:?\s*(?P<what>[^.;]*)")
#: A chapter named under MTUS ("MTUS Shoulder Complaints").
_UNDER_MTUS = lower_pattern(r"MTUS\s+(\w+\s+){0,6}(" + _ACOEM_CHAPTER + ")")


def guideline_sources(text: str) -> list[str]:
    """Sources cited in a 'Claims Administrator guideline:' / 'MAXIMUS guideline:' line.

    Order of first appearance, each once. MTUS body-part chapters adopted from ACOEM
    count as both MTUS and ACOEM; a 'Non-MTUS Citation' naming none of the known
    sources counts as OTHER; "did not cite any medical evidence" is [].
    """
    low = lower_keeping_offsets(text)
    if _NO_EVIDENCE.search(low) and not _DECISION_BASED.search(low):
        return []
    found: list[tuple[int, str]] = []
    scrubbed = _NEGATED_MTUS.sub(lambda m: " " * len(m.group(0)), low) if "mtus" in low else low
    for name, pattern in _SOURCES:
        source_text = scrubbed if name == "MTUS" else low
        m = pattern.search(source_text)
        if m:
            found.append((m.start(), name))
    for m in _CITATION.finditer(low):
        what = m.group("what")
        if what.strip() and not any(p.search(what) for _, p in _SOURCES):
            found.append((m.start("what"), "OTHER"))
    out: list[str] = []
    for _, name in sorted(found):
        if name not in out:
            out.append(name)
    # A chapter named under MTUS ("MTUS Shoulder Complaints") is MTUS too.
    if "ACOEM" in out and "MTUS" not in out and _UNDER_MTUS.search(scrubbed):
        out.insert(out.index("ACOEM"), "MTUS")
    return out


#: On the lower-cased line: 'page(s)', 'pages', 'p.', 'pp.', 'pg.' starting a word (the
#: look-behind after the 'p' lets `re` scan for it), then the list of pages.
_PAGE_LIST = re.compile(
    r"p(?<!\wp)(?:age\(s\)|ages?|p?\.|gs?\.?)\s*:?\s*"
    r"(?P<list>\d+(?:\s*(?:-|–|to)\s*\d+)?(?:\s*(?:,|;|&|\band\b|,\s*and\b)\s*\d+(?:\s*(?:-|–|to)\s*\d+)?)*)"
)
_PAGE_ITEM = re.compile(r"(\d+)(?:\s*(?:-|–|to)\s*(\d+))?")


def cited_pages(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Pages cited as 'Page(s): 75, 79, 91, and 124' / 'pages 98-99', in order, each once.

    Returns the page strings ("N" or "N-M") and the spans of the page lists in `text`.
    """
    pages: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _PAGE_LIST.finditer(lower_keeping_offsets(text)):
        spans.append((m.start(), m.end()))
        for item in _PAGE_ITEM.finditer(m.group("list")):
            page = item.group(1) if not item.group(2) else f"{item.group(1)}-{item.group(2)}"
            if page not in pages:
                pages.append(page)
    return pages, spans
