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

_WORD = re.compile(r"[a-z0-9]+(?:[./-][a-z0-9]+)*")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (drug strengths like '7.5/325mg' are split into parts), no stopwords."""
    out: list[str] = []
    for m in _WORD.finditer(text.lower()):
        for part in re.split(r"[./-]", m.group(0)):
            if len(part) >= 2 and part not in STOPWORDS:
                out.append(part)
    return out


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
