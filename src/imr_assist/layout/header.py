"""Letter-level fields: the header block, the patient, the UR date, reviewer credentials.

Each finder returns `(value, span)` with spans in the original letter text.
"""

from __future__ import annotations

import bisect
import re

from .text import Region, date_span, find_dates, iter_dates, lower_pattern, one_of, parse_date_match, sentence_spans

Found = tuple[object, tuple[int, int] | None]

# ------------------------------------------------------------------ header block

_LABELS = {
    "case_number": r"(?:IMR\s+)?Case\s*(?:Number|No\.?|#)",
    "date_assigned": r"Date\s*Assigned",
    "date_of_injury": r"Date\s*of\s*Injury|DOI",
    "decision_date": r"Decision\s*Date",
    "utilization_review_date": r"UR\s*Denial\s*Date|Utilization\s*Review\s*Denial\s*Date",
    "priority": r"Priority",
    "application_received": r"Application\s*Received",
    "claim_number": r"Claim(?:s)?\s*(?:Number|No\.?|#)",
}
_LABEL_RE = lower_pattern("|".join(f"(?P<{k}>\\b(?:{v})\\s*:)" for k, v in _LABELS.items()))
#: The first word of every label, for `_labels` to try `_LABEL_RE` only there.
_LABEL_WORD = re.compile(r"imr|case|date|doi|decision|ur|utilization|priority|application|claim")
#: The look-behind sits after the 'c' (not a leading \\b) so `re` can scan for 'c'.
_CASE_RE = lower_pattern(r"(C(?<!\wC)[MB]\d{2}\s?-\s?\d{5,8})\b")
_DATE_LABELS = {"date_assigned", "date_of_injury", "decision_date", "utilization_review_date", "application_received"}


def header_fields(region: Region) -> dict[str, Found]:
    """Label/value pairs from the header, tolerant of PDF extraction that separates them.

    When labels run together ("Date Assigned: Date of Injury: 11/09/2016 10/13/2016"),
    pending labels take the next values of their type in order.
    """
    s = region.low
    labels = _labels(s)
    values = _values(s)
    value_starts = [v[2] for v in values]
    out: dict[str, Found] = {}
    pending: list[str] = []
    for i, m in enumerate(labels):
        name = m.lastgroup or ""
        if name in out:
            continue
        seg_end = labels[i + 1].start() if i + 1 < len(labels) else min(len(s), m.end() + 80)
        pending.append(name)
        first, last = bisect.bisect_left(value_starts, m.end()), bisect.bisect_left(value_starts, seg_end)
        segment = [v for v in values[first:last] if v[3] <= seg_end]
        still: list[str] = []
        for label in pending:
            kind = "date" if label in _DATE_LABELS else ("case" if label == "case_number" else "word")
            pick = next((v for v in segment if v[0] == kind), None)
            if pick is None:
                if kind != "word":
                    still.append(label)
                continue
            segment.remove(pick)
            out[label] = (pick[1], region.span(pick[2], pick[3]))
        pending = still
    return out


def _labels(s: str) -> list[re.Match[str]]:
    """`_LABEL_RE.finditer(s)`, tried only where a label's first word starts: the label
    alternation opens with named groups, which keeps `re` from skipping ahead on its own."""
    found: list[re.Match[str]] = []
    last = 0
    for w in _LABEL_WORD.finditer(s):
        if w.start() < last:
            continue
        m = _LABEL_RE.match(s, w.start())
        if m:
            found.append(m)
            last = m.end()
    return found


def _values(s: str) -> list[tuple[str, object, int, int]]:
    """Every date and case number in the header, in order: (kind, value, start, end)."""
    vals: list[tuple[str, object, int, int]] = [("date", iso, x, y) for iso, x, y in find_dates(s)]
    for m in _CASE_RE.finditer(s):
        vals.append(("case", _case_id(m.group(1)), m.start(1), m.end(1)))
    vals.sort(key=lambda v: v[2])
    return vals


def case_number_anywhere(region: Region) -> Found:
    m = _CASE_RE.search(region.low)
    return (_case_id(m.group(1)), region.span(m.start(1), m.end(1))) if m else (None, None)


