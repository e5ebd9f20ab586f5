"""Read values back out of a span of letter text: dates, numbers, guideline names, drugs.

Grounding needs these readers so that a span like "10- 11-01" can support the value
"2001-10-11" and "sixty" can support 60: letters state values in many written forms.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .normalize import norm_request

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_RE = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_MONTH_DAY_YEAR = re.compile(_MONTH_RE + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
_DAY_MONTH_YEAR = re.compile(r"(?<!\d)(\d{1,2})\s+" + _MONTH_RE + r",?\s+(\d{4})(?!\d)")
_MONTH_YEAR = re.compile(_MONTH_RE + r",?\s+(\d{4})(?!\d)")
_NUMERIC_MONTH_YEAR = re.compile(r"(?<![\d/.-])(\d{1,2})[-/](\d{4})(?!\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_SEPARATOR_GAPS = re.compile(r"\s*([-/])\s*")


def _year(y: str) -> int:
    """Two-digit years 00–29 are 20xx and 30–99 are 19xx (output-contract.md)."""
    n = int(y)
    if len(y) == 2:
        return 2000 + n if n < 30 else 1900 + n
    return n


def _iso(y: int, m: int, d: int | None = None) -> str | None:
    if not (1 <= m <= 12) or (d is not None and not (1 <= d <= 31)):
        return None
    return f"{y:04d}-{m:02d}" + (f"-{d:02d}" if d is not None else "")


def dates_in(text: str) -> set[str]:
    """Every date the text writes, as ISO strings (full dates, `YYYY-MM`, bare `YYYY`).

    Reads 10-11-01, 10/13/2016, 2016-10-13, July 11, 2005, 11 July 2005, July 2005,
    7/2005 and bare years; whitespace around '-' and '/' is ignored because PDF text
    breaks dates across lines ("10- \\n11-01"). Numeric dates are month-first (US letters).
    """
    t = _SEPARATOR_GAPS.sub(r"\1", re.sub(r"\s+", " ", text.casefold()))
    out: set[str | None] = set()
    for m in _ISO_DATE.finditer(t):
        out.add(_iso(int(m[1]), int(m[2]), int(m[3])))
    for m in _NUMERIC_DATE.finditer(t):
        out.add(_iso(_year(m[3]), int(m[1]), int(m[2])))
    for m in _MONTH_DAY_YEAR.finditer(t):
        out.add(_iso(int(m[3]), _MONTHS[m[1][:3]], int(m[2])))
    for m in _DAY_MONTH_YEAR.finditer(t):
        out.add(_iso(int(m[3]), _MONTHS[m[2][:3]], int(m[1])))
    for m in _MONTH_YEAR.finditer(t):
        out.add(_iso(int(m[2]), _MONTHS[m[1][:3]]))
    for m in _NUMERIC_MONTH_YEAR.finditer(t):
        out.add(_iso(int(m[2]), int(m[1])))
    for m in _YEAR.finditer(t):
        out.add(m[1])
    out.discard(None)
    return out  # type: ignore[return-value]


_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS.split())}  # noqa: SIM905
_UNITS.update({"once": 1, "single": 1, "twice": 2, "dozen": 12})
_TENS = {w: 10 * i for i, w in enumerate(_TENS_WORDS.split(), 2)}  # noqa: SIM905
_TOKEN = re.compile(r"\d+|[a-z]+")


def numbers_in(text: str) -> list[int]:
    """Numbers in reading order, written as digits or as English words up to 999.

    "twenty-four" and "twenty four" read as 24, "one hundred and twenty" as 120 (the parts
    of a compound are not reported on their own); "once"/"single" read as 1, "twice" as 2.
    """
    out: list[int] = []
    cur: int | None = None  # the word number being read, if any
    for tok in _TOKEN.findall(text.casefold()):
        hundreds = cur is not None and cur >= 100 and cur % 100 == 0
        if tok in _TENS:
            if hundreds:
                cur += _TENS[tok]  # type: ignore[operator]
            else:
                _flush(out, cur)
                cur = _TENS[tok]
        elif tok in _UNITS:
            unit = _UNITS[tok]
            tens = cur is not None and cur >= 20 and cur % 10 == 0 and unit < 10
            if hundreds or tens:
                cur += unit  # type: ignore[operator]
            else:
                _flush(out, cur)
                cur = unit
        elif tok == "hundred" and cur is not None and 0 < cur < 10:
            cur *= 100
        elif tok == "and" and hundreds:
            continue
        else:
            _flush(out, cur)
            cur = None
            if tok.isdigit():
                out.append(int(tok))
    _flush(out, cur)
    return out


def _flush(out: list[int], cur: int | None) -> None:
    if cur is not None:
        out.append(cur)


# Guideline sources, each as phrases compared after `norm_request` on word boundaries.
ACOEM_CHAPTERS: tuple[str, ...] = (
    "Initial Approaches to Treatment",
    "General Approach to Initial Assessment and Documentation",
    "Shoulder Complaints",
    "Low Back Complaints",
    "Neck and Upper Back Complaints",
    "Knee Complaints",
    "Elbow Complaints",
    "Elbow Disorders",
    "Forearm, Wrist, and Hand Complaints",
    "Forearm Wrist and Hand Complaints",
    "Ankle and Foot Complaints",
    "Stress Related Conditions",
    "Independent Medical Examinations and Consultations",
    "Cornerstones of Disability Prevention and Management",
    "Work Relatedness",
    "Low Back Disorders",
    "Shoulder Disorders",
    "Knee Disorders",
    "Hand, Wrist, and Forearm Disorders",
    "Cervical and Thoracic Spine Disorders",
)
GUIDELINE_NAMES: dict[str, tuple[str, ...]] = {
    "MTUS": (
        "MTUS",
        "Medical Treatment Utilization Schedule",
        "Chronic Pain Medical Treatment",
        "Chronic Pain Treatment Guidelines",
        "Postsurgical Treatment",
        "Post Surgical Treatment",
        "Opioid Treatment Guidelines",
        "Opioids Treatment Guidelines",
        *ACOEM_CHAPTERS,
    ),
    "ACOEM": ("ACOEM", "American College of Occupational", *ACOEM_CHAPTERS),
    "ODG": (
        "ODG",
        "Official Disability Guidelines",
        "Official Disability Guideline",
        "Work Loss Data Institute",
    ),
    "FDA": ("FDA", "Food and Drug Administration"),
}


def has_phrase(text: str, phrase: str) -> bool:
    """Whole-word phrase containment, ignoring case, punctuation and line breaks."""
    return f" {norm_request(phrase)} " in f" {norm_request(text)} "


def names_guideline(text: str, source: str) -> bool:
    """Does `text` name guideline `source` (MTUS, ACOEM, ODG, FDA) by any of its names?"""
    return any(has_phrase(text, p) for p in GUIDELINE_NAMES.get(source.upper(), ()))


@lru_cache(maxsize=1)
def brand_generics() -> dict[str, str]:
    """Drug name (lower case) -> generic name(s) as the contract writes them, from the
    same table the parser reads (data/drugs.json), so the two can never disagree."""
    from ..layout.tables import drug_table

    _, by_name = drug_table()
    return {name: drug.generic for name, drug in by_name.items()}


def names_drug(text: str, generic: str) -> bool:
    """Does `text` name the drug `generic` (e.g. "oxycodone/acetaminophen")?

    True when the span names the full generic, any one of its "/"-joined components, or a
    brand whose generic shares a component with it ("Percocet" for oxycodone/acetaminophen).
    """
    components = {c.strip() for c in generic.casefold().split("/") if c.strip()}
    if has_phrase(text, generic) or any(has_phrase(text, c) for c in components):
        return True
    for brand, brand_generic in brand_generics().items():
        if components & set(brand_generic.split("/")) and has_phrase(text, brand):
            return True
    return False
