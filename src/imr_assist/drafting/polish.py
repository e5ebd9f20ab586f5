"""Optional LLM polish of a checked draft (`draft --model M`).

The deterministic draft plus the letter (and the cited decisions) go through
`prompts/draft_polish_system.j2` / `prompts/draft_polish.j2` via instructor into a typed
`PolishedDraft`: sections, each sentence carrying the ids of the sources it relies on.
The validator rejects a sentence that cites nothing, cites an unknown id, or writes a
number or date absent from the sources it cites; instructor sends the error back to the
model (`max_retries` re-asks). The result is rendered with item headings taken from the
record (the model never states a decision), then the same faithfulness checks run. If
validation keeps failing, or the checks fail, the deterministic draft is returned with a
notice: a polish never replaces a checked draft with an unchecked one.

Endpoint, key, mode and cassette settings come from the shared `imr_assist.llm.config`
(`IMR_ASSIST_CASSETTES` replays recorded exchanges offline).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ..index.models import IndexedDecision
from ..schema import Record
from .build import DraftResult, finish_draft, letter_label
from .checks import PLACEHOLDER, dates_in, numbers_in, strip_dates
from .data import allowed_numbers
from .render import environment, render_markdown

SYSTEM_TEMPLATE = "draft_polish_system.j2"
USER_TEMPLATE = "draft_polish.j2"
LETTER_SOURCE = "letter"


class PolishedSentence(BaseModel):
    text: str
    sources: list[str] = Field(description="ids of the SOURCES this sentence relies on")

    @field_validator("sources")
    @classmethod
    def _cites_known_sources(cls, sources: list[str], info: ValidationInfo) -> list[str]:
        ctx = info.context or {}
        known = ctx.get("sources", {})
        if not sources:
            raise ValueError("every sentence must cite at least one source id")
        unknown = [s for s in sources if s not in known]
        if unknown:
            raise ValueError(f"unknown source ids {unknown}; use only {sorted(known)}")
        return sources

    @field_validator("text")
    @classmethod
    def _not_empty(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("empty sentence")
        return " ".join(text.split())

    @model_validator(mode="after")
    def _numbers_and_dates_in_sources(self, info: ValidationInfo) -> PolishedSentence:
        known: dict[str, str] = (info.context or {}).get("sources", {})
        if not known:
            return self
        evidence = " ".join(known.get(s, "") for s in self.sources)
        body = PLACEHOLDER.sub(" ", self.text)
        bad_dates = dates_in(body) - dates_in(evidence)
        bad_numbers = numbers_in(_strip(body)) - numbers_in(evidence) - allowed_numbers()
        if bad_dates or bad_numbers:
            raise ValueError(
                f"sentence {self.text!r} states {sorted(bad_dates | bad_numbers)}, "
                f"which its sources {self.sources} do not contain"
            )
        return self


def _strip(text: str) -> str:
    """Drop dates (checked separately) and item numbering before counting numbers."""
    return strip_dates(re.sub(r"Item \d+", " ", text))


# Bounds keep a small model under a JSON-schema grammar from looping (empty sections forever).
class PolishedSection(BaseModel):
    item: int | None = Field(None, description="the item number this section covers, or null for the opening")
    sentences: list[PolishedSentence] = Field(min_length=1, max_length=8)


class PolishedDraft(BaseModel):
    sections: list[PolishedSection] = Field(min_length=1, max_length=9)

    @model_validator(mode="after")
    def _one_section_per_item(self, info: ValidationInfo) -> PolishedDraft:
        wanted = (info.context or {}).get("item_numbers")
        if wanted is None:
            return self
        got = [s.item for s in self.sections if s.item is not None]
        if sorted(got) != sorted(wanted):
            raise ValueError(f"write exactly one section per item {sorted(wanted)} (set its 'item'); got {got}")
        return self


class Completer(Protocol):
    """What polish needs from a model client: one typed, validated answer."""

    def __call__(self, messages: list[dict[str, str]], context: dict[str, Any]) -> PolishedDraft: ...


@dataclass
class PolishOutcome:
    result: DraftResult
    polished: bool
    notice: str


def messages_for(draft: DraftResult, record: Record, item_numbers: list[int]) -> list[dict[str, str]]:
    env = environment(False)
    decisions = [d for d in draft.cited.values() if d is not None]
    audience = "treating physician" if draft.kind == "resubmission" else "workers' compensation attorney"
    system = env.get_template(SYSTEM_TEMPLATE).render(audience=audience, decision_ids=[d.id for d in decisions])
    user = env.get_template(USER_TEMPLATE).render(
        kind=draft.kind, item_numbers=item_numbers, label=letter_label(record), record=record,
        decisions=decisions, draft=draft.markdown,
    )  # fmt: skip
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]


def source_texts(letter_text: str, cited: dict[str, IndexedDecision | None]) -> dict[str, str]:
    texts = {LETTER_SOURCE: " ".join(letter_text.split())}
    for cid, d in cited.items():
        if d is not None:
            texts[cid] = f"{d.request} {d.rationale} {d.decision_date or ''}"
    return texts


def polish(
    draft: DraftResult, record: Record, letter_text: str, item_numbers: list[int], complete: Completer, fmt: str
) -> PolishOutcome:
    """Polish `draft` with `complete`; fall back to `draft` when validation or checks fail."""
    # the validator checks against the whole letter; the prompt shows the items' rationales
    name = f"{record.letter_id}-{draft.kind}-{'-'.join(map(str, item_numbers))}"
    context = {"sources": source_texts(letter_text, draft.cited), "name": name, "item_numbers": item_numbers}
    try:
        answer = complete(messages_for(draft, record, item_numbers), context)
    except ModelRejected as exc:
        return PolishOutcome(draft, False, f"model polish rejected ({exc}); showing the checked draft")
    wanted = set(item_numbers)
    got = {s.item for s in answer.sections if s.item is not None}
    if got != wanted:
        return PolishOutcome(
            draft, False, f"model polish covered items {sorted(got)}, not {sorted(wanted)}; showing the checked draft"
        )  # noqa: E501
    md = render_markdown(
        "draft_polished.md.j2", kind=draft.kind, label=letter_label(record), record=record,
        sections=answer.sections, letter_source=LETTER_SOURCE,
    )  # fmt: skip
    title = f"DRAFT {draft.kind} (polished) — {letter_label(record)}"
    polished = finish_draft(draft.kind, md, record, letter_text, item_numbers, fmt, title, draft.cited, draft.counted)
    if not polished.ok:
        failed = "; ".join(f"{c.name}: {', '.join(c.problems)}" for c in polished.checks if not c.ok)
        return PolishOutcome(
            draft, False, f"model polish failed the faithfulness checks ({failed}); showing the checked draft"
        )  # noqa: E501
    return PolishOutcome(polished, True, "polished by the model; every sentence cites its sources")


class ModelRejected(Exception):
    """The model's answers kept failing validation after every re-ask."""


