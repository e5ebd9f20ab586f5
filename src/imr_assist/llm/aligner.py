"""Align a model's verbatim quote back to character offsets in the letter as read.

The model is asked for words, never for offsets (offsets from a model are guesses). This
module finds those words in the original text, tolerant of what PDF text does to them:
line breaks and runs of spaces inside the quote, end-of-line hyphen splits ("non-\\n
compliance" quoted as "noncompliance" or "non-compliance"), case and punctuation. It
returns the span and how it was found, or nothing: never an invented interval.

Order of attempts (first hit wins, searching the window first, then the whole text):
1. ``exact``: the quote is a substring as is.
2. ``normalized``: letters and digits only, lower case (spaces, line breaks, hyphens and
   punctuation dropped on both sides), mapped back to the first and last matched character.
3. ``fuzzy``: rapidfuzz's best partial alignment on that normalized form, score >= `min_score`
   (for quotes of 12+ normalized characters: a short quote that is not found is not found).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

Status = Literal["exact", "normalized", "fuzzy"]


@dataclass(frozen=True)
class Alignment:
    start: int
    end: int
    status: Status
    score: float = 100.0

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


def _normalize(text: str, offset: int = 0) -> tuple[str, list[int]]:
    """Letters and digits of `text`, lower case, with each one's offset in the original."""
    chars: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        if ch.isalnum():
            chars.append(ch.lower())
            pos.append(offset + i)
    return "".join(chars), pos


def _align_in(quote: str, text: str, lo: int, hi: int, min_score: float) -> Alignment | None:
    region = text[lo:hi]
    i = region.find(quote)
    if i >= 0:
        return Alignment(lo + i, lo + i + len(quote), "exact")
    q, _ = _normalize(quote)
    if not q:
        return None
    norm, pos = _normalize(region, lo)
    j = norm.find(q)
    if j >= 0:
        return Alignment(pos[j], pos[j + len(q) - 1] + 1, "normalized")
    if len(q) < 12 or not norm:
        return None
    hit = fuzz.partial_ratio_alignment(q, norm, score_cutoff=min_score)
    if hit is None or hit.dest_end <= hit.dest_start:
        return None
    return Alignment(pos[hit.dest_start], pos[hit.dest_end - 1] + 1, "fuzzy", round(hit.score, 1))


def align_quote(
    quote: str | None,
    text: str,
    window: tuple[int, int] | None = None,
    min_score: float = 90.0,
    whole_text: bool = True,
) -> Alignment | None:
    """Where `quote` is in `text` (inside `window` first), or None when it is not there.

    With `whole_text=False` only the window is searched (an item's quote must come from
    that item, not from another item that happens to say the same words)."""
    if not quote or not quote.strip():
        return None
    quote = quote.strip()
    if window is not None:
        lo, hi = max(0, window[0]), min(len(text), window[1])
        hit = _align_in(quote, text, lo, hi, min_score)
        if hit is not None:
            return hit
        if not whole_text:
            return None
    return _align_in(quote, text, 0, len(text), min_score)
