"""Identifiers recognised by their shape or their label: e-mail addresses, dates of birth,
social security, claim and case numbers, other long numbers, phone and fax numbers,
street addresses, city-state-ZIP lines, and names after a title, a label or before a
credential.

Each rule is (kind, pattern). A pattern with a named group `v` masks only that group, so
labels ("Claim Number:", "DOB") stay readable; otherwise the whole match is masked.
Dates other than a birth date are kept: injury, UR and decision dates are what
extraction needs and identify nobody on their own.
"""

from __future__ import annotations

import re

#: a name word: a capitalised word in any script, inner apostrophes and hyphens allowed
NAME_WORD = r"[^\W\d_a-z](?:[^\W\d_]|['’](?=[^\W\d_])|-(?=[^\W\d_]))*"
_NAME = NAME_WORD + r"(?:[ \t]+[A-Z]\.)?(?:[ \t]+" + NAME_WORD + r"){0,3}"
_TITLE = r"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor|Sr|Sra|Srta)\b\.?"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|" + _MONTH + r"\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+\d{2,4}"
    r"|\d{1,2}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?" + _MONTH + r"\.?,?[ \t]+\d{2,4}|\d{8})"
)
_STATES = (
    r"(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[TA]"
    r"|W[AVIY]|PR|GU|California)"
)
_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|Parkway|Pkwy|Highway|Hwy"
    r"|Circle|Cir|Terrace|Ter|Trail|Trl|Square|Sq|Plaza|Plz|Loop|Alley|Aly|Crossing|Xing|Row|Walk|Real)"
)
_NAME_LABELS = (
    r"Patient|Employee|Injured[ \t]+(?:Worker|Employee)|Applicant|Claimant|Requesting[ \t]+(?:Physician|Provider)"
    r"|Treating[ \t]+(?:Physician|Provider|Doctor)|Primary[ \t]+Treating[ \t]+Physician|PTP|Provider|Physician"
    r"|Attorney|Applicant'?s[ \t]+Attorney|Adjuster|Claims[ \t]+Adjuster|Examiner|Claims[ \t]+Examiner|Nurse[ \t]+Case"
    r"[ \t]+Manager|Case[ \t]+Manager|Signed|Sincerely|Respectfully|Attn|Attention|Dear|Insured|Member"
    r"|Patient[ \t]+Name|Employee[ \t]+Name|Name|Interpreter|Spouse|Contact"
)

