"""The LLM extractor's prompts: `prompts/extract_item*.j2`, rendered in a sandboxed Jinja
environment with the schema's vocabularies.

A changed template changes the rendered messages, which is what the gateway's answer
cache keys on and what cassettes match on: cached answers are not reused and a replay
without a matching recording fails instead of returning a stale answer.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from ..assets import prompt_text, template_loader
from ..schema import CATEGORIES, DENIAL_REASONS, DRUG_CLASSES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ITEM_SYSTEM = "extract_item_system.j2"
ITEM_USER = "extract_item.j2"
JUDGE_SYSTEM = "judge_item_system.j2"
JUDGE_USER = "judge_item.j2"


@lru_cache(maxsize=1)
def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=template_loader(),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(name: str, **values: Any) -> str:
    return _env().get_template(name).render(**values).strip()


def item_messages(*, fmt: str, headings: list[str], index: int, item_text: str) -> list[dict[str, str]]:
    """The chat messages for one item: the system rules, then the item with short context."""
    system = render(
        ITEM_SYSTEM, categories=CATEGORIES, drug_classes=DRUG_CLASSES, denial_reasons=DENIAL_REASONS
    )
    user = render(ITEM_USER, format=fmt, count=len(headings), index=index, item_text=item_text)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


@lru_cache(maxsize=1)
def reason_definitions() -> dict[str, str]:
    """Code -> what it means (`prompts/reasons/definitions.toml`), every schema code."""
    table = tomllib.loads(prompt_text("reasons/definitions.toml"))
    missing = [c for c in DENIAL_REASONS if c not in table]
    if missing:
        raise RuntimeError(f"prompts/reasons/definitions.toml lacks: {missing}")
    return {c: table[c] for c in DENIAL_REASONS}


def judgement_messages(*, request: str, rationale: str) -> list[dict[str, str]]:
    """The chat messages asking why one upheld item was denied (reasons and findings)."""
    system = render(JUDGE_SYSTEM, codes=list(reason_definitions().items()))
    user = render(JUDGE_USER, request=request, rationale=rationale)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
