"""Many regexes over one text's sentences, searched only where they could match.

The rationale reader and the denial-reason rules try a few hundred patterns on every
sentence of every rationale; searching each one everywhere made them most of the parse.
But every match of a pattern holds some literal word (`required_words`): "lack of
functional improvement" needs "improvement" (or "gain", "benefit"...). So one pass of an
Aho-Corasick automaton over the text finds every occurrence of all those words (a trie
regex was slower, and its non-overlapping matches missed a word starting inside another),
and a pattern is searched only in the sentences holding one of its words. The result is
the same as searching every pattern everywhere (tests/test_matching.py checks it on the
corpus, record by record).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import ahocorasick

from .required_words import requirements
from .text import word_led

Span = tuple[int, int]


_EDGES = " ,.;:!?\"()-/"
_MIN_WORD = 3
#: Bound on the remembered (family, words) -> patterns answers (a few thousand occur).
_MAX_REMEMBERED = 100_000
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
        #: per family, its patterns that need no word (tried everywhere), and their places
        self._always: dict[str, tuple[Pattern, ...]] = {}
        self._needless: dict[str, tuple[int, ...]] = {}
        #: per family, every word one of its patterns needs, and the places of those patterns
        self._family_words: dict[str, frozenset[str]] = {}
        self._family_index: dict[str, dict[str, tuple[int, ...]]] = {}
        self._tried: dict[tuple[str, frozenset[str]], tuple[Pattern, ...]] = {}
        self._union: dict[tuple[str, ...], frozenset[str]] = {}
        for name, patterns in families.items():
            compiled = self.families[name] = tuple(compile_fast(p) for p in patterns)
            self._always[name] = tuple(p for p in compiled if p.needs is None)
            self._needless[name] = tuple(i for i, p in enumerate(compiled) if p.needs is None)
            by_word: dict[str, list[int]] = {}
            for i, p in enumerate(compiled):
                for w in p.needs or ():
                    by_word.setdefault(w, []).append(i)
            self._family_words[name] = frozenset(by_word)
            self._family_index[name] = {w: tuple(places) for w, places in by_word.items()}
        self._words = frozenset().union(*self._family_words.values())
        # Every occurrence of every needed word, in one pass of an Aho-Corasick automaton
        # (C): a word inside another ('fail' in 'failed') is found too.
        self._scan = ahocorasick.Automaton()
        for w in self._words:
            self._scan.add_word(w, (len(w) - 1, w))
        if self._words:
            self._scan.make_automaton()

    def present(self, low: str, spans: Sequence[Span]) -> list[frozenset[str]]:
        """Per span of `low`, the needed words it holds (one scan of the whole text)."""
        if not self._words or not spans:
            return [frozenset()] * len(spans)
        found: list[set[str]] = [set() for _ in spans]
        starts = [s for s, _ in spans]
        for last, (back, w) in self._scan.iter(low, spans[0][0], spans[-1][1]):
            k = bisect.bisect_right(starts, last - back) - 1
            if k >= 0 and last < spans[k][1]:
                found[k].add(w)
        return [frozenset(f) for f in found]

    def words_of(self, families: Sequence[str]) -> frozenset[str]:
        """Every word a pattern of these families needs (remembered per tuple of names)."""
        key = tuple(families)
        found = self._union.get(key)
        if found is None:
            found = self._union[key] = frozenset().union(*(self._family_words[f] for f in key))
        return found

    def tried(self, family: str, words: frozenset[str]) -> Sequence[Pattern]:
        """The family's patterns worth trying on a text holding `words`: those needing one
        of them and those needing none, in the family's order. Remembered per set of words
        that matter to the family (sentences share them: few sets recur)."""
        needed = self._family_words[family]
        if needed.isdisjoint(words):  # the common case, without building a set
            return self._always[family]
        key = (family, needed & words)
        found = self._tried.get(key)
        if found is None:
            index = self._family_index[family]
            places = {i for w in key[1] for i in index[w]}
            places.update(self._needless[family])
            patterns = self.families[family]
            found = tuple(patterns[i] for i in sorted(places))
            if len(self._tried) > _MAX_REMEMBERED:
                self._tried.clear()
            self._tried[key] = found
        return found

    def plan(self, words: frozenset[str]) -> Plan:
        """What to try in a text holding `words` (see `Plan`)."""
        return Plan(self, words)

    def plan_for(self, low: str) -> Plan:
        """The plan for a text not scanned with `present`."""
        return self.plan(self.present(low, [(0, len(low))])[0])


class Plan:
    """The patterns of each family worth trying on one text: those whose needed words the
    text holds, and those that need none (`Gate.tried`)."""

    __slots__ = ("_gate", "_words")

    def __init__(self, gate: Gate, words: frozenset[str]) -> None:
        self._gate = gate
        self._words = words

    def candidates(self, family: str) -> Sequence[Pattern]:
        return self._gate.tried(family, self._words)

    def holds_words_of(self, families: Sequence[str]) -> bool:
        """Whether the text holds a word some pattern of these families needs (a cheap
        test before trying them where patterns needing no word are not wanted)."""
        return not self._gate.words_of(families).isdisjoint(self._words)

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
