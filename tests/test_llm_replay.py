"""The LLM and hybrid extractors replayed from recorded cassettes (real exchanges with a real
model server, see eval/record.py and cassettes/manifest.json). Offline, exact, fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from imr_assist.errors import NoRecording
from imr_assist.extractors import get_extractor
from imr_assist.extractors.hybrid import needs_judgement
from imr_assist.layout.parser import FALLBACK, parse_letter
from imr_assist.model import Usage
from imr_assist.model.cassettes import use_cassette
from imr_assist.reading import Document, clean, read_document

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
CASSETTES = ROOT / "cassettes"
LETTERS = sorted((BUNDLED / "letters").glob("*.txt"))


@pytest.fixture(autouse=True)
def _replay_env(monkeypatch):
    monkeypatch.setenv("IMR_ASSIST_CASSETTES", str(CASSETTES))
    monkeypatch.setenv("IMR_ASSIST_RECORD_MODE", "none")


def test_every_gold_letter_has_a_cassette():
    manifest = json.loads((CASSETTES / "manifest.json").read_text())
    assert manifest["model"] and manifest["mode"]
    for letter in LETTERS:
        data = yaml.safe_load((CASSETTES / f"{letter.stem}.yaml").read_text())
        assert data["interactions"], letter.stem
        for x in data["interactions"]:
            headers = {k.lower() for k in x["request"]["headers"]}
            assert "authorization" not in headers and "openai-organization" not in headers


@pytest.mark.parametrize("letter", LETTERS, ids=lambda p: p.stem)
def test_llm_replay_fills_a_grounded_record(letter):
    doc = read_document(letter)
    parsed = parse_letter(doc)
    ex = get_extractor("llm")
    record = ex.extract(doc)
    assert record.extractor == "llm"
    assert len(record.items) == len(parsed.items)
    assert ex.last_usage.calls >= len(parsed.items) and ex.last_usage.prompt_tokens > 0
    for item in record.items:
        assert item.provenance, item
        for field, (start, end) in item.spans.items():
            assert 0 <= start < end <= len(doc.text), field
        if item.provenance.get("request", "").startswith("llm:"):
            s, e = item.spans["request"]  # the model's quote, found in this item's block
            block = parsed.items[record.items.index(item)].spans["item"]
            assert block[0] <= s < e <= block[1]
    again = get_extractor("llm").extract(doc)
    assert again.model_dump() == record.model_dump()  # replay is exact


@pytest.mark.parametrize("letter", LETTERS, ids=lambda p: p.stem)
def test_hybrid_keeps_parser_decisions_and_says_where_values_came_from(letter):
    doc = read_document(letter)
    parsed = parse_letter(doc)
    record = get_extractor("hybrid").extract(doc)
    assert [i.decision for i in record.items] == [i.decision for i in parsed.items]
    assert [i.request for i in record.items] == [i.request for i in parsed.items]
    for item in record.items:
        assert item.provenance.get("decision", item.provenance.get("*")) == "rules"
        sources = set(item.provenance.values())
        assert sources <= {"rules"} | {v for v in sources if v.startswith("llm:")}


JUDGED = json.loads((CASSETTES / "manifest.json").read_text()).get("hybrid_letters", [])


@pytest.mark.parametrize("stem", JUDGED)
def test_hybrid_asks_why_only_where_the_rules_ran_out_and_keeps_the_answer_grounded(stem):
    """Corpus letters where the rules leave an upheld item with only the fallback reason or
    with no finding: the hybrid asks the model why (recorded), takes its v2 codes and
    findings only for those gaps, with every quote inside that item's rationale, and leaves
    every other item as the rules read it."""
    doc = read_document(BUNDLED / "corpus" / "txt" / f"{stem}.txt")
    parsed = parse_letter(doc)
    record = get_extractor("hybrid").extract(doc)
    asked = [i for i, it in enumerate(parsed.items) if needs_judgement(it)]
    assert asked, "the rules now read every item of this letter: re-record (eval/record.py) or drop it"
    answered = 0
    for i, (item, rules_item) in enumerate(zip(record.items, parsed.items, strict=True)):
        if i not in asked or "judgement" in item.provenance:  # not asked, or the answer never validated
            assert item.denial_reasons == rules_item.denial_reasons and item.findings == rules_item.findings
            continue
        rs, re_ = item.spans["rationale"]
        if item.provenance.get("denial_reasons", "").startswith("llm:"):
            answered += 1
            assert rules_item.provenance.get("denial_reasons") == FALLBACK
            assert item.denial_reasons and len(item.reason_evidence) == len(item.denial_reasons)
            assert all(rs <= e.span[0] < e.span[1] <= re_ for e in item.reason_evidence)
        if item.provenance.get("findings", "").startswith("llm:"):
            answered += 1
            assert not rules_item.findings
            assert all(rs <= f.span[0] < f.span[1] <= re_ for f in item.findings)
            assert all(f.text == clean(doc.text[f.span[0] : f.span[1]]) for f in item.findings)
    assert answered, "no recorded answer was taken"


def test_changed_input_finds_no_recording_and_fails_loudly():
    doc = read_document(LETTERS[0])
    changed = Document(text=doc.text.replace("Upheld", "Upheld ", 1).replace("refill", "refills"), source=doc.source)
    with pytest.raises(NoRecording, match="no recorded answer"):
        get_extractor("llm").extract(changed)


def test_validation_failure_then_successful_retry_is_recorded():
    """A recorded item whose first answer failed validation: instructor sent the error back
    and the model's next answer validated (found by recording corpus letters live)."""
    meta = json.loads((CASSETTES / "retry" / "manifest.json").read_text())
    doc = read_document(ROOT / meta["letter"])
    parsed = parse_letter(doc)
    ex = get_extractor("llm")
    usage = Usage()
    with use_cassette(CASSETTES / "retry" / meta["cassette"], "none"):
        item, problem = ex.call_model(doc, parsed, meta["item"], usage)
    assert problem is None and item is not None
    assert usage.calls >= 2 and usage.retries >= 1
    s, e = item.quote_spans["request"]
    block = parsed.items[meta["item"]].spans["item"]
    assert block[0] <= s < e <= block[1]
    recorded = yaml.safe_load((CASSETTES / "retry" / meta["cassette"]).read_text())["interactions"]
    bodies = [x["request"]["body"] for x in recorded]
    assert "validation error" not in bodies[0].lower()
    assert "validation error" in bodies[-1].lower()  # the re-ask carries the error back to the model
