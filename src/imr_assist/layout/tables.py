"""Load the data tables (drugs, categories, denial reasons) once, compiled for matching."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..assets import DATA_DIR
from .text import any_of


@dataclass(frozen=True)
class Drug:
    generic: str
    drug_class: str
    topical: bool


@lru_cache(maxsize=1)
def drug_table() -> tuple[re.Pattern[str], dict[str, Drug]]:
    """One alternation of every name (longest first) and a name -> Drug map."""
    data = json.loads((DATA_DIR / "drugs.json").read_text())
    by_name: dict[str, Drug] = {}
    for entry in data["drugs"]:
        drug = Drug(entry["generic"], entry["class"], bool(entry.get("topical")))
        for name in entry["names"]:
            by_name.setdefault(name.lower(), drug)
    # Matched against the lower-cased request; the longest name at a position wins. A
    # name must start a word, and a space in it matches spaces or hyphens ('MS-Contin').
    return re.compile(trie_pattern(by_name, word_start=True, space=r"[\s-]+") + r"(?![a-z])"), by_name


def trie_pattern(names: Iterable[str], word_start: bool = False, space: str = " ") -> str:
    """One regex for many strings, factored by shared prefixes ('oxy(?:codone|contin)').

    `re` tries an alternation's branches one by one at every position; a trie walks one
    branch per character, which makes a table of hundreds of names as cheap to scan as a
    few, and the longest string at a position wins. `word_start` puts a look-behind after
    each first character (not before it, so `re` can still skip ahead to positions
    holding a possible first character); `space` is what a space in a string matches.
    """
    trie: dict[str, dict] = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict], top: bool = False) -> str:
        branches = []
        for ch, child in sorted(node.items()):
            if not ch:
                continue
            atom = space if ch == " " else re.escape(ch)
            guard = f"(?<![a-z]{re.escape(ch)})" if top and word_start else ""
            branches.append(atom + guard + emit(child))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie, top=True)


@lru_cache(maxsize=1)
def category_rules() -> list[tuple[str, list[re.Pattern[str]]]]:
    """Per category, in order: patterns for the lower-cased request, one matching is enough."""
    data = json.loads((DATA_DIR / "categories.json").read_text())
    return [(cat, any_of(pats)) for cat, pats in data["rules"]]
