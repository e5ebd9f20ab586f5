"""`span_supports`: field-aware evidence checks that eval counts and parser tests reuse."""

from __future__ import annotations

import pytest

from imr_assist.evaluation.evidence import dates_in, numbers_in
from imr_assist.evaluation.grounding import span_supports


def supports(field: str, value: object, span_text: str) -> bool:
    """Embed the span in surrounding text so offsets are real, then check it."""
    text = "PREFIX " + span_text + " SUFFIX"
    return span_supports(field, value, text, 7, 7 + len(span_text))


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("2001-10-11", "injury on 10- \n11-01."),
        ("2016-10-13", "Date of Injury: 10/13/2016"),
        ("2005-07-11", "on July 11, 2005"),
        ("2005-07", "in July 2005"),
        ("2010", "fell at work in 2010"),
        ("2016-11-03", "UR Denial Date: 2016-11-03"),
    ],
)
def test_dates_match_after_parsing_written_forms(value: str, span: str) -> None:
    assert supports("patient.date_of_injury", value, span)


def test_wrong_date_is_not_supported() -> None:
    assert not supports("decision_date", "2016-10-13", "10/14/2016")
    assert not supports("decision_date", "2016-10-13", "Decision Date:")
    assert sorted(dates_in("11/3/16 and 3-4-95")) == ["1995-03-04", "2016-11-03"]


def test_numbers_as_digits_or_words() -> None:
    assert supports("patient.age", 53, "a 53-year-old male")
    assert supports("patient.age", 64, "a sixty-four year old")
    assert supports("quantity", 120, "one hundred and twenty tablets")
    assert supports("refills", 1, "with one refill")
    assert not supports("patient.age", 35, "a 53-year-old male")
    assert numbers_in("twenty four, 7.5/325") == [24, 7, 5, 325]


def test_quantity_may_be_a_product_stated_in_the_span() -> None:
    assert supports("quantity", 12, "Physical therapy 2 times a week for 6 weeks")
    assert not supports("refills", 12, "Physical therapy 2 times a week for 6 weeks")


def test_decision_words() -> None:
    assert supports("decision", "upheld", "Upheld")
    assert supports("decision", "upheld", "is not medically\nnecessary")
    assert supports("decision", "overturned", "Overturned")
    assert supports("decision", "overturned", "is medically necessary and appropriate")
    assert not supports("decision", "overturned", "Upheld")
    assert not supports("decision", "upheld", "Upheld or Overturned")


def test_sex_words() -> None:
    assert supports("patient.sex", "female", "a 60-year old female who slipped")
    assert not supports("patient.sex", "male", "a 60-year old female who slipped")
    assert supports("patient.sex", "male", "He is working modified duty")


def test_guideline_sources_by_name_and_acoem_chapters() -> None:
    field = "reviewer_guidelines"
    assert supports(field, ["ODG"], "Official Disability Guidelines (ODG), Pain Chapter")
    assert supports(field, ["ODG"], "Official Disability Guidelines, Pain Chapter")
    assert supports(field, ["MTUS", "ACOEM"], "MTUS Shoulder Complaints 2004, Chapter 9")
    assert supports(field, ["MTUS", "ACOEM"], "MTUS ACOEM Low Back Complaints")
    assert supports(field, ["MTUS"], "MTUS Chronic Pain Medical Treatment Guidelines, Opioids")
    assert not supports(field, ["ACOEM"], "MTUS Chronic Pain Medical Treatment Guidelines")
    assert supports(field, ["OTHER"], "Lancet 2012; 380: 2163")
    assert supports(field, [], "Did not cite any medical evidence")
    assert not supports(field, ["FDA"], "ODG Pain chapter")


def test_generic_name_via_generic_or_brand() -> None:
    assert supports("generic_name", "oxycodone/acetaminophen", "120 Percocet 7.5/325mg")
    assert supports("generic_name", "baclofen", "Baclofen 10mg #60")
    assert supports("generic_name", "hydrocodone/acetaminophen", "Hydrocodone/APAP 10/325")
    assert not supports("generic_name", "zolpidem", "Baclofen 10mg #60")


def test_pages_as_page_strings() -> None:
    span = "Page(s): 75, 79, 91, and 124."
    assert supports("reviewer_pages", ["75", "79", "91", "124"], span)
    assert not supports("reviewer_pages", ["7"], span)
    assert supports("reviewer_pages", ["75-79"], "Pages 75 - 79")
    assert not supports("reviewer_pages", ["79"], "Pages 75-79")


def test_vocabulary_values_accept_any_nonempty_request_span() -> None:
    assert supports("category", "medication", "Baclofen 10mg #60")
    assert supports("drug_class", "muscle_relaxant", "Baclofen 10mg #60")
    assert not span_supports("category", "medication", "text   ", 4, 7)  # blank span


def test_text_fields_survive_line_breaks_and_hyphenation() -> None:
    request = "Baclofen 10mg #60 with 1 refill"
    assert supports("request", request, "Baclofen 10mg #60 with\n1 refill")
    assert supports("rationale", "no noncompliance noted", "no non-\ncompliance noted")
    assert supports("case_number", "CM16-0213037", "Case Number: CM16-0213037")
    assert not supports("request", "Baclofen 20mg", "Baclofen 10mg #60")
    assert supports(
        "reviewer.specialties",
        ["Preventive Medicine", "Occupational Medicine"],
        "Certification(s)/Specialty: Preventive Medicine, Occupational Medicine",
    )


def test_rationale_may_cross_a_page_break_but_must_keep_its_words() -> None:
    rationale = "Non-sedating muscle relaxants are recommended with caution. No noncompliance."
    span = (
        "Non-sedating muscle relaxants are\nPage 3 of 5\nCM16-0213037\nrecommended "
        "with caution. No non-\ncompliance."
    )
    assert supports("rationale", rationale, span)
    assert not supports("rationale", rationale.replace("caution", "care"), span)
    assert not supports("rationale", rationale + " Extra sentence.", span)


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 99), (-1, 3), (5, 5), (6, 2), (None, 3), (True, 3), (1.0, 3)],
)
def test_span_outside_or_malformed_is_not_supported(start: object, end: object) -> None:
    assert not span_supports("request", "abc", "xx abc xx", start, end)  # type: ignore[arg-type]


def test_null_value_is_never_supported() -> None:
    assert not span_supports("drug_class", None, "Baclofen", 0, 8)
