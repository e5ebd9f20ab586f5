"""The literal text every match of a regex must contain, read from its parse tree.

The denial-reason rules use it to skip patterns that cannot match a sentence: a pattern
whose every match holds one of a few words needs one of the trigger words inside those
words, and a set test is far cheaper than a search that finds nothing.
"""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import re._constants as sre_constants
    import re._parser as sre_parse
else:  # pragma: no cover - the same modules under their 3.10 names
    import sre_constants
    import sre_parse

_LITERAL, _SUBPATTERN, _BRANCH = sre_constants.LITERAL, sre_constants.SUBPATTERN, sre_constants.BRANCH
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
_REPEATS.add(getattr(sre_constants, "POSSESSIVE_REPEAT", sre_constants.MAX_REPEAT))
_ATOMIC = getattr(sre_constants, "ATOMIC_GROUP", None)


def requirements(pattern: str) -> list[tuple[str, ...]]:
    """Each a set of strings of which every match of `pattern` (case-sensitive) contains
    at least one: one per literal part of the pattern's top level; [] when none."""
    return [tuple(words) for words in _candidates(sre_parse.parse(pattern))]


def _required(seq: object) -> list[str] | None:
    """The most selective of a sequence's requirements (shortest word longest)."""
    candidates = _candidates(seq)
    return max(candidates, key=lambda words: (min(map(len, words)), -len(words))) if candidates else None


def _candidates(seq: object) -> list[list[str]]:
    """A sequence's requirements: each run of literal characters, and a group's, a
    branch's (one of its alternatives' requirements) or a repeat's that must occur at
    least once. Look-arounds and character classes guarantee nothing."""
    candidates: list[list[str]] = []
    run = ""
    for op, av in [*seq, (None, None)]:  # type: ignore[misc]
        if op is _LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append([run])
            run = ""
        part: list[str] | None = None
        if op is _SUBPATTERN:
            part = _required(av[-1])
        elif op is _BRANCH:
            alternatives = [_required(alt) for alt in av[1]]
            if all(alternatives):
                part = sorted({word for alt in alternatives for word in alt})  # type: ignore[union-attr]
        elif op in _REPEATS and av[0] >= 1:
            part = _required(av[2])
        elif _ATOMIC is not None and op is _ATOMIC:
            part = _required(av)
        if part:
            candidates.append(part)
    return candidates
