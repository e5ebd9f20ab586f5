"""The LLM extractor's prompts: `prompts/extract_item*.j2`, rendered in a sandboxed Jinja
environment with the schema's vocabularies.

A changed template changes the rendered messages, which is what the gateway's answer
cache keys on and what cassettes match on: cached answers are not reused and a replay
without a matching recording fails instead of returning a stale answer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from ..assets import template_loader
from ..schema import CATEGORIES, DENIAL_REASONS, DRUG_CLASSES

ITEM_SYSTEM = "extract_item_system.j2"
ITEM_USER = "extract_item.j2"


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
