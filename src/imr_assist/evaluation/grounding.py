"""Is a predicted span real evidence for its value? Field-aware, so written forms count.

The contract says `text[start:end]` must be the evidence for the value; a plain substring
test would reject "10- 11-01" for 2001-10-11 or "Percocet" for oxycodone/acetaminophen.
`span_supports` is what eval's grounding rate counts, and parser tests reuse it.

What it checks, by field (`field` may be dotted, e.g. "patient.age"; its last part decides):

- every field: `start`/`end` are ints with 0 <= start < end <= len(text), and the span
  holds some non-space text; a null value is never supported.
- dates (date_of_injury, utilization_review_date, date_assigned, decision_date): some
  date written in the span (10-11-01, 10/13/2016, 2016-10-13, July 11, 2005, July 2005,
  7/2005, a bare year; spaces around '-' '/' ignored) equals the value or, for a partial
  value ("2010", "2010-07"), starts with it.
- numbers (age, quantity, refills): the span writes the number as digits or English words
  ("sixty", "twenty-four"); for quantity also the product of two consecutive numbers
  ("2 times a week for 6 weeks" supports 12).
- decision: the span says "upheld" (or "not medically necessary") for upheld, "overturned"
  (or "medically necessary" not preceded by "not") for overturned, and not the opposite.
- sex: "male"/"man"/"he"/"his"/"gentleman" for male, "female"/"woman"/"she"/"her"/"lady"
  for female (whole words).
- guideline lists (claims_administrator_guidelines, reviewer_guidelines): each source is
  named in the span — MTUS by "MTUS", "Chronic Pain Medical Treatment", ...; ACOEM by
  "ACOEM" or an MTUS body-part chapter adopted from ACOEM ("Low Back Complaints", ...),
  which also count as MTUS; ODG by "ODG"/"Official Disability Guidelines"; FDA by
  "FDA"/"Food and Drug Administration"; OTHER by any non-empty span.
- reviewer_pages: each page string ("75", "75-79") appears as a whole number/range.
- generic_name: the span names the generic, one of its "/" components, or a brand listed
  for it in data/drugs.json (the parser's table).
- vocabulary values (category, drug_class, format, denial_reasons): the span is the text
  the label was read from and is accepted when non-empty (a label is not a quotation).
- name lists (licensure_states, specialties): every name appears in the span.
- long quotes (rationale, claims_administrator_guideline_text, reviewer_guideline_text):
  the value's words appear in the span in order, a word may be split across span words
  ("non- compliance"), and a few span words may be skipped (at most max(20, 20% of the
  value's words): page headers and footers inside a rationale that crosses a page break).
- everything else (request, case_number, ...): the value's letters and digits appear
  contiguously in the span's letters and digits (so case, spaces, line breaks,
  punctuation and end-of-line hyphenation do not matter).
- an empty list value is supported by any non-empty span (e.g. "did not cite any medical
  evidence" for a guideline list).
"""

from __future__ import annotations

import re
from typing import Any

from .evidence import dates_in, has_phrase, names_drug, names_guideline, numbers_in
from .normalize import alnum, norm_page

DATE_FIELDS = frozenset(
    {"date_of_injury", "utilization_review_date", "date_assigned", "decision_date"}
)
NUMBER_FIELDS = frozenset({"age", "quantity", "refills"})
GUIDELINE_FIELDS = frozenset({"claims_administrator_guidelines", "reviewer_guidelines"})
VOCAB_FIELDS = frozenset({"category", "drug_class", "format", "denial_reasons"})
NAME_LIST_FIELDS = frozenset({"licensure_states", "specialties"})
LONG_TEXT_FIELDS = frozenset(
    {"rationale", "claims_administrator_guideline_text", "reviewer_guideline_text"}
)
_WORD = re.compile(r"[0-9a-z]+")

