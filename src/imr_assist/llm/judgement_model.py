"""What the model returns when asked why one upheld item was denied: denial reasons v2,
each with the rationale's words it was read from, and the reviewer's case findings.

The hybrid extractor asks this only where the rules ran out (no reason pattern matched, or
no finding was read), so the question is small: one item's rationale, the code table, and
"quote the words". Every quote must be found in that item's rationale (the validation
context carries the letter and the rationale's window); a quote the aligner cannot find is
a validation error the gateway sends back to the model on the re-ask.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, ValidationInfo, model_validator

from ..schema import DenialReason, Span
from .aligner import align_quote

MAX_REASONS = 3
MAX_FINDINGS = 4


class QuotedReason(BaseModel):
    code: DenialReason
    quote: str = Field(max_length=400, description="the rationale's words that state this reason, copied exactly")


class LLMJudgement(BaseModel):
    """Why the reviewer upheld the denial of one item."""

    reasons: list[QuotedReason] = Field(min_length=1, max_length=MAX_REASONS)
    findings: list[str] = Field(
        default_factory=list,
        max_length=MAX_FINDINGS,
        description="the reviewer's statements about THIS patient's records, each copied exactly",
    )

    _reason_spans: list[Span] = PrivateAttr(default_factory=list)
    _finding_spans: list[Span] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> LLMJudgement:
        ctx: dict[str, Any] = info.context or {}
        text: str | None = ctx.get("text")
        if text is None:  # a cached value being reloaded without a letter
            return self
        window = ctx.get("window")
        restore = ctx.get("restore") or (lambda s: s)
        problems: list[str] = []
        self._reason_spans, self._finding_spans = [], []
        for r in self.reasons:
            hit = align_quote(restore(r.quote), text, window, whole_text=False)
            if hit is None:
                problems.append(f"the quote for {r.code} {r.quote!r} is not in the rationale: copy the words exactly")
            else:
                self._reason_spans.append(hit.span)
        for f in self.findings:
            hit = align_quote(restore(f), text, window, whole_text=False)
            if hit is None:
                problems.append(f"the finding {f!r} is not in the rationale: copy the words exactly")
            else:
                self._finding_spans.append(hit.span)
        if len({r.code for r in self.reasons}) != len(self.reasons):
            problems.append("give each reason code once")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def reason_spans(self) -> list[Span]:
        """Where each reason's quote is in the letter, in `reasons` order."""
        return list(self._reason_spans)

    @property
    def finding_spans(self) -> list[Span]:
        """Where each finding is in the letter, in `findings` order."""
        return list(self._finding_spans)
