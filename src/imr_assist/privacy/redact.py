"""Reversible masking of direct identifiers (PHI) in letter text.

Why: a user's own letter (unlike the DWC-published ones) carries names, claim numbers,
phone numbers, addresses and dates of birth. Before the text goes to a model that is not
on this machine, each identifier is replaced by a placeholder such as `[NAME_1]`; the map
from placeholders to the original values stays local, in the `Redaction` object. The same
value (spelled the same) always gets the same placeholder, so the model can still tell two people apart.

What is masked (rules, not a model, so the behaviour is predictable and testable):
names after a title (Dr./Mr./Mrs./Ms./Miss/Prof./Doctor), names on labelled lines
("Patient Name:", "Employee:", ...) and before credentials (", M.D."); claim / case /
WCAB numbers; phone and fax numbers; e-mail addresses; street addresses and P.O. boxes;
dates of birth (only where labelled: other dates — injury, UR, decision — are needed for
extraction and identify nobody on their own); social security numbers.

What comes back from the model is mapped back with `Redaction.restore` (values) and
`Redaction.to_original` (spans found in the masked text), so extracted values and spans
refer to the original text as read.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

_NAME_WORD = r"[A-Z][A-Za-z'’\-]+"
_TITLE = r"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor)\b\.?"

#: (kind, pattern). A pattern with a named group `v` masks only that group, so labels
#: ("Claim Number:") stay readable for the model; otherwise the whole match is masked.
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")),
    (
        "DOB",
        re.compile(
            r"\b(?:D\.?O\.?B\.?|Date\s+of\s+Birth|Birth\s*date|Born(?:\s+on)?)\s*[:#]?\s*"
            r"(?P<v>\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4})",
            re.IGNORECASE,
        ),
    ),
    ("SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    (
        "CASE",
        re.compile(
            r"\b(?:Claim|Case|File|Policy|Member|Employee\s+ID|Patient\s+ID|Account|Application|WCAB|EAMS|Ref(?:erence)?)"
            r"[ \t]*(?:No\.?|Number|Num\.?|#|ID)?[ \t]*[:#]?[ \t]*"
            r"(?P<v>(?=[A-Z0-9\-]*\d)[A-Z0-9][A-Z0-9\-]{3,}(?:[ \t]?-[ \t]?\d{4,})?)",
            re.IGNORECASE,
        ),
    ),
    ("CASE", re.compile(r"\b(?:CM\d{2}[ \t]*-[ \t]*\d{5,7}|ADJ\d{5,9}|M\d{2}-\d{5,7})\b")),
    (
        "PHONE",
        re.compile(r"(?<![\w\-/.])(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}(?![\w\-/])"),
    ),
    (
        "ADDRESS",
        re.compile(
            r"\b(?:P\.?\s?O\.?\s+Box\s+\d+|\d{1,6}[ \t]+(?:[NSEW]\.?[ \t]+)?(?:[A-Z0-9][A-Za-z0-9.'\-]*[ \t]+){0,4}"
            r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|Parkway|Pkwy"
            r"|Highway|Hwy|Circle|Cir|Terrace|Ter)\b\.?)"
            r"(?:,?[ \t]*(?:Suite|Ste|Apt|Unit|#)\.?[ \t]*[A-Za-z0-9\-]+)?"
            r"(?:,[ \t]*(?:[A-Z][A-Za-z]+[ \t]?){1,3},?[ \t]*(?:CA|California)[ \t]+\d{5}(?:-\d{4})?)?"
        ),
    ),
    (
        "ADDRESS",
        re.compile(r"\b(?:[A-Z][A-Za-z]+[ \t]){0,2}[A-Z][A-Za-z]+,[ \t]*(?:CA|California)[ \t]+\d{5}(?:-\d{4})?\b"),
    ),
    (
        "NAME",
        re.compile(
            _TITLE + r"[ \t]*\n?[ \t]*(?P<v>" + _NAME_WORD + r"(?:[ \t][A-Z]\.)?(?:[ \t]" + _NAME_WORD + r"){0,2})"
        ),
    ),
    (
        "NAME",
        re.compile(
            r"\b(?:Patient|Employee|Injured\s+Worker|Applicant|Claimant|Requesting\s+Physician|Treating\s+Physician"
            r"|Provider|Physician|Attorney|Adjuster|Claims\s+Adjuster|Signed|Sincerely)"
            r"(?:[ \t]+Name)?[ \t]*[:,][ \t]*\n?[ \t]*"
            r"(?P<v>" + _NAME_WORD + r"(?:[ \t][A-Z]\.)?(?:[ \t]" + _NAME_WORD + r"){1,2})"
        ),
    ),
    (
        "NAME",
        re.compile(
            r"\b(?P<v>" + _NAME_WORD + r"(?:[ \t][A-Z]\.)?[ \t]" + _NAME_WORD + r"),?[ \t]+"
            r"(?:M\.D\.|MD|D\.O\.|DO|D\.C\.|DC|PA-C|NP|RN|Ph\.D\.|PhD|DPM|DDS|Esq\.?)(?![A-Za-z])"
        ),
    ),
]

#: Words a title can be followed by that are not names ("Dr. Reviewer", "Mr. and Mrs.").
_NOT_NAMES = {"and", "or", "the", "reviewer", "expert", "physician", "provider", "patient", "claimant"}

_PLACEHOLDER = re.compile(r"\[(?:NAME|CASE|PHONE|EMAIL|ADDRESS|DOB|SSN)_\d+\]")


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
        hits = _find(s)
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


def _find(text: str) -> list[tuple[int, int, str]]:
    """Every identifier as (start, end, kind), non-overlapping, in text order."""
    found: list[tuple[int, int, str]] = []
    for kind, rx in _RULES:
        for m in rx.finditer(text):
            if "v" in rx.groupindex:
                s, e = m.span("v")
            else:
                s, e = m.span()
            value = text[s:e]
            if kind == "NAME" and value.split()[0].lower() in _NOT_NAMES:
                continue
            if e > s:
                found.append((s, e, kind))
    # Earlier start wins; at the same start the longer match wins; overlaps are dropped.
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out: list[tuple[int, int, str]] = []
    last_end = -1
    for s, e, kind in found:
        if s >= last_end:
            out.append((s, e, kind))
            last_end = e
    return out


def redact_text(text: str) -> Redaction:
    """Mask direct identifiers in `text`; the result can restore values and map spans back."""
    hits = _find(text)
    if not hits:
        return Redaction(original=text, text=text)
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
    return Redaction(original=text, text="".join(parts), masks=masks)
