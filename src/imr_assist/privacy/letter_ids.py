"""The identifiers a letter states about itself, masked wherever they recur.

Why: the header names the parties ("Employee: María Elena Gutiérrez", "Employer: Acme
Widgets", "Claim Number: 05-WC-7781234", the address block, the cc list); the same values
come back in the narrative without a label, in another case ("GUTIERREZ"), without accents
("Gutierrez") or with other separators ("05WC7781234"). Learning them from the letter and
matching them folded (`vocabulary.fold`) catches every such recurrence.

What is learned: values after a party or number label (at a line start or after a column
gap, as headers lay them out), a salutation's name, the lines of an address block (up to
three lines above a city-state-ZIP line) and of a cc list. A learned value is matched as a
whole and word by word; a word that is also a common English word is matched only when
it is a labelled person's ("Employee: Rose Young") and capitalised, a drug name never (an employer "Norco
Industries" does not mask the drug). Numbers match whatever separators they are written with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from .patterns import NOT_NAMES
from .vocabulary import fold, is_drug, is_known

_PARTY_LABELS = {
    "NAME": (
        r"employee(?:'s)?(?:[ \t]+name)?|patient(?:[ \t]+name)?|injured[ \t]+(?:worker|employee)|applicant|claimant"
        r"|(?:primary[ \t]+)?(?:requesting|treating)[ \t]+(?:physician|provider|doctor)|provider|physician"
        r"|(?:applicant(?:'s)?|defense)[ \t]+attorney|attorney|(?:claims[ \t]+)?(?:adjuster|examiner)"
        r"|(?:nurse[ \t]+)?case[ \t]+manager|attn|attention|re|to|dear|interpreter"
    ),
    "ORG": r"employer|claims[ \t]+administrator|insurer|(?:insurance[ \t]+)?carrier|tpa|law[ \t]+(?:firm|office)",
    "CASE": (
        r"claim[ \t]*(?:number|no\.?|num\.?|\#)?|clm|case[ \t]*(?:number|no\.?|\#)?"
        r"|imr[ \t]+case[ \t]*(?:number|no\.?)?|wcab(?:[ \t]+(?:case[ \t]+)?(?:number|no\.?))?|adj"
        r"|eams(?:[ \t]+(?:number|no\.?))?|policy(?:[ \t]+(?:number|no\.?))?"
        r"|member[ \t]+id|employee[ \t]+id|patient[ \t]+id|account(?:[ \t]+(?:number|no\.?))?"
    ),
    "SSN": r"ssn|social[ \t]+security(?:[ \t]+(?:number|no\.?))?",
    "DOB": r"dob|d\.o\.b\.?|date[ \t]+of[ \t]+birth|birth[ \t]*date",
    "PHONE": r"phone|tel(?:ephone)?|fax|cell|mobile",
}
#: a label at a line start or after a column gap, then ':' (or ',' after a salutation)
_LABELLED = re.compile(
    r"(?im)(?:^|[ \t]{2,}|\t)(?P<label>" + "|".join(f"(?P<{k}>{v})" for k, v in _PARTY_LABELS.items()) + r")"
    r"[ \t]*[:#][ \t]*(?P<value>[^\n]*?)(?=[ \t]{2,}|\t|[ \t]*$)"
)
_SALUTATION = re.compile(r"(?im)^[ \t]*Dear[ \t]+(?P<value>[^\n:,]{2,60})[:,]")
_CITY_LINE = re.compile(
    r"(?m)^[ \t]*(?P<value>[^\W\d_][^\n]*?,?[ \t]+(?:[A-Z]{2}|California)\.?[ \t]+\d{5}(?:-\d{4})?)[ \t]*$"
)
_CC = re.compile(r"(?im)^[ \t]*(?:cc|c\.c\.|copy[ \t]+to|copies[ \t]+to)[ \t]*:[ \t]*")
_TITLES = re.compile(r"^(?:(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Sr|Sra|Srta)\.?[ \t]+)+", re.IGNORECASE)
_CREDENTIAL = re.compile(r",?[ \t]+(?:M\.?D\.?|D\.?O\.?|D\.?C\.?|PA-C|NP|RN|Ph\.?D\.?|Esq\.?)[ \t]*$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_ORG_WORDS = frozenset({"inc", "llc", "llp", "corp", "co", "ltd", "pc", "pllc", "lp", "dba", "the", "of", "and"})


@dataclass(frozen=True)
class Learned:
    """One value the letter states: its kind, its text as written, and whether a label
    says it is a person (whose name words are masked even when they are common words)."""

    kind: str
    value: str
    person: bool = False


@dataclass
class LetterIdentifiers:
    """The identifiers learned from one letter and the patterns that find them again."""

    values: list[Learned] = field(default_factory=list)

    @classmethod
    def learn(cls, letter: str) -> LetterIdentifiers:
        found: list[Learned] = []
        for m in _LABELLED.finditer(letter):
            kind = next(k for k in _PARTY_LABELS if m.group(k))
            _add(found, kind, m.group("value"), person=kind == "NAME")
        for m in _SALUTATION.finditer(letter):
            _add(found, "NAME", m.group("value"), person=True)
        lines = letter.splitlines()
        for i, line in enumerate(lines):
            if _CITY_LINE.match(line):
                _add(found, "ADDRESS", line)
                for above in reversed(lines[max(0, i - 3) : i]):
                    if not above.strip() or above.rstrip().endswith((".", ":")) or _LABELLED.search(above):
                        break
                    _add(found, "ADDRESS" if re.search(r"\d", above) else "NAME", above)
        for m in _CC.finditer(letter):
            rest = letter[m.end() :].split("\n")
            for k, line in enumerate(rest[:8]):
                if not line.strip():
                    if k:
                        break
                    continue
                _add(found, "ADDRESS" if re.search(r"\d", line) else "NAME", line)
        unique = list(dict.fromkeys(found))
        return cls(unique)

    @cached_property
    def patterns(self) -> list[tuple[str, re.Pattern[str], bool]]:
        """(kind, pattern over the folded text, needs a capital in the original)."""
        out: list[tuple[str, re.Pattern[str], bool]] = []
        seen: set[tuple[str, str]] = set()

        def add(kind: str, rx: str, capital: bool) -> None:
            if (kind, rx) not in seen:
                seen.add((kind, rx))
                out.append((kind, re.compile(rx), capital))

        for v in self.values:
            if v.kind in ("NAME", "ORG", "ADDRESS"):
                # words found in the original, read in the folded text at the same offsets
                # (folding keeps offsets, but may turn a rare letter into a non-letter)
                folded = fold(v.value)
                spans = [m.span() for m in _WORD.finditer(v.value)]
                words = [folded[a:b] for a, b in spans]
                if len(words) > 1:
                    add(v.kind, r"(?<!\w)" + r"[\s,.]+".join(map(re.escape, words)) + r"(?!\w)", False)
                for (a, b), w in zip(spans, words, strict=True):
                    original = v.value[a:b]
                    if len(w) < 2 or w in _ORG_WORDS or w in NOT_NAMES or is_drug(w):
                        continue
                    if is_known(w) and not (v.person and original[:1].isupper()):
                        continue  # a common word: only a labelled person's, and only capitalised
                    # a common word is not matched as the first part of a compound ("Long-term")
                    end = r"(?!\w|-\w)" if is_known(w) else r"(?!\w)"
                    add("NAME" if v.kind != "ORG" else "ORG", r"(?<!\w)" + re.escape(w) + end, is_known(w))
            else:
                chars = re.findall(r"[0-9a-z]", fold(v.value))
                if len(chars) >= 4 and sum(c.isdigit() for c in chars) >= 4:
                    add(v.kind, r"(?<![0-9a-z])" + r"[\s\-./()]*".join(chars) + r"(?![0-9a-z])", False)
        return out

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Every recurrence of a learned value in `text`, as (start, end, kind)."""
        if not self.values:
            return []
        folded = fold(text)
        hits: list[tuple[int, int, str]] = []
        for kind, rx, capital in self.patterns:
            for m in rx.finditer(folded):
                if capital and not text[m.start()].isupper():
                    continue
                hits.append((m.start(), m.end(), kind))
        return hits

    def words(self) -> set[str]:
        """Every folded word of the learned values (never taken as an ordinary lower-case word)."""
        return {w for v in self.values for w in _WORD.findall(fold(v.value))}


def _add(found: list[Learned], kind: str, raw: str, person: bool = False) -> None:
    value = raw.strip(" \t,;")
    if kind in ("NAME", "ORG"):
        value = _CREDENTIAL.sub("", _TITLES.sub("", value)).strip(" \t,;")
        words = _WORD.findall(value)
        if not words or fold(words[0]) in NOT_NAMES and len(words) == 1:
            return
    if len(value) < 2:
        return
    found.append(Learned(kind, value, person))
