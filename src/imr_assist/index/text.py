"""Text helpers shared by every backend: query terms, sentence splitting, the matching sentence."""

from __future__ import annotations

import re

# Short list on purpose: words that carry no signal in IMR rationales, plus English function words.
_STOP_TEXT = """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my no nor not of
    off on once only or other our out over own same she should so some such than that the their them then
    there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your also per may within without upon
    request requested medically necessary medical guidelines guideline mtus patient injured worker
    records treatment"""
STOPWORDS = frozenset(_STOP_TEXT.split())

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of 2+ letters/digits ('7.5/325mg' -> '325mg'), no stopwords."""
    return [t for t in index_tokens(text) if len(t) >= 2 and t not in STOPWORDS]


_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_FOLD = str.maketrans({c: " " for c in map(chr, range(0x3000)) if c not in _ASCII_ALNUM})


def index_tokens(text: str) -> list[str]:
    """Fast tokens for indexing (ASCII punctuation -> space, split, lower case). Same words as
    `tokens` for queries; stopwords stay (BM25's idf makes them nearly free, and skipping the
    filter halves the tokenizing time)."""
    return text.lower().translate(_FOLD).split()


def query_terms(*texts: str, limit: int | None = None) -> list[str]:
    """Distinct tokens of `texts` in order (earlier texts first), at most `limit`."""
    seen: dict[str, None] = {}
    for text in texts:
        for t in tokens(text or ""):
            seen.setdefault(t, None)
    terms = list(seen)
    return terms if limit is None else terms[:limit]


def split_sentences(text: str) -> list[str]:
    """Sentences of a rationale (simple rule: end punctuation, space, capital/digit)."""
    text = " ".join(text.split())
    return [s.strip() for s in _SENT.split(text) if s.strip()] if text else []


def matching_sentence(rationale: str, terms: list[str], weights: dict[str, float] | None = None) -> str:
    """The rationale sentence sharing the most (weighted) query terms; ties go to the earlier one."""
    if not terms:
        return ""
    want = {t: (weights or {}).get(t, 1.0) for t in terms}
    best, best_score = "", 0.0
    for sentence in split_sentences(rationale):
        have = set(tokens(sentence))
        score = sum(w for t, w in want.items() if t in have)
        if score > best_score:
            best, best_score = sentence, score
    return best


def page_terms(pages: list[str]) -> list[str]:
    """Each cited page string, plus each page number inside a short range ('63-64' -> 63, 64)."""
    out: list[str] = []
    for p in pages:
        p = p.strip()
        if not p:
            continue
        out.append(p)
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", p)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if 0 < b - a <= 30:
                out.extend(str(n) for n in range(a, b + 1))
    return list(dict.fromkeys(out))
