"""What a request is, in plain words, and what kind of treatment it is for the checklists.

A worker reads "35 pills of Norco, an opioid pain medicine" or "a shot in the lower back
for nerve pain (epidural injection)", not "Right L4 transforaminal epidural steroid
injection under fluoroscopic guidance". The words are data (`prompts/worker/<lang>.toml`):
medicines by drug class, everything else by treatment family with its body region and side
(the treatment key of `imr_assist.treatment`, when the item carries one), else by category.
No clinical fact is added: the count is the request's quantity, the name the request's own.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..schema import Item
from .data import checklist_kinds, drafting_data, worker

#: A request's drug name ends at its first dose, count or form word.
_NAME_END = re.compile(
    r"\d|#|\(|,|\b(?:tab|tabs|tablets?|caps?|capsules?|mg|ml|er|xr|cr|sr|hcl|qty|for|with|per|x)\b", re.I
)
#: Words before the name: "Retrospective", "Post-op", "Two refills of", a leading count.
_LEADING = re.compile(
    r"^(?:retrospective|prospective|post-?op(?:erative)?|pre-?op(?:erative)?|request for|one month supply of"
    r"|(?:one|two|three|four|five|six|\d+) (?:refills?|containers?|bottles?|tubes?) of|\d+)\b[\s:]*",
    re.I,
)


def treatment_parts(item: Item) -> tuple[str | None, list[str], str | None]:
    """(family, regions, side) from the item's treatment key, or (None, [], None) without one."""
    key = getattr(item, "treatment", None)
    if key is None:
        return None, [], None
    return getattr(key, "family", None), list(getattr(key, "regions", []) or []), getattr(key, "side", None)


def drug_name(request: str) -> str:
    """The medicine as the request names it: "Norco 10/325mg #60" -> "Norco"."""
    text = " ".join(request.split())
    while True:
        trimmed = _LEADING.sub("", text, count=1).strip()
        if trimmed == text:
            break
        text = trimmed
    m = _NAME_END.search(text)
    name = (text[: m.start()] if m else text).strip(" -:;,.")
    return name or text


def _fill(template: str, lang: str, **values: str) -> str:
    out = template.format(**values)
    for a, b in worker(lang).get("contractions", {}).items():
        out = re.sub(rf"\b{re.escape(a)}", b, out)  # whole words: "para el" is not "a el"
    return out


def _region_phrase(regions: list[str], side: str | None, lang: str) -> str:
    words = worker(lang)
    names = [words["regions"].get(r, words["regions"]["unknown"]) for r in regions] or [words["regions"]["unknown"]]
    joiner = " y " if lang == "es" else " and "
    region = joiner.join(dict.fromkeys(names))
    return _fill(words["sides"][side], lang, region=region) if side in words["sides"] else region


def medicine_name(item: Item) -> str | None:
    """The medicine as the request names it, for medications; None otherwise."""
    if item.category != "medication" and not item.drug_class:
        return None
    return drug_name(item.request) or item.generic_name


def plain_name(item: Item, lang: str = "en") -> str:
    """The request in everyday words (see the module docstring)."""
    words = worker(lang)
    if item.category == "medication" or item.drug_class:
        what = words["classes"].get(item.drug_class or "other", words["classes"]["other"])
        name = drug_name(item.request)
        if item.drug_class == "compounded_topical" or not name:
            return what
        if item.quantity and item.drug_class in words["units"]["pills"]:
            name = _fill(words["units"]["pill_phrase"], lang, count=str(item.quantity), name=name)
        return f"{name}, {what}"
    family, regions, side = treatment_parts(item)
    if family and family in words["families"]:
        template = words["families"][family]
        return _fill(template, lang, region=_region_phrase(regions, side, lang)) if "{region}" in template else template
    return words["categories"].get(item.category, words["categories"]["other"])


def checklist_kind(item: Item) -> str:
    """The checklist kind of an item: by drug class, then treatment family, then category
    (the mapping is `[kinds]` in prompts/reasons/reasons.toml)."""
    kinds = checklist_kinds()
    if item.drug_class and item.drug_class in kinds["drug_classes"]:
        return kinds["drug_classes"][item.drug_class]
    family, _, _ = treatment_parts(item)
    if family and family in kinds["families"]:
        return kinds["families"][family]
    return kinds["categories"].get(item.category, "other")


@lru_cache(maxsize=1)
def _safety() -> tuple[frozenset[str], re.Pattern[str]]:
    data: dict[str, Any] = drafting_data()["safety"]
    return frozenset(data["classes"]), re.compile("|".join(f"(?:{w})" for w in data["warns"]))


def needs_safety_line(item: Item) -> bool:
    """An upheld opioid, benzodiazepine or muscle relaxant, or an upheld medicine whose
    rationale itself warns about stopping (taper, wean, abrupt, withdrawal)."""
    if item.decision != "upheld":
        return False
    classes, warns = _safety()
    if item.drug_class in classes:
        return True
    return item.category == "medication" and bool(warns.search(" ".join(item.rationale.lower().split())))


@lru_cache(maxsize=len(("en", "es")))
def _glossary_patterns(lang: str) -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    entries = worker(lang)["glossary"]
    return tuple(
        (e["term"], e["means"], re.compile("|".join(f"(?:{p})" for p in e["match"]), re.I)) for e in entries.values()
    )


def glossary_for(texts: list[str], lang: str = "en") -> list[tuple[str, str]]:
    """(term, meaning) for every glossary entry whose words occur in these texts (this
    letter and this summary), in the order of the data file."""
    joined = "\n".join(texts)
    return [(term, means) for term, means, rx in _glossary_patterns(lang) if rx.search(joined)]
