"""Reversible masking of direct identifiers (PHI) in letter text.

Why: a user's own letter (unlike the DWC-published ones) carries names, claim numbers,
phone numbers, addresses and dates of birth. Before the text goes to a model that is not
on this machine, each identifier is replaced by a placeholder such as `[NAME_1]`; the map
from placeholders to the original values stays local, in the `Redaction` object. The same
value (spelled the same) always gets the same placeholder, so the model can still tell two people apart.

What is masked (rules and word lists, not a model, so the behaviour is predictable and
testable), merged where finds overlap:
- identifier shapes and labels (`privacy.patterns`): e-mails, birth dates however phrased,
  SSNs with or without dashes, claim/case numbers in any format, phones, street addresses,
  city-state-ZIP, names after a title, a label or before a credential;
- names without a name list (`privacy.names`): capitalised words the vocabulary does not
  know, with the capitalised words beside them;
- the letter's own identifiers wherever they recur (`privacy.letter_ids`, learned once per
  letter into a `Profile`).
Drug, test and treatment names are never part of a mask. Other dates (injury, UR,
decision) are kept: extraction needs them and they identify nobody on their own.

What comes back from the model is mapped back with `Redaction.restore` (values) and
`Redaction.to_original` (spans found in the masked text), so extracted values and spans
refer to the original text as read.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .letter_ids import LetterIdentifiers
from .names import TOKEN, lowercase_words, name_spans
from .patterns import DATE_ONLY, NOT_NAMES, RULES
from .vocabulary import fold, is_acronym, is_drug

KINDS = ("NAME", "ORG", "CASE", "ID", "PHONE", "EMAIL", "ADDRESS", "DOB", "SSN")
_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(KINDS) + r")_\d+\]")


@dataclass(frozen=True)
class Profile:
    """What one letter tells the masker: the identifiers it states (masked wherever they
    recur) and the words it writes in lower case (not names). Built once per letter."""

    identifiers: LetterIdentifiers
    lowercase: frozenset[str]

    @classmethod
    def of(cls, letter: str) -> Profile:
        ids = LetterIdentifiers.learn(letter)
        return cls(ids, lowercase_words(letter) - ids.words())


@dataclass(frozen=True)
class Masked:
    """One masked identifier: where it was, where its placeholder is, and what it said."""

    kind: str
    placeholder: str
    value: str
    orig_start: int
    orig_end: int
    masked_start: int
    masked_end: int


@dataclass
class Redaction:
    """Masked text plus the local, reversible map back to the original."""

    original: str
    text: str
    masks: list[Masked] = field(default_factory=list)
    #: placeholders given out by `mask` for other strings sent with this text
    extra: dict[str, str] = field(default_factory=dict)
    profile: Profile | None = field(default=None, repr=False)

    @property
    def mapping(self) -> dict[str, str]:
        """placeholder -> original value (keep it local; never send or log it)."""
        out = {m.placeholder: m.value for m in self.masks}
        out.update(self.extra)
        return out

    def mask(self, s: str) -> str:
        """Mask another string that goes out with this text (item headings, a list of
        requests) using the same placeholders: a value already masked keeps its token,
        a new one gets the next free token, and `restore` knows both."""
        hits = find(s, self.profile or Profile.of(s))
        if not hits:
            return s
        by_value = {(ph[1:].split("_")[0], v): ph for ph, v in self.mapping.items()}
        used = set(self.mapping)
        parts, pos = [], 0
        for start, end, kind in hits:
            value = s[start:end]
            token = by_value.get((kind, value))
            if token is None:
                n = 1
                fresh = f"[{kind}_{n}]"
                while fresh in used or fresh in self.original or fresh in s:
                    n += 1
                    fresh = f"[{kind}_{n}]"
                used.add(fresh)
                by_value[(kind, value)] = fresh
                self.extra[fresh] = value
                token = fresh
            parts += [s[pos:start], token]
            pos = end
        parts.append(s[pos:])
        return "".join(parts)

    def restore(self, s: str) -> str:
        """Put the original values back in a string the model returned."""
        if not self.masks:
            return s
        mapping = self.mapping
        return _PLACEHOLDER.sub(lambda m: mapping.get(m.group(0), m.group(0)), s)

    def to_original_pos(self, i: int) -> int:
        """Original offset of masked offset `i`. Inside a placeholder it snaps to the
        start of the identifier, at the placeholder's end to the identifier's end."""
        starts = [m.masked_start for m in self.masks]
        k = bisect.bisect_right(starts, i) - 1
        if k < 0:
            return i
        m = self.masks[k]
        if i < m.masked_end:
            return m.orig_start
        return i - m.masked_end + m.orig_end

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a `[start, end)` span in `text` to the same evidence in `original`.

        A span that ends inside or at the end of a placeholder covers the whole identifier."""
        s = self.to_original_pos(start)
        if end <= start:
            return s, s
        e = self.to_original_pos(end - 1) + 1
        for m in self.masks:  # few masks per letter; linear is fine
            if m.masked_start < end <= m.masked_end:
                e = m.orig_end
        return s, max(s, e)

    def counts(self) -> dict[str, int]:
        """How many distinct identifiers of each kind were masked (safe to log)."""
        out: dict[str, int] = {}
        for ph in self.mapping:
            kind = ph[1:].split("_")[0]
            out[kind] = out.get(kind, 0) + 1
        return out


