"""Many regexes over one text's sentences, searched only where they could match.

The rationale reader and the denial-reason rules try a few hundred patterns on every
sentence of every rationale; searching each one everywhere made them most of the parse.
But every match of a pattern holds some literal word (`required_words`): "lack of
functional improvement" needs "improvement" (or "gain", "benefit"...). So one scan of the
text with a trie regex of all those words tells which sentences hold which, and a pattern
is searched only in the sentences holding one of its words. The result is the same as
searching every pattern everywhere (tests/test_gate.py checks it on the corpus).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .required_words import requirements
from .tables import trie_pattern
from .text import word_led

Span = tuple[int, int]


_EDGES = " ,.;:!?\"()-/"
_MIN_WORD = 3
#: Words too common to be worth scanning for (a pattern needing one is simply tried).
_COMMON = frozenset(
    (
        "the", "and", "for", "was", "were", "has", "have", "had", "are", "not", "but", "his", "her", "him",
        "she", "any", "use", "one", "two", "per", "due", "new", "yet", "how", "why", "off", "all", "its",
        "who", "may", "can", "out", "own", "few", "now", "did", "does", "with", "that", "this", "from",
        "they", "them", "than", "then", "been", "into", "over", "also", "such", "only", "more", "most",
        "some", "very", "when", "what", "which", "will", "would", "should", "could", "there", "their",
        "these", "those", "other", "being", "each",
    )
)


def _needs(pattern: str) -> tuple[str, ...] | None:
    """The most selective set of words (or phrases: "in this") one of which every match of
    `pattern` holds; a literal run is trimmed of spaces and punctuation at its ends."""
    options = []
    for option in requirements(pattern):
        pieces = [w.strip(_EDGES) for w in option]
        if all(pieces) and _COMMON.isdisjoint(pieces):
            options.append(tuple(sorted(set(pieces))))
    best = max(options, key=lambda words: (min(map(len, words)), -len(words)), default=None)
    # Short and common words ("no", "is", "the", "with") are in nearly every sentence:
    # scanning for them costs more than the searches they would save, so a pattern that
    # needs nothing rarer is simply always tried.
    return best if best and min(map(len, best)) >= _MIN_WORD else None


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern and the words it needs (None: it needs nothing literal).
    `anchored`: it only matches where the text starts (a leading ^), so it is matched,
    not searched."""

    regex: re.Pattern[str]
    needs: frozenset[str] | None
    anchored: bool = False

    def search(self, low: str, s: int, e: int) -> re.Match[str] | None:
        return self.regex.match(low, s, e) if self.anchored else self.regex.search(low, s, e)

    def finditer(self, low: str, s: int, e: int) -> Iterator[re.Match[str]]:
        if self.anchored:
            m = self.regex.match(low, s, e)
            return iter((m,) if m else ())
        return self.regex.finditer(low, s, e)


def compile_fast(pattern: str) -> Pattern:
    r"""Compile a pattern so `re` can skip ahead: a leading ^ becomes `match` at the start,
    and a leading word boundary before literal words moves behind their first letter
    (`\b(?:no|lack of)` -> `(?:n(?<!\wn)o|l(?<!\wl)ack of)`), which lets `re` jump to the
    positions holding one of those letters instead of trying every position."""
    found = _needs(pattern)
    needs = frozenset(found) if found is not None else None
    if pattern.startswith("^"):
        return Pattern(re.compile(pattern[1:]), needs, anchored=True)
    return Pattern(re.compile(_word_led_group(pattern)), needs)


_LETTER = re.compile(r"[a-z0-9]")


