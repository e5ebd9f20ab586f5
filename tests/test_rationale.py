"""Reading a rationale: sentences, kinds, finding clauses and denial reasons v2, on the
kinds of sentences reviewers write (issue 13's examples among them)."""

from __future__ import annotations

import pytest

from imr_assist.layout.rationale import read_rationale, sentences
from imr_assist.layout.reasons import explain_denial


def reasons(rationale: str, request: str = "Cyclobenzaprine 7.5mg #60", generic: str | None = "cyclobenzaprine",
            drug_class: str | None = "muscle_relaxant") -> set[str]:  # fmt: skip
    return {r.code for r in explain_denial(read_rationale(rationale), request, generic, drug_class)}


def findings(rationale: str) -> list[str]:
    reading = read_rationale(rationale)
    return [reading.text[a:b] for a, b in reading.findings]


def test_abbreviations_and_decimals_do_not_end_a_sentence() -> None:
    text = (
        "Per 8 C.C.R. 9792.20, e.g. in chronic pain, Dr. Smith prescribed Norco 7.5 mg. twice daily vs. "
        "Percocet. The request for Baclofen 10mg. does not specify a quantity. There is no spasm."
    )
    got = [text[a:b] for a, b in sentences(text)]
    assert got == [
        "Per 8 C.C.R. 9792.20, e.g. in chronic pain, Dr. Smith prescribed Norco 7.5 mg. twice daily vs. Percocet.",
        "The request for Baclofen 10mg. does not specify a quantity.",
        "There is no spasm.",
    ]


def test_guideline_text_is_not_a_finding_and_the_case_sentence_is() -> None:
    rationale = (
        "The MTUS Chronic Pain Guidelines recommend physical therapy with a six visit clinical trial. "
        '"Patients should be formally assessed to see if the patient is moving in a positive direction." '
        "In this case, there are no functional objective measures in the file presented. "
        "Therefore, the request is not medically necessary."
    )
    reading = read_rationale(rationale)
    kinds = [p.kind for p in reading.parts]
    assert kinds == ["guideline", "guideline", "finding", "conclusion"]
    assert findings(rationale) == ["there are no functional objective measures in the file presented"]


def test_what_a_treatment_includes_for_a_patient_is_guideline_text() -> None:
    """A definition speaks of "a patient" in general; the sentence about this patient is the finding."""
    rationale = (
        "Psychological intervention for chronic pain includes setting goals and addressing a patient's pain beliefs. "
        "The patient has not had a psychological evaluation. "
        "Therefore, the request is not medically necessary."
    )
    assert findings(rationale) == ["The patient has not had a psychological evaluation"]


@pytest.mark.parametrize(
    "sentence",
    [
        "In addition, given that the guidelines do not recommend infrared lasers, the request is not supported.",
        "However, if there is no improvement after 2-3 weeks, the therapy should be modified or re-evaluated.",
        "The Claims Administrator authorized Norco #30, leaving the original request IMR eligible.",
        "The goal of treatment with physical therapy is to transition the patient to a home program.",
        "Often x-rays can show changes after an initial injury.",
        "According to the medical records provided and the ODG guidelines; the injections are not a medical necessity.",
    ],
)
def test_guideline_conditions_definitions_and_letter_boilerplate_are_not_findings(sentence: str) -> None:
    rationale = f"The patient has not returned to work. {sentence} Therefore, it is not medically necessary."
    assert findings(rationale) == ["The patient has not returned to work"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The records submitted for review indicated that the claimant previously underwent chiropractic care",
        "Recent x-rays reveal spondylosis at C5-6",
        "This 54 year old female has complained of wrist pain since 2015",
        "The pain was rated 8/10 on VAS",
    ],
)
def test_case_facts_in_plain_words_are_findings(sentence: str) -> None:
    """Statements about this case with no 'in this case' cue: the records "submitted for
    review" (not a literature review), an imaging result, the patient's age, a pain score."""
    guideline = "The guidelines recommend a short course of therapy."
    assert findings(f"{guideline} {sentence}. Therefore, it is not medically necessary.") == [sentence]


def test_finding_clauses_are_split_and_trimmed() -> None:
    rationale = (
        "Based on the clinical note submitted for review, the medical records reveal the injury is about 20 "
        "days old, the injured worker is responding to physical therapy; there was no equivocal or "
        "unequivocal evidence of neurological dysfunction. Although an initial trial would be appropriate, "
        "the original amount of 12 sessions requested exceeds guideline recommendations."
    )
    assert findings(rationale) == [
        "the medical records reveal the injury is about 20 days old",
        "the injured worker is responding to physical therapy",
        "there was no equivocal or unequivocal evidence of neurological dysfunction",
        "the original amount of 12 sessions requested exceeds guideline recommendations",
    ]


def test_a_conclusions_lead_in_gives_its_case_clauses() -> None:
    rationale = (
        "ODG recommends an MR arthrogram to detect labral tears. As there is no indication of red flags, "
        "and as the claimant has yet to complete any conservative management, an MR arthrogram of the right "
        "shoulder is determined to be not medically necessary."
    )
    assert findings(rationale) == [
        "there is no indication of red flags",
        "the claimant has yet to complete any conservative management",
    ]
    assert {"conservative_care_not_documented", "no_supporting_exam_findings"} <= reasons(
        rationale, "MR Arthrogram of the right shoulder", None, None
    )


