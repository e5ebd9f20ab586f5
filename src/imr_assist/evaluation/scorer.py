"""Score one letter's predicted record against its gold dict, and sum letters into a suite.

Rules (output-contract.md, "Scoring"):
- gold is read as a raw dict: a key absent from gold is not scored; `null` in gold means
  the prediction must be null too (an empty list for list fields);
- items pair by request text normalised like `norm_request`, rapidfuzz ratio >= 80, each
  item used once, pairs chosen greedily by best score; unpaired gold items count every
  scored field wrong, unpaired predictions lower item precision (and their list values
  count as false positives for list fields the letter's gold scores);
- scalars compare exactly after normalisation; list fields get micro P/R/F1 (and an exact
  match rate); `denial_reasons` is kept out of the aggregate figures (it is judgement);
- grounding is the share of predicted spans whose text supports the value (`grounding`);
- judgement keys (output-contract.md, denial reasons v2): `denial_reasons` is scored per
  code too, with the share of predicted upheld items left without a reason; `findings`
  pair one-to-one by word overlap (`findings.py`) into micro P/R/F1, and each predicted
  finding's span must hold exactly its text (`finding_span_exact`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from ..reading import clean
from ..schema import DENIAL_REASONS, ITEM_CONTRACT_FIELDS, Item, Record
from .findings import finding_text, pair_findings
from .grounding import span_supports
from .normalize import norm_list_item, norm_request, norm_scalar

PAIR_THRESHOLD = 80.0

LETTER_SCALARS: tuple[str, ...] = (
    "case_number", "format", "patient.age", "patient.sex", "patient.date_of_injury",
    "utilization_review_date", "date_assigned", "decision_date",
)  # fmt: skip
LETTER_LISTS: tuple[str, ...] = ("reviewer.licensure_states", "reviewer.specialties")
ITEM_LISTS: tuple[str, ...] = tuple(
    f
    for f in ITEM_CONTRACT_FIELDS
    if getattr(Item.model_fields[f].annotation, "__origin__", None) is list
)
ITEM_SCALARS: tuple[str, ...] = tuple(f for f in ITEM_CONTRACT_FIELDS if f not in ITEM_LISTS)
LIST_FIELDS = frozenset(LETTER_LISTS + ITEM_LISTS + ("findings",))
#: Reported on their own, kept out of field accuracy and list F1 (they involve judgement).
JUDGEMENT_FIELDS = frozenset({"denial_reasons", "findings"})
#: Lists whose order the contract defines; other lists compare as multisets.
ORDERED_LISTS = frozenset({"reviewer_pages"})
HEADER_FIELDS = LETTER_SCALARS + LETTER_LISTS
CREDENTIAL_FIELDS = LETTER_LISTS

_MISSING = object()


@dataclass
class FieldTally:
    """Counts for one field: exact matches, and for list fields micro tp/fp/fn."""

    correct: int = 0
    total: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: FieldTally) -> None:
        self.correct += other.correct
        self.total += other.total
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass
class LetterScore:
    """Everything eval knows about one letter: counts, pairs, mismatches, grounding."""

    letter_id: str
    items_gold: int = 0
    items_pred: int = 0
    items_matched: int = 0
    fields: dict[str, FieldTally] = field(default_factory=dict)
    pairs: list[tuple[int, int, float]] = field(default_factory=list)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    #: per denial-reason code: tp/fp/fn over paired items
    reason_codes: dict[str, FieldTally] = field(default_factory=dict)
    upheld_predicted: int = 0
    upheld_without_reason: int = 0
    finding_spans: int = 0
    finding_spans_exact: int = 0
    spans_checked: int = 0
    spans_supported: int = 0
    spans_unchecked: int = 0
    ungrounded: list[dict[str, Any]] = field(default_factory=list)

    def tally(self, name: str) -> FieldTally:
        return self.fields.setdefault(name, FieldTally())


def lookup(data: Any, dotted: str) -> Any:
    """`data["a"]["b"]` for "a.b", or `_MISSING` when any key along the way is absent."""
    cur = data
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


def pair_items(
    gold_requests: list[str], pred_requests: list[str], threshold: float = PAIR_THRESHOLD
) -> list[tuple[int, int, float]]:
    """Greedy one-to-one pairing by best normalised fuzzy ratio (ties: document order).

    Returns `(gold_index, pred_index, score)` sorted by gold index.
    """
    g = [norm_request(r or "") for r in gold_requests]
    p = [norm_request(r or "") for r in pred_requests]
    candidates = []
    for i, gr in enumerate(g):
        for j, pr in enumerate(p):
            score = fuzz.ratio(gr, pr)
            if score >= threshold:
                candidates.append((-score, i, j))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for neg, i, j in candidates:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        pairs.append((i, j, -neg))
    return sorted(pairs)


def as_dict(pred: Record | dict[str, Any]) -> dict[str, Any]:
    """Predictions are scored as JSON-shaped dicts, whatever the extractor returned."""
    return pred.model_dump(mode="json") if isinstance(pred, Record) else pred


def score_letter(
    gold: dict[str, Any],
    pred: Record | dict[str, Any] | None,
    text: str | None = None,
    letter_id: str | None = None,
) -> LetterScore:
    """Compare one letter. `pred=None` means the extractor failed: every scored field is
    wrong and every gold item is missed. `text` enables grounding of predicted spans."""
    lid = letter_id or str(gold.get("letter_id") or "?")
    score = LetterScore(lid)
    p = as_dict(pred) if pred is not None else None
    failed = p is None
    p = p or {}

    for name in LETTER_SCALARS + LETTER_LISTS:
        g = lookup(gold, name)
        if g is _MISSING:
            continue
        v = lookup(p, name)
        v = None if v is _MISSING else v
        _compare(score, name, g, v, failed, item=None)

    gold_items = [it for it in (gold.get("items") or []) if isinstance(it, dict)]
    pred_items = [it for it in (p.get("items") or []) if isinstance(it, dict)]
    if "items" in gold:
        _score_items(score, gold_items, pred_items, failed)
        if any("denial_reasons" in g for g in gold_items):
            upheld = [it for it in pred_items if it.get("decision") == "upheld"]
            score.upheld_predicted = len(upheld)
            score.upheld_without_reason = sum(1 for it in upheld if not it.get("denial_reasons"))

    if text is not None and not failed:
        _ground(score, p, text)
    return score


def _score_items(
    score: LetterScore, gold_items: list[dict], pred_items: list[dict], failed: bool
) -> None:
    score.items_gold, score.items_pred = len(gold_items), len(pred_items)
    score.pairs = pair_items(
        [str(g.get("request") or "") for g in gold_items],
        [str(p.get("request") or "") for p in pred_items],
    )
    score.items_matched = len(score.pairs)
    paired = {i: j for i, j, _ in score.pairs}
    for gi, g in enumerate(gold_items):
        label = str(g.get("request"))
        pj = paired.get(gi)
        if pj is None:
            for name in ITEM_CONTRACT_FIELDS:
                if name in g:
                    _compare(score, name, g[name], None, True, item=label, record=False)
            _judge(score, g, {}, label, gi, None, record=False)
            if not failed:
                score.mismatches.append(
                    _mismatch(
                        score.letter_id, label, "item", label, None, "missing_item", gold_index=gi
                    )
                )
            continue
        pred = pred_items[pj]
        for name in ITEM_CONTRACT_FIELDS:
            if name in g:
                _compare(
                    score,
                    name,
                    g[name],
                    pred.get(name),
                    False,
                    item=label,
                    gold_index=gi,
                    pred_index=pj,
                )
        _judge(score, g, pred, label, gi, pj, record=not failed)
    scored_lists = {n for g in gold_items for n in ITEM_LISTS + ("findings",) if n in g}
    used = set(paired.values())
    for pj, pred in enumerate(pred_items):
        if pj in used:
            continue
        label = str(pred.get("request"))
        score.mismatches.append(
            _mismatch(score.letter_id, label, "item", None, label, "extra_item", pred_index=pj)
        )
        for name in scored_lists:
            score.tally(name).fp += len(pred.get(name) or [])
        if "denial_reasons" in scored_lists:
            for code in pred.get("denial_reasons") or []:
                score.reason_codes.setdefault(code, FieldTally()).fp += 1


def _judge(
    score: LetterScore,
    gold: dict[str, Any],
    pred: dict[str, Any],
    label: str,
    gold_index: int,
    pred_index: int | None,
    record: bool,
) -> None:
    """The judgement keys of one gold item: reasons per code, and findings by overlap."""
    if "denial_reasons" in gold:
        g_codes, p_codes = set(gold["denial_reasons"] or []), set(pred.get("denial_reasons") or [])
        for code in g_codes | p_codes:
            t = score.reason_codes.setdefault(code, FieldTally())
            t.tp += code in g_codes and code in p_codes
            t.fp += code in p_codes and code not in g_codes
            t.fn += code in g_codes and code not in p_codes
    if "findings" not in gold:
        return
    g_texts = [finding_text(f) for f in gold["findings"] or []]
    p_texts = [finding_text(f) for f in pred.get("findings") or []]
    pairs = pair_findings(g_texts, p_texts)
    t = score.tally("findings")
    t.total += 1
    t.tp += len(pairs)
    t.fp += len(p_texts) - len(pairs)
    t.fn += len(g_texts) - len(pairs)
    t.correct += len(pairs) == len(g_texts) == len(p_texts)
    if record and len(pairs) != max(len(g_texts), len(p_texts)):
        matched_g, matched_p = {i for i, _ in pairs}, {j for _, j in pairs}
        score.mismatches.append(
            _mismatch(
                score.letter_id,
                label,
                "findings",
                [g for i, g in enumerate(g_texts) if i not in matched_g],
                [p for j, p in enumerate(p_texts) if j not in matched_p],
                "value",
                gold_index=gold_index,
                pred_index=pred_index,
            )
        )


def _compare(
    score: LetterScore,
    name: str,
    gold: Any,
    pred: Any,
    failed: bool,
    item: str | None,
    record: bool = True,
    gold_index: int | None = None,
    pred_index: int | None = None,
) -> None:
    """Score one field; `failed` forces it wrong (missed item or extractor error)."""
    t = score.tally(name)
    t.total += 1
    if name in LIST_FIELDS:
        g_list = [norm_list_item(name, x) for x in (gold or [])]
        p_list = [] if failed else [norm_list_item(name, x) for x in (pred or [])]
        overlap = sum((Counter(g_list) & Counter(p_list)).values())
        t.tp += overlap
        t.fp += len(p_list) - overlap
        t.fn += len(g_list) - overlap
        same = g_list == p_list if name in ORDERED_LISTS else Counter(g_list) == Counter(p_list)
    else:
        same = not failed and norm_scalar(name, gold) == norm_scalar(name, pred)
    if same:
        t.correct += 1
    elif record and not failed:
        score.mismatches.append(
            _mismatch(
                score.letter_id,
                item,
                name,
                gold,
                pred,
                "value",
                gold_index=gold_index,
                pred_index=pred_index,
            )
        )


def _mismatch(
    letter: str,
    item: str | None,
    name: str,
    gold: Any,
    pred: Any,
    kind: str,
    gold_index: int | None = None,
    pred_index: int | None = None,
) -> dict[str, Any]:
    return {
        "letter": letter,
        "item": item,
        "field": name,
        "gold": gold,
        "predicted": pred,
        "kind": kind,
        "gold_index": gold_index,
        "pred_index": pred_index,
    }


def _ground(score: LetterScore, pred: dict[str, Any], text: str) -> None:
    """Check every predicted span, letter-level and per item."""
    owners: list[tuple[dict[str, Any], str | None, int | None]] = [(pred, None, None)]
    owners += [(it, str(it.get("request")), j) for j, it in enumerate(pred.get("items") or [])]
    for item in pred.get("items") or []:
        for f in item.get("findings") or []:
            span = f.get("span") if isinstance(f, dict) else None
            if not span:
                continue
            score.finding_spans += 1
            a, b = span
            score.finding_spans_exact += (
                isinstance(a, int) and isinstance(b, int) and clean(text[a:b]) == clean(finding_text(f))
            )
    for owner, label, index in owners:
        for key, span in (owner.get("spans") or {}).items():
            value = lookup(owner, key)
            if value is _MISSING:
                score.spans_unchecked += 1
                continue
            score.spans_checked += 1
            start, end = (
                (list(span) + [None, None])[:2] if isinstance(span, list | tuple) else (None, None)
            )
            if span_supports(key, value, text, start, end):  # type: ignore[arg-type]
                score.spans_supported += 1
                continue
            snippet = (
                text[start:end]
                if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
                else None
            )
            score.ungrounded.append(
                {
                    "letter": score.letter_id,
                    "item": label,
                    "pred_index": index,
                    "field": key,
                    "value": value,
                    "span": [start, end],
                    "span_text": snippet[:200] if snippet is not None else None,
                }
            )


# ---------------------------------------------------------------- aggregation


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Micro precision/recall/F1; an empty side with nothing expected counts as perfect."""
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _sum(fields: dict[str, FieldTally], names: Any) -> FieldTally:
    total = FieldTally()
    for n in names:
        if n in fields:
            total.add(fields[n])
    return total


