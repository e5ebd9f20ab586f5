"""Sentence-level helpers: split a rationale, pick verbatim sentences by cue words, dates.

Quotes are always exact substrings of the rationale (never rewritten), so a reader can
find them in the letter and the faithfulness check can trust them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_ABBREV = ("e.g.", "i.e.", "dr.", "vs.", "approx.", "etc.", "mr.", "ms.", "mrs.", "u.s.")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z(\"'\d])")

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_ES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; each returned sentence is a substring of `text`."""
    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        candidate = text[start : m.start() + (len(m.group(0)) - len(m.group(0).lstrip("\"')]")))]
        words = candidate.rstrip().lower().split()
        last = words[-1].lstrip("(\"'") if words else ""
        if last in _ABBREV or re.fullmatch(r"[a-z]\.", last):
            continue
        piece = text[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    last = text[start:].strip()
    if last:
        out.append(last)
    return out


def oneline(value: object) -> str:
    """Collapse whitespace: letter text with line breaks must not break a heading or quote."""
    return " ".join(str(value).split())


def has_cue(sentence: str, cue_words: tuple[str, ...]) -> bool:
    """Does a cue occur at the start of a word ("recommend" matches "recommended", not "met" in "metabolic")?"""
    low = sentence.lower()
    return any(re.search(r"(?<![a-z])" + re.escape(c), low) for c in cue_words)


def pick_sentences(
    text: str, include: tuple[str, ...], exclude: tuple[str, ...] = (), limit: int | None = None
) -> list[str]:
    """Sentences of `text` containing an `include` cue and no `exclude` cue, in order."""
    picked = [s for s in split_sentences(text) if has_cue(s, include) and not has_cue(s, exclude)]
    return picked[:limit] if limit else picked


def parse_iso(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


#: How each language writes a full date and a month: (months, "{month} {day}, {year}", "{month} {year}").
_DATE_STYLES = {
    "en": (MONTHS, "{month} {day}, {year}", "{month} {year}"),
    "es": (MONTHS_ES, "{day} de {month} de {year}", "{month} de {year}"),
}


def _written_date(value: str | None, lang: str) -> str:
    months, full, month_only = _DATE_STYLES[lang]
    if not value:
        return ""
    d = parse_iso(value)
    if d:
        return full.format(month=months[d.month - 1], day=d.day, year=d.year)
    m = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if m:
        return month_only.format(month=months[int(m.group(2)) - 1], year=m.group(1))
    return value


def long_date(value: str | None) -> str:
    """'2017-01-04' -> 'January 4, 2017'; 'YYYY-MM' -> 'January 2017'; keeps other text."""
    return _written_date(value, "en")


def long_date_es(value: str | None) -> str:
    """'2017-01-04' -> '4 de enero de 2017'; 'YYYY-MM' -> 'enero de 2017'; keeps other text."""
    return _written_date(value, "es")


def plus_days(value: str | None, days: int) -> str | None:
    d = parse_iso(value)
    return (d + timedelta(days=days)).isoformat() if d else None
