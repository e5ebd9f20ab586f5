"""Which letters are scored against which gold: the bundled suites and a user's own folder.

A suite is a gold folder plus a letters folder. Letters match gold by file stem; a gold's
`letter_id` or `case_number` may also be the letter's stem (letters named by case number).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..assets import bundled_dir, demo_corpus_dir
from ..errors import InputError
from ..schema import Record

TEXT_SUFFIXES = (".txt", ".text")
ALL_SUFFIXES = (".txt", ".text", ".pdf")


@dataclass
class Case:
    """One letter to score: where it is, and its gold as a raw dict (absent keys matter)."""

    letter_id: str
    letter: Path
    gold_path: Path
    gold: dict[str, Any]


@dataclass
class Suite:
    name: str
    gold_dir: Path
    letters_dir: Path
    suffixes: tuple[str, ...] = ALL_SUFFIXES
    cases: list[Case] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def bundled_suites() -> list[Suite]:
    """The suites shipped in the package: full gold, and the corpus read as text and as PDF."""
    corpus = demo_corpus_dir()
    return [
        Suite("gold", bundled_dir("gold"), bundled_dir("letters"), TEXT_SUFFIXES),
        Suite("corpus-txt", corpus / "gold", corpus / "txt", TEXT_SUFFIXES),
        Suite("corpus-pdf", corpus / "gold", corpus / "pdf", (".pdf",)),
    ]


def custom_suite(gold_dir: Path | None, letters_dir: Path | None, name: str = "custom") -> Suite:
    """A user's folder. Only --gold: letters in `../letters` if it exists, else beside the
    gold. Only --letters: gold in `../gold` beside it."""
    if gold_dir is None and letters_dir is None:
        raise InputError("give --gold DIR (and optionally --letters DIR)")
    if gold_dir is None:
        assert letters_dir is not None
        gold_dir = letters_dir.parent / "gold"
        if not gold_dir.is_dir():
            raise InputError(f"{letters_dir}: no gold folder beside it; give --gold DIR")
    if letters_dir is None:
        sibling = gold_dir.parent / "letters"
        letters_dir = sibling if sibling.is_dir() else gold_dir
    return Suite(name, gold_dir, letters_dir, ALL_SUFFIXES)


def load_gold(path: Path) -> dict[str, Any]:
    """Read one gold file as a raw dict, checked against the record schema."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: gold is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: gold is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: gold must be one JSON object (a record)")
    try:
        Record.model_validate({"letter_id": path.stem, **raw})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(
            f"{path}: gold does not match the record schema ({where}: {err['msg']})"
        ) from None
    return raw


def resolve(suite: Suite) -> Suite:
    """Fill `suite.cases`: every gold file with a matching letter; warn about the rest."""
    suite.cases, suite.warnings = [], []
    for d, what in ((suite.gold_dir, "gold"), (suite.letters_dir, "letters")):
        if not d.is_dir():
            raise InputError(f"{d}: {what} folder not found")
    letters: dict[str, list[Path]] = {}
    for f in sorted(suite.letters_dir.iterdir()):
        if f.is_file() and f.suffix.lower() in suite.suffixes:
            letters.setdefault(f.stem, []).append(f)
    gold_files = sorted(suite.gold_dir.glob("*.json"))
    if not gold_files:
        raise InputError(f"{suite.gold_dir}: no gold *.json files")
    used: set[Path] = set()
    for gp in gold_files:
        gold = load_gold(gp)
        keys = [gp.stem, str(gold.get("letter_id") or ""), str(gold.get("case_number") or "")]
        match = next((letters[k] for k in keys if k and k in letters), None)
        if match is None:
            suite.warnings.append(f"{gp.name}: no letter in {suite.letters_dir} with that stem")
            continue
        for lp in match:
            used.add(lp)
            lid = str(gold.get("letter_id") or gp.stem)
            if len(match) > 1:
                lid = f"{lid}{lp.suffix}"
            suite.cases.append(Case(lid, lp, gp, gold))
    unmatched = sum(len(v) for v in letters.values()) - len(used)
    if unmatched:
        suite.warnings.append(f"{unmatched} letter(s) in {suite.letters_dir} have no gold")
    return suite
