"""The scorer on crafted gold/prediction pairs: each rule of the contract's Scoring section."""

from __future__ import annotations

import copy

import pytest

from imr_assist.evaluation.scorer import pair_items, score_letter, summarize
from imr_assist.schema import Record

GOLD = {
    "letter_id": "L1",
    "case_number": "CM16-0000001",
    "format": "dwc_final_determination",
    "patient": {"age": 53, "date_of_injury": "2001-10-11"},
    "utilization_review_date": "2015-10-31",
    "reviewer": {"licensure_states": ["California"], "specialties": ["Family Practice"]},
    "items": [
        {
            "request": "Baclofen 10mg #60 with 1 refill",
            "decision": "upheld",
            "category": "medication",
            "drug_class": "muscle_relaxant",
            "generic_name": "baclofen",
            "quantity": 60,
            "refills": 1,
            "reviewer_guidelines": ["MTUS"],
            "denial_reasons": ["no_supporting_exam_findings"],
        },
        {
            "request": "MRI of the right shoulder",
            "decision": "overturned",
            "category": "diagnostic",
            "drug_class": None,
            "quantity": None,
            "reviewer_guidelines": ["ACOEM", "MTUS"],
            "denial_reasons": [],
        },
    ],
}


def metrics(gold: dict, pred: Record | None, text: str | None = None) -> dict:
    return summarize([score_letter(gold, pred, text)])["metrics"]


def perfect() -> Record:
    return Record.model_validate(copy.deepcopy(GOLD))


def test_perfect_prediction_scores_one_everywhere() -> None:
    m = metrics(GOLD, perfect())
    for key in (
        "item_precision",
        "item_recall",
        "item_f1",
        "decision_accuracy",
        "field_accuracy",
        "header_accuracy",
        "list_f1",
        "denial_reasons_f1",
    ):
        assert m[key] == 1.0, key
    assert m["mismatches"] == 0
    # 7 letter fields present in gold + 8 fields of item 1 + 6 of item 2 (denial excluded)
    assert m["fields_scored"] == 7 + 8 + 6


def test_missing_item_lowers_recall_and_counts_its_fields_wrong() -> None:
    pred = perfect()
    pred.items.pop(1)
    score = score_letter(GOLD, pred)
    m = summarize([score])["metrics"]
    assert m["item_precision"] == 1.0
    assert m["item_recall"] == 0.5
    assert m["decision_accuracy"] == 0.5
    # request, decision, category, drug_class, quantity, reviewer_guidelines
    assert m["fields_wrong"] == 6
    fields = summarize([score])["fields"]
    assert fields["reviewer_guidelines"]["fn"] == 2
    assert [mm["kind"] for mm in score.mismatches] == ["missing_item"]


def test_extra_item_lowers_precision_only() -> None:
    pred = perfect()
    pred.items.append(pred.items[0].model_copy(update={"request": "Acupuncture x 6 sessions"}))
    score = score_letter(GOLD, pred)
    m = summarize([score])["metrics"]
    assert m["item_recall"] == 1.0
    assert m["item_precision"] == pytest.approx(2 / 3)
    assert m["field_accuracy"] == 1.0
    assert summarize([score])["fields"]["reviewer_guidelines"]["fp"] == 1
    assert score.mismatches[0]["kind"] == "extra_item"


def test_null_gold_requires_null_and_value_gold_requires_value() -> None:
    gold = copy.deepcopy(GOLD)
    gold["case_number"] = None
    pred = perfect()
    pred.case_number = "CM16-0000001"
    pred.items[1].drug_class = "other"  # gold null
    pred.utilization_review_date = None  # gold has a value
    score = score_letter(gold, pred)
    wrong = {(m["field"], m["gold"], m["predicted"]) for m in score.mismatches}
    assert wrong == {
        ("case_number", None, "CM16-0000001"),
        ("drug_class", None, "other"),
        ("utilization_review_date", "2015-10-31", None),
    }


