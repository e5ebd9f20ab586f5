"""What the model returns for one disputed item: typed values plus verbatim quotes.

Vocabularies are the contract's Literal types from `schema.py` (one source of truth), so
an out-of-vocabulary label fails validation. Quotes are checked against the letter: the
validation context carries the letter text and the item's window, and a quote the aligner
cannot find is a validation error whose message the gateway sends back to the model on the
next attempt ("copy the words exactly"). Found quotes become spans (`quote_spans`).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from ..schema import Category, Decision, DenialReason, DrugClass, GuidelineSource, Span
from .aligner import align_quote

#: quote field -> the Item field its span is evidence for
QUOTE_FIELDS: dict[str, str] = {
    "request": "request",
    "decision_quote": "decision",
    "quantity_quote": "quantity",
}
MAX_REASONS = 4
_DECISION_TAIL = re.compile(r"\s*:\s*(?:upheld|overturned)\b", re.IGNORECASE)


class LLMItem(BaseModel):
    """One item as the model reads it.

    Field order is the order a reader finds things, and the order the model writes them.
    The decision is not a separate label: it is read from `decision_quote`, the heading's
    own word ("Upheld" / "Overturned"), which must be found in the item. Small models
    (Qwen2.5-Coder 0.5B/1.5B, recorded) copied that word right yet labelled the decision
    wrong, so the label is derived from the evidence instead of asked for twice."""

    request: str = Field(
        max_length=200, description="the requested treatment copied exactly from the item heading, without ': Upheld'"
    )
    decision_quote: str = Field(max_length=12, description="the heading's decision word: Upheld or Overturned")
    category: Category
    drug_class: DrugClass | None = None
    generic_name: str | None = Field(None, max_length=60, description="generic name, lower case; '/' joins two")
    quantity: int | None = None
    quantity_quote: str | None = Field(None, max_length=60, description="the words of the request stating the count")
    refills: int | None = None
    claims_administrator_guidelines: list[GuidelineSource] = Field(default_factory=list, max_length=5)
    reviewer_guidelines: list[GuidelineSource] = Field(default_factory=list, max_length=5)
    reviewer_pages: list[str] = Field(default_factory=list, max_length=6)
    denial_reasons: list[DenialReason] = Field(default_factory=list, max_length=MAX_REASONS)

    @field_validator("request")
    @classmethod
    def _heading_only(cls, v: str) -> str:
        """Small models copy the whole heading line: keep the request, drop ': Upheld ...'."""
        return _DECISION_TAIL.split(v, maxsplit=1)[0].strip() or v

    _spans: dict[str, Span] = PrivateAttr(default_factory=dict)
    _alignment: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> LLMItem:
        ctx: dict[str, Any] = info.context or {}
        text: str | None = ctx.get("text")
        if text is None:  # no letter to check against (e.g. a cached value being reloaded)
            return self
        window = ctx.get("window")
        restore = ctx.get("restore") or (lambda s: s)
        problems: list[str] = []
        for qfield, target in QUOTE_FIELDS.items():
            quote = getattr(self, qfield)
            if quote is None or not str(quote).strip():
                if qfield in {"request", "decision_quote"}:
                    problems.append(f"{qfield} is empty: copy it from the item heading")
                continue
            hit = align_quote(restore(quote), text, window, whole_text=False)
            if hit is None:
                problems.append(
                    f"{qfield} {quote!r} is not in this item: copy the words exactly as they appear in the item text"
                )
                continue
            self._spans[target] = hit.span
            self._alignment[target] = hit.status
        q = self.quantity_quote or ""
        if self.quantity is not None and re.search(r"\d", q) and not _quantity_written(self.quantity, q):
            problems.append(
                f"quantity {self.quantity} is not the number written in quantity_quote {self.quantity_quote!r}"
            )
        if self.decision is None:
            problems.append(
                f"decision_quote {self.decision_quote!r} must be the heading's decision word: Upheld or Overturned"
            )
        if len((self.decision_quote or "").split()) > 6:
            problems.append("decision_quote must be the one or two words of the heading, e.g. 'Upheld'")
        if self.decision == "overturned" and self.denial_reasons:
            problems.append("denial_reasons must be [] for an overturned item")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def decision(self) -> Decision | None:
        """'upheld' / 'overturned' as the quoted heading word says; None when it says neither."""
        dq = (self.decision_quote or "").lower()
        if "overturn" in dq or re.search(r"(?<!not )medically necessary", dq):
            return "overturned"
        if "upheld" in dq or "not medically necessary" in dq:
            return "upheld"
        return None

    @property
    def quote_spans(self) -> dict[str, Span]:
        return dict(self._spans)

    @property
    def alignment(self) -> dict[str, str]:
        return dict(self._alignment)


def _quantity_written(quantity: int, quote: str) -> bool:
    """The quote writes the number, or two consecutive numbers whose product it is (2 x 6 = 12)."""
    nums = [int(n) for n in re.findall(r"\d+", quote)]
    return quantity in nums or any(a * b == quantity for a, b in zip(nums, nums[1:], strict=False))
