"""`imr-assist eval --html`: review pages with gold beside predicted, mismatches marked.

Reads the eval report dict (see `evaluation/report.py` for its layout): for each letter
its `source`, `gold`, `predicted`, `pairs` ([gold_index, pred_index, score]) and
`mismatches` ({letter, item, field, gold, predicted, kind, gold_index, pred_index}). The
letter is re-read from `source` so the predicted spans can be drawn; a letter that can
no longer be read still gets its gold-vs-predicted table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..reading import read_document
from .model import ITEM_FIELDS, LETTER_FIELDS, MISSING, ReviewModel, build, display, lookup
from .pages import page_name
from .render import FIELD_LABELS, Card, IndexRow, Row, render_index, render_page, row, write_atomic

HTML_DIR = "html"


def _gold_cell(gold: dict[str, Any], name: str) -> tuple[bool, str | None]:
    value = lookup(gold, name)
    return (False, None) if value is MISSING else (True, display(value))


def _rows(
    names: tuple[str, ...],
    pred_values: dict[str, Any],
    gold: dict[str, Any] | None,
    wrong: set[str],
    multipage: bool,
) -> list[Row]:
    """Rows for every field the prediction or the gold has, gold column filled."""
    out: list[Row] = []
    for name in names:
        v = pred_values.get(name)
        scored, gold_text = _gold_cell(gold, name) if gold is not None else (False, None)
        if v is None and not scored:
            continue
        r = row(v, multipage) if v is not None else Row(name, FIELD_LABELS.get(name, name.replace("_", " ")), "—")
        r.scored, r.gold, r.mismatch = scored, gold_text, name in wrong
        out.append(r)
    return out


def eval_cards(letter: dict[str, Any], model: ReviewModel, multipage: bool) -> list[Card]:
    """The letter block and item cards: paired items, extra predictions, missed gold items."""
    gold = letter.get("gold") or {}
    mismatches = [m for m in letter.get("mismatches") or [] if m.get("kind") == "value"]
    letter_wrong = {m["field"] for m in mismatches if m.get("gold_index") is None and m.get("pred_index") is None}
    cards = [Card("Letter", None, _rows(LETTER_FIELDS, {v.field: v for v in model.letter}, gold, letter_wrong,
                                         multipage))]
    cards[0].mismatches = len(letter_wrong)
    gold_items = [g for g in gold.get("items") or [] if isinstance(g, dict)]
    paired = {int(p[1]): int(p[0]) for p in letter.get("pairs") or []}
    for iv in model.items:
        gi = paired.get(iv.index)
        g = gold_items[gi] if gi is not None and gi < len(gold_items) else None
        wrong = {m["field"] for m in mismatches if m.get("pred_index") == iv.index}
        card = Card(
            title=iv.request or "(no request)",
            index=iv.index,
            rows=_rows(ITEM_FIELDS, {v.field: v for v in iv.values}, g, wrong, multipage),
            decision=iv.decision,
            anchor=iv.anchor.id if iv.anchor else None,
            status="" if g is not None or "items" not in gold else "extra",
            mismatches=len(wrong),
        )
        cards.append(card)
    used = set(paired.values())
    for gi, g in enumerate(gold_items):
        if gi in used:
            continue
        rows = [Row(n, FIELD_LABELS.get(n, n.replace("_", " ")), "—", scored=True, gold=display(g[n]), mismatch=True)
                for n in ITEM_FIELDS if n in g]
        decision = g.get("decision") if isinstance(g.get("decision"), str) else None
        cards.append(Card(str(g.get("request") or "(no request)"), None, rows, status="missing",
                          gold_decision=decision))
    return cards


def _letter_page(letter: dict[str, Any], extractor: str, index_href: str) -> tuple[str, ReviewModel, int]:
    text, starts, read_error = "", [0], None
    try:
        doc = read_document(letter.get("source") or "")
        text, starts = doc.text, doc.page_starts
    except InputError as exc:
        read_error = f"letter text unavailable: {exc}"
    pred = letter.get("predicted")
    record = pred if isinstance(pred, dict) else {"letter_id": letter.get("letter_id"), "items": []}
    if read_error:  # no text to draw: keep values, drop spans that point nowhere
        record = {**record, "spans": {}, "items": [{**it, "spans": {}} for it in record.get("items") or []]}
    model = build(record, text, starts)
    model.letter_id = str(letter.get("letter_id") or model.letter_id)
    model.source = letter.get("source")
    multipage = len(starts) > 1
    cards = eval_cards(letter, model, multipage)
    n_wrong = len(letter.get("mismatches") or [])
    error = "; ".join(e for e in (letter.get("error"), read_error) if e) or None
    html = render_page(
        model,
        extractor=extractor,
        page_count=len(starts),
        card_list=cards,
        eval_mode=True,
        index_href=index_href,
        error=error,
        heading_note=f"{n_wrong} mismatch{'es' if n_wrong != 1 else ''} against gold",
    )
    return html, model, n_wrong


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):.1f}%"


def write_eval_html(report: dict[str, Any], out_dir: Path) -> Path:
    """Write one page per evaluated letter and an index under `out_dir/html/`; return the index."""
    root = Path(out_dir) / HTML_DIR
    extractor = str(report.get("extractor") or "?")
    rows: list[IndexRow] = []
    summary: list[tuple[str, str]] = []
    index = root / "index.html"
    for suite_name, suite in (report.get("suites") or {}).items():
        m = suite.get("metrics") or {}
        summary.append((f"{suite_name}: items F1", _pct(m.get("item_f1"))))
        summary.append((f"{suite_name}: field accuracy", _pct(m.get("field_accuracy"))))
        taken: set[str] = set()
        folder = page_name(str(suite_name), set()).removesuffix(".html")
        for letter in suite.get("letters") or []:
            name = page_name(str(letter.get("letter_id") or "letter"), taken)
            html, model, n_wrong = _letter_page(letter, extractor, "../index.html")
            write_atomic(root / folder / name, html)
            pred = letter.get("predicted") or {}
            rows.append(
                IndexRow(
                    letter_id=str(letter.get("letter_id")),
                    href=f"{folder}/{name}",
                    source=str(letter.get("source") or ""),
                    format=str(pred.get("format") or ""),
                    items=[(str(it.get("request")), it.get("decision")) for it in pred.get("items") or []
                           if isinstance(it, dict)],
                    spans=len(model.marks),
                    problems=len(model.problems),
                    warnings=len(model.warnings),
                    error=letter.get("error"),
                    mismatches=n_wrong,
                    suite=str(suite_name),
                )
            )
    write_atomic(index, render_index(rows, title=f"Eval review ({extractor})", extractor=extractor,
                                     eval_mode=True, summary=summary))
    return index
