"""Small text tools the layout rules share: a region with its cleaned view, sentence
boundaries, dates and spelled-out numbers.

Every rule works on a `Region`: a slice of the original letter plus its cleaned view
(line breaks joined, hyphen splits joined, spaces collapsed). Rules match on the cleaned
string, then map the match back with `Region.span()` so spans point into the letter.

Case-insensitive rules match lower-case patterns against lower-cased text (`Region.low`,
`lowered(letter)`) rather than using IGNORECASE: `re` only scans for a literal prefix or
a first-character set when the pattern is case-sensitive, which makes the searches over
whole letters 3-5x faster. Values are then read from the original-case text by offset.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from ..reading import CleanView, clean_view, last_letter_memo, nonspace_positions


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

    @cached_property
    def low(self) -> str:
        """The cleaned text lower-cased, offset for offset."""
        return lower_keeping_offsets(self.view.text)

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Cleaned `[a, b)` -> original `[start, end)`."""
        return self.view.to_original(a, b)

    def sub(self, a: int, b: int) -> Region:
        """The region covering cleaned `[a, b)`."""
        s, e = self.span(a, b)
        return Region(self.text, s, e)

    def find(self, pattern: re.Pattern[str], pos: int = 0) -> re.Match[str] | None:
        return pattern.search(self.clean, pos)


def lower_keeping_offsets(s: str) -> str:
    """`s.lower()` with every offset kept: the rare characters whose lower case is longer
    ('İ' -> 'i̇') are left as they are."""
    low = s.lower()
    if len(low) == len(s):
        return low
    return "".join(lc if len(lc := c.lower()) == 1 else c for c in s)


@last_letter_memo
def lowered(text: str) -> str:
    """The whole letter lower-cased (offsets kept), computed once per letter."""
    return lower_keeping_offsets(text)


