"""Names without a name list: capitalised tokens the vocabulary does not know.

Why this works for these letters: what a reviewer writes about a treatment is ordinary
English, clinical words, drug names and acronyms (`privacy.vocabulary`); a person's or a
place's name is the capitalised token that is none of those ("Gutiérrez", "Nguyễn",
"Hovhannisyan", "GONZALEZ-RUIZ"). A run of adjacent capitalised tokens that holds one such
token is masked whole, so a surname that is also a word ("Maria Rose", "Nguyen Van Long")
goes with it; drug, test and treatment names are never part of a name ("Dr. Smith's Norco").

A capitalised token is kept when the letter also uses it in lower case (a sentence
starting "Radiculopathy ..." in a letter that says "radiculopathy" elsewhere): names are
not written in lower case, and the letter's own identifiers (`privacy.letter_ids`) are
masked whatever their case. An eponym ("Spurling", "Tinel") is kept only beside a word such
as "test", "sign" or "positive", since alone it may be a person.

Known limit: a name that is a common English word and stands alone without a title,
label or credential ("Rose said") is kept; the letter's own header values catch the
patient's and the parties' names wherever they recur.
"""

from __future__ import annotations

import re

from .vocabulary import eponym_cues, eponyms, fold, is_acronym, is_drug, is_known

#: a word: letters, with inner apostrophes and hyphens ("O'Brien", "Gonzalez-Ruiz")
TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’](?=[^\W\d_])|-(?=[^\W\d_]))*")
#: what may stand between two tokens of one name: spaces or one line break (after an
#: initial, its period too: "John Q. Smith")
_NAME_GAP = re.compile(r"[ \t]+|[ \t]*\n[ \t]*")
_INITIAL_GAP = re.compile(r"\.?(?:[ \t]+|[ \t]*\n[ \t]*)")
_POSSESSIVE = re.compile(r"['’]s?$")
#: prefixes of hyphenated clinical words ("Non-sedating", "Post-op")
AFFIXES = frozenset({"non", "anti", "post", "pre", "re", "co", "sub", "intra", "inter", "multi", "bi", "tri", "semi",
                     "pseudo", "para", "peri", "trans", "extra", "hyper", "hypo", "over", "under", "self", "x", "op",
                     "ex", "mid", "neuro", "psycho", "electro", "micro", "macro", "mini", "ultra", "de"})  # fmt: skip

NAME, WORD, FIXED = "name", "word", "fixed"


def _kind(stem: str, cues: tuple[str | None, str | None], lowercase_words: frozenset[str]) -> str | None:
    """What a capitalised token is: a NAME, a WORD that may belong to a name beside it, or
    FIXED (a drug name or an acronym in capitals: never masked, never part of a name)."""
    folded = fold(stem)
    parts = folded.split("-")
    if is_drug(folded) or any(is_drug(p) for p in parts) or is_acronym(stem):
        return FIXED
    if folded in eponyms():
        return FIXED if any(c is not None and fold(c) in eponym_cues() for c in cues) else NAME
    if len(stem) == 1:
        return WORD  # an initial: part of a name beside it, nothing alone
    if is_known(folded) or all(is_known(p) or p in AFFIXES for p in parts):
        return WORD
    if folded in lowercase_words:
        return WORD
    return NAME


_EPONYM_JOINERS = frozenset({"and", "or", "&"})


def _beside_eponyms(matches: list[re.Match[str]], i: int, step: int) -> str | None:
    """The word before (step -1) or after (+1) token `i` and any eponyms joined to it
    ("positive Hawkin's and Neer's", "Hawkin's and Neer's tests")."""
    j = i + step
    while 0 <= j < len(matches):
        w = fold(_POSSESSIVE.sub("", matches[j].group(0)))
        if w not in eponyms() and w not in _EPONYM_JOINERS:
            return matches[j].group(0)
        j += step
    return None


def lowercase_words(text: str) -> frozenset[str]:
    """Folded words the text writes in lower case (emails and web addresses left out)."""
    cleaned = re.sub(r"\S+@\S+|\b(?:https?://|www\.)\S+", " ", text)
    return frozenset(fold(m.group(0)) for m in TOKEN.finditer(cleaned) if m.group(0).islower())


def _adjacent(text: str, left: tuple[int, int, str | None], right: tuple[int, int, str | None]) -> bool:
    gap = _INITIAL_GAP if left[1] - left[0] == 1 else _NAME_GAP
    return gap.fullmatch(text, left[1], right[0]) is not None


def name_spans(text: str, lowercase: frozenset[str]) -> list[tuple[int, int]]:
    """`[start, end)` of every name in `text` (possessive "'s" left outside)."""
    tokens: list[tuple[int, int, str | None]] = []
    matches = list(TOKEN.finditer(text))
    for i, m in enumerate(matches):
        word = m.group(0)
        if not word[0].isupper():
            tokens.append((m.start(), m.end(), None))
            continue
        stem = _POSSESSIVE.sub("", word) if len(word) > 2 else word
        cues = (_beside_eponyms(matches, i, -1), _beside_eponyms(matches, i, 1))
        tokens.append((m.start(), m.start() + len(stem), _kind(stem, cues, lowercase)))
    spans: list[tuple[int, int]] = []
    run: list[tuple[int, int, str | None]] = []

    def close() -> None:
        if any(k == NAME for _, _, k in run):
            spans.append((run[0][0], run[-1][1]))
        run.clear()

    for tok in tokens:
        kind = tok[2]
        if kind in (NAME, WORD):
            if run and not _adjacent(text, run[-1], tok):
                close()
            run.append(tok)
        else:
            close()
    close()
    return spans
