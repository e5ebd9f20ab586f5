"""Denial reasons for an upheld item: phrase rules (data/denial_reasons.json) over the
rationale, read sentence by sentence so a guideline's general wording in one sentence
is not mistaken for a finding about this case in another."""

from __future__ import annotations

from .tables import reason_rules


def denial_reasons(rationale: str) -> tuple[list[str], tuple[int, int] | None]:
    """(reasons in taxonomy order, covering span of the matched phrases in `rationale`)."""
    found: list[str] = []
    lo, hi = None, None
    low = rationale.lower()
    for reason, triggers, patterns in reason_rules():
        if not any(t in low for t in triggers):
            continue
        m = next((m for p in patterns if (m := p.search(low))), None)
        if m:
            found.append(reason)
            lo = m.start() if lo is None else min(lo, m.start())
            hi = m.end() if hi is None else max(hi, m.end())
    return found, (lo, hi) if lo is not None and hi is not None else None
