"""Load the drafting data files once: reasons and checklists, the worker's wording per
language, the legal citations, cue words.

They live in `prompts/` beside the templates so wording is edited as data, not code:
`reasons/reasons.toml` (the professional side), `worker/<lang>.toml` (everything the
worker's summary says), `law.toml` (the one source of legal citations), `drafting.toml`
(cue words, safety and request-date patterns).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

from ..assets import prompt_bytes
from ..schema import DENIAL_REASONS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Languages the worker's summary is written in (a `prompts/worker/<lang>.toml` each).
LANGS: tuple[str, ...] = ("en", "es")


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads(prompt_bytes(name).decode("utf-8"))


@lru_cache(maxsize=1)
def _reasons_file() -> dict[str, Any]:
    return _load("reasons/reasons.toml")


@lru_cache(maxsize=1)
def reason_blocks() -> dict[str, dict[str, Any]]:
    """Reason code -> {label, guideline_wants, checklist: {kind: [...]}, change_instead?}."""
    blocks = dict(_reasons_file()["reasons"])
    missing = [r for r in DENIAL_REASONS if r not in blocks]
    if missing:
        raise RuntimeError(f"prompts/reasons/reasons.toml lacks reasons: {missing}")
    return blocks


def checklist_kinds() -> dict[str, dict[str, str]]:
    """How an item maps to a checklist kind: {drug_classes|families|categories: {key: kind}}."""
    return dict(_reasons_file()["kinds"])


@lru_cache(maxsize=1)
def drafting_data() -> dict[str, Any]:
    """Cue words, safety classes and patterns, request-date cues (prompts/drafting.toml)."""
    return _load("drafting.toml")


def cues(kind: str) -> tuple[str, ...]:
    return tuple(drafting_data()["cues"][kind])


@lru_cache(maxsize=len(LANGS))
def worker(lang: str) -> dict[str, Any]:
    """Everything the worker's summary says in `lang` (prompts/worker/<lang>.toml)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return _load(f"worker/{lang}.toml")


@lru_cache(maxsize=1)
def law() -> dict[str, Any]:
    """The legal citations file (prompts/law.toml): `citations` by id, and `numbers`."""
    return _load("law.toml")


def law_numbers() -> dict[str, int]:
    return dict(law()["numbers"])


def allowed_numbers() -> frozenset[str]:
    """Numbers a draft may state without the letter: the law's own numbers (deadline days,
    the 12 months, the 14 days; `law.toml` [numbers]) and the boilerplate list in
    drafting.toml. Section and rule numbers are not here: the check removes each citation
    of law.toml before counting numbers, and fails any other citation."""
    out = {str(v) for v in law_numbers().values()}
    return frozenset(out | set(drafting_data()["allowed_numbers"]["values"]))


def citation_texts() -> dict[str, str]:
    """Citation id -> the citation exactly as drafts print it."""
    return {k: v["cite"] for k, v in law()["citations"].items()}
