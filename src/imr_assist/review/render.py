"""Render review pages from `prompts/review/*.j2` (autoescaped) into self-contained HTML.

Self-contained means one file: the CSS and the script are inlined from `prompts/review/`,
nothing is fetched. A Content-Security-Policy with `default-src 'none'` and the script's
own SHA-256 hash makes that a guarantee rather than a habit: even if some letter text
escaped escaping, the browser would refuse to run it or to load anything from the network.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from ..assets import prompt_text, template_loader
from ..scrub import scrub_record
from .model import KIND_LABELS, Mark, ReviewModel, Value, display

TEMPLATE_DIR = "review"

#: Short labels for the record panel (field names stay visible in the tooltip).
FIELD_LABELS: dict[str, str] = {
    "claims_administrator_guidelines": "claims admin guidelines",
    "reviewer_guidelines": "reviewer guidelines",
    "claims_administrator_guideline_text": "claims admin guideline text",
    "reviewer_guideline_text": "reviewer guideline text",
    "utilization_review_date": "UR date",
    "patient.date_of_injury": "date of injury",
    "reviewer.licensure_states": "licensed in",
    "reviewer.specialties": "specialties",
    "patient.age": "age",
    "patient.sex": "sex",
}

#: Long values are cut in the record panel; the full text is one click away in the letter.
PREVIEW_CHARS = 220


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=template_loader(TEMPLATE_DIR),
        autoescape=True,  # letter text and values are data, never markup
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _csp_hash(source: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode()


@lru_cache(maxsize=1)
def assets() -> dict[str, str]:
    """The inline CSS and script, and the CSP that allows exactly them."""
    style = prompt_text(f"{TEMPLATE_DIR}/review.css")
    script = prompt_text(f"{TEMPLATE_DIR}/review.js")
    csp = (
        f"default-src 'none'; style-src '{_csp_hash(style)}'; script-src '{_csp_hash(script)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return {"style": style, "script": script, "csp": csp}


@dataclass
class Row:
    """One value in the record panel; `gold`/`mismatch` are filled on eval pages."""

    field: str
    label: str
    text: str
    target: str | None = None
    kind: str = "other"
    page: int | None = None
    problem: str | None = None
    long: bool = False
    gold: str | None = None
    scored: bool = False
    mismatch: bool = False


@dataclass
class Card:
    """One item of the record panel (or the letter-level block when `index` is None)."""

    title: str
    index: int | None
    rows: list[Row]
    decision: str | None = None
    anchor: str | None = None
    status: str = ""  # eval: "", "missing" (gold only), "extra" (predicted only)
    gold_decision: str | None = None
    mismatches: int = 0


def row(value: Value, multipage: bool) -> Row:
    mark: Mark | None = value.mark
    text = value.text
    long = len(text) > PREVIEW_CHARS
    return Row(
        field=value.field,
        label=FIELD_LABELS.get(value.field, value.field.replace("_", " ")),
        text=text[:PREVIEW_CHARS].rstrip() + "…" if long else text,
        target=mark.id if mark else None,
        kind=mark.kind if mark else "other",
        page=mark.page if mark and multipage else None,
        problem=value.problem,
        long=long,
    )


def cards(model: ReviewModel, multipage: bool) -> list[Card]:
    """The letter block and one card per item, in record order."""
    out = [Card("Letter", None, [row(v, multipage) for v in model.letter])]
    for iv in model.items:
        out.append(
            Card(
                title=iv.request or "(no request)",
                index=iv.index,
                rows=[row(v, multipage) for v in iv.values],
                decision=iv.decision,
                anchor=iv.anchor.id if iv.anchor else None,
            )
        )
    return out


def segment_dicts(model: ReviewModel) -> list[dict[str, Any]]:
    """Segments as the template draws them: text plus classes and the mark ids it carries."""
    anchors: dict[int, list[int]] = {}
    for iv in model.items:
        if iv.anchor is not None:
            anchors.setdefault(iv.anchor.start, []).append(iv.index)
    out: list[dict[str, Any]] = []
    for seg in model.segments:
        top = seg.top
        cls: list[str] = []
        if top is not None:
            cls += ["hl", f"k-{top.kind}"]
            if len(seg.marks) > 1:
                cls.append("multi")
            if any(not m.supported for m in seg.marks):
                cls.append("weak")
        cls += sorted({f"c-{c.field}" for c in seg.containers})
        out.append(
            {
                "text": seg.text,
                "cls": " ".join(cls),
                "m": " ".join(m.id for m in seg.marks),
                "c": " ".join(c.id for c in seg.containers),
                "title": "; ".join(f"{m.label} = {display(m.value)[:80]}" for m in seg.marks),
                "page": seg.page_break,
                "anchors": anchors.get(seg.start, []) if seg.marks or seg.containers else [],
            }
        )
    return out


def legend(model: ReviewModel) -> list[tuple[str, str, int]]:
    return [(k, label, model.kinds[k]) for k, label in KIND_LABELS.items() if model.kinds.get(k)]


def render_page(
    model: ReviewModel,
    *,
    extractor: str,
    page_count: int = 1,
    card_list: list[Card] | None = None,
    eval_mode: bool = False,
    index_href: str | None = None,
    error: str | None = None,
    heading_note: str | None = None,
) -> str:
    """One letter's page: letter with highlights on the left, record (or record vs gold) right."""
    multipage = page_count > 1
    return environment().get_template("page.html.j2").render(
        m=model,
        segments=segment_dicts(model),
        cards=card_list if card_list is not None else cards(model, multipage),
        legend=legend(model),
        extractor=extractor,
        page_count=page_count,
        eval_mode=eval_mode,
        index_href=index_href,
        error=error,
        heading_note=heading_note,
        spans_total=len(model.marks),
        **assets(),
    )


@dataclass
class IndexRow:
    """One letter on an index page."""

    letter_id: str
    href: str | None
    source: str
    format: str = ""
    items: list[tuple[str, str | None]] = field(default_factory=list)  # (request, decision)
    spans: int = 0
    problems: int = 0
    warnings: int = 0
    error: str | None = None
    mismatches: int | None = None
    suite: str | None = None


def render_index(rows: list[IndexRow], *, title: str, extractor: str, eval_mode: bool = False,
                 summary: list[tuple[str, str]] | None = None) -> str:
    return environment().get_template("index.html.j2").render(
        rows=rows, title=title, extractor=extractor, eval_mode=eval_mode, summary=summary or [], **assets()
    )


def write_atomic(path: Path, html: str) -> None:
    """Write via a temporary file so a reader (or an interrupted batch) never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(scrub_record(html), encoding="utf-8")
    tmp.replace(path)
