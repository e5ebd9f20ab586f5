"""What the de-identifier never masks, and the one way words are compared (`fold`).

Why an allow-list: no name list covers the Spanish, Vietnamese, Armenian, hyphenated and
misspelt names real letters carry, and NER models need weights this tool cannot download;
but the words a reviewer writes about a treatment are few and known. So a capitalised
token that is not a common English word (`data/english_words.txt`, from SCOWL), not a drug,
test or treatment name (`data/drugs.json`, `treatment_terms.json`, `categories.json`) and
not in `data/deid_keep.json` (acronyms written in capitals, clinical words, eponyms beside
"test"/"sign", states, months) is treated as a name (`privacy.names`). Only drug names are
never part of a name; a treatment word that is also a surname ("Walker") is masked after a
title or beside another name.

Comparisons are on folded words: lower case, accents removed ("Gutiérrez" = "gutierrez",
"Nguyễn" = "nguyen", "Đặng" = "dang"), so one spelling of a value masks every other.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache

from ..assets import DATA_DIR

#: letters NFKD does not decompose to an ASCII base
_SPECIAL = {
    "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ı": "i", "ħ": "h", "Ħ": "h", "æ": "a", "Æ": "a",
}  # fmt: skip
_WORD = re.compile(r"[a-z]+(?:['\-][a-z]+)*")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character folded to one character (lower case, accent dropped), so a folded
    text keeps every offset of the original."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    if len(base) == 1:
        return base
    low = ch.lower()
    return low if len(low) == 1 else ch


def fold(text: str) -> str:
    """Lower case without accents, one character per character (same length, same offsets)."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(c) for c in text)


@cache
def english_words() -> frozenset[str]:
    lines = (DATA_DIR / "english_words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


@cache
def _keep_table() -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads((DATA_DIR / "deid_keep.json").read_text(encoding="utf-8"))
    return data


def _words_of(phrases: list[str]) -> set[str]:
    """Every word of some phrases ('hydrocodone/apap', 'muscle relaxant')."""
    out: set[str] = set()
    for p in phrases:
        out.update(_WORD.findall(fold(p)))
    return out


def _pattern_words(patterns: list[str]) -> set[str]:
    """The literal words of case-insensitive regular expressions ('\\bEEG\\b', 'electroencephalogra')."""
    out: set[str] = set()
    for p in patterns:
        literal = re.sub(r"\\[bBdDsSwW]|\[[^\]]*\]|[(){}?*+|^$.]", " ", p)
        out.update(w for w in _WORD.findall(fold(literal)) if len(w) >= 3)
    return out


@cache
def drug_words() -> frozenset[str]:
    """Every word of every drug name, brand or generic (`data/drugs.json`)."""
    drugs = json.loads((DATA_DIR / "drugs.json").read_text(encoding="utf-8"))
    words: set[str] = set()
    for d in drugs["drugs"]:
        words |= _words_of([d["generic"], *d.get("names", [])])
    return frozenset(w for w in words if len(w) >= 3)


@cache
def clinical_words() -> frozenset[str]:
    """Drug, test and treatment names (every word of them) and the clinical keep-list."""
    terms = json.loads((DATA_DIR / "treatment_terms.json").read_text(encoding="utf-8"))
    categories = json.loads((DATA_DIR / "categories.json").read_text(encoding="utf-8"))
    words: set[str] = set(drug_words())
    for table in ("groups", "classes"):
        for phrases in terms.get(table, {}).values():
            words |= _words_of(phrases)
    for _category, patterns in categories["rules"]:
        words |= _pattern_words(patterns)
    words |= _words_of(_keep_table()["clinical"])
    return frozenset(words)


@cache
def kept_words() -> frozenset[str]:
    """Words not masked on their own: places, calendar, the review's own names and titles."""
    table = _keep_table()
    return frozenset(w for k in ("places", "calendar", "domain") for w in table[k])


@cache
def acronyms() -> frozenset[str]:
    """Acronyms of IMR letters ("mtus", "le" for lower extremity): kept only as written in
    capitals, since "Le" or "Do" in title case is a surname."""
    return frozenset(_keep_table()["acronyms"])


@cache
def eponyms() -> frozenset[str]:
    return frozenset(_keep_table()["eponyms"])


@cache
def eponym_cues() -> frozenset[str]:
    return frozenset(_keep_table()["eponym_cues"])


def is_acronym(word: str) -> bool:
    """A kept acronym written in capitals, also with a plural s ("MTUS", "ADLs", "NSAIDs")."""
    core = word[:-1] if word.endswith("s") and word[:-1].isupper() else word
    return len(core) > 1 and core.isupper() and (fold(word) in acronyms() or fold(core) in acronyms())


def is_drug(folded: str) -> bool:
    """A drug name word: never masked, never part of a name ("Dr. Smith's Norco")."""
    return folded in drug_words()


def is_clinical(folded: str) -> bool:
    """A drug, test or treatment word. Kept on its own; a test or treatment word may still
    be a surname ("Walker", "Bath") and is masked after a title or beside a name."""
    return folded in clinical_words()


def is_known(folded: str) -> bool:
    """A word the de-identifier keeps wherever it stands (not an eponym: see `names`)."""
    return folded in english_words() or folded in clinical_words() or folded in kept_words()
