"""Hybrid: the layout parser's values where it is confident, the model's for the rest.

"Confident" is concrete: the parser found evidence for the value (it set a span for the
field), or the field is one the parser reads from fixed places and the model is worse at
(request and decision always stay the parser's: a recorded small model got decisions
wrong even with field descriptions). For the other fields, a value the parser left
without evidence (null, [] or the "other" default) is taken from the model when the
model's answer validated. The model is only asked about items with such a gap.

Why an upheld item was denied is asked separately and only where the rules ran out: when
no reason phrase matched (the parser's `other` fallback, provenance "rules:fallback") or
no finding was read for an item that does not simply fall with its primary treatment. The
model gets that item's request and rationale, returns v2 reason codes each with the words
it read them from and the reviewer's findings, all verbatim; quotes are checked against
the rationale (a miss is re-asked), then become the evidence spans.

`Item.provenance[field]` says where each value came from: "rules" or "llm:<model>".
"""

from __future__ import annotations

from ..errors import AnswerRejected
from ..layout.parser import FALLBACK, parse_letter
from ..layout.reasons import reason_fixes
from ..llm.judgement_model import LLMJudgement
from ..llm.prompts import judgement_messages
from ..model import Usage
from ..reading import Document, clean
from ..schema import Finding, Item, ReasonEvidence, Record
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


def needs_judgement(item: Item) -> bool:
    """An upheld item whose reasons or findings the rules could not read."""
    if item.decision != "upheld" or "rationale" not in item.spans:
        return False
    if item.provenance.get("denial_reasons") == FALLBACK:
        return True
    ancillary = set(item.denial_reasons) == {"depends_on_denied_request"}
    return not item.findings and not ancillary


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
                    item.provenance = {"*": "rules", **pitem.provenance}
                else:
                    answer, problem = self.call_model(doc, parsed, i, usage)
                    item = self.merge(pitem, self.to_item(pitem, answer, problem) if answer else None, missing)
                if needs_judgement(pitem):
                    self.judge(doc, item, usage)
                items.append(item)
        record = parsed.model_copy(deep=True)
        record.items = items
        record.extractor = self.name
        self.last_usage = usage
        return record

    def judge(self, doc: Document, item: Item, usage: Usage) -> None:
        """Ask why the denial of `item` was upheld; take the model's reasons where the rules
        fell back to `other`, and its findings where the rules read none."""
        start, end = item.spans["rationale"]
        messages = judgement_messages(request=item.request, rationale=clean(doc.text[start:end]))
        try:
            answer = self.model.ask(messages, LLMJudgement, {"text": doc.text, "window": (start, end)}, max_tokens=600)
        except AnswerRejected as exc:
            usage.add(exc.usage or Usage(items=1, calls=exc.attempts))
            item.provenance["judgement"] = "failed: " + str(exc)[:300]
            return
        usage.add(answer.usage)
        judged = answer.value
        if item.provenance.get("denial_reasons") == FALLBACK:
            fixes = reason_fixes()
            item.reason_evidence = [
                ReasonEvidence(code=r.code, span=span, fix=fixes[r.code])  # type: ignore[arg-type]
                for r, span in zip(judged.reasons, judged.reason_spans, strict=True)
            ]
            item.denial_reasons = [r.code for r in item.reason_evidence]
            item.provenance["denial_reasons"] = self.source_tag
        if not item.findings and judged.findings:
            item.findings = [
                Finding(text=clean(doc.text[a:b]), span=(a, b)) for a, b in judged.finding_spans
            ]
            item.provenance["findings"] = self.source_tag

    def merge(self, pitem: Item, mitem: Item | None, missing: list[str]) -> Item:
        item = pitem.model_copy(deep=True)
        prov = {f: "rules" for f in (*ALWAYS_PARSER, *GAP_FIELDS, "refills", "rationale")} | pitem.provenance
        prov.pop("*", None)
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