def resolve_config(model: str | None):
    """The shared LLM settings (`imr_assist.llm.config`) for `--model`: endpoint, key, mode, cassettes."""
    from ..llm.config import LLMConfig

    return LLMConfig.resolve(model=model)


def instructor_completer(cfg: Any, http_client: Any = None) -> Completer:
    """A `Completer` over instructor with the shared config; `http_client` lets tests stub HTTP."""
    from ..llm.cassettes import cassette_path, use_cassette
    from ..llm.client import _MODES, EndpointError, classify

    model = cfg.model

    def complete(messages: list[dict[str, str]], context: dict[str, Any]) -> PolishedDraft:
        import instructor
        import openai

        api = openai.OpenAI(
            base_url=cfg.base_url, api_key=cfg.key(), timeout=cfg.timeout, max_retries=0, http_client=http_client
        )
        client = instructor.from_openai(api, mode=getattr(instructor.Mode, _MODES[cfg.mode]))
        extra: dict[str, Any] = {}
        if cfg.mode == "llamacpp":
            schema = PolishedDraft.model_json_schema()
            extra = {"extra_body": {"response_format": {"type": "json_object", "schema": schema}}}
        name = f"draft-polish-{context.get('name', 'draft')}"
        cassette = cassette_path(cfg.cassette_dir, name) if cfg.cassette_dir else None
        quiet = logging.getLogger("instructor")  # it logs each failed attempt; we report one line
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)
        try:
            with use_cassette(cassette, cfg.record_mode):
                return client.chat.completions.create(
                    model=cfg.model, messages=messages, response_model=PolishedDraft, max_retries=cfg.max_retries,
                    temperature=0.0, max_tokens=1024, context=context, **extra,
                )  # fmt: skip
        except Exception as exc:
            kind = classify(exc)
            where = cfg.base_url or "the OpenAI API"
            if kind in {"missing", "connect", "auth", "transient"}:
                why = {"missing": "no recorded answer in the cassette", "connect": "unreachable",
                       "auth": "API key refused", "transient": "kept failing"}[kind]  # fmt: skip
                raise EndpointError(f"--model {model}: model endpoint {where}: {why}") from None
            if type(exc).__name__ in {"InstructorRetryException", "ValidationError", "IncompleteOutputException"}:
                raise ModelRejected(_reason(exc)) from None
            if type(exc).__module__.startswith("instructor"):
                raise ModelRejected(f"{type(exc).__name__}: {str(exc).strip()[:160]}") from None
            raise
        finally:
            quiet.setLevel(level)

    return complete


def _reason(exc: BaseException) -> str:
    """The last validation error instructor gave up on, in one short line."""
    text = str(exc)
    errors = re.findall(r"Value error, ([^\n]+)", text)
    attempts = getattr(exc, "n_attempts", None)
    why = errors[-1] if errors else (text.strip().splitlines() or [type(exc).__name__])[-1]
    why = why.split(" [type=")[0][:200]
    return f"after {attempts} attempts: {why}" if attempts else why


def polish_available() -> bool:
    """True when the shared LLM client (imr_assist.llm) is installed in this tree."""
    try:
        from ..llm import client, config  # noqa: F401
    except ImportError:
        return False
    return True