_SEX_WORDS = {
    "male": ("male", "man", "he", "his", "him", "gentleman"),
    "female": ("female", "woman", "she", "her", "hers", "lady"),
}
_UPHELD = re.compile(r"\bupheld\b|\bnot\s+medically\s+necessary\b", re.I)
_OVERTURNED = re.compile(r"\boverturned\b|(?<!not )(?<!not)\bmedically\s+necessary\b", re.I)


def valid_span(text: str, start: Any, end: Any) -> bool:
    """A span is usable when it is a non-empty `[start, end)` inside the text."""
    if isinstance(start, bool) or isinstance(end, bool):
        return False
    if not isinstance(start, int) or not isinstance(end, int):
        return False
    return 0 <= start < end <= len(text) and bool(text[start:end].strip())


def span_supports(field: str, value: Any, text: str, start: int, end: int) -> bool:
    """True when `text[start:end]` is evidence for `value` of `field` (see module doc)."""
    if value is None or not valid_span(text, start, end):
        return False
    span = text[start:end]
    name = field.rsplit(".", 1)[-1]
    if isinstance(value, list | tuple):
        if not value:
            return True
        return all(_supports_one(name, v, span) for v in value)
    return _supports_one(name, value, span)


def _supports_one(name: str, value: Any, span: str) -> bool:
    if value is None:
        return False
    if name in DATE_FIELDS:
        return _date_supported(str(value), span)
    if name in NUMBER_FIELDS:
        return _number_supported(name, value, span)
    if name == "decision":
        return _decision_supported(str(value), span)
    if name == "sex":
        words = _SEX_WORDS.get(str(value).casefold(), ())
        return any(has_phrase(span, w) for w in words)
    if name in GUIDELINE_FIELDS:
        source = str(value).upper()
        return source == "OTHER" or names_guideline(span, source)
    if name == "reviewer_pages":
        return _page_supported(str(value), span)
    if name == "generic_name":
        return names_drug(span, str(value))
    if name in VOCAB_FIELDS:
        return True  # the span is non-empty (checked by the caller)
    if name in LONG_TEXT_FIELDS:
        return _quote_supported(str(value), span)
    needle = alnum(str(value))
    return bool(needle) and needle in alnum(span)


def _quote_supported(value: str, span: str) -> bool:
    """Words of `value` in order in `span`, joins of up to 3 span words allowed (hyphen
    splits), a bounded number of span words skipped (page furniture)."""
    want = _WORD.findall(value.casefold())
    have = _WORD.findall(span.casefold())
    if not want:
        return False
    allowed_skips = max(20, len(want) // 5)
    skips = 0
    j = 0
    for word in want:
        while True:
            if j >= len(have):
                return False
            joined = ""
            matched = 0
            for k in range(j, min(j + 3, len(have))):
                joined += have[k]
                if joined == word:
                    matched = k - j + 1
                    break
                if not word.startswith(joined):
                    break
            if matched:
                j += matched
                break
            skips += 1
            if skips > allowed_skips:
                return False
            j += 1
    return True


def _date_supported(value: str, span: str) -> bool:
    value = value.strip()
    return any(d == value or d.startswith(value + "-") for d in dates_in(span))


def _number_supported(name: str, value: Any, span: str) -> bool:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return False
    nums = numbers_in(span)
    if n in nums:
        return True
    return name == "quantity" and any(a * b == n for a, b in zip(nums, nums[1:], strict=False))


def _decision_supported(value: str, span: str) -> bool:
    span = " ".join(span.split())
    upheld, overturned = bool(_UPHELD.search(span)), bool(_OVERTURNED.search(span))
    if value == "upheld":
        return upheld and not overturned
    if value == "overturned":
        return overturned and not upheld
    return False


def _page_supported(value: str, span: str) -> bool:
    page = norm_page(value)
    if not page:
        return False
    compact = norm_page(span)
    pattern = r"(?<![\d-])" + re.escape(page) + r"(?![\d])"
    return re.search(pattern, compact) is not None
