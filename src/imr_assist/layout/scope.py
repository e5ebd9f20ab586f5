"""Which treatment a guideline statement is about, so each item gets only its own verdicts.

Rationales often discuss several treatments: "Nerve conduction studies are not recommended,
but electromyography is recommended as an option" decides the NCV item and not the EMG
item; a letter's Pantoprazole rationale talks about the naproxen it protects against. A
statement applies to an item when its subject names the item (its drug, brand, class or
treatment words, in any of the names reviewers use: `data/treatment_terms.json`, the
drug table), or names no treatment at all ("It is not recommended", "Long-term use is not
recommended"); it does not when it names only other treatments.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from ..assets import DATA_DIR
from .tables import drug_table, trie_pattern

_WORD = re.compile(r"[a-z][a-z-]{2,}")


@dataclass(frozen=True)
class Vocabulary:
    """Every treatment name reviewers use, as one trie regex, with what each name means."""

    pattern: re.Pattern[str]
    #: name -> keys ("group:mri", "drug:naproxen", "class:nsaid")
    meaning: dict[str, frozenset[str]]
    #: request words that say nothing about which treatment it is
    filler: frozenset[str]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    data = json.loads((DATA_DIR / "treatment_terms.json").read_text())
    meaning: dict[str, set[str]] = {}
    for group, names in data["groups"].items():
        for name in names:
            meaning.setdefault(name, set()).add(f"group:{group}")
    for cls, names in data["classes"].items():
        for name in names:
            meaning.setdefault(name, set()).add(f"class:{cls}")
    _, drugs = drug_table()
    for name, drug in drugs.items():
        keys = meaning.setdefault(name, set())
        keys.update(f"drug:{g}" for g in drug.generic.split("/"))
        keys.add(f"class:{drug.drug_class}")
    pattern = re.compile(trie_pattern(meaning, word_start=True, space=r"[\s-]+") + r"(?![a-z])")
    return Vocabulary(pattern, {k: frozenset(v) for k, v in meaning.items()}, frozenset(data["filler_words"]))


def mentions(low: str) -> frozenset[str]:
    """The treatment keys a lower-cased text names."""
    vocab = vocabulary()
    keys: set[str] = set()
    for m in vocab.pattern.finditer(low):
        name = re.sub(r"[\s-]+", " ", m.group(0))
        keys |= vocab.meaning.get(name, vocab.meaning.get(m.group(0), frozenset()))
    return frozenset(keys)


@dataclass(frozen=True)
class ItemScope:
    """What an item is, for deciding which statements are about it."""

    keys: frozenset[str]
    words: frozenset[str]

    def covers(self, subject_low: str) -> bool:
        """Whether a statement whose subject is `subject_low` is about this item."""
        named = mentions(subject_low)
        if not named:
            return True
        if named & self.keys:
            return True
        return any(w in self.words for w in _WORD.findall(subject_low))


def item_scope(request: str, generic_name: str | None, drug_class: str | None) -> ItemScope:
    """The keys and content words of an item's request."""
    low = request.lower()
    keys = set(mentions(low))
    if generic_name:
        keys.update(f"drug:{g}" for g in generic_name.split("/"))
    if drug_class:
        keys.add(f"class:{drug_class}")
        if drug_class in ("compounded_topical", "topical_analgesic"):
            keys.add("class:topical_analgesic")
    filler = vocabulary().filler
    words = frozenset(w for w in _WORD.findall(low) if w not in filler)
    return ItemScope(frozenset(keys), words)


#: Where the subject of "X is not recommended" starts: after the last of these before it.
_CLAUSE_START = re.compile(
    r"(?:[;:(]|,\s+but\b|\bbut\b|,\s+while\b|\bwhereas\b|\bhowever,?|\bthat\b|\bstates?\b|\bstated\b"
    r"|\bnotes?\b|\bindicates?\b|\bguidelines?\b|\bmtus\b|\bodg\b|\bacoem\b|,\s+and\b|\.\s)"
)
#: Where the object of "does not recommend X" ends.
_OBJECT_END = re.compile(r"[,.;:]|\b(?:for|in|as|unless|except|until|without|when|if|because|since|due)\b")


def subject_before(low: str, start: int, at: int) -> str:
    """The subject of a predicate at `at`: the clause text from its start to `at`."""
    begin = start
    for m in _CLAUSE_START.finditer(low, start, at):
        begin = m.end()
    return low[begin:at]


def object_after(low: str, at: int, end: int) -> str:
    """The object of "does not recommend" starting at `at`, up to a preposition or comma."""
    m = _OBJECT_END.search(low, at, end)
    return low[at : m.start() if m else end]