def _case_id(raw: str) -> str:
    """'CM17 -0008241' (a PDF extraction gap) -> 'CM17-0008241'."""
    return re.sub(r"\s+", "", raw).upper()


# ------------------------------------------------------------------ patient

# Age and sex words, matched on the lower-cased text.
_AGE = re.compile(
    r"\b(?P<age>\d{1,3})[\s-]*(?:year|yr)s?[\s-]*old\b|\b(?P<age2>\d{1,3})\s*(?:y/o|yo)\b|\bage[d:]?\s+(?P<age3>\d{1,3})\b"
)
_SEX_WORDS = {
    "male": "male", "man": "male", "gentleman": "male", "boy": "male",
    "female": "female", "woman": "female", "lady": "female", "girl": "female",
}  # fmt: skip
_SEX_NAMES = "male|female|man|woman|gentleman|lady"
_SEX = re.compile(rf"\b({_SEX_NAMES})\b")
#: Who a case summary describes, and the words that may stand between "is a" and the sex
#: word ("is a right-handed female") - not a preposition or "and", which start another
#: phrase ("is an employee of a female-owned business").
_SUBJECTS = ("injured worker", "injured employee", "patient", "claimant", "applicant", "employee", "individual",
             "worker", "iw", "she", "he")  # fmt: skip
_MODIFIER = r"(?:(?!(?:of|for|with|to|at|by|in|from|and)\b)[a-z][a-z-]*\s+)"
#: Sex stated apart from the age: "the injured worker is a female", "the patient, a
#: female,", "this female patient" (not "a male employee": someone else), "gender: male".
#: Every alternative opens with a literal word so `re` can skip ahead.
_SEX_STATED = one_of(
    [rf"\b{s}(?:,?\s+(?:is|was)|\s*,)\s+an?\s+{_MODIFIER}{{0,3}}(?:{_SEX_NAMES})\b" for s in _SUBJECTS]
    + [rf"\b{a}\s+{_MODIFIER}{{0,2}}(?:male|female)\s+(?:{'|'.join(_SUBJECTS[:5])}|individual)\b"
       for a in ("this", "the", r"is\s+an?")]
    + [r"\b(?:sex|gender)\s*:\s*(?:male|female)\b"]
)


def patient_age_sex(region: Region) -> tuple[Found, Found]:
    """Age and sex from the first '53-year-old male' style phrase.

    Sex is taken from a word right after the age phrase; when both a male and a female
    word appear there ("male-female"), the letter does not make it clear: None. With no
    sex word there, from the first phrase that states it apart from the age ("The injured
    worker is a female", "this female patient"), under the same rule.
    """
    s = region.low
    m = _AGE.search(s)
    age_found: Found = (None, None)
    if m:
        g = "age" if m.group("age") else ("age2" if m.group("age2") else "age3")
        age = int(m.group(g))
        age_found = (age, region.span(m.start(), m.end())) if 0 < age < 120 else (None, None)
        words = _sex_words(s, m.end())
        if words:
            return age_found, _one_sex(region, words)
    stated = _SEX_STATED.search(s)
    if stated is None:
        return age_found, (None, None)
    first = _SEX.search(s, stated.start(), stated.end())
    return age_found, _one_sex(region, _sex_words(s, first.start() if first else stated.end()))


def _sex_words(s: str, at: int) -> list[re.Match[str]]:
    """The sex words in the phrase that starts at `at` (up to punctuation or a clause)."""
    phrase = re.split(r"[.,;]| who | with | that ", s[at : at + 40])[0]
    return list(_SEX.finditer(s, at, at + len(phrase)))


def _one_sex(region: Region, words: list[re.Match[str]]) -> Found:
    """The sex the words name, spanning the first; None when none or when they disagree."""
    sexes = {_SEX_WORDS[w.group(1)] for w in words}
    if len(sexes) != 1:
        return None, None
    return sexes.pop(), region.span(words[0].start(1), words[0].end(1))