RULES: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")),
    (
        "DOB",
        re.compile(
            r"\b(?:D\.?[ \t]?O\.?[ \t]?B\b\.?|Date[ \t]+of[ \t]+Birth|Birth[ \t]*date|Birthday|Born)"
            r"(?:[ \t]*(?:[:#\-]|\bis\b|\bof\b|\bwas\b|\bon\b|\(s\)))*[ \t]*\(?(?P<v>" + _DATE + r")",
            re.IGNORECASE,
        ),
    ),
    (
        "SSN",
        re.compile(
            r"\b(?:SSN|SS\#|S\.S\.N\.?|Social[ \t]+Security(?:[ \t]+(?:Number|No\.?|\#))?)[ \t]*[:#]?[ \t]*"
            r"(?P<v>[\dXx*]{3}[- \t]?[\dXx*]{2}[- \t]?\d{4})",
            re.IGNORECASE,
        ),
    ),
    ("SSN", re.compile(r"(?<![\w\-])\d{3}[- ]\d{2}[- ]\d{4}(?![\w\-])")),
    (
        "CASE",
        re.compile(
            r"\b(?:Claim|Clm|Case|File|Policy|Member|Employee[ \t]+ID|Patient[ \t]+ID|Account|Acct|Application"
            r"|WCAB|EAMS|ADJ|Ref(?:erence)?|Insurer|Carrier|Control|Authorization|Auth|Record|MRN|Chart)"
            r"[ \t]*(?:No\.?|Number|Num\.?|\#|ID|Nbr\.?)?[ \t]*(?:is|was)?[ \t]*[:#]?[ \t]*"
            r"(?P<v>(?=[A-Z0-9\-]*\d)[A-Z0-9][A-Z0-9\-]{3,}(?:[ \t]?-[ \t]?\d{3,})?)",
            re.IGNORECASE,
        ),
    ),
    ("CASE", re.compile(r"\b(?:CM\d{2}[ \t]*-[ \t]*\d{5,7}|ADJ\d{5,9}|M\d{2}-\d{5,7})\b", re.IGNORECASE)),
    # any other word of letters and digits holding 5+ digits: claim and member numbers in every format
    ("ID", re.compile(r"\b(?=[A-Za-z0-9\-]*[A-Za-z])(?=(?:[A-Za-z\-]*\d){5})[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b")),
    (
        "PHONE",
        re.compile(
            r"(?<![\w\-/.])(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}"
            r"(?:[ \t]*(?:x|ext\.?|extension)[ \t]*\d{1,6})?(?![\w\-/])",
            re.IGNORECASE,
        ),
    ),
    (
        "PHONE",
        re.compile(
            r"\b(?:Phone|Tel(?:ephone)?|Fax|Facsimile|Cell|Mobile|Ph|Pager)\b\.?[ \t]*(?:No\.?|Number|\#)?"
            r"[ \t]*[:#]?[ \t]*"
            r"(?P<v>\+?[\d(][\d() .\-]{5,}\d)",
            re.IGNORECASE,
        ),
    ),
    # 6+ digits, dashes allowed between them: SSNs, phones and claim numbers without punctuation
    # (two short groups are a range: "pages 335-336", "2016-2017")
    ("ID", re.compile(r"(?<![\w.,/\-])(?!\d{1,4}-\d{1,4}(?![\d\-]))\d(?:-?\d){5,}(?![\w/]|-\d)")),
    (
        "ADDRESS",
        re.compile(
            r"(?i:\b(?:P\.?[ \t]?O\.?[ \t]+Box|Post[ \t]+Office[ \t]+Box)[ \t]+\d+)"
            r"|\b\d{1,6}[ \t]+(?:[NSEW]\.?[ \t]+)?(?:[A-Za-z0-9][A-Za-z0-9.'\-]*[ \t]+){0,4}"
            r"(?i:" + _STREET_SUFFIX + r")\b\.?"
            r"(?:,?[ \t]*(?i:Suite|Ste|Apt|Unit|Bldg|Floor|Fl|Room|Rm|\#)\.?[ \t]*[A-Za-z0-9\-]+)?"
        ),
    ),
    # city, state ZIP (the city is masked by the name rule when the vocabulary does not know it)
    (
        "ADDRESS",
        re.compile(
            r"\b(?:[A-Z][A-Za-z.'\-]*[ \t]+){0,3}[A-Z][A-Za-z.'\-]*,?[ \t]+" + _STATES + r"\.?[ \t]+\d{5}(?:-\d{4})?\b"
        ),
    ),
    ("ADDRESS", re.compile(r"\b" + _STATES + r"[ \t]+\d{5}(?:-\d{4})?\b")),
    ("NAME", re.compile(_TITLE + r"[ \t]*\n?[ \t]*(?P<v>" + _NAME + r")")),
    (
        "NAME",
        re.compile(
            r"(?i:\b(?:" + _NAME_LABELS + r"))[ \t]*[:,][ \t]*\n?[ \t]*(?:" + _TITLE + r"[ \t]*)?"
            r"(?P<v>" + NAME_WORD + r"(?:[ \t]+[A-Z]\.?)?(?:[ \t]+" + NAME_WORD + r"){0,3})"
        ),
    ),
    (
        "NAME",
        re.compile(
            r"\b(?P<v>" + NAME_WORD + r"(?:[ \t]+[A-Z]\.)?(?:[ \t]+" + NAME_WORD + r"){1,3}),?[ \t]+"
            r"(?:M\.D\.|MD|D\.O\.|DO|D\.C\.|DC|PA-C|NP|RN|Ph\.D\.|PhD|Psy\.?D\.?|DPM|DDS|Esq\.?|LCSW|MFT|OTR|DPT|FNP)"
            r"(?![A-Za-z])"
        ),
    ),
]

#: words a title or label can be followed by that are not names ("Dr. Reviewer", "Dear Sir")
NOT_NAMES = frozenset({
    "and", "or", "the", "reviewer", "expert", "physician", "provider", "patient", "claimant", "sir", "madam",
    "applicant", "employee", "injured", "worker", "doctor", "to", "whom", "this", "a", "an", "is", "was", "per",
    "not", "none", "n/a", "unknown", "requesting", "treating", "primary",
})  # fmt: skip

DATE_ONLY = re.compile(r"\d{1,4}-\d{1,2}-\d{1,4}")
