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
    for reason, triggers, patterns in reason_rules():
        m = None
        for k in _trigger_sentences(low, triggers, starts):
            a, b = sentences[k]
            m = next((m for p in patterns if (m := p.search(low, a, b))), None)
            if m:
                break
        if m:
            found.append(reason)
            lo = m.start() if lo is None else min(lo, m.start())
            hi = m.end() if hi is None else max(hi, m.end())
    return found, (lo, hi) if lo is not None and hi is not None else None


def _trigger_sentences(low: str, triggers: tuple[str, ...], starts: list[int]) -> list[int]:
    """Indexes of the sentences holding one of `triggers`, in order. `str.find` scans in C;
    after a hit the scan jumps to the next sentence, so a common word costs one find per
    sentence that holds it."""
    hits: set[int] = set()
    past_end = len(low) + 1
    for t in triggers:
        i = low.find(t)
        while i >= 0:
            k = bisect.bisect_right(starts, i) - 1
            hits.add(k)
            i = low.find(t, starts[k + 1] if k + 1 < len(starts) else past_end)
    return sorted(hits)
