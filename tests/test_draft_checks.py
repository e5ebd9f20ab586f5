"""The faithfulness checks catch what they promise to catch."""

from __future__ import annotations

import pytest
from test_draft_support import LETTERS, MIXED, FakeIndex, corpus_decisions, corpus_index, letter

from imr_assist.drafting import render_draft, render_summary
from imr_assist.drafting.checks import check_draft, dates_in, numbers_in


def _failed(md, record, text, **kw):
    kw.setdefault("item_numbers", list(range(1, len(record.items) + 1)))
    return {c.name: c.problems for c in check_draft(md, record, text, **kw) if not c.ok}


@pytest.fixture(scope="module")
def base():
    record, text = letter(LETTERS[0])
    return record, text, render_summary(record, text).markdown


def test_clean_summary_passes(base):
    record, text, md = base
    assert _failed(md, record, text) == {}


def test_invented_number_and_date_fail(base):
    record, text, md = base
    bad = md + "\nYou took it for 45 days since March 3, 2019.\n"
    failed = _failed(bad, record, text)
    assert "number 45 is not in the letter" in failed["numbers come from the letter"]
    assert failed["dates come from the letter"] == ["date 2019-03-03 is not in the letter"]


def test_law_numbers_and_citations_only_from_the_law_file(base):
    record, text, md = base
    assert _failed(md + "\nLabor Code §4610.6(h), within 30 days; 8 CCR §10575, rule 10575.\n", record, text) == {}
    failed = _failed(md + "\nLabor Code §5909, within 45 days; rule 10450.\n", record, text)
    assert failed["legal citations come from prompts/law.toml"] == [
        "'§5909' is not a citation of prompts/law.toml", "'rule 10450' is not a citation of prompts/law.toml",
    ]  # fmt: skip
    assert "number 45 is not in the letter" in failed["numbers come from the letter"]


def test_every_finding_must_be_quoted(base):
    record, text, md = base
    finding = " ".join(record.items[1].findings[0].text.split())
    assert finding in " ".join(md.split())
    failed = _failed(md.replace(finding, "[[finding]]"), record, text, findings={2: [finding]})
    assert failed["every finding quoted verbatim"] == [f"item 2: {finding!r}"]


def test_unknowns_must_be_placeholders(base):
    record, text, md = base
    failed = _failed(md + "\n- **Claim number:** \n- **Mailing date:** None\n", record, text)
    assert len(failed["unknowns are visible [[placeholders]]"]) == 2


def test_wrong_decision_and_missing_item_fail(base):
    record, text, md = base
    flipped = md.replace(
        "Item 2: Baclofen 10mg #60 with 1 refill — Not approved", "Item 2: Baclofen 10mg #60 with 1 refill — Approved"
    )
    assert _failed(flipped, record, text)["decisions match the letter"] == [
        "item 2: draft says 'approved', the letter says upheld"
    ]
    dropped = md.replace("### Item 3: Ambien 10mg #30 — Not approved", "")
    assert "item 3 (Ambien 10mg #30) is not named" in _failed(dropped, record, text)["every item named"]


def test_draft_mark_required(base):
    record, text, md = base
    assert "marked as a draft for professional review" in _failed(md.replace("DRAFT", "Guide"), record, text)


def test_cited_ids_must_exist_and_be_overturned():
    record, text = letter(MIXED[0])
    index = corpus_index()
    result = render_draft(record, text, "resubmission", index=index)
    assert result.ok
    upheld = next(d for d in corpus_decisions() if d.decision == "upheld" and d.letter_id != record.letter_id)
    md = result.markdown + f"\n- `{upheld.id}` — {upheld.request}\n- `NOPE-1#4` — invented\n"
    cited = {**result.cited, upheld.id: upheld, "NOPE-1#4": None}
    failed = _failed(md, record, text, item_numbers=[1], cited=cited, require_overturned_citations=True)
    assert failed["cited ids exist in the index"] == ["NOPE-1#4 is not in the index"]
    assert failed["cites overturned decisions only"] == [f"{upheld.id} was not overturned"]


def test_empty_index_cites_nothing():
    record, text = letter(MIXED[0])
    result = render_draft(record, text, "resubmission", index=FakeIndex([]))
    assert result.ok and result.cited == {}
    assert "No overturned decision of the same kind was found" in result.markdown


def test_date_and_number_parsing():
    assert dates_in("on 10-11-01 and 12/06/2016, January 4, 2017, 2015-10-31, October 2001") == {
        "2001-10-11", "2016-12-06", "2017-01-04", "2015-10-31", "2001-10",
    }  # fmt: skip
    assert dates_in("Trezix capsule 320.5/30/16mg") == set()
    assert numbers_in("120 Percocet 7.5/325mg #60, 1,000 units") == {"120", "7.5", "325", "60", "1000"}
    assert dates_in("el viernes 3 de febrero de 2017; enero de 2016") == {"2017-02-03", "2016-01"}
