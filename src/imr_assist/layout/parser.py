"""The layout parser: a `Document` in, a validated, grounded `Record` out. No model.

Pipeline: detect the layout -> find the sections -> read the letter-level fields ->
segment the items -> read each item's fields. Every value carries a span into
`Document.text`; a section that is missing leaves its fields empty and adds a warning.
"""

from __future__ import annotations

import re

from ..reading import Document, clean
from ..schema import Finding, Item, Patient, ReasonEvidence, Record, Reviewer
from . import header as hdr
from .classify import classify_request
from .detect import detect_format, require_decisions
from .guidelines import cited_pages, guideline_sources
from .items import SEGMENTERS, ItemBlock, strip_noise
from .quantity import find_quantity, find_refills
from .rationale import read_rationale
from .reasons import explain_denial
from .text import Region, loose, lower_pattern, lowered

_ITEMS_HEADING = loose(
    r"IMR ISSUES,? DECISIONS,? AND RATIONALES|IMR DECISION\(?S?\)? AND RATIONALE\(?S?\)?"
    r"|INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE|ISSUES? (?:AT|IN) DISPUTE\s*:"
)
_FIRST_SECTION = loose(
    r"HOW THE IMR FINAL DETERMINATION WAS MADE|CLINICAL CASE SUMMARY|Dear\b|MEDICAL PROFESSIONAL REVIEW"
    r"|DOCUMENTS REVIEWED|IMR ISSUES"
)
_SUMMARY = loose(r"CLINICAL CASE SUMMARY|CASE SUMMARY\s*:?")
_INJURY = lower_pattern(r"\b(?:injury|injured)\b(?!\s+(?:worker|employee|party|individual))|\bDOI\b")
_UR = lower_pattern(
    r"utilization review|\bUR\b|pre-?authorization process|prior (?:determination|review)|non-?certif"
    r"|not certif|modified[- ]denied"
)
_HEADER_WINDOW = 2500
_NEXT_SECTION = loose(
    r"RATIONALE FOR WHY|MEDICAL REVIEWER QUALIFICATIONS|ISSUES? (?:AT|IN) DISPUTE|DOCUMENTS REVIEWED"
)
_SAME_AS_CA = re.compile(
    r"found that the guidelines? used by the Claims Administrator (was|were) (appropriate|relevant)", re.I
)


def parse_letter(doc: Document) -> Record:
    """Extract one letter. Raises `NotAnIMRLetter` when the text is not an IMR letter:
    no determination headings, or no decided item (see `detect`)."""
    text = doc.text
    fmt = detect_format(text)
    warnings: list[str] = []
    spans: dict[str, tuple[int, int]] = {}

    items_at = _items_start(text)
    first = _FIRST_SECTION.search(lowered(text), 0, items_at or len(text))
    head_end = first.start() if first and first.start() > 0 else min(len(text), _HEADER_WINDOW)
    header = Region(text, 0, max(head_end, min(len(text), 300)))
    fields = hdr.header_fields(header)
    pre_items = Region(text, 0, items_at if items_at is not None else len(text))
    summary = _summary_region(text, pre_items)
    summary_m = summary is not pre_items

    def take(key: str, found: tuple[object, tuple[int, int] | None]) -> object:
        value, span = found
        if value is not None and span is not None:
            spans[key] = span
        return value

    case_number = take("case_number", fields.get("case_number", (None, None)))
    if case_number is None:
        case_number = take("case_number", hdr.case_number_anywhere(Region(text, 0, min(len(text), _HEADER_WINDOW))))
    age_found, sex_found = hdr.patient_age_sex(summary)
    if age_found[0] is None and summary is not pre_items:
        age_found, sex_found = hdr.patient_age_sex(pre_items)
    doi = fields.get("date_of_injury") or hdr.date_from_sentence(summary, _INJURY)
    ur = fields.get("utilization_review_date") or hdr.date_from_sentence(summary, _UR)
    patient = Patient(
        age=take("patient.age", age_found),  # type: ignore[arg-type]
        sex=take("patient.sex", sex_found),  # type: ignore[arg-type]
        date_of_injury=take("patient.date_of_injury", doi),  # type: ignore[arg-type]
    )
    # Credentials sit before the case summary; the longer regions are read only when not.
    before_summary = Region(text, 0, summary.start) if summary_m and summary.start <= pre_items.end else None
    for where in (before_summary, pre_items, Region(text, 0, len(text))):
        if where is not None:
            states, specs = hdr.reviewer_credentials(where)
            if states[0] is not None or specs[0] is not None:
                break
    reviewer = Reviewer(
        licensure_states=take("reviewer.licensure_states", states) or [],  # type: ignore[arg-type]
        specialties=take("reviewer.specialties", specs) or [],  # type: ignore[arg-type]
    )
    if not reviewer.specialties and not reviewer.licensure_states:
        warnings.append("reviewer credentials not found")

    blocks = _segment(text, fmt, items_at)
    require_decisions(blocks)
    items = [_item(text, b, warnings) for b in blocks]
    if not summary_m:
        warnings.append("no clinical case summary section found")

    return Record(
        letter_id=str(case_number) if case_number else doc.stem,
        case_number=case_number,  # type: ignore[arg-type]
        format=fmt,  # type: ignore[arg-type]
        patient=patient,
        utilization_review_date=take("utilization_review_date", ur),  # type: ignore[arg-type]
        date_assigned=take("date_assigned", fields.get("date_assigned", (None, None))),  # type: ignore[arg-type]
        decision_date=take("decision_date", fields.get("decision_date", (None, None))),  # type: ignore[arg-type]
        reviewer=reviewer,
        items=items,
        spans=spans,
        warnings=warnings,
        extractor="rules",
        source=doc.source,
    )


