"""Load the data tables (drugs, categories, denial reasons) once, compiled for matching."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..paths import DATA_DIR
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
    # Matched against the lower-cased request; the longest name at a position wins.
    return re.compile(trie_pattern(by_name) + r"(?![a-z])"), by_name


def trie_pattern(names: Iterable[str]) -> str:
    """One regex for many names, factored by shared prefixes ('oxy(?:codone|contin)').

    `re` tries an alternation's branches one by one at every position; a trie walks one
    branch per character, which makes a table of hundreds of names as cheap to scan as a
    few. A name must start a word: the look-behind sits after each first character so `re`
    can still skip ahead to positions holding a possible first character. A space in a
    name matches any run of spaces or hyphens ('ms contin', 'MS-Contin').
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
            atom = r"[\s-]+" if ch == " " else re.escape(ch)
            guard = f"(?<![a-z]{re.escape(ch)})" if top else ""
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



@lru_cache(maxsize=1)
def reason_rules() -> list[tuple[str, tuple[str, ...], list[re.Pattern[str]]]]:
    """Per reason: its trigger words (plain lower-case substrings) and its patterns compiled
    one by one, lower-case, without IGNORECASE: the rationale is lower-cased once, and
    separate patterns keep re's literal-prefix scan (5x faster here than one IGNORECASE
    alternation)."""
    data = json.loads((DATA_DIR / "denial_reasons.json").read_text())
    triggers: dict[str, list[str]] = data.get("triggers", {})
    return [
        (reason, tuple(t.lower() for t in triggers.get(reason, [""])), [re.compile(p.lower()) for p in pats])
        for reason, pats in data["reasons"].items()
    ]
