"""Small text tools the layout rules share: a region with its cleaned view, sentence
boundaries, dates and spelled-out numbers.

Every rule works on a `Region`: a slice of the original letter plus its cleaned view
(line breaks joined, hyphen splits joined, spaces collapsed). Rules match on the cleaned
string, then map the match back with `Region.span()` so spans point into the letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..reading import CleanView, clean_view


@dataclass
class Region:
    """`text[start:end]` of the letter with a cleaned view for matching."""

    text: str
    start: int
    end: int

    @cached_property
    def view(self) -> CleanView:
        return clean_view(self.text, self.start, self.end)

    @property
    def clean(self) -> str:
        return self.view.text

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Cleaned `[a, b)` -> original `[start, end)`."""
        return self.view.to_original(a, b)

    def sub(self, a: int, b: int) -> Region:
        """The region covering cleaned `[a, b)`."""
        s, e = self.span(a, b)
        return Region(self.text, s, e)

    def find(self, pattern: re.Pattern[str], pos: int = 0) -> re.Match[str] | None:
        return pattern.search(self.clean, pos)


def loose(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """Compile `pattern` with each literal space matching any run of whitespace, for
    headings matched on the raw letter (doubled spaces, headings broken across lines)."""
    return re.compile(pattern.replace(" ", r"\s+"), flags)


_ABBREVIATIONS = {"dr", "vs", "mr", "mrs", "ms", "no", "approx", "st", "jr", "sr", "inc", "etc", "e.g", "i.e"}
_SENTENCE_END = re.compile(r"[.!?][\"”'’)]*(?=\s|$)")


def sentence_spans(s: str) -> list[tuple[int, int]]:
    """Split a cleaned string into sentences (start, end) without breaking '7.5mg' or 'Dr.'."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(s):
        word = re.search(r"([A-Za-z.]+)$", s[start : m.start()])
        if word and (word.group(1).lower().rstrip(".") in _ABBREVIATIONS or "." in word.group(1).strip(".")):
            continue  # "Dr.", "vs.", "q.d.", "p.o."
        if m.start() > 0 and s[m.start() - 1].isupper() and (m.start() < 2 or s[m.start() - 2] in " ."):
            continue  # an initial like "J. Smith"
        spans.append((start, m.end()))
        start = m.end()
        while start < len(s) and s[start] == " ":
            start += 1
    if start < len(s):
        spans.append((start, len(s)))
    return spans


WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20, "twenty-four": 24,
    "thirty": 30, "sixty": 60, "ninety": 90, "single": 1, "a": 1, "an": 1,
}  # fmt: skip
NUMBER_WORD = r"(?:\d+|" + "|".join(sorted((w for w in WORD_NUMBERS if len(w) > 2), key=len, reverse=True)) + r")"


def to_int(token: str) -> int | None:
    t = token.lower().strip()
    if t.isdigit():
        return int(t)
    return WORD_NUMBERS.get(t)


# ---------------------------------------------------------------- dates

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}  # fmt: skip
_MONTH_RE = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"

DATE_PATTERN = re.compile(
    r"(?P<num>\b(?P<m>\d{1,2})\s?[-/.]\s?(?P<d>\d{1,2})\s?[-/.]\s?(?P<y>\d{4}|\d{2})(?!\d))"
    r"|(?P<long>\b(?P<mn>" + _MONTH_RE + r")\s+(?P<ld>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<ly>\d{4})\b)"
    r"|(?P<dmy>\b(?P<dd>\d{1,2})\s+(?P<dmn>" + _MONTH_RE + r")\s+(?P<dy>\d{4})\b)"
    r"|(?P<monthyear>\b(?P<mymn>" + _MONTH_RE + r")\s*,?\s+(?P<myy>\d{4})\b)"
    r"|(?P<slashmy>\b(?P<smm>\d{1,2})/(?P<smy>\d{4})\b)"
    r"|(?P<year>\b(?:in|of|since|during)\s+(?P<yy>(?:19|20)\d{2})\b)",
    re.IGNORECASE,
)


def _year(y: str) -> int:
    n = int(y)
    if len(y) == 2:
        return 2000 + n if n <= 29 else 1900 + n
    return n


def parse_date_match(m: re.Match[str]) -> str | None:
    """ISO date (or YYYY-MM / YYYY) from a `DATE_PATTERN` match; None if impossible."""
    try:
        if m.group("num"):
            mo, d, y = int(m.group("m")), int(m.group("d")), _year(m.group("y"))
        elif m.group("long"):
            mo, d, y = _MONTHS[m.group("mn").lower().rstrip(".")], int(m.group("ld")), int(m.group("ly"))
        elif m.group("dmy"):
            mo, d, y = _MONTHS[m.group("dmn").lower().rstrip(".")], int(m.group("dd")), int(m.group("dy"))
        elif m.group("monthyear"):
            return f"{int(m.group('myy')):04d}-{_MONTHS[m.group('mymn').lower().rstrip('.')]:02d}"
        elif m.group("slashmy"):
            mo = int(m.group("smm"))
            return f"{int(m.group('smy')):04d}-{mo:02d}" if 1 <= mo <= 12 else None
        else:
            return m.group("yy")
    except (KeyError, ValueError):
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 1900 <= y <= 2100):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def date_span(m: re.Match[str]) -> tuple[int, int]:
    """The span of the date itself (without a leading 'in ' for bare years)."""
    if m.group("year"):
        return m.start("yy"), m.end("yy")
    return m.start(), m.end()


def find_dates(s: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    """All parseable dates in `s[start:end]` as (iso, start, end)."""
    out: list[tuple[str, int, int]] = []
    end = len(s) if end is None else end
    if not any(ch.isdigit() for ch in s[start:end]):
        return out
    for m in DATE_PATTERN.finditer(s, start, end):
        iso = parse_date_match(m)
        if iso:
            a, b = date_span(m)
            out.append((iso, a, b))
    return out
