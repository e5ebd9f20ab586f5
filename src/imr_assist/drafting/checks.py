"""Faithfulness checks, run on every draft before it is shown as done.

A draft may only state what the letter (or a cited decision, or the law file) states.
These checks make that testable: every selected item is named with the decision the record
gives it; every number and date in the draft occurs in the letter or a cited decision (the
law's own numbers come from `prompts/law.toml`, dates computed from the letter's dates are
passed in as `derived_dates`); every finding of every item appears verbatim; every legal
citation is one of `prompts/law.toml`; unknowns are visible `[[placeholders]]`, never an
empty value or "None"; every cited decision id exists in the index, and a resubmission
cites overturned decisions only. Checks read the Markdown form; txt, HTML and JSON are
mechanical conversions of it (or, for JSON, of the data it was rendered from).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ..index.models import IndexedDecision
from ..schema import Record
from .data import allowed_numbers, citation_texts
from .text import MONTHS, MONTHS_ES

#: Item headings every template writes: "### Item 2: <request> — <decision label>"
#: (Spanish: "### Punto 2: <request> — No aprobado").
ITEM_HEADING = re.compile(
    r"^#{2,4} (?:Item|Punto) (\d+): (.+) — (Not approved|Approved|Upheld|Overturned|No aprobado|Aprobado)\s*$", re.M
)
LABEL_DECISION = {
    "not approved": "upheld", "approved": "overturned", "upheld": "upheld", "overturned": "overturned",
    "no aprobado": "upheld", "aprobado": "overturned",
}  # fmt: skip
#: What a legal citation looks like; each must be one of prompts/law.toml.
_CITATION = re.compile(
    r"§\s?\d[\w.]*(?:\([a-z0-9]+\))*|\bLabor Code\s+(?:section\s+)?\d[\w.]*|\b\d+\s+CCR\b|\bv\.\s+[A-Z]\w+"
)
_RULE = re.compile(r"\b[Rr]ule\s+(\d{3,5})\b")
#: An unknown left unfilled: "None", "null", an empty [[ ]], or a label with no value.
_UNFILLED = re.compile(r"\bNone\b|\bnull\b|\[\[\s*\]\]|^\s*[-*] \*\*[^*]+:\*\*\s*$", re.M)
#: Cited decision ids are written in backticks: `CM16-0230548#2`.
CITED_ID = re.compile(r"`([A-Za-z0-9_.-]+#\d+)`")
PLACEHOLDER = re.compile(r"\[\[[^\]]*\]\]")
NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")

_MONTH = "|".join(MONTHS)
_LONG_DATE = re.compile(rf"\b({_MONTH})\.? (\d{{1,2}}), (\d{{4}})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH}) (\d{{4}})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})\s*[/-]\s*(\d{1,2})\s*[/-]\s*(\d{4}|\d{2})(?![\d/-])")
_ES_DATE = re.compile(rf"\b(\d{{1,2}}) de ({'|'.join(MONTHS_ES)}) de (\d{{4}})\b")
_ES_MONTH_YEAR = re.compile(rf"(?<!\d\sde\s)\b({'|'.join(MONTHS_ES)}) de (\d{{4}})\b")


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
    for m in _ES_DATE.finditer(text):
        if iso := _iso(int(m.group(3)), MONTHS_ES.index(m.group(2)) + 1, int(m.group(1))):
            found.add(iso)
    for m in _ES_MONTH_YEAR.finditer(text):
        found.add(f"{m.group(2)}-{MONTHS_ES.index(m.group(1)) + 1:02d}")
    return found


def strip_dates(text: str) -> str:
    for rx in (_LONG_DATE, _ES_DATE, _ISO, _NUMERIC, _MONTH_YEAR, _ES_MONTH_YEAR):
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
    findings: dict[int, list[str]] | None = None,
    collapsed: Iterable[int] = (),
) -> list[CheckResult]:
    """Run every check; `cited` maps each id the draft cites to the index's entry (None if
    absent); `findings` maps item number -> the findings that must appear verbatim;
    `collapsed` items are named in one shared line ("Item 3: <request>; Item 4: ...")
    instead of a heading, and must be named there."""
    cited = cited or {}
    results: list[CheckResult] = []

    # 1-2. every selected item named, with its recorded decision
    headings = {int(n): (req.strip(), label.lower()) for n, req, label in ITEM_HEADING.findall(markdown)}
    named, decided = CheckResult("every item named", True), CheckResult("decisions match the letter", True)
    flat = " ".join(markdown.split())
    for n in collapsed:
        item = record.items[n - 1]
        if f"Item {n}: {' '.join(item.request.split())}" not in flat:
            named.problems.append(f"item {n} ({item.request}) is not named")
    for n in item_numbers:
        item = record.items[n - 1]
        if n in collapsed:
            continue
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
    body, bad_citations = _strip_citations(body)
    body = re.sub(r"(?:Item|Punto) \d+", " ", body)  # item numbering is structure, checked above
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

    # 5. legal citations only from prompts/law.toml
    problems = [f"{c!r} is not a citation of prompts/law.toml" for c in bad_citations]
    results.append(CheckResult("legal citations come from prompts/law.toml", not bad_citations, problems))

    # 6. every finding of every item, verbatim
    flat_md = " ".join(markdown.replace("**", "").split())
    missing = [
        f"item {n}: {f!r}" for n, fs in (findings or {}).items() for f in fs if " ".join(f.split()) not in flat_md
    ]
    results.append(CheckResult("every finding quoted verbatim", not missing, missing))

    # 7. unknowns are visible placeholders
    unfilled = sorted(
        {m.group(0).strip() for m in _UNFILLED.finditer(markdown) if not _introduces_list(markdown, m.end())}
    )
    problems = [f"unfilled value {u!r} (write a [[placeholder]])" for u in unfilled]
    results.append(CheckResult("unknowns are visible [[placeholders]]", not unfilled, problems))

    # 8-9. cited ids exist; a resubmission cites overturned decisions only
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
        head = markdown.split("\n## ", 1)[0]
        marked = "DRAFT" in head or "BORRADOR" in head
        problems = [] if marked else ["no DRAFT mark before the first section"]
        results.append(CheckResult("marked as a draft for professional review", marked, problems))
    return results


def _introduces_list(markdown: str, end: int) -> bool:
    """A label line whose value is the nested list right under it ("- **Found:**" + "  - ...")."""
    return markdown[end:].lstrip("\n").startswith("  - ")


def _strip_citations(text: str) -> tuple[str, list[str]]:
    """`text` without the citations of prompts/law.toml (their numbers are not facts about
    the case), and every other citation-like phrase found (each is a failure)."""
    for cite in sorted(citation_texts().values(), key=len, reverse=True):
        text = text.replace(cite, " ")
    sections = "".join(citation_texts().values())
    text = _RULE.sub(lambda m: " " if f"§{m.group(1)}" in sections else m.group(0), text)
    bad = [m.group(0) for m in _CITATION.finditer(text)] + [m.group(0) for m in _RULE.finditer(text)]
    return text, bad


def failures(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.ok]
