"""What a review page shows, computed from a record dict and the letter text.

Two views of the same spans:

- `Mark`s: every span of the record, each tied to the field and item it evidences. The
  record panel lists values through them; the letter panel highlights them.
- `Segment`s: the letter cut at every span boundary (a sorted set of offsets), so each
  segment is covered by a fixed set of marks. Nested and overlapping spans ('generic_name'
  inside 'request', 'denial_reasons' inside 'rationale', two fields on the same words)
  therefore render as flat, non-overlapping elements that each list all their marks —
  no string replacement, no broken nesting, and the concatenated segments are exactly the
  letter text.

Works on JSON-shaped dicts (`Record.model_dump(mode="json")`), so the eval report's
predicted records and a fresh extraction take the same path.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from typing import Any

from ..evaluation.grounding import span_supports
from ..schema import ITEM_CONTRACT_FIELDS

#: Spans that enclose other evidence: shown as subtle blocks, not as highlights.
CONTAINERS = frozenset({"item", "heading", "rationale"})

#: Field -> colour family. Kinds are what the legend and the CSS know.
KINDS: dict[str, str] = {
    "decision": "decision",
    "request": "request",
    "original_request": "request",
    "authorized_portion": "request",
    "category": "detail",
    "drug_class": "detail",
    "generic_name": "detail",
    "quantity": "detail",
    "refills": "detail",
    "claims_administrator_guidelines": "guideline",
    "reviewer_guidelines": "guideline",
    "claims_administrator_guideline_text": "guideline",
    "reviewer_guideline_text": "guideline",
    "reviewer_pages": "pages",
    "denial_reasons": "reasons",
    "patient.age": "patient",
    "patient.sex": "patient",
    "patient.date_of_injury": "patient",
    "reviewer.licensure_states": "reviewer",
    "reviewer.specialties": "reviewer",
    "case_number": "letter",
    "utilization_review_date": "letter",
    "date_assigned": "letter",
    "decision_date": "letter",
    "format": "letter",
    "rationale": "rationale",
}

#: Legend order and labels.
KIND_LABELS: dict[str, str] = {
    "decision": "decision",
    "request": "request",
    "detail": "drug / quantity / category",
    "guideline": "guidelines",
    "pages": "pages",
    "reasons": "denial reasons",
    "patient": "patient",
    "reviewer": "reviewer",
    "letter": "case & dates",
    "other": "other",
}

#: Letter-level values, in display order.
LETTER_FIELDS: tuple[str, ...] = (
    "case_number",
    "format",
    "patient.age",
    "patient.sex",
    "patient.date_of_injury",
    "utilization_review_date",
    "date_assigned",
    "decision_date",
    "reviewer.licensure_states",
    "reviewer.specialties",
)

#: Item values, in display order: the contract's fields with the decision right after the
#: request, then the rationale (last: it is long).
ITEM_FIELDS: tuple[str, ...] = (
    "request",
    "decision",
    *(f for f in ITEM_CONTRACT_FIELDS if f not in ("request", "decision")),
    "rationale",
)

#: Values that are labels read from text, not quotations: no span is expected for them
#: when the letter gives nothing to point at (e.g. `format`).
NO_SPAN_EXPECTED = frozenset({"format"})

#: A key the record does not have (unlike None: a key the letter leaves empty).
MISSING = object()


def lookup(data: dict[str, Any], dotted: str) -> Any:
    """`data["patient"]["age"]` for "patient.age"; `MISSING` when a key is absent."""
    cur: Any = data
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return MISSING
        cur = cur[part]
    return cur


def has_value(value: Any) -> bool:
    """A value worth evidencing: not missing, null, empty string or empty list."""
    return value is not MISSING and value is not None and value != "" and value != []


def display(value: Any) -> str:
    """How a value reads in the record panel (lists joined, null as an em dash)."""
    if value is MISSING or value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "[]"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass
class Mark:
    """One span of the record: `[start, end)` in the letter, for `field` of `item`."""

    id: str
    field: str
    kind: str
    start: int
    end: int
    item: int | None
    value: Any
    page: int = 1
    supported: bool = True

    @property
    def container(self) -> bool:
        return self.field in CONTAINERS

    @property
    def label(self) -> str:
        where = f"item {self.item + 1}" if self.item is not None else "letter"
        return f"{where} · {self.field}"


@dataclass
class Value:
    """One row of the record panel."""

    field: str
    value: Any
    mark: Mark | None = None
    problem: str | None = None  # "no span", "span outside the letter", "span does not show the value"

    @property
    def text(self) -> str:
        return display(self.value)


@dataclass
class ItemView:
    index: int
    request: str
    decision: str | None
    values: list[Value]
    anchor: Mark | None  # the 'item' (or 'heading', or 'request') span: where the item starts


@dataclass
class Segment:
    """A run of letter text covered by the same marks (highlights and containers)."""

    text: str
    start: int
    marks: list[Mark]
    containers: list[Mark]
    page_break: int | None = None  # page number starting at this segment, for PDFs

    @property
    def top(self) -> Mark | None:
        """The innermost highlight: its colour shows; the others are listed in data-m."""
        return min(self.marks, key=lambda m: (m.end - m.start, m.id)) if self.marks else None


@dataclass
class ReviewModel:
    """Everything one review page needs."""

    letter_id: str
    source: str | None
    text: str
    letter: list[Value]
    items: list[ItemView]
    marks: list[Mark]
    segments: list[Segment]
    warnings: list[str]
    problems: list[tuple[str, Value]] = field(default_factory=list)  # (where, value)
    kinds: dict[str, int] = field(default_factory=dict)  # kind -> count of highlights


def _page_of(page_starts: list[int], offset: int) -> int:
    return bisect.bisect_right(page_starts, offset) or 1


def _span(raw: Any, text: str) -> tuple[int, int] | None:
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        return None
    start, end = raw
    if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
        return None
    if not 0 <= start < end <= len(text):
        return None
    return start, end


def _values(
    owner: dict[str, Any],
    names: tuple[str, ...],
    item: int | None,
    text: str,
    page_starts: list[int],
    marks: list[Mark],
) -> list[Value]:
    """Values of one owner (the letter or an item) and a mark per span it carries.

    Spans for keys that are not listed values (containers such as 'item', 'heading', or
    extra fields an extractor adds) still become marks, so every span is shown.
    """
    spans: dict[str, Any] = owner.get("spans") or {}
    out: list[Value] = []
    by_field: dict[str, Mark] = {}
    for key, raw in spans.items():
        span = _span(raw, text)
        if span is None:
            continue
        value = lookup(owner, key)
        supported = True
        if key not in CONTAINERS and has_value(value):
            supported = span_supports(key, value, text, span[0], span[1])
        mark = Mark(
            id=f"m{len(marks)}",
            field=key,
            kind=KINDS.get(key, "other"),
            start=span[0],
            end=span[1],
            item=item,
            value=None if value is MISSING else value,
            page=_page_of(page_starts, span[0]),
            supported=supported,
        )
        marks.append(mark)
        by_field[key] = mark
    for name in names:
        value = lookup(owner, name)
        if value is MISSING:
            continue
        found = by_field.get(name)
        problem = None
        if found is None and has_value(value) and name not in NO_SPAN_EXPECTED:
            problem = "span outside the letter" if name in spans else "no span"
        elif found is not None and has_value(value) and not found.supported:
            problem = "span does not show the value"
        out.append(Value(name, value, found, problem))
    # Spans of keys that are not listed values (a 'heading', an extractor's extra field):
    # listed too, so every highlight has a row to name it; 'item' is the card itself.
    for key, mark in by_field.items():
        if key not in names and key != "item":
            value = lookup(owner, key)
            out.append(Value(key, text[mark.start : mark.end] if value is MISSING else value, mark))
    return out


def segments(text: str, marks: list[Mark], page_starts: list[int] | None = None) -> list[Segment]:
    """Cut `text` at every mark boundary (and page start); each piece knows its marks.

    Sweep over the sorted boundary set: O((n + b) log b) with a set of open marks, robust
    to any nesting or overlap, and the pieces concatenate back to `text` exactly.
    """
    pages = [p for p in (page_starts or [0]) if 0 < p < len(text)]
    bounds = sorted({0, len(text), *pages, *(m.start for m in marks), *(m.end for m in marks)})
    starts: dict[int, list[Mark]] = {}
    for m in marks:
        starts.setdefault(m.start, []).append(m)
    page_at = {p: i + 2 for i, p in enumerate(pages)}
    open_marks: list[Mark] = []
    out: list[Segment] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        open_marks = [m for m in open_marks if m.end > a] + starts.get(a, [])
        out.append(
            Segment(
                text=text[a:b],
                start=a,
                marks=[m for m in open_marks if not m.container],
                containers=[m for m in open_marks if m.container],
                page_break=page_at.get(a),
            )
        )
    return out


def build(record: dict[str, Any], text: str, page_starts: list[int] | None = None) -> ReviewModel:
    """The review model of one record over its letter text."""
    starts = page_starts or [0]
    marks: list[Mark] = []
    letter = _values(record, LETTER_FIELDS, None, text, starts, marks)
    items: list[ItemView] = []
    for i, it in enumerate(record.get("items") or []):
        if not isinstance(it, dict):
            continue
        values = _values(it, ITEM_FIELDS, i, text, starts, marks)
        mine = {m.field: m for m in marks if m.item == i}
        anchor = mine.get("item") or mine.get("heading") or mine.get("request")
        decision = it.get("decision") if isinstance(it.get("decision"), str) else None
        items.append(ItemView(i, str(it.get("request") or ""), decision, values, anchor))
    problems = [("letter", v) for v in letter if v.problem]
    problems += [(f"item {iv.index + 1}", v) for iv in items for v in iv.values if v.problem]
    kinds: dict[str, int] = {}
    for m in marks:
        if not m.container:
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
    return ReviewModel(
        letter_id=str(record.get("letter_id") or "letter"),
        source=record.get("source"),
        text=text,
        letter=letter,
        items=items,
        marks=marks,
        segments=segments(text, marks, starts),
        warnings=[str(w) for w in record.get("warnings") or []],
        problems=problems,
        kinds=kinds,
    )
