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

Cassettes: with `cassette_dir` (or IMR_ASSIST_CASSETTES) every letter's calls are recorded
to / replayed from `<dir>/<letter id>.yaml` (`record_mode` "none" replays only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..layout.parser import parse_letter
from ..llm.cache import DiskCache, cache_key
from ..llm.cassettes import cassette_path, use_cassette
from ..llm.client import Answer, ModelAnswerError, ModelClient
from ..llm.config import LLMConfig
from ..llm.costs import LEDGER, Usage
from ..llm.item_model import LLMItem
from ..llm.prompts import ITEM_SYSTEM, ITEM_USER, item_messages, template_hash
from ..reading import Document, clean
from ..schema import ITEM_CONTRACT_FIELDS, Item, Record

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


class LLMExtractor:
    name = "llm"

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        mode: str | None = None,
        api_key: str | None = None,
        cassette_dir: str | Path | None = None,
        record_mode: str | None = None,
        cache: bool | None = None,
        cache_dir: str | Path | None = None,
        max_retries: int | None = None,
        redact: bool | None = None,
        **options: Any,
    ) -> None:
        self.config = LLMConfig.resolve(
            model=model,
            base_url=base_url,
            mode=mode,
            api_key=api_key,
            cassette_dir=cassette_dir,
            record_mode=record_mode,
            use_cache=cache,
            cache_dir=Path(cache_dir) if cache_dir else None,
            max_retries=max_retries,
            redact=redact,
            **options,
        )
        self.client = ModelClient(self.config)
        self.cache = DiskCache(self.config.cache_dir) if self.config.use_cache and self.config.cache_dir else None
        self.templates = template_hash(ITEM_SYSTEM, ITEM_USER)
        self.source_tag = f"llm:{self.config.model}"
        self.last_usage = Usage()

    def cassette_for(self, doc: Document, parsed: Record):
        """Record/replay context for this letter's calls (a no-op without a cassette dir)."""
        path = None
        if self.config.cassette_dir is not None:
            path = cassette_path(self.config.cassette_dir, letter_id_of(doc, parsed))
        return use_cassette(path, self.config.record_mode)

    # -- one letter ---------------------------------------------------------------------
    def extract(self, doc: Document) -> Record:
        parsed = parse_letter(doc)
        usage = Usage()
        with self.cassette_for(doc, parsed):
            items = [self._item(doc, parsed, i, usage) for i in range(len(parsed.items))]
        record = self.assemble(parsed, items)
        failed = [i + 1 for i, it in enumerate(items) if "*" in it.provenance]
        if failed:
            record.warnings.append(
                f"model answers for item(s) {failed} failed validation after every re-ask; "
                "those items keep only the parser's request and decision"
            )
        self.last_usage = usage
        LEDGER.record(letter_id_of(doc, parsed), usage)
        return record

    def assemble(self, parsed: Record, items: list[Item]) -> Record:
        record = parsed.model_copy(deep=True)
        record.items = items
        record.extractor = self.name
        record.warnings = [
            *parsed.warnings,
            "letter-level fields and item segmentation from the layout parser; item values from "
            + self.config.model,
        ]
        return record

    def call_model(self, doc: Document, parsed: Record, index: int, usage: Usage) -> tuple[LLMItem | None, str | None]:
        """The model's validated answer for item `index`, or (None, why it failed)."""
        pitem = parsed.items[index]
        start, end = pitem.spans.get("item", (0, len(doc.text)))
        from ..privacy.boundary import prepare_for_model

        masked = prepare_for_model(clean(doc.text[start:end]), self.config.base_url, self.config.redact)
        headings = [prepare_for_model(it.request, self.config.base_url, self.config.redact).text for it in parsed.items]
        messages = item_messages(fmt=parsed.format, headings=headings, index=index + 1, item_text=masked.text)
        context = {"text": doc.text, "window": (start, end), "restore": masked.restore}
        key = None
        if self.cache is not None:
            key = cache_key(
                model=self.config.model or "",
                mode=self.config.mode or "",
                template_hash=self.templates,
                schema=LLMItem.model_json_schema(),
                messages=messages,
            )
            hit = self.cache.get(key)
            if hit is not None:
                try:
                    item = LLMItem.model_validate(hit["item"], context=context)
                except ValueError:
                    item = None  # the letter changed under the same key? ask again
                if item is not None:
                    usage.add(Usage(items=1, cached=1))
                    return item, None
        try:
            answer: Answer = self.client.extract_item(messages, context)
        except ModelAnswerError as exc:
            usage.add(exc.usage or Usage(items=1, calls=exc.attempts))
            return None, str(exc)
        usage.add(answer.usage)
        if self.cache is not None and key is not None:
            self.cache.put(key, {"item": answer.item.model_dump(mode="json"), "usage": answer.usage.as_dict()})
        return answer.item, None

    def _item(self, doc: Document, parsed: Record, index: int, usage: Usage) -> Item:
        answer, problem = self.call_model(doc, parsed, index, usage)
        return self.to_item(parsed.items[index], answer, problem)

    def to_item(self, pitem: Item, answer: LLMItem | None, problem: str | None) -> Item:
        """The record item from the model's answer plus the segmentation's text and spans."""
        seg_spans = {k: v for k, v in pitem.spans.items() if k in {"item", "heading", "rationale"}}
        base = {
            "rationale": pitem.rationale,
            "claims_administrator_guideline_text": pitem.claims_administrator_guideline_text,
            "reviewer_guideline_text": pitem.reviewer_guideline_text,
        }
        prov = {"rationale": "rules", "spans.item": "rules"}
        if answer is None:
            item = Item(request=pitem.request, decision=pitem.decision, spans=seg_spans, **base)
            item.spans.update({k: pitem.spans[k] for k in ("request", "decision") if k in pitem.spans})
            item.provenance = {**prov, "request": "rules", "decision": "rules", "*": "failed: " + (problem or "")[:300]}
            return item
        values = {f: getattr(answer, f) for f in MODEL_FIELDS}
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
        item = Item(**values, **base, spans=spans)
        item.provenance = {**prov, **{f: self.source_tag for f in MODEL_FIELDS}}
        for f, status in answer.alignment.items():
            item.provenance[f"align.{f}"] = status
        return item
