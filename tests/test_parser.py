"""The layout parser on the three fully-gold letters, generated variants of them, the
older layouts (hand-written from the spec's headings) and the PDF corpus."""

from __future__ import annotations

import json
import random
import re
import textwrap
from pathlib import Path

import pytest

from imr_assist.errors import NotAnIMRLetter
from imr_assist.evaluation.findings import pair_findings
from imr_assist.evaluation.grounding import span_supports
from imr_assist.layout.parser import parse_letter
from imr_assist.reading import Document, clean, read_document
from imr_assist.schema import ITEM_CONTRACT_FIELDS, Record

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
LETTERS = sorted((BUNDLED / "letters").glob("*.txt"))
GOLD = BUNDLED / "gold"
LAYOUTS = ROOT / "tests" / "fixtures" / "layouts"
#: List fields whose order carries no meaning (reviewer_pages keep the letter's order).
UNORDERED = ("claims_administrator_guidelines", "reviewer_guidelines")
#: Judgement keys: scored by eval as F1 against gold (data/thresholds.toml gates them); here
#: each item must agree with gold on at least one reason and one finding.
JUDGEMENT = ("denial_reasons", "findings")
LETTER_FIELDS = ("format", "case_number", "utilization_review_date", "date_assigned", "decision_date")


def gold_for(path: Path) -> dict:
    return json.loads((GOLD / f"{path.stem}.json").read_text())


def assert_matches_gold(record: Record, gold: dict, *, ordered: bool = True) -> None:
    """Every key present in gold equals the extracted value (items paired by request)."""
    got = record.model_dump()
    for key in LETTER_FIELDS:
        if key in gold:
            assert got[key] == gold[key], key
    for key, value in gold["patient"].items():
        assert got["patient"][key] == value, f"patient.{key}"
    for key, value in gold["reviewer"].items():
        assert got["reviewer"][key] == value, f"reviewer.{key}"
    by_request = {it["request"]: it for it in got["items"]}
    assert len(got["items"]) == len(gold["items"])
    if ordered:
        assert [it["request"] for it in got["items"]] == [it["request"] for it in gold["items"]]
    for gold_item in gold["items"]:
        item = by_request[gold_item["request"]]
        for key in ITEM_CONTRACT_FIELDS:
            if key in JUDGEMENT:
                continue
            if key in UNORDERED:
                assert sorted(item[key]) == sorted(gold_item[key]), f"{gold_item['request']}: {key}"
            elif key in gold_item:
                assert item[key] == gold_item[key], f"{gold_item['request']}: {key}"
        assert_agrees_on_judgement(item, gold_item)


def assert_agrees_on_judgement(item: dict, gold_item: dict) -> None:
    """An upheld item shares a reason with gold and has one; a finding pairs with gold's."""
    label = gold_item["request"]
    if gold_item["decision"] == "upheld":
        assert item["denial_reasons"], f"{label}: an upheld item always has a reason"
        assert set(item["denial_reasons"]) & set(gold_item["denial_reasons"]), label
    else:
        assert item["denial_reasons"] == [], label
    if gold_item.get("findings"):
        pred = [f["text"] for f in item["findings"]]
        assert pair_findings(gold_item["findings"], pred), f"{label}: no gold finding found"


