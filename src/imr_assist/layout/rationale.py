"""Read a decision rationale the way a practitioner does: sentence by sentence, telling the
guideline's general text from what the reviewer found in THIS case.

Everything a user acts on rests on that split: a denial reason is a criterion the reviewer
applied to the case, and the worker's "why", the physician's checklist and the attorney's
list of facts to test are the reviewer's case findings ("there are no functional objective
measures in the file presented"), not the guideline quotes around them.

The reader works on the rationale's cleaned view (line breaks joined, hyphen splits
joined, spaces collapsed), so every offset it returns maps back into the letter through
`Region.span`. Steps:

1. split into sentences without breaking "Dr.", "e.g.", "8 C.C.R.", "vs.", "10mg. does" or
   decimals; page-break repeats ("Page 3 of 5") are cut out; each sentence is cut again at
   semicolons, so "...reveal X; there was no Y" gives two parts;
2. classify each part: `conclusion` (what was decided, the opioid-taper notice),
   `background` (history, diagnosis, "the request is for ..."), `finding` (speaks about this
   case and is not a guideline statement) or `guideline`; text inside an open quotation is
   guideline unless it plainly speaks about this case;
3. findings: each finding part trimmed to the clause a reader would quote: discourse markers
   ("However,", "In this case,") and source attributions ("Based on the clinical note
   submitted for review,") dropped, "Although X, Y" read as Y, comma splices and "; "
   split, a trailing ", which is ..." dropped; a conclusion's lead-in ("As the claimant has
   yet to complete any conservative management, X is not medically necessary") gives its
   case clauses too.

The cue words are data (`data/rationale.json`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ..assets import DATA_DIR
from .gate import Gate, Plan
from .items import NOISE

Kind = Literal["guideline", "finding", "background", "conclusion"]
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Part:
    """One sentence, or one semicolon-separated part of one, of the cleaned rationale."""

    start: int
    end: int
    kind: Kind
    quoted: bool = False


@dataclass(frozen=True)
class Reading:
    """A rationale read: its cleaned text, its classified parts and its finding clauses."""

    text: str
    low: str
    parts: tuple[Part, ...]
    #: Clause spans (in `text`) a reader would quote as the reviewer's case findings.
    findings: tuple[Span, ...]
    #: Case clauses read from conclusions' lead-ins ("Given that X, ..."): reasons are read
    #: from them too, though they are findings only when they speak about the case.
    lead_ins: tuple[Span, ...]
    #: Per part, which rule patterns can match it (one scan of the rationale, `gate.py`).
    plans: tuple[Plan, ...] = ()


#: Cue families tried sentence by sentence (lists of patterns in data/rationale.json).
_FAMILIES = (
    "conclusion", "background", "case_strong", "case_weak", "guideline_override", "guideline_strong", "not_finding"
)


@dataclass(frozen=True)
class _Cues:
    gate: Gate
    lead_in: re.Pattern[str]
    lead_markers: re.Pattern[str]
    attribution: re.Pattern[str]
    concessive: re.Pattern[str]
    trailing_relative: re.Pattern[str]
    clause_split: re.Pattern[str]
    fact_that: re.Pattern[str]
    lead_in_end: re.Pattern[str]
    has_verb: re.Pattern[str]
    #: words that end with a period without ending the sentence ("Dr.", "vs."), lower
    #: case without the dot; words with an inner dot ("e.g.", "C.C.R.") and initials are
    #: recognised apart
    abbreviations: frozenset[str]


@lru_cache(maxsize=1)
def cues() -> _Cues:
    """The cue patterns, compiled once. The gate also holds the denial-reason phrases, so one
    scan of a rationale serves the reader and the reason rules (`Reading.plans`)."""
    from .reasons import rules  # the reason rules read this module's Reading

    data = json.loads((DATA_DIR / "rationale.json").read_text())
    return _Cues(
        gate=Gate({**{name: data[name] for name in _FAMILIES}, **rules().families}),
        lead_in=re.compile(data["conclusion_lead_in"]),
        lead_markers=re.compile(data["lead_markers"]),
        attribution=re.compile(data["attribution"]),
        concessive=re.compile(data["concessive"]),
        trailing_relative=re.compile(data["trailing_relative"]),
        clause_split=re.compile(data["clause_split"]),
        fact_that=re.compile(data["fact_that"]),
        lead_in_end=re.compile(data["lead_in_end"]),
        has_verb=re.compile(data["clause_has_verb"]),
        abbreviations=frozenset(data["abbreviations"]),
    )


# ------------------------------------------------------------------ sentences

#: A sentence end: punctuation, closing quotes/brackets, space, then a capital, digit or
#: opening quote (a lower-case word after "10mg." continues the sentence).
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])")
_SEMICOLON = re.compile(r";\s+(?=(?:\S+\s+){2}\S)")
_QUOTES = re.compile(r"[\"“”]")
#: An opening quotation mark never closed within this many characters is taken as
#: unbalanced (letters often drop the closing mark), so it stops marking text as quoted.
_MAX_QUOTE = 700


def sentences(text: str) -> list[Span]:
    """Sentence spans of a cleaned text; page-break repeats are cut out."""
    cuts = [(m.start(), m.end()) for m in NOISE.finditer(text.lower())] if "page " in text.lower() else []
    out: list[Span] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + 1
        if _is_abbreviation(text, start, m.start()):
            continue
        out.append((start, end))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    for a, b in cuts:
        out = [piece for s, e in out for piece in _cut(s, e, a, b)]
    return [(s, e) for s, e in (_strip(text, s, e) for s, e in out) if e > s]


def _cut(s: int, e: int, a: int, b: int) -> list[Span]:
    if b <= s or a >= e:
        return [(s, e)]
    return [(s, a), (b, e)]


def _strip(text: str, s: int, e: int) -> Span:
    while s < e and text[s] in " ,;:":
        s += 1
    while e > s and text[e - 1] == " ":
        e -= 1
    return s, e


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    """Whether the period at `dot` ends an abbreviation or initial, not the sentence."""
    i = dot
    while i > start and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot]
    if not word:
        return False
    if "." in word.strip("."):
        return True  # e.g., i.e., C.C.R., U.S.
    if len(word) == 1 and word.isupper():
        return True  # an initial: "J. Smith"
    return word.lower() in cues().abbreviations


def _parts(text: str, s: int, e: int) -> list[Span]:
    """A sentence cut at semicolons that separate clauses (3+ words after)."""
    out, last = [], s
    for m in _SEMICOLON.finditer(text, s, e):
        out.append((last, m.start()))
        last = m.end()
    out.append((last, e))
    return [p for p in out if p[1] > p[0]]


# ------------------------------------------------------------------ classifying


def classify(low: str, quoted: bool = False, plan: Plan | None = None) -> Kind:
    """The kind of one lower-cased part (see the module docstring); `plan` says which cue
    patterns can match it, when its words are already scanned."""
    plan = cues().gate.plan_for(low) if plan is None else plan

    def has(family: str) -> bool:
        return plan.search(family, low) is not None

    if has("conclusion"):
        return "conclusion"
    strong = has("case_strong")
    if not strong and (quoted or not has("case_weak")):
        return "guideline"  # no word about this case (background needs one too)
    if has("background"):
        return "background"
    if has("guideline_strong"):
        return "guideline"
    if strong or not has("guideline_override"):
        return "finding"
    return "guideline"


def _quoted_flags(text: str, spans: list[Span]) -> list[bool]:
    """Per span, whether it starts inside an open quotation (`_MAX_QUOTE` bounds it)."""
    marks = [m.start() for m in _QUOTES.finditer(text)]
    flags, k, open_at = [], 0, None
    for s, _ in spans:
        while k < len(marks) and marks[k] < s:
            open_at = None if open_at is not None else marks[k]
            k += 1
        if open_at is not None and s - open_at > _MAX_QUOTE:
            open_at = None
        flags.append(open_at is not None)
    return flags


# ------------------------------------------------------------------ findings


def _trim(text: str, low: str, s: int, e: int) -> Span:
    """Drop discourse markers, a source attribution and a concession from the front;
    "The fact that X reduced ..." is read as X."""
    c = cues()
    for _ in range(3):
        before = s
        head = low[s:e]
        for pattern in (c.lead_markers, c.attribution, c.concessive):
            m = pattern.match(head)
            if m and m.end():
                s += m.end()
                head = low[s:e]
        if s == before:
            break
    m = c.fact_that.match(low[s:e]) if low.startswith("the fact that", s) else None
    if m:
        s, e = s + m.start(1), s + m.end(1)
    while e > s and text[e - 1] in ".!?;:, ":
        e -= 1
    return s, e


def _clauses(text: str, low: str, s: int, e: int, plan: Plan) -> list[Span]:
    """A finding part split into the clauses a reader would quote one by one: at "; ",
    comma splices and "and there is no ..." (a piece with no verb stays with the next),
    and "Given that X, Y" as X and Y."""
    c = cues()
    s, e = _trim(text, low, s, e)
    lead = _lead_in_clauses(text, low, s, e, plan, verdict=False)
    if lead:
        return lead
    pieces: list[Span] = []
    last = s
    for m in c.clause_split.finditer(low, s, e):
        pieces.append((last, m.start()))
        last = m.end()
    pieces.append((last, e))
    merged: list[Span] = []
    for a, b in pieces:
        if merged and not c.has_verb.search(low[merged[-1][0] : merged[-1][1]]):
            a = merged.pop()[0]
        merged.append((a, b))
    clauses = []
    for a, b in merged:
        a, b = _trim(text, low, a, b)
        tail = c.trailing_relative.search(low, a, b)
        if tail:
            b = tail.start()
        a, b = _strip(text, a, b)
        while b > a and text[b - 1] in ".!?;:,":
            b -= 1
        if b - a >= 12 and low.count(" ", a, b) >= 2 and not plan.search("not_finding", low[a:b]):
            clauses.append((a, b))
    return clauses


#: Where one lead-in clause ends and the next begins: ", and as", ", given that", ", and".
_LEAD_IN_JOINS = re.compile(
    r",\s+(?:and\s+)?(?:as|since|because|given(?: that)?|noting that|with|by|based on)\s+|,\s+and\s+"
)


def _lead_in_clauses(text: str, low: str, s: int, e: int, plan: Plan, verdict: bool = True) -> list[Span]:
    """Case clauses in front of a main clause: "As X, and as Y, the request is not ..."
    (`verdict`: a conclusion, whose main clause is the decision) or "Given that X, Y"
    (a finding: X and then Y)."""
    c = cues()
    m = c.lead_in.match(low[s:e])
    if not m:
        return []
    begin = s + m.end()
    end = c.lead_in_end.search(low, begin, e)
    if end:
        stop = end.start()
    else:
        decided = plan.search("conclusion", low, begin, e) if verdict else None
        stop = low.rfind(", ", begin, decided.start() if decided else e)
    if stop <= begin:
        return []
    out, at = [], begin
    for piece in _LEAD_IN_JOINS.split(low[begin:stop]):
        a = low.find(piece, at)
        if a < 0:
            continue
        at = a + len(piece)
        if c.has_verb.search(piece):
            out += _clauses(text, low, a, a + len(piece), plan)
    if not verdict and out and end:
        out += _clauses(text, low, end.end(), e, plan)
    return out


def _speaks_of_case(low: str, plan: Plan) -> bool:
    return bool(
        plan.search("case_strong", low) or plan.search("case_weak", low) or low.startswith(("lack of", "no "))
    )


def read_rationale(text: str) -> Reading:
    """Read a cleaned rationale: its parts, their kinds, and the finding clauses."""
    low = text.lower()
    spans = [p for s, e in sentences(text) for p in _parts(text, s, e)]
    flags = _quoted_flags(text, spans)
    gate = cues().gate
    parts: list[Part] = []
    findings: list[Span] = []
    lead_ins: list[Span] = []
    plans = [gate.plan(words) for words in gate.present(low, spans)]
    for (s, e), quoted, plan in zip(spans, flags, plans, strict=True):
        kind = classify(low[s:e], quoted, plan)
        parts.append(Part(s, e, kind, quoted))
        if kind == "finding":
            findings += _clauses(text, low, s, e, plan)
        elif kind == "conclusion":
            for a, b in _lead_in_clauses(text, low, s, e, plan):
                lead_ins.append((a, b))
                if _speaks_of_case(low[a:b], plan) and "medically necessary" not in low[a:b]:
                    findings.append((a, b))
    return Reading(text, low, tuple(parts), tuple(findings), tuple(lead_ins), tuple(plans))
