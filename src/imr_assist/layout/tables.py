"""Load the data tables (drugs, categories, denial reasons) once, compiled for matching."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from ..paths import DATA_DIR


@dataclass(frozen=True)
class Drug:
    generic: str
    drug_class: str
    topical: bool


@lru_cache(maxsize=1)
def drug_table() -> tuple[re.Pattern[str], dict[str, Drug]]:
    """One alternation of every name (longest first) and a name -> Drug map."""
    data = json.loads((DATA_DIR / "drugs.json").read_text())
    by_name: dict[str, Drug] = {}
    for entry in data["drugs"]:
        drug = Drug(entry["generic"], entry["class"], bool(entry.get("topical")))
        for name in entry["names"]:
            by_name.setdefault(name.lower(), drug)
    names = sorted(by_name, key=len, reverse=True)
    alternation = "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in names)
    # Matched against the lower-cased request: no IGNORECASE keeps the scan fast.
    pattern = re.compile(r"(?<![a-z])(?:" + alternation + r")(?![a-z])")
    return pattern, by_name


@lru_cache(maxsize=1)
def category_rules() -> list[tuple[str, re.Pattern[str]]]:
    data = json.loads((DATA_DIR / "categories.json").read_text())
    return [(cat, re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)) for cat, pats in data["rules"]]



@lru_cache(maxsize=1)
def reason_rules() -> list[tuple[str, re.Pattern[str], list[re.Pattern[str]]]]:
    """Per reason: its trigger words as one regex, and its patterns compiled one by one,
    lower-case, without IGNORECASE (the rationale is lower-cased once; separate patterns
    keep re's literal-prefix scan, 5x faster than one IGNORECASE alternation here, and
    one alternation of every trigger word is slower than ten small ones)."""
    data = json.loads((DATA_DIR / "denial_reasons.json").read_text())
    triggers: dict[str, list[str]] = data.get("triggers", {})
    return [
        (
            reason,
            re.compile("|".join(re.escape(t) for t in triggers.get(reason, [""]))),
            [re.compile(p.lower()) for p in pats],
        )
        for reason, pats in data["reasons"].items()
    ]
