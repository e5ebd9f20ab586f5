"""Load the data tables (drugs, categories, denial reasons) once, compiled for matching."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..assets import DATA_DIR
from .required_words import requirements
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


@dataclass(frozen=True)
class ReasonRules:
    """The denial-reason phrase rules, compiled (see data/denial_reasons.json)."""

    reasons: tuple[str, ...]
    #: Per reason, its patterns for the lower-cased rationale, tried one by one: separate
    #: patterns keep `re`'s scan for each one's first characters (5x faster here than one
    #: IGNORECASE alternation).
    patterns: tuple[tuple[re.Pattern[str], ...], ...]
    #: Per reason and pattern, the trigger words one of which a sentence must hold for the
    #: pattern to match there (None: no such set). Every match of the pattern holds one of
    #: a few words (`required_words`), and each of those holds a trigger word; a sentence
    #: with none of these is skipped without a search.
    pattern_needs: tuple[tuple[frozenset[str] | None, ...], ...]
    #: Every reason's trigger words in one trie regex: one scan of the rationale finds the
    #: sentences worth trying each reason's patterns on.
    trigger_scan: re.Pattern[str]
    #: Matched trigger -> the trigger words it holds, itself included ('failed' holds
    #: 'fail'). The scan does not report a trigger that overlaps a match before it
    #: ('relief' + 'efficacy' glued as 'reliefficacy'); words in letters are not glued so.
    trigger_inside: dict[str, frozenset[str]]
    #: Trigger word -> indexes of the reasons it triggers.
    trigger_reasons: dict[str, tuple[int, ...]]


@lru_cache(maxsize=1)
def reason_rules() -> ReasonRules:
    data = json.loads((DATA_DIR / "denial_reasons.json").read_text())
    reasons = tuple(data["reasons"])
    by_trigger: dict[str, set[int]] = {}
    for i, reason in enumerate(reasons):
        for trigger in data["triggers"][reason]:
            by_trigger.setdefault(trigger.lower(), set()).add(i)
    patterns = tuple(tuple(re.compile(p.lower()) for p in data["reasons"][r]) for r in reasons)
    return ReasonRules(
        reasons=reasons,
        patterns=patterns,
        pattern_needs=tuple(tuple(_needs(p.pattern, by_trigger) for p in ps) for ps in patterns),
        trigger_scan=re.compile(trie_pattern(by_trigger)),
        trigger_inside={t: frozenset(u for u in by_trigger if u in t) for t in by_trigger},
        trigger_reasons={t: tuple(sorted(ids)) for t, ids in by_trigger.items()},
    )


def _needs(pattern: str, triggers: Iterable[str]) -> frozenset[str] | None:
    """The smallest set of trigger words one of which every match of `pattern` holds."""
    best: frozenset[str] | None = None
    for words in requirements(pattern):
        inside = [frozenset(t for t in triggers if t in word) for word in words]
        if all(inside):
            needs = frozenset().union(*inside)
            best = needs if best is None or len(needs) < len(best) else best
    return best
