"""Build the structured draft (`document.DraftDoc`) from a record, render it, check it.

Every value a template shows about the case comes from the record (which points into the
letter), from a cited decision, from `prompts/law.toml`, or from a date computed from the
letter's own dates; what the letter does not state is a `[[placeholder]]`. The reviewer's
findings are the heart of every output (domain.md, "What each reader needs"): the worker's
"why", the physician's table, the attorney's statements to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..index.models import IndexedDecision
from ..layout.rationale import classify
from ..schema import Item, Record
from .checks import CheckResult, check_draft, dates_in
from .data import citation_texts, cues, law, reason_blocks, worker
from .deadlines import appeal_deadline, twelve_month_end, ur_timeliness
from .document import (
    ChecklistEntry,
    CheckOut,
    CitationOut,
    DocKind,
    DraftDoc,
    FindingOut,
    GlossaryEntry,
    ItemDraft,
    KindCountsOut,
    OtherItem,
    PrecedentOut,
    ReasonOut,
)
from .plain import checklist_kind, glossary_for, medicine_name, needs_safety_line, plain_name
from .readability import summary_grade
from .render import convert, render_markdown
from .similar import DecisionIndex, overturned_precedents
from .text import has_cue, oneline, pick_sentences, split_sentences

KINDS: tuple[str, ...] = ("resubmission", "appeal")
#: Flesch–Kincaid grade the English summary must not exceed.
MAX_GRADE = 8.0
#: Fernández Huerta score the Spanish summary must reach ("fácil" from 80; 70-80 "algo fácil").
MIN_SPANISH_EASE = 70.0
#: Criteria sentences quoted per item in a resubmission (the guideline pages hold the rest).
MAX_CRITERIA = 3
#: Citations each document states, by id in prompts/law.toml.
CITATIONS: dict[str, tuple[str, ...]] = {
    "summary": (),
    "resubmission": ("new_request", "twelve_month_before_2018", "twelve_month_from_2018"),
    "appeal": ("appeal", "remedy", "conflict", "rule_10575", "rule_10615", "rule_10632"),
}
TIMELINESS_CITATIONS = ("ur_timeliness", "dubon")
#: The 12-month rule is §4610(g)(6) for decisions before this date, §4610(k) from it.
TWELVE_MONTH_SWITCH = "2018-01-01"


@dataclass
class DraftResult:
    """A rendered document: the Markdown the checks ran on, the requested format, results."""

    kind: str
    markdown: str
    text: str
    checks: list[CheckResult]
    cited: dict[str, IndexedDecision | None] = field(default_factory=dict)
    grade: float | None = None
    item_numbers: list[int] = field(default_factory=list)
    doc: DraftDoc | None = None
    readability: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def letter_label(record: Record) -> str:
    return record.case_number or record.letter_id


# ------------------------------------------------------------------ items


def _reasons(item: Item, letter_text: str, lang: str | None) -> list[ReasonOut]:
    """The item's reasons with their fix and sentence; `lang` adds the worker's wording."""
    blocks = reason_blocks()
    evidence = {e.code: e for e in item.reason_evidence}
    out = []
    for code in item.denial_reasons:
        ev = evidence.get(code)
        sentence = oneline(letter_text[ev.span[0] : ev.span[1]]) if ev and ev.span else None
        fix = ev.fix if ev else _default_fix(code)
        out.append(ReasonOut(
            code=code, label=blocks[code]["label"], fix=fix, evidence=sentence,
            plain=worker(lang)["reasons"][code] if lang else None,
            change_instead=blocks[code].get("change_instead") if fix == "change_request" else None,
        ))  # fmt: skip
    return out


def _default_fix(code: str) -> Any:
    from ..layout.reasons import reason_fixes  # the one table of what fixes each reason

    return reason_fixes().get(code, "document")


def _checklist(item: Item, kind: str, reasons: list[ReasonOut]) -> list[ChecklistEntry]:
    """What the next request must document, per reason, from the list for this kind of
    treatment (the reason's `default` list when it has none for this kind)."""
    blocks = reason_blocks()
    out: list[ChecklistEntry] = []
    seen: set[str] = set()
    for r in reasons:
        lists = blocks[r.code]["checklist"]
        source = kind if kind in lists else "default"
        for text in lists[source]:
            if text not in seen:
                seen.add(text)
                out.append(ChecklistEntry(reason=r.code, kind=source, text=text))
    return out


def _statements(item: Item, findings: list[FindingOut], reasons: list[ReasonOut]) -> list[str]:
    """What else the attorney checks besides the findings: the sentence each reason was read
    from, and rationale sentences stating a date about this case (dates are the plainest
    facts to test against the records, ground 5); none that says nothing beyond the findings
    it holds (a sentence holding a finding clause and more is listed too).
    A reason's sentence is listed when a record could answer it: a documentation reason's
    ("no documentation of ..."), or any reason's when it speaks of this case ("Given the
    lack of physical exam findings, ... is not medically necessary"; "it appears that the
    claimant is taking them on a regular basis"). The guideline's opinion ("not
    recommended beyond 2-3 weeks") is not a fact a record can contradict, and a date
    sentence that only announces the outcome says nothing to check."""
    quoted = [oneline(f.text) for f in findings]
    reason_sentences = [
        r.evidence for r in reasons
        if r.evidence and (r.fix == "document" or classify(r.evidence.lower()) in ("finding", "conclusion"))
    ]  # fmt: skip
    dated = [oneline(s) for s in split_sentences(item.rationale) if dates_in(s) and not has_cue(s, cues("outcome"))]
    out: list[str] = []
    for s in [*reason_sentences, *dated]:
        if s not in out and _adds_to(s, quoted):
            out.append(s)
    return out


#: A sentence whose words beyond the findings it holds are this few ("In this case, ...")
#: says nothing the findings do not.
_FEW_WORDS = 3
_WORDS = re.compile(r"[a-z0-9]+")


def _adds_to(sentence: str, quoted: list[str]) -> bool:
    """Whether `sentence` says more than the findings it holds ("Given lack of physical exam
    findings, lack of red flags ..." holds the finding "lack of physical exam findings")."""
    rest = sentence.lower()
    for q in quoted:
        rest = rest.replace(q.lower(), " ")
    return len(_WORDS.findall(rest)) > _FEW_WORDS


def _item_draft(n: int, item: Item, letter_text: str, doc_kind: DocKind, lang: str) -> ItemDraft:
    kind = checklist_kind(item)
    reasons = _reasons(item, letter_text, lang if doc_kind == "summary" else None)
    findings = [FindingOut(text=oneline(f.text), span=f.span) for f in item.findings]
    draft = ItemDraft(
        n=n, request=oneline(item.request), plain_name=plain_name(item, lang), medicine=medicine_name(item),
        decision=item.decision,
        category=item.category, drug_class=item.drug_class, checklist_kind=kind,
        original_request=item.original_request, authorized_portion=item.authorized_portion,
        reasons=reasons, findings=findings, guidelines=list(item.reviewer_guidelines),
        pages=list(item.reviewer_pages), guideline_text=item.reviewer_guideline_text,
        depends_on_primary=bool(item.denial_reasons) and set(item.denial_reasons) == {"depends_on_denied_request"},
        safety=needs_safety_line(item),
    )  # fmt: skip
    if doc_kind == "resubmission":
        draft.checklist = _checklist(item, kind, reasons)
        criteria = pick_sentences(item.rationale, cues("criteria"), cues("outcome") + cues("not_criteria"))
        draft.criteria = [oneline(s) for s in criteria[:MAX_CRITERIA]]
    if doc_kind == "appeal":
        draft.statements = _statements(item, findings, reasons)
    return draft


def _select(record: Record, item: int | None, decisions: tuple[str, ...]) -> list[int]:
    if not record.items:
        raise InputError(f"{letter_label(record)}: no decided items were found in the letter")
    if item is not None:
        if not 1 <= item <= len(record.items):
            raise InputError(f"--item {item}: the letter has items 1 to {len(record.items)}")
        if record.items[item - 1].decision not in decisions:
            raise InputError(f"item {item} was {record.items[item - 1].decision}; nothing to draft for it")
        return [item]
    chosen = [n for n, it in enumerate(record.items, 1) if it.decision in decisions]
    if not chosen:
        raise InputError(f"{letter_label(record)}: every item was overturned; there is nothing to resubmit or appeal")
    return chosen


def _citations(ids: tuple[str, ...]) -> list[CitationOut]:
    entries = law()["citations"]
    return [CitationOut(id=i, cite=entries[i]["cite"], says=entries[i]["says"]) for i in ids]


def twelve_month_citation(record: Record) -> str | None:
    """Which text of the 12-month rule applies, by the UR date (else the decision date);
    None when the letter dates neither."""
    day = record.utilization_review_date or record.decision_date or record.date_assigned
    if not day:
        return None
    return "twelve_month_before_2018" if day < TWELVE_MONTH_SWITCH else "twelve_month_from_2018"


def _doc(record: Record, kind: DocKind, lang: str, numbers: list[int], letter_text: str) -> DraftDoc:
    return DraftDoc(
        kind=kind, lang=lang, letter_id=record.letter_id, case_number=record.case_number,
        decision_date=record.decision_date, utilization_review_date=record.utilization_review_date,
        date_of_injury=record.patient.date_of_injury,
        items=[_item_draft(n, record.items[n - 1], letter_text, kind, lang) for n in numbers],
        other_items=[OtherItem(n=n, request=oneline(it.request), decision=it.decision)
                     for n, it in enumerate(record.items, 1) if n not in numbers],
        citations=_citations(CITATIONS[kind]),
    )  # fmt: skip


# ------------------------------------------------------------------ checking and output


def finish_draft(
    kind: str,
    md: str,
    record: Record,
    letter_text: str,
    numbers: list[int],
    fmt: str,
    title: str,
    cited: dict[str, IndexedDecision | None] | None = None,
    doc: DraftDoc | None = None,
    derived_numbers: list[str] | None = None,
) -> DraftResult:
    """Run the faithfulness checks on the Markdown and convert it to the requested format
    (`json`: the structured draft `doc`, with the checks' results in it)."""
    deadlines = doc.deadlines if doc is not None else [appeal_deadline(record)]
    derived = [d.date for d in deadlines if d.date]
    lead = doc.ur_timeliness if doc is not None else None
    if lead is not None:
        derived.append(lead.rfa_date)
    findings = {it.n: [f.text for f in it.findings] for it in doc.items} if doc is not None else {}
    shares_a_line = doc is not None and kind == "resubmission"
    collapsed = [it.n for it in doc.items if it.depends_on_primary] if doc is not None and shares_a_line else []
    checks = check_draft(
        md, record, letter_text, item_numbers=numbers, cited=cited,
        require_overturned_citations=kind == "resubmission", require_draft_mark=True, derived_dates=derived,
        derived_numbers=derived_numbers or [], findings=findings, collapsed=collapsed,
    )  # fmt: skip
    result = DraftResult(kind, md, "", checks, cited or {}, item_numbers=numbers, doc=doc)
    return finalize(result, fmt, title)


def finalize(result: DraftResult, fmt: str, title: str) -> DraftResult:
    """Copy the checks' results into the structured draft and write the requested format."""
    if result.doc is not None:
        result.doc.checks = [CheckOut(name=c.name, ok=c.ok, problems=c.problems) for c in result.checks]
        result.doc.readability = result.readability
    if fmt == "json" and result.doc is not None:
        result.text = result.doc.model_dump_json(indent=2) + "\n"
    else:
        result.text = convert(result.markdown, fmt, title)
    return result


def _summary_doc(record: Record, letter_text: str, lang: str) -> DraftDoc:
    numbers = _select(record, None, ("upheld", "overturned"))
    doc = _doc(record, "summary", lang, numbers, letter_text)
    doc.deadlines = [appeal_deadline(record)]
    return doc


def render_summary(record: Record, letter_text: str, fmt: str = "md", lang: str = "en") -> DraftResult:
    """The plain-language summary for the injured worker (every item; grade 8 in English,
    an easy Fernández Huerta score in Spanish)."""
    words = worker(lang)
    doc = _summary_doc(record, letter_text, lang)
    template = "summary.md.j2" if lang == "en" else f"summary.{lang}.md.j2"
    ctx = {"label": letter_label(record), "doc": doc, "w": words, "help": words["help"]}
    body = render_markdown(template, glossary=[], **ctx)
    doc.glossary = [GlossaryEntry(term=t, means=m) for t, m in glossary_for([letter_text, body], lang)]
    md = render_markdown(template, glossary=doc.glossary, **ctx)
    title = ("IMR decision summary" if lang == "en" else "Resumen de la decisión IMR") + f" — {ctx['label']}"
    result = finish_draft("summary", md, record, letter_text, [it.n for it in doc.items], "md", title, doc=doc)
    result.checks.append(_readability_check(md, lang, result))
    return finalize(result, fmt, title)


def _readability_check(md: str, lang: str, result: DraftResult) -> CheckResult:
    """English: Flesch–Kincaid grade <= 8; Spanish: Fernández Huerta >= MIN_SPANISH_EASE.
    Both are measured on the summary's own wording: the reviewer's findings, quoted word
    for word from the letter in English, are left out (they cannot be simplified)."""
    md = own_words(md, result.doc)
    if lang == "en":
        grade = summary_grade(md)
        result.grade = grade
        result.readability = {"flesch_kincaid_grade": grade}
        ok = grade <= MAX_GRADE
        return CheckResult(f"reading grade {MAX_GRADE:g} or lower", ok, [] if ok else [f"grade {grade}"])
    from .readability_es import spanish_scores

    scores = spanish_scores(md)
    result.readability = scores
    ease = scores["fernandez_huerta"]
    ok = ease >= MIN_SPANISH_EASE
    name = f"Spanish reading ease (Fernández Huerta) {MIN_SPANISH_EASE:g} or higher"
    return CheckResult(name, ok, [] if ok else [f"Fernández Huerta {ease}"])


def own_words(md: str, doc: DraftDoc | None) -> str:
    """The summary without the reviewer's findings quoted from the letter: readability
    measures the wording this tool chose, not the reviewer's verbatim English."""
    for it in doc.items if doc is not None else []:
        for f in it.findings:
            md = md.replace(f'"{f.text}"', " ")
    return md


def _precedents(
    index: DecisionIndex, item: Item, record: Record, limit: int
) -> tuple[list[PrecedentOut], KindCountsOut | None]:
    found = overturned_precedents(index, item, record, limit)
    cited = [PrecedentOut(id=p.id, request=oneline(p.request), decision_date=p.decision_date, kind=p.kind,
                          finding=oneline(p.sentence)) for p in found]  # fmt: skip
    c = found.counts
    counts = KindCountsOut(kind=c.kind, total=c.total, overturned=c.overturned, upheld=c.upheld) if c else None
    return cited, counts


def render_draft(
    record: Record,
    letter_text: str,
    kind: str,
    *,
    item: int | None = None,
    index: DecisionIndex | None = None,
    fmt: str = "md",
    max_precedents: int = 3,
) -> DraftResult:
    """A resubmission letter or an appeal petition draft for the upheld items (or `item`)."""
    if kind not in KINDS:
        raise InputError(f"--kind {kind}: use one of {', '.join(KINDS)}")
    numbers = _select(record, item, ("upheld",))
    doc_kind: DocKind = "resubmission" if kind == "resubmission" else "appeal"
    doc = _doc(record, doc_kind, "en", numbers, letter_text)
    doc.index_available = index is not None
    cited: dict[str, IndexedDecision | None] = {}
    derived_numbers: list[str] = []
    if kind == "resubmission":
        doc.deadlines = [twelve_month_end(record)]
        in_force = twelve_month_citation(record)  # None: both texts are stated, by date
        doc.citations = [c for c in doc.citations
                         if not c.id.startswith("twelve_month") or in_force in (None, c.id)]  # fmt: skip
        for it in doc.items:
            if index is None or it.depends_on_primary:
                continue
            it.precedents, it.precedent_counts = _precedents(index, record.items[it.n - 1], record, max_precedents)
            for p in it.precedents:
                cited[p.id] = index.get(p.id)
            if it.precedent_counts is not None:
                c = it.precedent_counts
                derived_numbers += [str(c.total), str(c.overturned), str(c.upheld)]
    else:
        doc.deadlines = [appeal_deadline(record)]
        doc.ur_timeliness = ur_timeliness(record, letter_text)
        if doc.ur_timeliness is not None:
            doc.citations += _citations(TIMELINESS_CITATIONS)
            derived_numbers.append(str(doc.ur_timeliness.days))
    law_by_id = {c.id: c for c in _citations(tuple(citation_texts()))}
    rules = [c for c in doc.citations if c.id.startswith("twelve_month")]
    md = render_markdown(f"{kind}.md.j2", label=letter_label(record), doc=doc, law=law_by_id, rule=rules,
                         weekdays=worker("en")["labels"]["weekdays"])  # fmt: skip
    title = f"DRAFT {kind} — {letter_label(record)}"
    return finish_draft(kind, md, record, letter_text, numbers, fmt, title, cited, doc, derived_numbers)