_PATTERN_TOKEN = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)|[^\\(]+|\(")


def lower_pattern(pattern: str) -> re.Pattern[str]:
    """Compile `pattern` to match lower-cased text (see `lowercase_regex`)."""
    return re.compile(lowercase_regex(pattern))


def lowercase_regex(pattern: str) -> str:
    """`pattern` with its literal letters lower-cased and its escapes (\\S, \\W, \\D,
    \\B) and named groups left as written."""
    tokens = _PATTERN_TOKEN.findall(pattern)
    return "".join(t if t.startswith(("\\", "(?P")) else t.lower() for t in tokens)


_LEADING_BOUNDARY = re.compile(r"\\b([a-z0-9])(?![?*+{])")


def word_led(alternative: str) -> str:
    """'\\bmri' -> 'm(?<!\\wm)ri': the same matches, but starting with a literal letter.

    `re` skips ahead to a possible first character only when every alternative of a
    pattern starts with a literal one; a leading \\b defeats that, and moving it behind
    the first letter makes such searches twice as fast or more.
    """
    m = _LEADING_BOUNDARY.match(alternative)
    return f"{m.group(1)}(?<!\\w{m.group(1)}){alternative[m.end():]}" if m else alternative


def one_of(alternatives: list[str]) -> re.Pattern[str]:
    """One pattern for lower-cased text matching any of `alternatives` (`word_led` each)."""
    return re.compile("|".join(f"(?:{word_led(lowercase_regex(a))})" for a in alternatives))


def any_of(alternatives: list[str]) -> list[re.Pattern[str]]:
    """Patterns for lower-cased text, true when any of them matches: the alternatives that
    start with a literal character (after `word_led`) share one pattern `re` scans fast;
    the others ('\\d+ mg', a group) are compiled apart so they do not slow the rest."""
    literal_led: list[str] = []
    others: list[str] = []
    for alt in alternatives:
        alt = word_led(lowercase_regex(alt))
        (literal_led if alt[:1] and alt[0] not in "\\([.^$|?*+{" else others).append(alt)
    return [re.compile("|".join(f"(?:{a})" for a in group)) for group in (literal_led, others) if group]


def loose(pattern: str) -> re.Pattern[str]:
    """A heading pattern for the lower-cased letter (`lowered`): case-insensitive by
    lower-casing, and each literal space matches any run of whitespace (doubled spaces,
    headings broken across lines)."""
    return lower_pattern(pattern.replace(" ", r"\s+"))


@last_letter_memo
def squeezed(text: str) -> str:
    """The whole letter lower-cased with every whitespace character removed, computed once
    per letter: its k-th character is the letter's k-th non-space one (`nonspace_positions`).

    Text extraction breaks words as well as lines ("MAXIM US guideline:", "DETERMINA TION");
    a heading with its spaces removed still reads the same in this string.
    """
    return "".join(lowered(text).split())


_SPACE_TOKENS = re.compile(r"\\s[+*?]|[ ]")


def squeezed_pattern(pattern: str) -> re.Pattern[str]:
    """A heading `pattern` (as written for `loose`) for `squeezed` text: lower-cased, with its
    spaces and whitespace classes (\\s+, \\s*, \\s?) dropped, so any word of it may be broken."""
    return re.compile(_SPACE_TOKENS.sub("", lowercase_regex(pattern)))


def search_squeezed(
    pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None
) -> tuple[int, int] | None:
    """The first match of a `squeezed_pattern` in `text[start:end]` that is whole words,
    as an original `[start, end)` span; None when there is none.

    Rules search the lower-cased letter first and come here for what that misses
    (headings that text extraction broke).
    """
    flat, pos = squeezed(text), nonspace_positions(text)
    a = bisect.bisect_left(pos, start)
    b = len(pos) if end is None else bisect.bisect_left(pos, end)
    m = pattern.search(flat, a, b)
    while m and m.end() > m.start():
        span = _whole_words(text, pos, m.start(), m.end())
        if span:
            return span
        m = pattern.search(flat, m.start() + 1, b)
    return None


def find_squeezed(literal: str, text: str) -> tuple[int, int] | None:
    """`search_squeezed` for a fixed lower-case string without spaces (`str.find` is several
    times faster than a regex over a whole letter)."""
    flat = squeezed(text)
    i = flat.find(literal)
    while i >= 0:
        span = _whole_words(text, nonspace_positions(text), i, i + len(literal))
        if span:
            return span
        i = flat.find(literal, i + 1)
    return None


def _whole_words(text: str, pos: memoryview, a: int, b: int) -> tuple[int, int] | None:
    """Squeezed `[a, b)` as an original span, unless it starts or ends inside a word of the
    letter ("medical professional reviewed" holds no "medical professional review")."""
    first, last = pos[a], pos[b - 1]
    if text[first].isalnum() and first > 0 and text[first - 1].isalnum():
        return None
    if text[last].isalnum() and last + 1 < len(text) and text[last + 1].isalnum():
        return None
    return first, last + 1


_ABBREVIATIONS = {"dr", "vs", "mr", "mrs", "ms", "no", "approx", "st", "jr", "sr", "inc", "etc", "e.g", "i.e"}
_SENTENCE_END = re.compile(r"[.!?][\"”'’)]*(?=\s|$)")


def sentence_spans(s: str) -> list[tuple[int, int]]:
    """Split a cleaned string into sentences (start, end) without breaking '7.5mg' or 'Dr.'."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(s):
        end = m.start()
        word = _word_before(s, start, end)
        if word and (word.lower().rstrip(".") in _ABBREVIATIONS or "." in word.strip(".")):
            continue  # "Dr.", "vs.", "q.d.", "p.o."
        if end > 0 and s[end - 1].isupper() and (end < 2 or s[end - 2] in " ."):
            continue  # an initial like "J. Smith"
        spans.append((start, m.end()))
        start = m.end()
        while start < len(s) and s[start] == " ":
            start += 1
    if start < len(s):
        spans.append((start, len(s)))
    return spans


_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")


def _word_before(s: str, start: int, end: int) -> str:
    """The run of ASCII letters and dots ending at `end` (not before `start`)."""
    i = end
    while i > start and s[i - 1] in _WORD_CHARS:
        i -= 1
    return s[i:end]


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

#: Dates in the forms these letters use, matched on lower-cased text.
DATE_PATTERN = re.compile(
    r"(?P<num>\b(?P<m>\d{1,2})\s?[-/.]\s?(?P<d>\d{1,2})\s?[-/.]\s?(?P<y>\d{4}|\d{2})(?!\d))"
    r"|(?P<long>\b(?P<mn>" + _MONTH_RE + r")\s+(?P<ld>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<ly>\d{4})\b)"
    r"|(?P<dmy>\b(?P<dd>\d{1,2})\s+(?P<dmn>" + _MONTH_RE + r")\s+(?P<dy>\d{4})\b)"
    r"|(?P<monthyear>\b(?P<mymn>" + _MONTH_RE + r")\s*,?\s+(?P<myy>\d{4})\b)"
    r"|(?P<slashmy>\b(?P<smm>\d{1,2})/(?P<smy>\d{4})\b)"
    r"|(?P<year>\b(?:in|of|since|during)\s+(?P<yy>(?:19|20)\d{2})\b)",
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


_DIGITS = re.compile(r"\d+")
#: Words a date can start with before its first digits ("march 2016", "in 2016").
_DATE_WORDS = frozenset(_MONTHS) | {"in", "of", "since", "during"}


def iter_dates(s: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """`DATE_PATTERN.finditer(s, start, end)` on lower-cased text, several times faster.

    Every date form holds digits and starts either at its first digit run or at the date
    word right before it ('march 2016', 'in 2016'), so only those positions are tried:
    scanning every position of a letter with six alternatives is what made dates slow.
    """
    end = len(s) if end is None else end
    last = start
    for d in _DIGITS.finditer(s, start, end):
        at = d.start()
        if at < last:
            continue
        word_end = at
        while word_end > last and s[word_end - 1] in " ,.\n\t":
            word_end -= 1
        word_start = word_end
        while word_start > last and "a" <= s[word_start - 1] <= "z":
            word_start -= 1
        tries = (word_start, at) if s[word_start:word_end] in _DATE_WORDS else (at,)
        for pos in tries:
            m = DATE_PATTERN.match(s, pos, end)
            if m:
                last = m.end()
                yield m
                break


def find_dates(s: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    """All parseable dates in `s[start:end]` (lower-cased text) as (iso, start, end)."""
    out: list[tuple[str, int, int]] = []
    for m in iter_dates(s, start, end):
        iso = parse_date_match(m)
        if iso:
            a, b = date_span(m)
            out.append((iso, a, b))
    return out