def date_from_sentence(region: Region, keyword: re.Pattern[str]) -> Found:
    """The date in the first sentence that mentions `keyword` (a lower-case pattern),
    nearest to the keyword."""
    low = region.low
    for a, b in sentence_spans(region.clean):
        k = keyword.search(low, a, b)
        if not k:
            continue
        dates = [m for m in iter_dates(low, a, b) if parse_date_match(m)]
        if not dates:
            continue
        best = min(dates, key=lambda m: abs(m.start() - k.start()))
        x, y = date_span(best)
        return parse_date_match(best), region.span(x, y)
    return None, None


# ------------------------------------------------------------------ reviewer

# Credential patterns match the lower-cased text; values are read from the cleaned text.
_STATES_LINE = lower_pattern(r"State\(?s?\)?\s*of\s*Licens(?:ure|e)\s*:\s*(?P<v>[^\n]*?)\s*(?=Certification|$)")
_SPECIALTY_LINE = lower_pattern(
    r"Certification\(?s?\)?\s*/?\s*Specialt(?:y|ies)\s*:\s*(?P<v>.*?)\s*(?=CLINICAL CASE SUMMARY|\bCASE SUMMARY|$)"
)
_BOARD = lower_pattern(
    r"(?:Board[- ]Certified|certified)\s+in\s+(?P<spec>.+?)"
    r"(?:,?\s+(?:has|with)\s+a\s+sub-?specialty\s+in\s+(?P<sub>.+?))?"
    r",?\s+and\s+(?:is\s+)?licensed\s+to\s+practice\s+in\s+(?P<states>.+?)(?:\.|\s+He/she|\s+He\b|\s+She\b|$)"
)
_LICENSED_AS = lower_pattern(
    r"\bis\s+a\s+Licensed\s+(?P<spec>[A-Z][\w ]+?)"
    r"(?:,?\s+(?:has|with)\s+a\s+sub-?specialty\s+in\s+(?P<sub>.+?))?"
    r",?\s+and\s+(?:is\s+)?licensed\s+to\s+practice\s+in\s+(?P<states>.+?)(?:\.|\s+He/she|$)"
)
_LICENSED_IN = lower_pattern(r"licensed\s+to\s+practice\s+in\s+(?P<states>.+?)(?:\.|\s+He/she|$)")


def _split_list(v: str, on_and: bool) -> list[str]:
    parts = re.split(r"\s*[,;]\s*|\s+and\s+" if on_and else r"\s*[,;]\s*", v)
    out: list[str] = []
    for p in parts:
        p = p.strip(" .:")
        p = re.sub(r"^(?:and|the State of)\s+", "", p, flags=re.I)
        if p and p not in out:
            out.append(p)
    return out


def reviewer_credentials(region: Region) -> tuple[Found, Found]:
    """(licensure_states, specialties) from either credential style."""
    s, low = region.clean, region.low
    states: Found = (None, None)
    specs: Found = (None, None)

    def value(m: re.Match[str], group: str) -> str:
        return s[m.start(group) : m.end(group)]

    m = _STATES_LINE.search(low)
    if m and m.group("v").strip():
        states = (_split_list(value(m, "v"), on_and=True), region.span(m.start("v"), m.end("v")))
    m = _SPECIALTY_LINE.search(low)
    if m and m.group("v").strip():
        specs = (_split_list(value(m, "v"), on_and=False), region.span(m.start("v"), m.end("v")))
    if states[0] and specs[0]:
        return states, specs
    m = _BOARD.search(low) or _LICENSED_AS.search(low)
    if m:
        names = [value(m, "spec")] + ([value(m, "sub")] if m.group("sub") else [])
        if specs[0] is None:
            vals = [n.strip() for n in names if n and n.strip()]
            end = m.end("sub") if m.group("sub") else m.end("spec")
            specs = (vals, region.span(m.start("spec"), end))
        if states[0] is None:
            states = (_split_list(value(m, "states"), on_and=True), region.span(m.start("states"), m.end("states")))
    elif states[0] is None:
        m = _LICENSED_IN.search(low)
        if m:
            states = (_split_list(value(m, "states"), on_and=True), region.span(m.start("states"), m.end("states")))
    return states, specs