def field_table(fields: dict[str, FieldTally]) -> dict[str, dict[str, Any]]:
    """Per-field figures in contract order (only fields gold scored)."""
    order = LETTER_SCALARS + LETTER_LISTS + ITEM_CONTRACT_FIELDS + ("findings",)
    out: dict[str, dict[str, Any]] = {}
    for name in order:
        t = fields.get(name)
        if t is None:
            continue
        row: dict[str, Any] = {
            "level": "letter" if name in HEADER_FIELDS else "item",
            "kind": "list" if name in LIST_FIELDS else "scalar",
            "correct": t.correct,
            "total": t.total,
            "accuracy": _rate(t.correct, t.total),
        }
        if name in LIST_FIELDS:
            pr, rc, f1 = _prf(t.tp, t.fp, t.fn)
            row.update(tp=t.tp, fp=t.fp, fn=t.fn, precision=pr, recall=rc, f1=f1)
        out[name] = row
    return out


def summarize(scores: list[LetterScore], errors: int = 0) -> dict[str, Any]:
    """Suite-level figures: the flat metric names thresholds.toml refers to, plus fields."""
    fields: dict[str, FieldTally] = {}
    for s in scores:
        for name, t in s.fields.items():
            fields.setdefault(name, FieldTally()).add(t)
    n_gold = sum(s.items_gold for s in scores)
    n_pred = sum(s.items_pred for s in scores)
    n_match = sum(s.items_matched for s in scores)
    ip, ir, if1 = _prf(n_match, n_pred - n_match, n_gold - n_match)
    scored = [n for n in fields if n not in JUDGEMENT_FIELDS]
    all_fields = _sum(fields, scored)
    scalars = _sum(fields, [n for n in scored if n not in LIST_FIELDS])
    header = _sum(fields, HEADER_FIELDS)
    lists = _sum(fields, [n for n in scored if n in LIST_FIELDS])
    creds = _sum(fields, CREDENTIAL_FIELDS)
    denial = _sum(fields, ["denial_reasons"])
    findings = fields.get("findings", FieldTally())
    codes: dict[str, FieldTally] = {}
    for s in scores:
        for code, t in s.reason_codes.items():
            codes.setdefault(code, FieldTally()).add(t)
    upheld = sum(s.upheld_predicted for s in scores)
    checked = sum(s.spans_checked for s in scores)
    supported = sum(s.spans_supported for s in scores)
    metrics: dict[str, Any] = {
        "letters": len(scores),
        "errors": errors,
        "items_gold": n_gold,
        "items_predicted": n_pred,
        "items_matched": n_match,
        "item_precision": ip,
        "item_recall": ir,
        "item_f1": if1,
        "decision_accuracy": _rate(fields["decision"].correct, fields["decision"].total)
        if "decision" in fields
        else None,
        "field_accuracy": _rate(all_fields.correct, all_fields.total),
        "scalar_accuracy": _rate(scalars.correct, scalars.total),
        "header_accuracy": _rate(header.correct, header.total),
        "fields_scored": all_fields.total,
        "fields_wrong": all_fields.total - all_fields.correct,
    }
    for prefix, t in (("list", lists), ("credential", creds), ("denial_reasons", denial), ("findings", findings)):
        if t.total or t.tp or t.fp or t.fn:
            p_, r_, f_ = _prf(t.tp, t.fp, t.fn)
            metrics.update({f"{prefix}_precision": p_, f"{prefix}_recall": r_, f"{prefix}_f1": f_})
        else:
            metrics.update(
                {f"{prefix}_precision": None, f"{prefix}_recall": None, f"{prefix}_f1": None}
            )
    metrics.update(
        upheld_without_reason=_rate(sum(s.upheld_without_reason for s in scores), upheld),
        upheld_with_reason=_rate(upheld - sum(s.upheld_without_reason for s in scores), upheld),
        category_accuracy=_rate(fields["category"].correct, fields["category"].total) if "category" in fields else None,
        finding_span_exact=_rate(sum(s.finding_spans_exact for s in scores), sum(s.finding_spans for s in scores)),
        grounding=_rate(supported, checked),
        spans_checked=checked,
        spans_supported=supported,
        spans_unchecked=sum(s.spans_unchecked for s in scores),
        mismatches=sum(len(s.mismatches) for s in scores),
    )
    return {"metrics": metrics, "fields": field_table(fields), "reasons": reason_table(codes)}


def reason_table(codes: dict[str, FieldTally]) -> dict[str, dict[str, Any]]:
    """Per denial-reason code: tp/fp/fn and P/R/F1, in the schema's order."""
    out: dict[str, dict[str, Any]] = {}
    for code in DENIAL_REASONS:
        t = codes.get(code)
        if t is None:
            continue
        p_, r_, f_ = _prf(t.tp, t.fp, t.fn)
        out[code] = {"tp": t.tp, "fp": t.fp, "fn": t.fn, "precision": p_, "recall": r_, "f1": f_}
    return out