def test_not_recommended_until_a_trial_is_conservative_care_not_a_flat_verdict() -> None:
    got = reasons(
        "Topical lidocaine is not recommended until after a trial of first-line therapy such as gabapentin. "
        "The request is not medically necessary.",
        "Lidocaine 5% cream 120g", "lidocaine", "topical_analgesic",
    )  # fmt: skip
    assert "conservative_care_not_documented" in got
    assert "not_recommended_by_guideline" not in got


def test_recommended_as_an_option_for_a_short_course_is_not_not_recommended() -> None:
    got = reasons(
        'The CA MTUS states: "Recommended as an option, using a short course of therapy." '
        "The patient has been taking cyclobenzaprine since at least 10/31/2016. "
        "The request is not medically necessary."
    )
    assert "not_recommended_by_guideline" not in got
    assert "exceeds_guideline_duration" in got


def test_approved_for_chronic_use_is_not_a_duration_limit() -> None:
    got = reasons(
        "Ambien CR is approved for chronic use. The medical records do not indicate that sleep hygiene was "
        "addressed prior to utilizing a pharmacological sleep aid. The request is not medically necessary.",
        "Ambien CR 12.5mg #30", "zolpidem", "hypnotic",
    )  # fmt: skip
    assert "exceeds_guideline_duration" not in got
    assert "conservative_care_not_documented" in got


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("There is a lack of documentation of neurological deficits on examination.", "no_supporting_exam_findings"),
        ("There is no MRI or EMG corroborating radiculopathy at the requested level.", "no_objective_corroboration"),
        ("There is no documentation of functional improvement with the prior use.", "no_functional_improvement"),
        ("There is no evidence that a CURES report was checked or a urine drug screen done.",
         "monitoring_not_documented"),
        ("The request does not specify the body part or the frequency of the sessions.", "request_details_missing"),
        ("The patient had a prior lumbar MRI in 03/2016 and no significant change in symptoms since.",
         "duplicate_or_repeat_not_indicated"),
        ("There was no clear rationale provided by the physician as to the medical necessity for the request.",
         "missing_clinical_rationale"),
        ("There is no history of peptic ulcer, GI bleeding, or perforation.", "off_label_or_no_indication"),
        ("The records do not indicate that the patient is being treated for rheumatoid arthritis.",
         "off_label_or_no_indication"),
        ("There was no evidence that the claimant would be at an increased risk of falls.",
         "off_label_or_no_indication"),
        ("However, the rationale for this specific hot/cold therapy wrap was not provided.",
         "missing_clinical_rationale"),  # a slashed name is one word between the cue's words
    ],
)  # fmt: skip
def test_case_sentences_give_their_reason(sentence: str, code: str) -> None:
    assert code in reasons(f"The guidelines set criteria for this treatment. {sentence} The request is not certified.")


def test_exceeding_a_short_term_recommendation_is_duration_not_quantity() -> None:
    rationale = (
        "Muscle relaxants are recommended for a short course. The claimant has been taking Flexeril since "
        "02/14/2016, exceeding the guideline recommendation for short term use. "
        "Therefore, the request is not medically necessary."
    )
    assert reasons(rationale) == {"exceeds_guideline_duration"}


def test_a_conclusion_not_supported_by_guidelines_restates_the_outcome() -> None:
    """"Not supported by the guidelines" is the guideline's verdict in guideline text, and
    only the outcome restated in a conclusion."""
    verdict = "Cyclobenzaprine is not supported by the guidelines for chronic use. The claimant has no spasm on exam."
    assert "not_recommended_by_guideline" in reasons(verdict)
    restated = (
        "The claimant has no spasm on exam. "
        "Therefore, the request would not be supported by the guidelines, as such the request is not necessary."
    )
    assert reasons(restated) == {"no_supporting_exam_findings"}


def test_a_statement_about_another_treatment_does_not_decide_this_item() -> None:
    rationale = (
        "Nerve conduction studies are not recommended, but electromyography is recommended as an option to "
        "obtain unequivocal evidence of radiculopathy. There is no evidence the patient has trialed and failed "
        "conservative care. The request is not medically necessary."
    )
    emg = reasons(rationale, "EMG bilateral lower extremities", None, None)
    ncv = reasons(rationale, "NCV bilateral lower extremities", None, None)
    assert "not_recommended_by_guideline" not in emg
    assert "not_recommended_by_guideline" in ncv


def test_an_ancillary_item_falls_with_its_primary() -> None:
    got = reasons(
        "As the requested shoulder surgery is not medically necessary, the associated cold therapy unit is "
        "not medically necessary either.",
        "Cold therapy unit 7 day rental", None, None,
    )  # fmt: skip
    assert got == {"depends_on_denied_request"}


def test_a_compound_with_a_non_recommended_ingredient_is_component_not_recommended() -> None:
    got = reasons(
        "Any compounded product that contains at least one drug (or drug class) that is not recommended is "
        "not recommended. Topical cyclobenzaprine is not recommended. The request is not medically necessary.",
        "Flurbiprofen 10%/Cyclobenzaprine 2% cream 180g", "flurbiprofen/cyclobenzaprine", "compounded_topical",
    )  # fmt: skip
    assert "component_not_recommended" in got
    assert "not_recommended_by_guideline" not in got


def test_every_upheld_item_leaves_with_a_reason_and_its_evidence() -> None:
    reading = read_rationale("The reviewer notes the claimant moved to another state. The request is not certified.")
    found = explain_denial(reading, "Office visit", None, None)
    assert [r.code for r in found] == ["other"]
    a, b = found[0].span
    assert "moved to another state" in reading.text[a:b]
    assert found[0].fix == "document"
