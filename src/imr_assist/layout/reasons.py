"""Denial reasons for an upheld item: phrase rules (data/denial_reasons.json) over the
rationale, read sentence by sentence so a guideline's general wording in one sentence
is not mistaken for a finding about this case in another."""

from __future__ import annotations

import bisect
import re

from .tables import reason_rules

_SENTENCE_BREAK = re.compile(r"(?<=[.;!?])\s+(?=[a-z0-9(\"])")


def _sentences(low: str) -> list[tuple[int, int]]:
    """Sentence bounds (each phrase rule lives inside one sentence; scanning only the
    sentences that hold a reason's trigger words is what keeps this fast)."""
    bounds, start = [], 0
    for m in _SENTENCE_BREAK.finditer(low):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(low)))
    return bounds


def denial_reasons(rationale: str) -> tuple[list[str], tuple[int, int] | None]:
    """(reasons in taxonomy order, covering span of the matched phrases in `rationale`)."""
    found: list[str] = []
    lo, hi = None, None
    low = rationale.lower()
    sentences = _sentences(low)
    starts = [a for a, _ in sentences]
    for reason, trigger, patterns in reason_rules():
        m = None
        candidates = sorted({bisect.bisect_right(starts, t.start()) - 1 for t in trigger.finditer(low)})
        for k in candidates:
            a, b = sentences[k]
            m = next((m for p in patterns if (m := p.search(low, a, b))), None)
            if m:
                break
        if m:
            found.append(reason)
            lo = m.start() if lo is None else min(lo, m.start())
            hi = m.end() if hi is None else max(hi, m.end())
    return found, (lo, hi) if lo is not None and hi is not None else None
