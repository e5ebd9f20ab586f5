"""The treatment key on request wording of letters not in the corpus (misspellings, prefixes,
brand and compounding names, dates of service), and the rules that compare keys."""

from __future__ import annotations

import pytest

from imr_assist.schema import Item
from imr_assist.treatment import (
    counts_filter,
    key_filters,
    key_from_parts,
    key_from_request,
    kind_phrase,
    kind_score,
    same_kind,
    treatment_key,
)  # fmt: skip


@pytest.mark.parametrize(
    "request_text, generic, drug_class",
    [
        ("Retrospective request for Flexeril 10mg #60 (DOS 1/2/16)", "cyclobenzaprine", "muscle_relaxant"),
        ("Cyclobenzeprine 7.5mg #90", "cyclobenzaprine", "muscle_relaxant"),  # misspelled
        ("Retrospective Cyclobenzeprine", "cyclobenzaprine", "muscle_relaxant"),  # misspelled, no dose
        ("Tramadal ER 150mg #30", "tramadol", "opioid"),  # misspelled
        ("Fexmid 7.5mg #60 with 2 refills", "cyclobenzaprine", "muscle_relaxant"),
        ("Two refills of Percocet 10/325 #120", "oxycodone/acetaminophen", "opioid"),
        ("Lyrica 75mg", "pregabalin", "anticonvulsant"),
        ("Ultram 50mg #60", "tramadol", "opioid"),
        ("Synapryn 10mg/1ml oral suspension 500ml", "tramadol/glucosamine", "opioid"),
        ("Tabradol 1mg/ml oral suspension 250ml", "cyclobenzaprine", "muscle_relaxant"),
        ("Deprizine 15mg/ml oral suspension", "ranitidine", "other"),
        ("Post-op Norco 10/325mg #60", "hydrocodone/acetaminophen", "opioid"),
        ("Cyclophene 5% cream 100gm", "cyclobenzaprine", "compounded_topical"),
        ("Anecream 5% 30gm", "lidocaine", "topical_analgesic"),
        ("Retrospective Percocet 5/325 #30 DOS 2/3/15", "oxycodone/acetaminophen", "opioid"),
    ],
)
def test_medicines_by_generic_and_class(request_text, generic, drug_class):
    key = key_from_request(request_text)
    assert (key.kind, key.generic_name, key.drug_class) == ("medicine", generic, drug_class)


@pytest.mark.parametrize(
    "request_text, family, regions, side",
    [
        ("Retrospective: MRI of the left knee without contrast (DOS 3/14/17)", "mri", ["knee"], "left"),
        ("Lumbar ESI L4-5, L5-S1", "epidural", ["lumbar"], None),
        ("Right knee arthroscopy with partial medial menisectomy", "arthroscopy", ["knee"], "right"),
        ("Urine drug screen", "urine_drug_test", [], None),
        ("EMG/NCV bilateral lower extremities", "emg_ncs", ["lower_extremity"], "bilateral"),
        ("Trigger pint injections, cervical spine 6 sites", "trigger_point", ["cervical"], None),
        ("Home health aide 4 hours a day, 5 days a week", "home_care", [], None),
        ("Purchase of a TENS unit", "tens", [], None),
        ("Chiropractic manipulation 2x4 low back", "chiropractic", ["lumbar"], None),
        ("Functional restoration program, 80 hours", "programs", [], None),
        ("X-ray of the cervical spine, 3 views", "xray", ["cervical"], None),
        ("Cold therapy unit rental for 7 days", "cold_therapy", [], None),
        ("Pre-op labs: CBC, CMP, PT/INR", "preop_tests", [], None),
        ("Lumbar support brace", "braces", ["lumbar"], None),
        ("Follow-up visit with pain management", "visit", [], None),
        ("L4-5 posterior lumbar interbody fusion", "spinal_fusion", ["lumbar"], None),
        ("Injection of lidocaine and Depo-Medrol to the left shoulder", "joint_injection", ["shoulder"], "left"),
    ],
)
def test_services_by_family_region_and_side(request_text, family, regions, side):
    category = "injection" if "injection" in request_text.lower() else None
    key = key_from_request(request_text, category)
    assert (key.kind, key.family, key.regions, key.side) == ("service", family, regions, side)


def test_the_extractors_generic_name_wins_and_the_item_form_works():
    item = Item(request="Compound cream #1", decision="upheld", category="medication", generic_name="Ketoprofen",
                drug_class="topical_analgesic")
    key = treatment_key(item)
    assert key.generic_name == "ketoprofen" and key.family == "topical_analgesic"


def test_kind_score_orders_generic_then_class_and_region_where_it_decides():
    norco, percocet, fioricet = (key_from_request(r) for r in ("Norco 10/325", "Percocet 5/325", "Fioricet #30"))
    assert kind_score(norco, norco) == 1.0
    assert kind_score(norco, percocet) == 0.6 and same_kind(norco, percocet)  # same class, no shared active drug
    assert not same_kind(percocet, fioricet)  # acetaminophen alone does not make them alike
    mri_knee, mri_knee_r, mri_back, mri_leg = (key_from_request(r) for r in (
        "MRI left knee", "MRI of the right knee", "MRI lumbar spine", "MRI of the left lower extremity"))
    assert kind_score(mri_knee, mri_knee_r) == 1.0
    assert kind_score(mri_knee, mri_leg) == 0.8 and same_kind(mri_knee, mri_leg)  # knee lies in the leg
    assert not same_kind(mri_knee, mri_back)
    pt_neck, pt_back = key_from_request("Physical therapy neck x6"), key_from_request("Physical therapy low back x6")
    assert same_kind(pt_neck, pt_back) and kind_score(pt_neck, pt_back) < kind_score(pt_back, pt_back)


def test_stored_columns_rebuild_the_same_key_and_filters_name_the_groups():
    for text in ("MRI left knee", "Zanaflex 4mg #60", "Acupuncture x6"):
        k = key_from_request(text)
        again = key_from_parts(k.generic_name, k.drug_class, k.family, k.regions, k.side)
        assert kind_score(k, again) == 1.0
    assert key_filters(key_from_request("Zanaflex 4mg")) == [{"generic_name": "tizanidine"},
                                                             {"drug_class": "muscle_relaxant"}]  # fmt: skip
    knee = key_from_request("MRI left knee")
    assert key_filters(knee)[0]["family"] == "mri" and "knee" in key_filters(knee)[0]["regions_any"]
    assert counts_filter(key_from_request("Zanaflex 4mg")) == {"drug_class": "muscle_relaxant"}
    assert kind_phrase(key_from_request("Zanaflex 4mg")) == "muscle-relaxant"
    assert key_from_request("Something entirely unheard of").kind == "unknown"
