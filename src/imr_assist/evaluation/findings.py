"""When a predicted finding is the gold finding: the same clause, give or take its edges.

Findings are verbatim clauses of the rationale, but where one ends is a judgement ("However,
there is no documentation of ..." or "there is no documentation of ..."; a sentence or
its first clause). So a prediction matches a gold finding when they share most of their
words both ways, compared as multisets of lower-cased words:

- the prediction holds at least `GOLD_COVERED` (80%) of the gold finding's words, and
- at least `PRED_COVERED` (60%) of the prediction's words are the gold finding's.

The second bound keeps a whole sentence from matching each of the three clauses a reader
would quote apart. Pairs are one-to-one, best overlap first.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

GOLD_COVERED = 0.8
PRED_COVERED = 0.6
_WORD = re.compile(r"[a-z0-9]+")


def finding_text(value: Any) -> str:
    """A finding as gold writes it (bare text) or as a record does ({"text", "span"})."""
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value or "")


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def overlap(pred: str, gold: str) -> tuple[float, float]:
    """(share of gold words the prediction holds, share of prediction words in gold)."""
    p, g = _words(pred), _words(gold)
    shared = sum((p & g).values())
    return shared / max(1, sum(g.values())), shared / max(1, sum(p.values()))


def pair_findings(gold: list[str], pred: list[str]) -> list[tuple[int, int]]:
    """One-to-one (gold index, prediction index) pairs that match, best overlap first."""
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            covered, precise = overlap(p, g)
            if covered >= GOLD_COVERED and precise >= PRED_COVERED:
                candidates.append((-(covered + precise), i, j))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return sorted(pairs)
