"""Resubmission and appeal drafts: structure, verbatim quotes, overturned-only citations."""

from __future__ import annotations

import re

import pytest
from test_draft_support import EXAMPLES, LETTERS, MIXED, corpus_index, letter

from imr_assist.drafting import render_draft
from imr_assist.drafting.text import split_sentences
from imr_assist.errors import InputError

QUOTE = re.compile(r'^- \*\*Criterion quoted:\*\* "(.*)"$', re.M)
FACT = re.compile(r'^- \[ \] The (?:reviewer found|rationale states): "(.*)" — Records sent for review show:', re.M)
CITED = re.compile(r"^- `([^`]+)` — .*: \"(.*)\"$", re.M)


def _sections(md: str) -> dict[int, str]:
    """Item number -> the text under its heading, up to the next heading of its level or higher."""
    out: dict[int, str] = {}
    current, level = None, 0
    for line in md.splitlines():
        h = re.match(r"^(#+) (.*)$", line)
        if h and current is not None and len(h.group(1)) <= level:
            current = None
        m = re.match(r"^(#{2,3}) Item (\d+): ", line)
        if m:
            current, level = int(m.group(2)), len(m.group(1))
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return out


@pytest.mark.parametrize("kind", ["resubmission", "appeal"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_drafts_pass_faithfulness_checks(path, kind):
    record, text = letter(path)
    result = render_draft(record, text, kind, index=corpus_index())
    assert [(c.name, c.problems) for c in result.checks if not c.ok] == []
    assert "DRAFT for professional review" in result.markdown
    upheld = [n for n, it in enumerate(record.items, 1) if it.decision == "upheld"]
    if kind == "resubmission":  # items that go back with their primary share one line
        upheld = [n for n in upheld if set(record.items[n - 1].denial_reasons) != {"depends_on_denied_request"}]
    assert sorted(_sections(result.markdown)) == upheld


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_resubmission_quotes_criteria_verbatim_and_lists_sources(path):
    record, text = letter(path)
    md = render_draft(record, text, "resubmission", index=corpus_index()).markdown
    assert QUOTE.findall(md)
    for n, body in _sections(md).items():
        item = record.items[n - 1]
        quotes = QUOTE.findall(body)
        sentences = [" ".join(s.split()) for s in split_sentences(item.rationale)]
        for q in quotes:
            assert q in sentences  # a whole sentence of the rationale, unchanged
            assert "not medically necessary" not in q.lower()
        if item.reviewer_guideline_text:
            assert f"> {' '.join(item.reviewer_guideline_text.split())}" in body
        assert "- [ ] " in body and "[[record and date]]" in body
        for f in item.findings:  # the table: the reviewer's finding -> what the records now show
            assert f'| "{" ".join(f.text.split())}" | [[document, date: what it shows]] |' in body


@pytest.mark.parametrize("path", MIXED, ids=lambda p: p.stem)
def test_resubmission_for_mixed_letter_cites_overturned_only(path):
    record, text = letter(path)
    index = corpus_index(honor_filters=False)  # even if retrieval ignores the filter
    result = render_draft(record, text, "resubmission", index=index)
    assert result.ok, [c for c in result.checks if not c.ok]
    cited = CITED.findall(result.markdown)
    assert cited, "expected similar overturned decisions from the corpus"
    for body in _sections(result.markdown).values():
        assert len(CITED.findall(body)) <= 3
    for cid, sentence in cited:
        decision = index.get(cid)
        assert decision is not None and decision.decision == "overturned"
        assert decision.letter_id != record.letter_id
        assert sentence in split_sentences(decision.rationale)
    overturned = [n for n, it in enumerate(record.items, 1) if it.decision == "overturned"]
    for n in overturned:
        assert f"- Item {n}, {record.items[n - 1].request}, was overturned." in result.markdown


def test_resubmission_without_index_says_so():
    record, text = letter(LETTERS[0])
    md = render_draft(record, text, "resubmission", index=None).markdown
    assert "[[no decision index was available" in md
    assert "`" not in md  # no ids cited


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_appeal_lists_grounds_deadline_and_letter_facts(path):
    record, text = letter(path)
    md = render_draft(record, text, "appeal").markdown
    grounds = md.split("## Grounds", 1)[1].split("\n## ", 1)[0]
    assert grounds.count("- [ ] ") == 5
    for word in ("fraud", "conflict of interest", "bias", "excess of", "plainly erroneous"):
        assert word in grounds
    assert "not a ground" in md and "30 days" in md
    if record.decision_date:
        assert "Last day, if mailed on the decision date" in md
    else:
        assert "[[mailing date + 30 days]]" in md
    for n, body in _sections(md).items():
        item = record.items[n - 1]
        rationale = " ".join(item.rationale.split())
        facts = FACT.findall(body)
        for f in item.findings:  # every finding is a statement to check
            assert " ".join(f.text.split()) in facts
        for fact in facts:
            assert fact in rationale
            # the bare outcome ("The request for X is not medically necessary.") is not a fact to check
            assert not re.fullmatch(
                r"(?i)(the|this) request .*\bis (determined to )?not (be )?medically necessary\.", fact
            )


def test_appeal_frames_no_medical_argument():
    record, text = letter(LETTERS[0])
    md = render_draft(record, text, "appeal").markdown
    assert "no objective evidence of muscle spasm" in md  # a factual statement to check
    statements = md.split("## Statements to check", 1)[1].split("## Facts supporting", 1)[0]
    # the reviewer's guideline statements ("not recommended") are medical opinion, not facts to check
    for it in record.items:
        for ev in it.reason_evidence:
            if ev.fix == "change_request" and ev.span:
                assert " ".join(text[ev.span[0]:ev.span[1]].split()) not in statements


def test_item_selection_and_bad_input():
    record, text = letter(MIXED[0])
    only = render_draft(record, text, "appeal", item=1).markdown
    assert sorted(_sections(only)) == [1]
    with pytest.raises(InputError, match="overturned"):
        render_draft(record, text, "appeal", item=2)
    with pytest.raises(InputError, match="items 1 to"):
        render_draft(record, text, "resubmission", item=9)
    with pytest.raises(InputError, match="--kind"):
        render_draft(record, text, "complaint")
