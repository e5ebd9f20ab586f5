"""Load the drafting data files once: reason blocks, cue words, glossary, allow-list.

They live in `prompts/` beside the templates so wording is edited as data, not code.
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


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads(prompt_bytes(name).decode("utf-8"))


@lru_cache(maxsize=1)
def reason_blocks() -> dict[str, dict[str, Any]]:
    """Reason code -> {label, plain, guideline_wants, document}; plus 'unclassified'."""
    data = _load("reasons/reasons.toml")
    blocks = dict(data["reasons"])
    missing = [r for r in DENIAL_REASONS if r not in blocks]
    if missing:
        raise RuntimeError(f"prompts/reasons/reasons.toml lacks reasons: {missing}")
    blocks["unclassified"] = data["unclassified"]
    return blocks


@lru_cache(maxsize=1)
def drafting_data() -> dict[str, Any]:
    """Cue words, glossary and allowed boilerplate numbers (prompts/drafting.toml)."""
    return _load("drafting.toml")


def cues(kind: str) -> tuple[str, ...]:
    return tuple(drafting_data()["cues"][kind])


def glossary() -> dict[str, str]:
    return dict(drafting_data()["glossary"])


def allowed_numbers() -> frozenset[str]:
    return frozenset(drafting_data()["allowed_numbers"]["values"])
