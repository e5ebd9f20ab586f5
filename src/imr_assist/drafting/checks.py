"""Faithfulness checks, run on every draft before it is shown as done.

A draft may only state what the letter (or a cited decision) states. These checks make
that testable: every selected item is named with the decision the record gives it, every
number and date in the draft occurs in the letter or a cited decision (boilerplate such as
"30 days" and "4610.6(h)" is allowed by the explicit list in `prompts/drafting.toml`, and
a deadline computed from the letter's own date is passed in as `derived_dates`), every
cited decision id exists in the index, and a resubmission cites overturned decisions only.
Checks read the Markdown form; txt and HTML are mechanical conversions of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ..index.models import IndexedDecision
from ..schema import Record
from .data import allowed_numbers
from .text import MONTHS

#: Item headings every template writes: "### Item 2: <request> — <decision label>".
ITEM_HEADING = re.compile(r"^#{2,4} Item (\d+): (.+) — (Not approved|Approved|Upheld|Overturned)\s*$", re.M)
LABEL_DECISION = {"not approved": "upheld", "approved": "overturned", "upheld": "upheld", "overturned": "overturned"}
#: Cited decision ids are written in backticks: `CM16-0230548#2`.
CITED_ID = re.compile(r"`([A-Za-z0-9_.-]+#\d+)`")
PLACEHOLDER = re.compile(r"\[\[[^\]]*\]\]")
NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")

_MONTH = "|".join(MONTHS)
_LONG_DATE = re.compile(rf"\b({_MONTH})\.? (\d{{1,2}}), (\d{{4}})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH}) (\d{{4}})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})\s*[/-]\s*(\d{1,2})\s*[/-]\s*(\d{4}|\d{2})(?![\d/-])")


@dataclass
class CheckResult:
    name: str
    ok: bool
    problems: list[str] = field(default_factory=list)


def _year(y: str) -> int:
    n = int(y)
    if len(y) == 2:
        return 2000 + n if n < 30 else 1900 + n
    return n


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def dates_in(text: str) -> set[str]:
    """ISO dates (and YYYY-MM for 'Month YYYY') written in `text` in the usual forms."""
    found: set[str] = set()
    for m in _LONG_DATE.finditer(text):
        if iso := _iso(int(m.group(3)), MONTHS.index(m.group(1)) + 1, int(m.group(2))):
            found.add(iso)
    for m in _ISO.finditer(text):
        if iso := _iso(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            found.add(iso)
    for m in _NUMERIC.finditer(text):
        if iso := _iso(_year(m.group(3)), int(m.group(1)), int(m.group(2))):
            found.add(iso)
    for m in _MONTH_YEAR.finditer(text):
        found.add(f"{m.group(2)}-{MONTHS.index(m.group(1)) + 1:02d}")
    return found


def strip_dates(text: str) -> str:
    for rx in (_LONG_DATE, _ISO, _NUMERIC, _MONTH_YEAR):
        text = rx.sub(" ", text)
    return text


def numbers_in(text: str) -> set[str]:
    return {m.group(0).replace(",", "") for m in NUMBER.finditer(text)}


def _clean_letter(text: str) -> str:
    """Join PDF line breaks inside dates/numbers ('10- \\n\\n11-01') and collapse spaces."""
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text)


def _evidence_dates(sources: Iterable[str], record: Record) -> set[str]:
    out: set[str] = set()
    for s in sources:
        out |= dates_in(s)
    stated = (record.utilization_review_date, record.date_assigned, record.decision_date, record.patient.date_of_injury)
    for d in stated:
        if d:
            out.add(d)
            out.add(d[:7])
    return out | {d[:7] for d in out}


def check_draft(
    markdown: str,
    record: Record,
    letter_text: str,
    *,
    item_numbers: list[int],
    cited: dict[str, IndexedDecision | None] | None = None,
    require_overturned_citations: bool = False,
    require_draft_mark: bool = True,
    derived_dates: Iterable[str] = (),
    derived_numbers: Iterable[str] = (),
) -> list[CheckResult]:
    """Run every check; `cited` maps each id the draft cites to the index's entry (None if absent)."""
    cited = cited or {}
    results: list[CheckResult] = []

    # 1-2. every selected item named, with its recorded decision
    headings = {int(n): (req.strip(), label.lower()) for n, req, label in ITEM_HEADING.findall(markdown)}
    named, decided = CheckResult("every item named", True), CheckResult("decisions match the letter", True)
    for n in item_numbers:
        item = record.items[n - 1]
        if n not in headings:
            named.problems.append(f"item {n} ({item.request}) is not named")
            continue
        request, label = headings[n]
        if " ".join(request.split()) != " ".join(item.request.split()):
            named.problems.append(f"item {n} is named {request!r}, the letter says {item.request!r}")
        if LABEL_DECISION[label] != item.decision:
            decided.problems.append(f"item {n}: draft says {label!r}, the letter says {item.decision}")
    extra = sorted(set(headings) - set(item_numbers))
    named.problems += [f"item {n} is not in this letter or not selected" for n in extra]
    for r in (named, decided):
        r.ok = not r.problems
        results.append(r)

    # 3-4. numbers and dates grounded in the letter or a cited decision
    body = PLACEHOLDER.sub(" ", CITED_ID.sub(" ", markdown))
    body = re.sub(r"Item \d+", " ", body)  # item numbering is structure, checked above
    body = re.sub(r"^\s*\d+\.\s", " ", body, flags=re.M)  # ordered-list markers
    cited_texts = [f"{d.request} {d.rationale} {d.decision_date or ''}" for d in cited.values() if d]
    # the letter's text, its id (the file name when it states no case number), cited decisions
    sources = [_clean_letter(letter_text), record.letter_id, *cited_texts]
    ok_dates = _evidence_dates(sources, record) | set(derived_dates)
    bad_dates = sorted(dates_in(body) - ok_dates)
    problems = [f"date {d} is not in the letter" for d in bad_dates]
    results.append(CheckResult("dates come from the letter", not bad_dates, problems))
    ok_numbers = set().union(*(numbers_in(s) for s in sources)) | allowed_numbers() | set(derived_numbers)
    bad_numbers = sorted(numbers_in(strip_dates(body)) - ok_numbers, key=lambda s: float(s))
    problems = [f"number {n} is not in the letter" for n in bad_numbers]
    results.append(CheckResult("numbers come from the letter", not bad_numbers, problems))

    # 5-6. cited ids exist; a resubmission cites overturned decisions only
    ids = CITED_ID.findall(markdown)
    missing = sorted({i for i in ids if cited.get(i) is None})
    problems = [f"{i} is not in the index" for i in missing]
    results.append(CheckResult("cited ids exist in the index", not missing, problems))
    if require_overturned_citations:
        upheld = sorted({i for i in ids if (d := cited.get(i)) is not None and d.decision != "overturned"})
        results.append(
            CheckResult("cites overturned decisions only", not upheld, [f"{i} was not overturned" for i in upheld])
        )
    if require_draft_mark:
        marked = "DRAFT" in markdown.split("\n## ", 1)[0]
        problems = [] if marked else ["no DRAFT mark before the first section"]
        results.append(CheckResult("marked as a draft for professional review", marked, problems))
    return results


def failures(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.ok]
