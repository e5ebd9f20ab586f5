"""Build the template context from a record and render each document kind.

Every value a template shows about the case comes from the record (which points into
the letter) or from a cited decision; what the letter does not state is a `[[placeholder]]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..index.models import IndexedDecision
from ..schema import Item, Record
from .checks import CheckResult, check_draft, dates_in
from .data import cues, glossary, reason_blocks
from .readability import summary_grade
from .render import convert, render_markdown
from .similar import DecisionIndex, Precedents, overturned_precedents
from .text import has_cue, pick_sentences, plus_days, split_sentences

KINDS: tuple[str, ...] = ("resubmission", "appeal")
APPEAL_DAYS = 30
#: Flesch–Kincaid grade the worker's summary must not exceed.
MAX_GRADE = 8.0


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
    counted: list[str] = field(default_factory=list)  # numbers stated from the index's counts

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def letter_label(record: Record) -> str:
    return record.case_number or record.letter_id


def _reasons(item: Item) -> list[dict[str, Any]]:
    blocks = reason_blocks()
    codes: list[str] = list(item.denial_reasons) or (["unclassified"] if item.decision == "upheld" else [])
    return [{"code": c, **blocks[c]} for c in codes]


def _deadline(record: Record) -> dict[str, Any]:
    return {
        "days": APPEAL_DAYS,
        "decision_date": record.decision_date,
        "if_mailed_that_day": plus_days(record.decision_date, APPEAL_DAYS),
    }


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


def finish_draft(
    kind: str,
    md: str,
    record: Record,
    letter_text: str,
    numbers: list[int],
    fmt: str,
    title: str,
    cited: dict[str, IndexedDecision | None] | None = None,
    counted: list[str] | None = None,
) -> DraftResult:
    """Run the faithfulness checks on the Markdown and convert it to the requested format.
    `counted`: numbers the draft states from the index's counts (not from the letter)."""
    derived = [d for d in [_deadline(record)["if_mailed_that_day"]] if d]
    checks = check_draft(
        md, record, letter_text, item_numbers=numbers, cited=cited,
        require_overturned_citations=kind == "resubmission", require_draft_mark=True, derived_dates=derived,
        derived_numbers=counted or [],
    )  # fmt: skip
    return DraftResult(kind, md, convert(md, fmt, title), checks, cited or {}, item_numbers=numbers,
                       counted=counted or [])  # fmt: skip


def render_summary(record: Record, letter_text: str, fmt: str = "md") -> DraftResult:
    """The plain-language summary for the injured worker (every item, grade-8 wording)."""
    numbers = _select(record, None, ("upheld", "overturned"))
    items: list[dict[str, Any]] = [
        {"n": n, "item": record.items[n - 1], "reasons": _reasons(record.items[n - 1])} for n in numbers
    ]
    ctx = {"label": letter_label(record), "record": record, "items": items, "deadline": _deadline(record),
           "any_upheld": any(i["item"].decision == "upheld" for i in items)}  # fmt: skip
    body = render_markdown("summary.md.j2", glossary=[], **ctx)
    terms = [(t, d) for t, d in glossary().items() if re.search(rf"\b{re.escape(t)}\b", body)]
    md = render_markdown("summary.md.j2", glossary=terms, **ctx)
    result = finish_draft("summary", md, record, letter_text, numbers, fmt, f"IMR decision summary — {ctx['label']}")
    grade = summary_grade(md)
    result.grade = grade
    ok = grade <= MAX_GRADE
    result.checks.append(CheckResult(f"reading grade {MAX_GRADE:g} or lower", ok, [] if ok else [f"grade {grade}"]))
    return result


def _item_context(n: int, item: Item) -> dict[str, Any]:
    criteria = pick_sentences(item.rationale, cues("criteria"), cues("outcome") + cues("not_criteria"))
    facts = [
        s for s in split_sentences(item.rationale)
        if (has_cue(s, cues("facts")) or dates_in(s)) and not has_cue(s, cues("outcome"))
        and (s not in criteria or "in this case" in s.lower())
    ]  # fmt: skip
    return {"n": n, "item": item, "reasons": _reasons(item), "criteria": criteria, "facts": facts}


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
    """A resubmission rationale or an appeal checklist for the upheld items (or `item`)."""
    if kind not in KINDS:
        raise InputError(f"--kind {kind}: use one of {', '.join(KINDS)}")
    numbers = _select(record, item, ("upheld",))
    items = [_item_context(n, record.items[n - 1]) for n in numbers]
    cited: dict[str, IndexedDecision | None] = {}
    counted: list[str] = []
    if kind == "resubmission":
        for ctx in items:
            precedents = (
                overturned_precedents(index, ctx["item"], record, max_precedents) if index is not None else Precedents()
            )
            ctx["precedents"] = precedents.cited
            ctx["counts"] = precedents.counts
            if precedents.counts is not None:
                c = precedents.counts
                counted += [str(c.total), str(c.overturned), str(c.upheld)]
            for p in precedents:
                cited[p.id] = index.get(p.id) if index is not None else None
    others = [{"n": n, "item": it} for n, it in enumerate(record.items, 1) if n not in numbers]
    md = render_markdown(
        f"{kind}.md.j2", label=letter_label(record), record=record, items=items, others=others,
        deadline=_deadline(record), index_available=index is not None,
    )  # fmt: skip
    title = f"DRAFT {kind} — {letter_label(record)}"
    return finish_draft(kind, md, record, letter_text, numbers, fmt, title, cited, counted)
