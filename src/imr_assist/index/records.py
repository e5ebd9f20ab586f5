"""From records to indexed decisions (records are read from files by `record_input.py`)."""

from __future__ import annotations

import hashlib
from typing import cast

from ..schema import DrugClass, Item, Record
from ..treatment import treatment_key
from .models import IndexedDecision


def record_hash(record: Record) -> str:
    """What a record says, as a short digest: the same record read again (from the same
    `.jsonl`, or copied elsewhere) has the same hash, so re-indexing it can be skipped. The
    path it was read from is left out; any changed value changes the hash."""
    text = record.model_dump_json(exclude={"source"})
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def decision_id(letter_id: str, number: int) -> str:
    return f"{letter_id}#{number}"


def decision_from_item(record: Record, item: Item, number: int) -> IndexedDecision:
    """One decided item as the index stores it (`number` is 1-based). The record is already
    validated, so the model is constructed without validating again (a third of build time).
    The treatment key is computed here from the item (the index always uses the current tables)."""
    key = treatment_key(item)
    generic = item.generic_name or key.generic_name
    return IndexedDecision.model_construct(
        id=decision_id(record.letter_id, number),
        letter_id=record.letter_id,
        item_number=number,
        case_number=record.case_number,
        request=item.request,
        decision=item.decision,
        category=item.category,
        drug_class=item.drug_class or cast(DrugClass | None, key.drug_class),
        generic_name=(generic or None) and generic.lower(),
        denial_reasons=list(item.denial_reasons),
        reviewer_guidelines=list(item.reviewer_guidelines),
        reviewer_pages=list(item.reviewer_pages),
        rationale=item.rationale or "",
        decision_date=record.decision_date,
        date_of_injury=record.patient.date_of_injury,
        reviewer_specialties=list(record.reviewer.specialties),
        family=key.family,
        regions=list(key.regions),
        side=key.side,
        treatment=key.label,
        findings=[f.text for f in item.findings],
    )


def decisions_from_record(record: Record) -> list[IndexedDecision]:
    return [decision_from_item(record, it, n) for n, it in enumerate(record.items, 1)]