def find(text: str, profile: Profile) -> list[tuple[int, int, str]]:
    """Every identifier as (start, end, kind), in text order. Overlapping finds are merged
    into one (a partly masked name would still name someone)."""
    found: list[tuple[int, int, str]] = []
    for kind, rx in RULES:
        for m in rx.finditer(text):
            s, e = m.span("v") if "v" in rx.groupindex else m.span()
            if kind == "NAME":
                e = _trim_name(text, s, e)
            elif kind == "ID" and DATE_ONLY.fullmatch(text, s, e):
                continue
            if e > s:
                found.append((s, e, kind))
    found += profile.identifiers.find(text)
    found += [(s, e, "NAME") for s, e in name_spans(text, profile.lowercase)]
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out: list[tuple[int, int, str]] = []
    for s, e, kind in found:
        if out and s < out[-1][1]:
            ps, pe, pkind = out[-1]
            out[-1] = (ps, max(pe, e), pkind)
        else:
            out.append((s, e, kind))
    return out


def _trim_name(text: str, start: int, end: int) -> int:
    """Where a name found after a title or label really ends: before a drug name or an
    acronym in capitals ("Dr. Smith's Norco" -> "Smith"), before a possessive; nothing
    when it starts with a word that is not a name ("Dr. Reviewer")."""
    last = start
    for i, m in enumerate(TOKEN.finditer(text, start, end)):
        word = m.group(0)
        stem = re.sub(r"['’]s?$", "", word) if len(word) > 2 else word
        folded = fold(stem)
        if i == 0 and folded in NOT_NAMES:
            return start
        if is_drug(folded) or is_acronym(stem) or not stem[:1].isupper():
            break
        last = m.start() + len(stem)
        if stem != word:
            break
    return last


def redact_text(text: str, profile: Profile | None = None) -> Redaction:
    """Mask identifiers in `text`; the result can restore values and map spans back.
    `profile` is what the whole letter says (`Profile.of(letter)`); by default `text` is the letter."""
    profile = profile or Profile.of(text)
    hits = find(text, profile)
    if not hits:
        return Redaction(original=text, text=text, profile=profile)
    assigned: dict[tuple[str, str], str] = {}
    per_kind: dict[str, int] = {}
    parts: list[str] = []
    masks: list[Masked] = []
    pos = 0
    out_len = 0
    for s, e, kind in hits:
        value = text[s:e]
        key = (kind, value)  # exact: every placeholder restores to exactly what it replaced
        ph = assigned.get(key)
        if ph is None:
            while True:  # never reuse a token the letter itself already contains
                per_kind[kind] = per_kind.get(kind, 0) + 1
                ph = f"[{kind}_{per_kind[kind]}]"
                if ph not in text:
                    break
            assigned[key] = ph
        parts.append(text[pos:s])
        out_len += s - pos
        masks.append(Masked(kind, ph, value, s, e, out_len, out_len + len(ph)))
        parts.append(ph)
        out_len += len(ph)
        pos = e
    parts.append(text[pos:])
    return Redaction(original=text, text="".join(parts), masks=masks, profile=profile)
