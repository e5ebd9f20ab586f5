"""Optional LLM polish of a checked draft (`draft --model M`).

The deterministic draft plus the letter (and the cited decisions) go through
`prompts/draft_polish_system.j2` / `prompts/draft_polish.j2` through the model gateway into a typed
`PolishedDraft`: sections, each sentence carrying the ids of the sources it relies on.
The validator rejects a sentence that cites nothing, cites an unknown id, or writes a
number or date absent from the sources it cites; the gateway sends the error back to the
model (`max_retries` re-asks). The result is rendered with item headings taken from the
record (the model never states a decision), then the same faithfulness checks run. If
validation keeps failing, the checks fail, or the endpoint cannot answer at all (down,
refusing the key, out of calls), the deterministic draft is returned with a notice and the
failure: a polish never replaces a checked draft with an unchecked one, and a polish that
did not happen never costs the user the checked draft (`draft --strict` makes it an error).

The model is asked through the gateway (`imr_assist.model`), like the extractors: the
letter is redacted for a remote endpoint, transport failures are retried, usage is
counted, and `IMR_ASSIST_CASSETTES` replays recorded exchanges offline. The validators read
the model's sentences and source ids through `context["restore"]`, so a placeholder the
model copied counts as the value it stands for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ..errors import AnswerRejected, ModelError
from ..index.models import IndexedDecision
from ..schema import Record
from .build import DraftResult, finish_draft, letter_label
from .checks import PLACEHOLDER, dates_in, numbers_in, strip_dates
from .data import allowed_numbers
from .render import environment, render_markdown

if TYPE_CHECKING:
    from ..model import Model

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
        sources = [_restore(info)(s) for s in sources]
        if not sources:
            raise ValueError("every sentence must cite at least one source id")
        unknown = [s for s in sources if s not in known]
        if unknown:
            raise ValueError(f"unknown source ids {unknown}; use only {sorted(known)}")
        return sources

    @field_validator("text")
    @classmethod
    def _not_empty(cls, text: str, info: ValidationInfo) -> str:
        if not text.strip():
            raise ValueError("empty sentence")
        return " ".join(_restore(info)(text).split())

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


def _restore(info: ValidationInfo) -> Callable[[str], str]:
    """The gateway's way back from placeholders to the letter's values (identity without one)."""
    restore = (info.context or {}).get("restore")
    return restore if callable(restore) else _same


def _same(text: str) -> str:
    return text


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
    failure: ModelError | None = None  # the endpoint's error when the model could not be asked


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
    context = {
        "sources": source_texts(letter_text, draft.cited), "name": name, "item_numbers": item_numbers,
        "letter": letter_text,
    }  # fmt: skip
    try:
        answer = complete(messages_for(draft, record, item_numbers), context)
    except AnswerRejected as exc:
        return PolishOutcome(draft, False, f"model polish rejected ({exc}); showing the checked draft", exc)
    except ModelError as exc:  # unreachable, failing, key or request refused, call budget spent
        return PolishOutcome(draft, False, f"model polish failed ({exc}); showing the checked draft", exc)
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
    polished = finish_draft(draft.kind, md, record, letter_text, item_numbers, fmt, title, draft.cited, draft.doc)
    if not polished.ok:
        failed = "; ".join(f"{c.name}: {', '.join(c.problems)}" for c in polished.checks if not c.ok)
        return PolishOutcome(
            draft, False, f"model polish failed the faithfulness checks ({failed}); showing the checked draft"
        )  # noqa: E501
    return PolishOutcome(polished, True, "polished by the model; every sentence cites its sources")


def model_completer(model: Model) -> Completer:
    """A `Completer` that asks `model` through the gateway (redaction, retries, usage,
    cassettes and the letter's identifiers and call budget under the session `draft-polish-<name>`)."""

    def complete(messages: list[dict[str, str]], context: dict[str, Any]) -> PolishedDraft:
        name = f"draft-polish-{context.get('name', 'draft')}"
        with model.session(name, letter=context.get("letter"), items=len(context.get("item_numbers") or [1])):
            return model.ask(messages, PolishedDraft, context, max_tokens=1024).value

    return complete