def test_absent_gold_key_is_not_scored() -> None:
    pred = perfect()
    pred.patient.sex = "female"  # gold has no "sex" key
    pred.items[1].generic_name = "anything"  # gold item 2 has no generic_name key
    assert metrics(GOLD, pred)["mismatches"] == 0


def test_list_partial_overlap_gives_micro_precision_and_recall() -> None:
    pred = perfect()
    pred.items[1].reviewer_guidelines = ["MTUS", "ODG"]  # gold ACOEM, MTUS
    f = summarize([score_letter(GOLD, pred)])["fields"]["reviewer_guidelines"]
    assert (f["tp"], f["fp"], f["fn"]) == (2, 1, 1)
    assert f["precision"] == pytest.approx(2 / 3)
    assert f["recall"] == pytest.approx(2 / 3)
    assert f["accuracy"] == 0.5  # item 1 exact, item 2 not


def test_guideline_order_is_ignored_but_page_order_is_not() -> None:
    gold = copy.deepcopy(GOLD)
    gold["items"][0]["reviewer_pages"] = ["63", "66"]
    pred = Record.model_validate(copy.deepcopy(gold))
    pred.items[1].reviewer_guidelines = ["MTUS", "ACOEM"]
    pred.items[0].reviewer_pages = ["66", "63"]
    fields = summarize([score_letter(gold, pred)])["fields"]
    assert fields["reviewer_guidelines"]["accuracy"] == 1.0
    assert fields["reviewer_pages"]["accuracy"] == 0.0
    assert fields["reviewer_pages"]["f1"] == 1.0


def test_renamed_request_still_pairs_but_its_text_is_scored() -> None:
    pred = perfect()
    pred.items[0].request = "baclofen 10 mg, #60 with 1 refill"
    pred.items[1].request = "MRI  of the RIGHT shoulder."  # case/space/punct only
    score = score_letter(GOLD, pred)
    m = summarize([score])["metrics"]
    assert m["item_f1"] == 1.0
    assert [(x["field"], x["item"]) for x in score.mismatches] == [
        ("request", "Baclofen 10mg #60 with 1 refill")
    ]


def test_pairing_is_greedy_by_best_score_and_one_to_one() -> None:
    gold = ["Physical therapy 12 sessions", "Physical therapy 6 sessions"]
    pred = ["physical therapy 6 sessions", "Physical therapy 12 sessions", "PT x 6"]
    assert [(i, j) for i, j, _ in pair_items(gold, pred)] == [(0, 1), (1, 0)]
    assert pair_items(["Lumbar MRI"], ["Cervical epidural steroid injection"]) == []


def test_denial_reasons_reported_apart() -> None:
    pred = perfect()
    pred.items[0].denial_reasons = ["no_functional_improvement"]
    m = metrics(GOLD, pred)
    assert m["field_accuracy"] == 1.0
    assert m["denial_reasons_f1"] == 0.0
    assert m["mismatches"] == 1


def test_extractor_failure_counts_everything_wrong() -> None:
    m = metrics(GOLD, None)
    assert m["item_recall"] == 0.0
    assert m["field_accuracy"] == 0.0
    assert m["fields_scored"] == 21


def test_grounding_counts_supported_spans_and_rejects_span_outside_text() -> None:
    text = "Case Number: CM16-0000001\nBaclofen 10mg #60 with 1 refill is Upheld."
    pred = perfect()
    pred.spans = {"case_number": (13, 25)}
    pred.items[0].spans = {"request": (26, 57), "decision": (61, 67), "quantity": (900, 910)}
    score = score_letter(GOLD, pred, text)
    assert (score.spans_checked, score.spans_supported) == (4, 3)
    assert score.ungrounded[0]["field"] == "quantity"
    assert score.ungrounded[0]["span_text"] is None
    assert summarize([score])["metrics"]["grounding"] == 0.75
