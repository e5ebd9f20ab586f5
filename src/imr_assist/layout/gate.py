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

Span = tuple[int, int]


_PIECE = re.compile(r"[a-z0-9]+")
_MIN_WORD = 4


def _needs(pattern: str) -> tuple[str, ...] | None:
    """The most selective set of words one of which every match of `pattern` holds.

    A required literal run ("lack of ") is cut to its longest word ("lack"): words never
    overlap across a space, so one non-overlapping scan finds every needed word present.
    """
    options = []
    for option in requirements(pattern):
        pieces = [max(_PIECE.findall(w), key=len) if _PIECE.search(w) else "" for w in option]
        if all(pieces):
            options.append(tuple(sorted(set(pieces))))
    best = max(options, key=lambda words: (min(map(len, words)), -len(words)), default=None)
    # Short words ("no", "he", "is") are in nearly every sentence: scanning for them costs
    # more than the searches they would save, so such a pattern is simply always tried.
    return best if best and min(map(len, best)) >= _MIN_WORD else None


@dataclass(frozen=True)
class Pattern:
    """One compiled alternative and the words it needs (None: it needs nothing literal)."""

    regex: re.Pattern[str]
    needs: frozenset[str] | None


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
        always: list[tuple[str, int]] = []
        for name, patterns in families.items():
            compiled = []
            for i, p in enumerate(patterns):
                needs = _needs(p)
                compiled.append(Pattern(re.compile(p), frozenset(needs) if needs is not None else None))
                for w in needs or ():
                    self._index.setdefault(w, []).append((name, i))
                if needs is None:
                    always.append((name, i))
            self.families[name] = tuple(compiled)
            self._always[name] = tuple(p for p in compiled if p.needs is None)
        self._always_ids = frozenset(always)
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
        """What to try in a text holding `words`: per family, the patterns that can match,
        in the family's order."""
        index = self._index
        ids = set(self._always_ids)
        for w in words:
            hit = index.get(w)
            if hit:
                ids.update(hit)
        tried: dict[str, list[Pattern]] = {}
        families = self.families
        for family, i in sorted(ids):
            tried.setdefault(family, []).append(families[family][i])
        return Plan(tried)

    def plan_for(self, low: str) -> Plan:
        """The plan for a text not scanned with `present`."""
        return self.plan(self.present(low, [(0, len(low))])[0])


class Plan:
    """The patterns of each family worth trying on one text (see `Gate.plan`)."""

    def __init__(self, tried: dict[str, list[Pattern]]) -> None:
        self._tried = tried

    def search(self, family: str, low: str, s: int = 0, e: int | None = None) -> re.Match[str] | None:
        """The first pattern of the family (in order) that matches in `low[s:e]`."""
        patterns = self._tried.get(family)
        if patterns:
            e = len(low) if e is None else e
            for p in patterns:
                m = p.regex.search(low, s, e)
                if m:
                    return m
        return None

    def finditer(self, family: str, low: str, s: int = 0, e: int | None = None) -> Iterator[re.Match[str]]:
        """Every match in `low[s:e]` of the family's patterns that can match there."""
        e = len(low) if e is None else e
        for p in self._tried.get(family, ()):
            yield from p.regex.finditer(low, s, e)


def flatten(groups: dict[str, Iterable[str]], prefix: str) -> dict[str, list[str]]:
    """`{"code": [patterns]}` -> `{"prefix:code": [patterns]}`, for a Gate's families."""
    return {f"{prefix}:{key}": list(patterns) for key, patterns in groups.items()}
