"""What a request is: treatment category, drug class and generic name, from the tables."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .tables import category_rules, drug_table
from .text import lower_keeping_offsets

# Form words, matched on the lower-cased request.
_TOPICAL = re.compile(
    r"\b(cream|gel|ointment|lotion|patch(es)?|topical|transdermal|compound(ed)?|liniment|spray|rub)\b|\d\s?%"
)
_COMPOUND = re.compile(r"\b(compound(ed)?|cream base|in (a )?(cream|gel|lipoderm) base)\b")
_TOPICAL_FORM = re.compile(r"\b(cream|gel|ointment|lotion|patch(es)?|topical|transdermal|liniment|spray|rub)\b")
_PERCENT = re.compile(r"\d\s?%")
_ORAL_FORM = re.compile(r"\b(tab|tablet|capsule|cap)s?\b")
#: Classes a topical form turns into a topical analgesic (an opioid patch stays an opioid).
_TOPICAL_CAN_BE = {"nsaid", "topical_analgesic", "anticonvulsant", "muscle_relaxant", "antidepressant", "other"}


@dataclass
class Classification:
    category: str
    drug_class: str | None = None
    generic_name: str | None = None
    drug_span: tuple[int, int] | None = None  # offsets in the request string


def classify_request(request: str) -> Classification:
    """Category first (injection and surgery outrank a drug name), then the drug."""
    pattern, by_name = drug_table()
    low = lower_keeping_offsets(request)
    hits = [(m.start(), m.end(), by_name[_norm(m.group(0))]) for m in pattern.finditer(low)]
    category = None
    for cat, rules in category_rules():
        if cat == "medication" and hits:
            category = "medication"
            break
        if any(rule.search(low) for rule in rules):
            category = cat
            break
    category = category or ("medication" if hits else "other")
    if category != "medication":
        return Classification(category)
    if not hits:
        return Classification("medication")
    generics: list[str] = []
    for _, _, drug in hits:
        for part in drug.generic.split("/"):
            if part not in generics:
                generics.append(part)
    distinct = {d.generic for _, _, d in hits}
    span = (hits[0][0], hits[-1][1])
    if len(distinct) == 1:
        drug = hits[0][2]
        cls = drug.drug_class
        if _COMPOUND.search(low) and cls in _TOPICAL_CAN_BE:
            cls = "compounded_topical"
        elif (drug.topical or _TOPICAL.search(low)) and cls in _TOPICAL_CAN_BE and _is_topical(low):
            cls = "topical_analgesic"
        return Classification("medication", cls, drug.generic, span)
    if _TOPICAL.search(low):
        cls = "compounded_topical"
    else:
        classes = [d.drug_class for _, _, d in hits]
        cls = classes[0]
    return Classification("medication", cls, "/".join(generics), span)


def _is_topical(low: str) -> bool:
    """A topical form word, or a bare concentration with no oral dose unit (lower-cased request)."""
    if _TOPICAL_FORM.search(low):
        return True
    return bool(_PERCENT.search(low)) and not _ORAL_FORM.search(low)


def _norm(name: str) -> str:
    """The table key for a matched name ('MS  Contin' and 'ms-contin' -> 'ms contin')."""
    _, by_name = drug_table()
    low = name.lower()
    if low in by_name:
        return low
    spaced = re.sub(r"[\s-]+", " ", low)
    return spaced if spaced in by_name else re.sub(r"\s+", " ", low)