def _word_led_group(pattern: str) -> str:
    r"""`(?:a|b)rest` -> `(?:word_led(a)|word_led(b))rest` when every alternative
    starts with a literal letter; `word` -> `word_led(word)`; else unchanged."""
    if pattern.startswith("\\b(?:"):
        depth, i = 1, len("\\b(?:")
        alternatives, start = [], i
        while i < len(pattern) and depth:
            ch = pattern[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "|" and depth == 1:
                alternatives.append(pattern[start:i])
                start = i + 1
            i += 1
        if depth:
            return pattern
        alternatives.append(pattern[start : i - 1])
        if all(_LETTER.match(a) and not _quantified_first(a) for a in alternatives):
            led = "|".join(word_led("\\b" + a) for a in alternatives)
            return f"(?:{led}){pattern[i:]}"
        return pattern
    return word_led(pattern) if pattern.startswith("\\b") else pattern


def _quantified_first(alternative: str) -> bool:
    """Whether the first letter of an alternative carries a quantifier ('s?he')."""
    return len(alternative) > 1 and alternative[1] in "?*+{"


class Gate:
    """Named families of patterns sharing one scan for their needed words.

    `families` maps a name to its patterns (regex strings for lower-cased text). A name
    can hold one pattern per key too (`{"code": [patterns]}` flattened by the caller).
    """

    def __init__(self, families: dict[str, Sequence[str]]) -> None:
        self.families: dict[str, tuple[Pattern, ...]] = {}
        #: per family, its patterns that need no word (tried everywhere)
        self._always: dict[str, tuple[Pattern, ...]] = {}
        #: word -> (family, pattern index) of every pattern needing it
        self._index: dict[str, list[tuple[str, int]]] = {}
        #: per family, every word one of its patterns needs
        self._family_words: dict[str, frozenset[str]] = {}
        for name, patterns in families.items():
            compiled = []
            for i, p in enumerate(patterns):
                pattern = compile_fast(p)
                compiled.append(pattern)
                for w in pattern.needs or ():
                    self._index.setdefault(w, []).append((name, i))
            self.families[name] = tuple(compiled)
            self._always[name] = tuple(p for p in compiled if p.needs is None)
            self._family_words[name] = frozenset(w for p in compiled for w in p.needs or ())
        words = sorted(self._index)
        self._scan = re.compile(trie_pattern(words)) if words else None
        # A matched word credits every needed word inside it ('failed' holds 'fail').
        self._inside = {w: frozenset(u for u in words if u in w) for w in words}

    def present(self, low: str, spans: Sequence[Span]) -> list[frozenset[str]]:
        """Per span of `low`, the needed words it holds (one scan of the whole text)."""
        found: list[set[str]] = [set() for _ in spans]
        if self._scan is None or not spans:
            return [frozenset()] * len(spans)
        starts = [s for s, _ in spans]
        for m in self._scan.finditer(low, spans[0][0], spans[-1][1]):
            k = bisect.bisect_right(starts, m.start()) - 1
            if k >= 0 and m.end() <= spans[k][1]:
                found[k] |= self._inside[m.group()]
        return [frozenset(f) for f in found]

    def plan(self, words: frozenset[str]) -> Plan:
        """What to try in a text holding `words` (see `Plan`)."""
        return Plan(self, words)

    def plan_for(self, low: str) -> Plan:
        """The plan for a text not scanned with `present`."""
        return self.plan(self.present(low, [(0, len(low))])[0])


class Plan:
    """The patterns of each family worth trying on one text: those whose needed words the
    text holds, and those that need none. Worked out per family on first use."""

    __slots__ = ("_gate", "_words", "_tried")

    def __init__(self, gate: Gate, words: frozenset[str]) -> None:
        self._gate = gate
        self._words = words
        self._tried: dict[str, Sequence[Pattern]] = {}

    def candidates(self, family: str) -> Sequence[Pattern]:
        tried = self._tried.get(family)
        if tried is None:
            gate, words = self._gate, self._words
            if gate._family_words[family].isdisjoint(words):
                tried = gate._always[family]
            else:
                tried = [p for p in gate.families[family] if p.needs is None or not p.needs.isdisjoint(words)]
            self._tried[family] = tried
        return tried

    def search(self, family: str, low: str, s: int = 0, e: int | None = None) -> re.Match[str] | None:
        """The first pattern of the family (in order) that matches in `low[s:e]`."""
        e = len(low) if e is None else e
        for p in self.candidates(family):
            m = p.search(low, s, e)
            if m:
                return m
        return None

    def finditer(self, family: str, low: str, s: int = 0, e: int | None = None) -> Iterator[re.Match[str]]:
        """Every match in `low[s:e]` of the family's patterns that can match there."""
        e = len(low) if e is None else e
        for p in self.candidates(family):
            yield from p.finditer(low, s, e)


def flatten(groups: dict[str, Iterable[str]], prefix: str) -> dict[str, list[str]]:
    """`{"code": [patterns]}` -> `{"prefix:code": [patterns]}`, for a Gate's families."""
    return {f"{prefix}:{key}": list(patterns) for key, patterns in groups.items()}
