"""Hybrid: the layout parser's values where it is confident, the model's for the rest.

"Confident" is concrete: the parser found evidence for the value (it set a span for the
field), or the field is one the parser reads from fixed places and the model is worse at
(request and decision always stay the parser's: a recorded small model got decisions
wrong even with field descriptions). For the other fields, a value the parser left
without evidence (null, [] or the "other" default) is taken from the model when the
model's answer validated. The model is only asked about items with such a gap.

`Item.provenance[field]` says where each value came from: "rules" or "llm:<model>".
"""

from __future__ import annotations

from ..layout.parser import parse_letter
from ..model import Usage
from ..reading import Document
from ..schema import Item, Record
from .llm import LLMExtractor, letter_id_of

ALWAYS_PARSER = ("request", "decision", "original_request", "authorized_portion")
#: fields the model may fill when the parser has no evidence for them
GAP_FIELDS = (
    "category",
    "drug_class",
    "generic_name",
    "quantity",
    "claims_administrator_guidelines",
    "reviewer_guidelines",
    "reviewer_pages",
    "denial_reasons",
)


def gaps(item: Item) -> list[str]:
    """Fields of a parser item that have no evidence and may deserve a model's reading."""
    out = []
    for f in GAP_FIELDS:
        if f in item.spans:
            continue
        if f in {"drug_class", "generic_name"} and item.category != "medication":
            continue
        if f == "denial_reasons" and item.decision == "overturned":
            continue
        out.append(f)
    return out


class HybridExtractor(LLMExtractor):
    name = "hybrid"

    def extract(self, doc: Document) -> Record:
        parsed = parse_letter(doc)
        usage = Usage()
        items: list[Item] = []
        with self.model.session(letter_id_of(doc, parsed), letter=doc.text, items=len(parsed.items)):
            for i, pitem in enumerate(parsed.items):
                missing = gaps(pitem)
                if not missing:
                    item = pitem.model_copy(deep=True)
                    item.provenance = {"*": "rules"}
                    items.append(item)
                    continue
                answer, problem = self.call_model(doc, parsed, i, usage)
                items.append(self.merge(pitem, self.to_item(pitem, answer, problem) if answer else None, missing))
        record = parsed.model_copy(deep=True)
        record.items = items
        record.extractor = self.name
        self.last_usage = usage
        return record

    def merge(self, pitem: Item, mitem: Item | None, missing: list[str]) -> Item:
        item = pitem.model_copy(deep=True)
        prov = {f: "rules" for f in (*ALWAYS_PARSER, *GAP_FIELDS, "refills", "rationale")}
        if mitem is not None:
            for f in missing:
                value = getattr(mitem, f)
                if value in (None, [], "other"):
                    continue
                setattr(item, f, value)
                prov[f] = self.source_tag
                if f in mitem.spans:
                    item.spans[f] = mitem.spans[f]
        item.provenance = prov
        return item
