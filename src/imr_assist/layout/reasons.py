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
    # One scan of the rationale for the trigger words: which sentences hold which.
    present: dict[int, set[str]] = {}
    for t in rules.trigger_scan.finditer(low):
        k = bisect.bisect_right(starts, t.start()) - 1
        present.setdefault(k, set()).update(rules.trigger_inside[t.group()])
    candidates: list[list[int]] = [[] for _ in rules.reasons]
    for k in sorted(present):
        for i in {i for t in present[k] for i in rules.trigger_reasons[t]}:
            candidates[i].append(k)
    found: list[str] = []
    lo, hi = None, None
    for i, reason in enumerate(rules.reasons):
        m = _first_match(low, sentences, present, candidates[i], rules.patterns[i], rules.pattern_needs[i])
        if m:
            found.append(reason)
            lo = m.start() if lo is None else min(lo, m.start())
            hi = m.end() if hi is None else max(hi, m.end())
    return found, (lo, hi) if lo is not None and hi is not None else None


def _first_match(
    low: str,
    sentences: list[tuple[int, int]],
    present: dict[int, set[str]],
    sentence_ids: list[int],
    patterns: tuple[re.Pattern[str], ...],
    needs: tuple[frozenset[str] | None, ...],
) -> re.Match[str] | None:
    """The first pattern matching inside the first candidate sentence that has a match,
    skipping patterns whose needed trigger words the sentence lacks."""
    for k in sentence_ids:
        a, b = sentences[k]
        words = present[k]
        for pattern, need in zip(patterns, needs, strict=True):
            if need is not None and need.isdisjoint(words):
                continue
            m = pattern.search(low, a, b)
            if m:
                return m
    return None
