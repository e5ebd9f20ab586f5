"""The LLM extractor: any OpenAI-compatible model fills the same `Record` as the parser.

Plan (small models can do it): the layout parser segments the letter (header fields and
each item's block: heading to next heading); the model reads ONE item block at a time,
with the letter's list of item headings as context, and returns a typed `LLMItem` with a
verbatim quote for each value. Quotes are aligned to character offsets (`llm/aligner.py`)
and become the item's spans; an unfindable quote is a validation error the model sees on
the re-ask.

What comes from where (`Item.provenance`): item values from the model ("llm:<model>");
`rationale`, guideline-line text and the block/guideline spans from the parser's
segmentation ("rules"); letter-level fields (case number, dates, patient, reviewer) from
the parser, said once in `Record.warnings`. An item whose answers never validate keeps
the parser's request and decision, provenance "rules", and a warning: the eval counts it.

A question carries one item's block only (`item_window`: never the header, address block,
cc list or signature) and is asked inside the letter's session, so the gateway masks what
the letter says about itself wherever it recurs and holds the letter to its call budget.
Every question goes through the model gateway (`imr_assist.model`): redaction, the answer
cache, cassettes (with IMR_ASSIST_CASSETTES each letter's calls are recorded to / replayed
from `<dir>/<letter id>.yaml`), retries and usage all happen there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import AnswerRejected
from ..layout.parser import parse_letter
from ..llm.item_model import LLMItem
from ..llm.prompts import item_messages
from ..model import Ledger, Model, Usage, open_model
from ..privacy.scope import model_window
from ..reading import Document, clean
from ..schema import ITEM_CONTRACT_FIELDS, Item, Record
from ..settings import Settings

#: Item fields the model fills (the rest come from the segmentation): the contract's item
#: fields but the modified-request parts, which the parser reads from the heading.
MODEL_FIELDS = tuple(f for f in ITEM_CONTRACT_FIELDS if f not in ("original_request", "authorized_portion"))
#: spans of these fields are the parser's guideline lines (the text the model read them from)
LINE_SPANS = {
    "claims_administrator_guidelines": "claims_administrator_guidelines",
    "reviewer_guidelines": "reviewer_guidelines",
    "reviewer_pages": "reviewer_guidelines",
}


def letter_id_of(doc: Document, record: Record) -> str:
    return record.letter_id or Path(doc.source).stem


def item_window(doc: Document, pitem: Item) -> tuple[int, int]:
    """The part of the letter a question about one item carries: its block (heading,
    guideline lines, rationale), never the header or the closing matter after the last
    item (`privacy.scope`). Use it for every per-item question."""
    start, end = pitem.spans.get("item", (0, len(doc.text)))
    return model_window(doc.text, start, end)


class LLMExtractor:
    name = "llm"

    def __init__(
        self,
        settings: Settings | None = None,
        ledger: Ledger | None = None,
        llm: Model | None = None,
        **overrides: Any,
    ) -> None:
        """`settings` (default: `Settings.resolve()`, i.e. the environment) with `overrides`
        (`model="..."`, `base_url=...`) applied; or a ready gateway `llm` (eval/record.py)."""
        if llm is None:
            given = {k: v for k, v in overrides.items() if v is not None}
            settings = settings.replace(**given) if settings is not None else Settings.resolve(**given)
            llm = open_model(settings, ledger)
        self.model = llm
        self.source_tag = llm.source_tag
        self.last_usage = Usage()

    # -- one letter ---------------------------------------------------------------------
    def extract(self, doc: Document) -> Record:
        parsed = parse_letter(doc)
        usage = Usage()
        with self.model.session(letter_id_of(doc, parsed), letter=doc.text, items=len(parsed.items)):
            items = [self._item(doc, parsed, i, usage) for i in range(len(parsed.items))]
        record = self.assemble(parsed, items)
        failed = [i + 1 for i, it in enumerate(items) if "*" in it.provenance]
        if failed:
            record.warnings.append(
                f"model answers for item(s) {failed} failed validation after every re-ask; "
                "those items keep only the parser's request and decision"
            )
        self.last_usage = usage
        return record

    def assemble(self, parsed: Record, items: list[Item]) -> Record:
        record = parsed.model_copy(deep=True)
        record.items = items
        record.extractor = self.name
        record.warnings = [
            *parsed.warnings,
            "letter-level fields and item segmentation from the layout parser; item values from " + self.model.name,
        ]
        return record

    def call_model(self, doc: Document, parsed: Record, index: int, usage: Usage) -> tuple[LLMItem | None, str | None]:
        """The model's validated answer for item `index`, or (None, why it failed).

        The gateway masks identifiers for a remote endpoint and gives the validator the way
        back (`context["restore"]`), so quotes are found in the letter as read."""
        pitem = parsed.items[index]
        start, end = item_window(doc, pitem)
        headings = [it.request for it in parsed.items]
        messages = item_messages(
            fmt=parsed.format, headings=headings, index=index + 1, item_text=clean(doc.text[start:end])
        )
        context = {"text": doc.text, "window": (start, end)}
        try:
            answer = self.model.ask(messages, LLMItem, context, max_tokens=800)
        except AnswerRejected as exc:
            usage.add(exc.usage or Usage(items=1, calls=exc.attempts))
            return None, str(exc)
        usage.add(answer.usage)
        return answer.value, None

    def _item(self, doc: Document, parsed: Record, index: int, usage: Usage) -> Item:
        answer, problem = self.call_model(doc, parsed, index, usage)
        return self.to_item(parsed.items[index], answer, problem)

    def to_item(self, pitem: Item, answer: LLMItem | None, problem: str | None) -> Item:
        """The record item from the model's answer plus the segmentation's text and spans."""
        seg_spans = {k: v for k, v in pitem.spans.items() if k in {"item", "heading", "rationale"}}
        base: dict[str, Any] = {
            "rationale": pitem.rationale,
            "claims_administrator_guideline_text": pitem.claims_administrator_guideline_text,
            "reviewer_guideline_text": pitem.reviewer_guideline_text,
        }
        prov = {"rationale": "rules", "spans.item": "rules"}
        if answer is None:
            kept = {"request": pitem.request, "decision": pitem.decision, "spans": seg_spans, **base}
            item = Item.model_validate(kept)
            item.spans.update({k: pitem.spans[k] for k in ("request", "decision") if k in pitem.spans})
            item.provenance = {**prov, "request": "rules", "decision": "rules", "*": "failed: " + (problem or "")[:300]}
            return item
        values: dict[str, Any] = {f: getattr(answer, f) for f in MODEL_FIELDS}
        for f in ("claims_administrator_guidelines", "reviewer_guidelines", "reviewer_pages", "denial_reasons"):
            values[f] = list(dict.fromkeys(values[f]))  # a small model may repeat a label
        if values["generic_name"]:
            values["generic_name"] = values["generic_name"].strip().lower()
        spans = dict(seg_spans)
        quote = answer.quote_spans
        spans.update(quote)
        if "request" in quote:
            for f in ("category", "drug_class", "generic_name"):
                if values[f]:
                    spans[f] = quote["request"]
        for f, line in LINE_SPANS.items():
            if line in pitem.spans and values[f]:
                spans[f] = pitem.spans[line]
        if values["refills"] is not None and "request" in quote:
            spans["refills"] = quote["request"]
        findings = [{"text": t, "span": span} for t, span in answer.found_findings]
        item = Item.model_validate({**values, **base, "spans": spans, "findings": findings})  # values from a model
        item.provenance = {**prov, **{f: self.source_tag for f in (*MODEL_FIELDS, "findings")}}
        for f, status in answer.alignment.items():
            item.provenance[f"align.{f}"] = status
        return item
