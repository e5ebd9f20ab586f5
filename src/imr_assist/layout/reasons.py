"""Denial reasons for an upheld item: phrase rules (data/denial_reasons.json) over the
rationale, read sentence by sentence so a guideline's general wording in one sentence
is not mistaken for a finding about this case in another."""

from __future__ import annotations

import bisect
import re

from .tables import reason_rules

#: Punctuation, then space, then a sentence start (punctuation first: `re` scans for it).
_SENTENCE_BREAK = re.compile(r"[.;!?]\s+(?=[a-z0-9(\"])")


def _sentences(low: str) -> list[tuple[int, int]]:
    """Sentence bounds (each phrase rule lives inside one sentence; scanning only the
    sentences that hold a reason's trigger words is what keeps this fast)."""
    bounds, start = [], 0
    for m in _SENTENCE_BREAK.finditer(low):
        bounds.append((start, m.start() + 1))
        start = m.end()
    bounds.append((start, len(low)))
    return bounds


def denial_reasons(rationale: str) -> tuple[list[str], tuple[int, int] | None]:
    """(reasons in taxonomy order, covering span of the matched phrases in `rationale`)."""
    rules = reason_rules()
    low = rationale.lower()
    sentences = _sentences(low)
    starts = [a for a, _ in sentences]
    # Which sentences hold a trigger word of each reason: one scan of the rationale.
    candidates: list[set[int]] = [set() for _ in rules.reasons]
    for t in rules.trigger_scan.finditer(low):
        k = bisect.bisect_right(starts, t.start()) - 1
        for i in rules.trigger_reasons[t.group()]:
            candidates[i].add(k)
    found: list[str] = []
    lo, hi = None, None
    for reason, patterns, sentence_ids in zip(rules.reasons, rules.patterns, candidates, strict=True):
        m = None
        for k in sorted(sentence_ids):
            a, b = sentences[k]
            m = next((m for p in patterns if (m := p.search(low, a, b))), None)
            if m:
                break
        if m:
            found.append(reason)
            lo = m.start() if lo is None else min(lo, m.start())
            hi = m.end() if hi is None else max(hi, m.end())
    return found, (lo, hi) if lo is not None and hi is not None else None