def _summary_region(text: str, pre_items: Region) -> Region:
    """The case summary: before the items in most layouts, after the issue list in the
    medical professional review layout (up to its next section heading)."""
    low = lowered(text)
    m = _SUMMARY.search(low, 0, pre_items.end)
    if m:
        return Region(text, m.end(), pre_items.end)
    m = _SUMMARY.search(low)
    if not m:
        return pre_items
    nxt = _NEXT_SECTION.search(low, m.end())
    return Region(text, m.end(), nxt.start() if nxt else len(text))


def _items_start(text: str) -> int | None:
    m = _ITEMS_HEADING.search(lowered(text))
    return m.start() if m else None


def _segment(text: str, fmt: str, items_at: int | None) -> list[ItemBlock]:
    """Run the layout's own segmenter, then the others if it finds nothing."""
    region = Region(text, items_at if items_at is not None else 0, len(text))
    order = [SEGMENTERS[fmt]] if fmt in SEGMENTERS else []
    order += [s for s in SEGMENTERS.values() if s not in order]
    for segmenter in order:
        blocks = segmenter(region)
        if blocks:
            return blocks
    if items_at is not None:  # the items heading may be missing its items: try the whole letter
        whole = Region(text, 0, len(text))
        for segmenter in order:
            blocks = segmenter(whole)
            if blocks:
                return blocks
    return []


def _item(text: str, b: ItemBlock, warnings: list[str]) -> Item:
    spans: dict[str, tuple[int, int]] = {"item": b.block, "heading": b.heading, "request": b.request_span}
    request = b.request
    if b.decision is None:
        warnings.append(f"no decision found for item {request!r}; assumed upheld")
    decision = b.decision or "upheld"
    if b.decision_span:
        spans["decision"] = b.decision_span
    cls = classify_request(request)
    req_a = b.request_span[0]
    req_region = Region(text, *b.request_span)

    def within_request(a: int, z: int) -> tuple[int, int]:
        return req_region.span(a, z) if req_region.clean == request else (req_a, b.request_span[1])

    spans["category"] = b.request_span
    if cls.drug_span:
        spans["generic_name"] = within_request(*cls.drug_span)
        spans["drug_class"] = spans["generic_name"]
    qty, qspan = find_quantity(request, cls.category == "medication")
    if qspan:
        spans["quantity"] = within_request(*qspan)
    refills, rspan = find_refills(request)
    if rspan:
        spans["refills"] = within_request(*rspan)

    ca_text = clean(text[b.ca_guideline[0] : b.ca_guideline[1]]) if b.ca_guideline else None
    rev_region = Region(text, *b.reviewer_guideline) if b.reviewer_guideline else None
    rev_text = rev_region.clean if rev_region else None
    ca_sources = guideline_sources(ca_text) if ca_text is not None else []
    rev_sources = guideline_sources(rev_text) if rev_text is not None else []
    if b.ca_guideline:
        spans["claims_administrator_guidelines"] = b.ca_guideline
    if b.reviewer_guideline:
        spans["reviewer_guidelines"] = b.reviewer_guideline
    pages: list[str] = []
    if rev_region is not None and rev_text is not None:
        pages, page_spans = cited_pages(rev_text)
        if page_spans:
            spans["reviewer_pages"] = rev_region.span(page_spans[0][0], page_spans[-1][1])
        if _SAME_AS_CA.search(rev_text):
            rev_sources = rev_sources or ca_sources
    if b.rationale is None:
        warnings.append(f"no decision rationale found for item {request!r}")
    rationale = ""
    findings: list[Finding] = []
    evidence: list[ReasonEvidence] = []
    if b.rationale:
        rat_region = Region(text, *b.rationale)
        rationale = strip_noise(rat_region.clean)
        if "  " in rationale:  # a removed page-break line leaves a double space
            rationale = " ".join(rationale.split())
        rationale = rationale.strip()
        spans["rationale"] = b.rationale
        reading = read_rationale(rat_region.clean)
        findings = [Finding(text=reading.text[a:z], span=rat_region.span(a, z)) for a, z in reading.findings]
        if decision == "upheld":
            evidence = [
                ReasonEvidence(code=r.code, span=rat_region.span(*r.span), fix=r.fix)  # type: ignore[arg-type]
                for r in explain_denial(reading, request, cls.generic_name, cls.drug_class)
            ]
            if evidence:
                spans["denial_reasons"] = (min(r.span[0] for r in evidence), max(r.span[1] for r in evidence))  # type: ignore[index]
    item = Item(
        request=request,
        original_request=b.original_request[0] if b.original_request else None,
        authorized_portion=b.authorized_portion[0] if b.authorized_portion else None,
        decision=decision,  # type: ignore[arg-type]
        category=cls.category,  # type: ignore[arg-type]
        drug_class=cls.drug_class,  # type: ignore[arg-type]
        generic_name=cls.generic_name,
        quantity=qty,
        refills=refills,
        claims_administrator_guidelines=ca_sources,  # type: ignore[arg-type]
        reviewer_guidelines=rev_sources,  # type: ignore[arg-type]
        reviewer_pages=pages,
        denial_reasons=[r.code for r in evidence],
        findings=findings,
        reason_evidence=evidence,
        rationale=rationale,
        claims_administrator_guideline_text=ca_text,
        reviewer_guideline_text=rev_text,
        spans=spans,
        provenance={"*": "rules"},
    )
    if b.original_request:
        item.spans["original_request"] = b.original_request[1]
    if b.authorized_portion:
        item.spans["authorized_portion"] = b.authorized_portion[1]
    return item