def assert_grounded(record: Record, text: str) -> int:
    """Every span lies inside the text and its text supports the value it is for."""
    checked = 0
    for key, (a, b) in record.spans.items():
        value = record
        for part in key.split("."):
            value = getattr(value, part)
        assert span_supports(key, value, text, a, b), (key, value, text[a:b])
        checked += 1
    for item in record.items:
        for finding in item.findings:
            assert finding.span is not None, (item.request, finding.text)
            assert clean(text[finding.span[0] : finding.span[1]]) == finding.text, (item.request, finding.text)
            checked += 1
        for key, (a, b) in item.spans.items():
            assert 0 <= a < b <= len(text), (key, a, b)
            if key in ("item", "heading"):
                continue
            value = getattr(item, key)
            if value in (None, [], ""):
                continue
            assert span_supports(key, value, text, a, b), (item.request, key, value, text[a:b])
            checked += 1
    return checked


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.stem)
def test_gold_letters_every_field(path: Path) -> None:
    doc = read_document(path)
    record = parse_letter(doc)
    assert_matches_gold(record, gold_for(path))
    assert record.warnings == []
    assert assert_grounded(record, doc.text) >= 10 * len(record.items)


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.stem)
def test_rationale_is_kept_whole_and_dehyphenated(path: Path) -> None:
    doc = read_document(path)
    record = parse_letter(doc)
    for item in record.items:
        assert len(item.rationale) > 200
        assert "\n" not in item.rationale and "  " not in item.rationale
        assert "non- compliance" not in item.rationale
        a, b = item.spans["rationale"]
        assert doc.text[a:b].split()[0] == item.rationale.split()[0]
        assert doc.text[a:b].split()[-1] == item.rationale.split()[-1]


def _reflow(text: str, width: int) -> str:
    """Re-wrap every paragraph (blank-line separated) to `width` columns."""
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in paragraphs if p.strip()) + "\n"


@pytest.mark.parametrize("width", [38, 61, 140])
@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.stem)
def test_reflowed_line_widths(path: Path, width: int) -> None:
    text = _reflow(path.read_text(), width)
    record = parse_letter(Document(text=text, source=str(path)))
    assert_matches_gold(record, gold_for(path))
    assert_grounded(record, text)


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.stem)
def test_crlf_and_doubled_spaces(path: Path, tmp_path: Path) -> None:
    crlf = tmp_path / f"{path.stem}.txt"
    crlf.write_bytes(path.read_text().replace("\n", "\r\n").replace(" ", "  ").encode("cp1252"))
    doc = read_document(crlf)
    record = parse_letter(doc)
    assert_matches_gold(record, gold_for(path))
    assert_grounded(record, doc.text)


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.stem)
def test_items_reordered(path: Path) -> None:
    text = path.read_text()
    record = parse_letter(Document(text=text, source=str(path)))
    blocks = [it.spans["item"] for it in record.items]
    head, tail = text[: blocks[0][0]], text[blocks[-1][1] :]
    pieces = [text[a:b].rstrip() + "\n\n" for a, b in blocks]
    random.Random(7).shuffle(pieces)
    if [p for p in pieces] == [text[a:b].rstrip() + "\n\n" for a, b in blocks]:
        pieces.reverse()
    shuffled = head + "".join(pieces) + tail
    again = parse_letter(Document(text=shuffled, source=str(path)))
    assert_matches_gold(again, gold_for(path), ordered=False)
    assert [it.request for it in again.items] != [it.request for it in record.items]
    assert_grounded(again, shuffled)


def test_maximus_imr_layout() -> None:
    doc = read_document(LAYOUTS / "maximus_imr.txt")
    r = parse_letter(doc)
    assert r.format == "maximus_imr"
    assert (r.case_number, r.letter_id) == ("CM14-0012345", "CM14-0012345")
    assert r.patient.model_dump() == {"age": 52, "sex": "female", "date_of_injury": "2011-03-15"}
    assert r.utilization_review_date == "2014-01-06"
    assert r.reviewer.licensure_states == ["California", "Arizona"]
    assert r.reviewer.specialties == ["Anesthesiology", "Pain Medicine"]
    assert [(i.request, i.decision) for i in r.items] == [
        ("Oxycontin 20mg #60", "upheld"),
        ("Physical therapy 2 times a week for 4 weeks for the lumbar spine", "overturned"),
    ]
    oxy, pt = r.items
    assert (oxy.generic_name, oxy.drug_class, oxy.quantity) == ("oxycodone", "opioid", 60)
    assert oxy.claims_administrator_guidelines == ["MTUS"] and oxy.reviewer_pages == ["76-80", "124"]
    assert "no_functional_improvement" in oxy.denial_reasons
    assert (pt.category, pt.quantity, pt.denial_reasons) == ("therapy", 8, [])
    assert pt.claims_administrator_guidelines == ["ODG"] and pt.reviewer_pages == ["98-99"]
    assert oxy.rationale.startswith("The guidelines support") and "Physical therapy" not in oxy.rationale
    assert_grounded(r, doc.text)


