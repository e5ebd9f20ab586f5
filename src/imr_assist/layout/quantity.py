"""Quantity and refills as the request states them (output-contract rules).

quantity: the count after '#', or the sessions/visits/units/sites stated; "N times a
week for M weeks" is N×M; a duration alone is None. refills: only when stated.
"""

from __future__ import annotations

import re

from .text import NUMBER_WORD, lower_keeping_offsets, lower_pattern, to_int

N = NUMBER_WORD
_UNITS = r"(?:sessions?|visits?|units?|sites?|treatments?|injections?|trigger points?|levels?|hours?|appointments?)"
_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"#\s*(?P<n>\d+)"),
    lower_pattern(r"\b(?:qty|quantity)\s*[:#]?\s*(?P<n>\d+)"),
    lower_pattern(
        rf"\b(?P<a>{N})\s*(?:x|times|visits?|sessions?)\s*(?:a|per|each|/)?\s*(?:week|wk)s?(?:ly)?,?\s*"
        rf"(?:for|x|times)\s*(?P<b>{N})\s*(?:weeks?|wks?)\b"
    ),
    lower_pattern(rf"\b(?P<a>{N})\s*(?:x|times)\s*(?P<b>{N})\b(?!\s*(?:mg|%|days?|months?))"),
    lower_pattern(rf"\b(?P<n>{N})(?:\s+[A-Za-z()/\-]+){{0,4}}?\s+{_UNITS}\b"),
    lower_pattern(rf"\b{_UNITS},?\s*(?:#|x|times|of)?\s*(?P<n>\d+)\b"),
    lower_pattern(rf"\b(?:times|x)\s*(?P<n>{N})\b(?!\s*(?:a|per)\s+(?:day|week|month))"),
]
_REFILLS = [
    lower_pattern(rf"\b(?:with|w/|and|plus|\+)\s*(?P<n>{N})\s+refills?\b"),
    lower_pattern(rf"\b(?P<n>{N})\s+refills?\b"),
    lower_pattern(r"\brefills?\s*[:#x]?\s*(?P<n>\d+)\b"),
]
_LEADING_COUNT = lower_pattern(r"^\s*(?P<n>\d+)\s+(?![\d.]|mg|mcg|ml|%|times|x\b|days?|weeks?|months?)[A-Za-z]")
_DURATION_ONLY = lower_pattern(r"\b(days?|weeks?|months?|years?)\b")


def find_quantity(request: str, is_medication: bool) -> tuple[int | None, tuple[int, int] | None]:
    """(quantity, span in `request`) or (None, None). The patterns read the request lower-cased."""
    request = lower_keeping_offsets(request)
    for i, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(request):
            if "a" in m.groupdict() and m.group("a"):
                a, b = to_int(m.group("a")), to_int(m.group("b"))
                if a and b:
                    return a * b, (m.start(), m.end())
                continue
            n = to_int(m.group("n"))
            if n is None or n == 0:
                continue
            if i == 4 and _is_refill_or_duration(request, m):
                continue
            return n, (m.start("n"), m.end("n"))
    if is_medication:
        lead = _LEADING_COUNT.match(request)
        if lead:
            return int(lead.group("n")), (lead.start("n"), lead.end("n"))
    return None, None


def _is_refill_or_duration(request: str, m: re.Match[str]) -> bool:
    tail = request[m.start() : m.end()]
    return "refill" in tail or bool(_DURATION_ONLY.search(tail))


def find_refills(request: str) -> tuple[int | None, tuple[int, int] | None]:
    """(refills, span in `request`) or (None, None), read from the request lower-cased."""
    request = lower_keeping_offsets(request)
    for pattern in _REFILLS:
        m = pattern.search(request)
        if m:
            n = to_int(m.group("n"))
            if n is not None:
                return n, (m.start("n"), m.end("n"))
    return None, None