def test_medical_professional_review_layout() -> None:
    doc = read_document(LAYOUTS / "medical_professional_review.txt")
    r = parse_letter(doc)
    assert r.format == "medical_professional_review"
    assert r.case_number == "CM13-0045678"
    assert r.patient.model_dump() == {"age": 45, "sex": "male", "date_of_injury": "2009-05-02"}
    assert r.utilization_review_date == "2013-09-12"
    assert r.reviewer.specialties == ["Physical Medicine and Rehabilitation"]
    assert [(i.request, i.decision) for i in r.items] == [
        ("Retrospective urine drug screen (DOS 8/14/2013)", "overturned"),
        ("Lidoderm 5% patch #30", "upheld"),
    ]
    uds, lido = r.items
    assert uds.category == "diagnostic"
    assert (lido.generic_name, lido.drug_class, lido.quantity) == ("lidocaine", "topical_analgesic", 30)
    assert "first-line" in lido.rationale and "urine drug screen" not in lido.rationale
    assert_grounded(r, doc.text)


def test_lower_case_headings_still_parse() -> None:
    text = (LETTERS[0]).read_text()
    lowered = re.sub(r"(Upheld|Overturned)", lambda m: m.group(0).lower(), text)
    lowered = lowered.replace("IMR ISSUES, DECISIONS AND RATIONALES", "imr issues, decisions and rationales")
    r = parse_letter(Document(text=lowered))
    assert len(r.items) == 3 and {i.decision for i in r.items} == {"upheld"}


def test_modified_request_split_into_parts() -> None:
    text = (
        "IMR ISSUES, DECISIONS AND RATIONALES\nThe Final Determination was based on decisions for the disputed "
        "items/services set forth below:\n\nIbuprofen 600mg #90 with 2 refill was the original request. Ibuprofen "
        "600mg #90 was\n\nauthorized by the Claims Administrator. The remaining IMR eligible portion of the\n"
        "original request, Two refills of Ibuprofen 600mg #90 is:  Upheld\n\nClaims Administrator guideline: "
        "Decision based on MTUS Chronic Pain Medical Treatment 2016.\n\nMAXIMUS guideline: Decision based on MTUS "
        "Chronic Pain Medical Treatment 2016, Section(s): Anti-inflammatory medications.\n\nDecision rationale: "
        "NSAIDs are recommended at the lowest dose for the shortest period. The request is not medically necessary.\n"
    )
    r = parse_letter(Document(text=text))
    (item,) = r.items
    assert item.request == "Two refills of Ibuprofen 600mg #90"
    assert item.original_request == "Ibuprofen 600mg #90 with 2 refill"
    assert item.authorized_portion == "Ibuprofen 600mg #90"
    assert (item.decision, item.quantity, item.refills, item.generic_name) == ("upheld", 90, 2, "ibuprofen")
    assert_grounded(r, text)


def test_missing_section_gives_partial_record_with_warnings() -> None:
    text = LETTERS[1].read_text()
    a, b = text.index("MAXIMUS Federal Services sent"), text.index("CLINICAL CASE SUMMARY")
    r = parse_letter(Document(text=text[:a] + text[b:]))
    assert r.reviewer.specialties == [] and "reviewer credentials not found" in r.warnings
    assert r.patient.age == 60 and len(r.items) == len(gold_for(LETTERS[1])["items"])


def test_letter_cut_before_its_items_is_refused() -> None:
    """Headings without a decided item are not a determination (issue 18): one clear reason."""
    text = LETTERS[1].read_text()
    cut = text.index("IMR ISSUES, DECISIONS AND RATIONALES")
    with pytest.raises(NotAnIMRLetter, match="no decided item"):
        parse_letter(Document(text=text[:cut]))


@pytest.mark.parametrize("stem", ["CM16-0248698", "CM17-0007142", "CM17-0002181"])
def test_corpus_pdf_matches_text_and_names_pages(stem: str) -> None:
    corpus = BUNDLED / "corpus"
    gold = json.loads((corpus / "gold" / f"{stem}.json").read_text())
    doc = read_document(corpus / "pdf" / f"{stem}.pdf")
    r = parse_letter(doc)
    assert r.case_number == gold["case_number"]
    assert [(i.request, i.decision) for i in r.items] == [(g["request"], g["decision"]) for g in gold["items"]]
    assert len(doc.page_starts) > 1
    last = r.items[-1].spans["rationale"]
    assert doc.page_of(last[1] - 1) == len(doc.page_starts)
    assert_grounded(r, doc.text)


@pytest.mark.parametrize("cut", range(1, len("MAXIMUS")))
@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.stem)
def test_reviewer_guidelines_under_a_broken_label(path: Path, cut: int) -> None:
    """Text extraction splits words ("MAXIM US guideline:", "MAX IMUS"): any split of the
    label's words still gives the reviewer's guidelines (issue 18, item 11)."""
    text = path.read_text()
    broken = text.replace("MAXIMUS guideline:", "MAXIMUS"[:cut] + " " + "MAXIMUS"[cut:] + " guide line:")
    assert broken != text
    got = [i.reviewer_guidelines for i in parse_letter(Document(text=broken)).items]
    assert got == [g["reviewer_guidelines"] for g in gold_for(path)["items"]]


def test_corpus_letter_with_a_broken_label_reads_like_its_pdf() -> None:
    corpus = BUNDLED / "corpus"
    txt = parse_letter(read_document(corpus / "txt" / "CM16-0249726.txt"))
    pdf = parse_letter(read_document(corpus / "pdf" / "CM16-0249726.pdf"))
    assert "MAXIM US guideline:" in read_document(corpus / "txt" / "CM16-0249726.txt").text
    assert [i.reviewer_guidelines for i in txt.items] == [i.reviewer_guidelines for i in pdf.items] == [["MTUS", "ODG"]]
    assert [i.claims_administrator_guidelines for i in txt.items] == [["ODG"]]


@pytest.mark.parametrize(
    ("summary", "sex"),
    [
        ("The injured worker is a female who sustained an industrial injury on 10-13-16.", "female"),
        ("The injured worker, a male, was injured lifting boxes on 10-13-16.", "male"),
        ("This 48-year-old individual was injured on 10-13-16. She is a right-handed woman.", "female"),
        ("The applicant was injured on 10-13-16. This female claimant has neck pain.", "female"),
        ("The claimant was injured on 10-13-16 when assaulted by a male employee.", None),
        ("The injured worker is an employee of a female-owned business, injured on 10-13-16.", None),
        ("The injured worker is a 53-year-old male-female, who sustained an injury on 10-13-16.", None),
        ("The injured worker is a male/female who was injured on 10-13-16.", None),
    ],
)
def test_sex_stated_apart_from_the_age(summary: str, sex: str | None) -> None:
    text = LETTERS[1].read_text()
    a = text.index("This is a 60-year old female")
    b = text.index("\n", text.index("injured her right knee"))
    letter = text[:a] + summary + text[b:]
    r = parse_letter(Document(text=letter))
    assert r.patient.sex == sex
    if sex:
        s, e = r.spans["patient.sex"]
        assert span_supports("patient.sex", sex, letter, s, e)
