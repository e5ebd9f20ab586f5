"""Drafts a practitioner would sign (issue 17): findings at the heart of every output, the
law from one file, checklists by reason and treatment kind, plain names, safety, deadlines
with weekday and weekend/holiday flags, Spanish, and the structured JSON draft."""

from __future__ import annotations

import json
import re
from datetime import date
from types import SimpleNamespace

import pytest
from test_draft_support import EXAMPLES, LETTERS, MIXED, letter

from imr_assist.drafting import render_draft, render_summary
from imr_assist.drafting.build import MIN_SPANISH_EASE, twelve_month_citation
from imr_assist.drafting.data import LANGS, citation_texts, law, reason_blocks, worker
from imr_assist.drafting.deadlines import add_months, appeal_deadline, flags, rfa_dates, ur_timeliness
from imr_assist.drafting.document import DraftDoc
from imr_assist.drafting.plain import checklist_kind, glossary_for, needs_safety_line, plain_name
from imr_assist.drafting.readability_es import spanish_scores
from imr_assist.schema import Item


def _item(**kw) -> Item:
    base = {"request": "x", "decision": "upheld", "category": "other"}
    return Item.model_validate({**base, **kw})


# ------------------------------------------------------------------ deadlines


def test_months_and_calendar_flags():
    assert add_months(date(2016, 12, 1), 12) == date(2017, 12, 1)
    assert add_months(date(2016, 1, 31), 1) == date(2016, 2, 29)
    assert flags(date(2017, 3, 4)) == (5, True, None)  # a Saturday
    weekday, weekend, holiday = flags(date(2017, 2, 20))
    assert (weekday, weekend) == (0, False) and holiday == "Presidents' Day"


def test_weekend_deadline_is_flagged_in_summary_and_appeal():
    record, text = letter(MIXED[0])
    record = record.model_copy(update={"decision_date": "2017-02-02"})  # + 30 days = Saturday, March 4
    d = appeal_deadline(record)
    assert d.date == "2017-03-04" and d.weekend
    summary = render_summary(record, text).markdown
    assert "the last day is Saturday, March 4, 2017. That day is a Saturday. File before it." in summary
    appeal = render_draft(record, text, "appeal").markdown
    assert "Saturday, March 4, 2017 — a Saturday: file before it" in appeal
    es = render_summary(record, text, lang="es").markdown
    assert "el último día es el sábado 4 de marzo de 2017. Ese día es sábado. Presente la apelación antes." in es


def test_request_dates_read_from_the_letter():
    text = (
        "The Request for Authorization dated 11-18-2016 includes MRI. A request for authorization was "
        "submitted on December 2, 2016. The RFA (request for authorization) dated December 2, 2016; "
        "Request for authorization is November 23, 2016. A Request for Authorization was not provided."
    )
    assert rfa_dates(text) == [date(2016, 11, 18), date(2016, 12, 2), date(2016, 11, 23)]


def test_ur_timeliness_lead_only_beyond_14_days():
    record, _ = letter(MIXED[0])
    late = record.model_copy(update={"utilization_review_date": "2016-12-10"})
    lead = ur_timeliness(late, "The Request for Authorization dated 11-18-2016 includes an MRI.")
    assert lead is not None and (lead.rfa_date, lead.days, lead.limit) == ("2016-11-18", 22, 14)
    assert ur_timeliness(late, "The Request for Authorization dated 11-30-2016 includes an MRI.") is None
    assert ur_timeliness(late, "No dates here.") is None


def test_appeal_states_the_lead_as_a_lead_not_a_ground():
    record, text = letter(MIXED[0])
    record = record.model_copy(update={"utilization_review_date": "2016-12-10"})
    text = text + "\nThe Request for Authorization dated 11-18-2016 includes an MRI.\n"
    result = render_draft(record, text, "appeal")
    assert result.ok, [c for c in result.checks if not c.ok]
    md = result.markdown
    lead = md.split("## A lead to check: UR timeliness", 1)[1].split("\n## ", 1)[0]
    assert "November 23, 2016 and the UR decision December 10, 2016: 17 days apart" in lead
    assert citation_texts()["dubon"] in lead and "not a ground" in lead
    grounds = md.split("## Grounds", 1)[1].split("\n## ", 1)[0]
    assert "timel" not in grounds.lower()
    plain = render_draft(*letter(MIXED[0]), "appeal").markdown
    assert "UR timeliness" not in plain and citation_texts()["dubon"] not in plain


# ------------------------------------------------------------------ the law


def test_twelve_month_rule_cites_the_text_in_force():
    record, text = letter(MIXED[0])  # UR date 2016-12-01
    assert twelve_month_citation(record) == "twelve_month_before_2018"
    md = render_draft(record, text, "resubmission").markdown
    assert "until Friday, December 1, 2017 (Labor Code §4610(g)(6))" in md
    assert "DWC Form RFA" in md and "resubmission with a change in material facts" in md
    later = record.model_copy(update={"utilization_review_date": "2018-03-05", "decision_date": "2018-04-02"})
    assert twelve_month_citation(later) == "twelve_month_from_2018"
    md = render_draft(later, text + " 2018-03-05 2018-04-02", "resubmission").markdown
    assert "until Tuesday, March 5, 2019 (Labor Code §4610(k))" in md and "§4610(g)(6)" not in md


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_appeal_states_verification_standard_remedy_and_rule_10575(path):
    record, text = letter(path)
    md = render_draft(record, text, "appeal").markdown
    for phrase in ("must be verified", "clear and convincing evidence", "new IMR by a different reviewer",
                   "Petition Appealing Administrative Director's Independent Medical Review Determination",
                   "serve the IMR Unit", "a ground not raised is waived", "WCAB case number (ADJ)"):  # fmt: skip
        assert phrase in md, phrase
    for cid in ("appeal", "remedy", "rule_10575", "rule_10615", "rule_10632"):
        assert citation_texts()[cid] in md


def test_every_citation_the_templates_use_is_in_the_law_file():
    for cid, entry in law()["citations"].items():
        assert entry["cite"] and entry["says"] and entry["source"], cid


# ------------------------------------------------------------------ items


def test_plain_names_from_drug_class_and_treatment_family():
    norco = _item(request="Norco 10/325mg #35", category="medication", drug_class="opioid", quantity=35)
    assert plain_name(norco) == "35 pills of Norco, an opioid pain medicine"
    assert plain_name(norco, "es") == "35 pastillas de Norco, una medicina fuerte para el dolor (un opioide)"
    key = SimpleNamespace(family="epidural", regions=["lumbar"], side=None)
    esi = SimpleNamespace(request="Right L4 transforaminal epidural steroid injection under fluoroscopic guidance",
                          category="injection", drug_class=None, quantity=None, treatment=key)  # fmt: skip
    assert plain_name(esi) == "a shot in the lower back for nerve pain (epidural injection)"
    assert plain_name(esi, "es") == (
        "una inyección en la parte baja de la espalda para el dolor de los nervios (inyección epidural)"
    )
    neck = SimpleNamespace(**{**vars(esi), "treatment": SimpleNamespace(family="mri", regions=["cervical"])})
    assert plain_name(neck, "es") == "una resonancia magnética (imágenes detalladas) del cuello"
    arthroscopy = SimpleNamespace(family="arthroscopy", regions=["knee"], side="left")
    knee = SimpleNamespace(**{**vars(esi), "treatment": arthroscopy})
    assert plain_name(knee) == "surgery through small cuts in the left knee (arthroscopy)"
    assert plain_name(_item(request="Unknown thing", category="equipment")) == "medical equipment"


def test_checklists_follow_the_reason_and_the_treatment_kind():
    opioid = _item(request="Norco 10/325mg #60", category="medication", drug_class="opioid",
                   denial_reasons=["monitoring_not_documented"])  # fmt: skip
    assert checklist_kind(opioid) == "opioid"
    opioid_list = " ".join(reason_blocks()["monitoring_not_documented"]["checklist"]["opioid"])
    for word in ("Urine drug test", "CURES", "opioid agreement", "(MED)", "taper plan"):
        assert word in opioid_list
    key = SimpleNamespace(family="epidural", regions=[], side=None)
    esi = SimpleNamespace(category="injection", drug_class=None, treatment=key)
    assert checklist_kind(esi) == "spinal_injection"
    corroborate = " ".join(reason_blocks()["no_objective_corroboration"]["checklist"]["spinal_injection"])
    assert "level and side" in corroborate and "MRI or EMG/NCS" in corroborate
    therapy = " ".join(reason_blocks()["no_functional_improvement"]["checklist"]["therapy"])
    assert "Objective functional measures" in therapy and "Work status" in therapy


def test_every_checklist_kind_is_reachable():
    from imr_assist.drafting.data import checklist_kinds

    reachable = {"default"} | {k for table in checklist_kinds().values() for k in table.values()}
    for code, block in reason_blocks().items():
        assert set(block["checklist"]) <= reachable, code
        if code in ("not_recommended_by_guideline", "component_not_recommended", "off_label_or_no_indication",
                    "exceeds_guideline_duration", "exceeds_guideline_quantity"):  # fix: change_request
            assert block["change_instead"], code


def test_resubmission_says_plainly_what_paperwork_cannot_fix():
    record, text = letter(MIXED[1])  # CM17-0007142: a pre-operative EKG "not recommended"
    md = render_draft(record, text, "resubmission").markdown
    section = md.split("### What paperwork cannot fix", 1)[1].split("\n### ", 1)[0]
    assert "more records do not answer this" in section and "Ask for a treatment the guideline recommends" in section


def test_items_that_depend_on_a_denied_primary_share_one_line():
    record, text = letter(MIXED[1])
    record = record.model_copy(deep=True)
    upheld = [n for n, it in enumerate(record.items, 1) if it.decision == "upheld"]
    for n in upheld[1:]:
        record.items[n - 1].denial_reasons = ["depends_on_denied_request"]
        record.items[n - 1].reason_evidence = []
    result = render_draft(record, text, "resubmission")
    assert result.ok, [c for c in result.checks if not c.ok]
    md = result.markdown
    lines = [ln for ln in md.splitlines() if "resubmit them together with it" in ln]
    assert len(lines) == 1
    for n in upheld[1:]:
        assert f"Item {n}: {record.items[n - 1].request}" in lines[0]
        assert not re.search(rf"^## Item {n}:", md, re.M)
    assert "Reason not classified" not in md and "did not fit" not in md


def test_safety_line_for_upheld_opioids_relaxants_benzodiazepines_and_warning_letters():
    record, text = letter(LETTERS[0])  # Percocet, Baclofen, Ambien
    md = render_summary(record, text).markdown
    assert md.count("**Safety:** Do not stop taking") == 2
    assert "Do not stop taking Percocet all at once" in md and "Do not stop taking Baclofen all at once" in md
    nsaid = _item(request="Naproxen 500mg #60", category="medication", drug_class="nsaid", rationale="Not indicated.")
    assert not needs_safety_line(nsaid)
    warned = nsaid.model_copy(update={"rationale": "Gabapentin should not be discontinued abruptly; taper it."})
    assert needs_safety_line(warned)
    assert not needs_safety_line(nsaid.model_copy(update={"drug_class": "opioid", "decision": "overturned"}))


def test_glossary_is_built_from_this_letter():
    record, text = letter(LETTERS[0])
    terms = [t for t, _ in glossary_for([text], "en")]
    assert "Opioid" in terms and "Epidural injection" not in terms
    md = render_summary(record, text).markdown
    assert "**Opioid:**" in md and "**Epidural injection:**" not in md


# ------------------------------------------------------------------ every letter, both languages


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_spanish_summary_passes_the_same_checks_and_reads_easy(path):
    record, text = letter(path)
    result = render_summary(record, text, lang="es")
    assert [c.name for c in result.checks if not c.ok] == []
    assert result.readability["fernandez_huerta"] >= MIN_SPANISH_EASE
    for n, item in enumerate(record.items, 1):
        label = "No aprobado" if item.decision == "upheld" else "Aprobado"
        assert f"### Punto {n}: {' '.join(item.request.split())} — {label}" in result.markdown
        for f in item.findings:
            assert f'"{" ".join(f.text.split())}"' in result.markdown
    assert "BORRADOR" in result.markdown.split("##")[0] and "Información y Asistencia" in result.markdown


def test_spanish_ease_is_a_real_measure():
    dense = ("La determinación administrativa impugnada presupone la inexistencia de documentación "
             "fehaciente respecto de la evolución funcional objetivamente cuantificable del trabajador "
             "lesionado, circunstancia que imposibilita jurídicamente la autorización solicitada.")  # fmt: skip
    assert spanish_scores(dense)["fernandez_huerta"] < MIN_SPANISH_EASE


def test_worker_wording_has_the_same_keys_in_every_language():
    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out |= keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
        return out

    en = keys({k: v for k, v in worker("en").items() if k != "contractions"})
    for lang in LANGS:
        assert keys({k: v for k, v in worker(lang).items() if k != "contractions"}) == en, lang


# ------------------------------------------------------------------ the structured draft


@pytest.mark.parametrize("kind", ["summary", "resubmission", "appeal"])
def test_json_format_is_the_structured_draft(kind):
    record, text = letter(MIXED[0])
    result = render_summary(record, text, "json") if kind == "summary" else render_draft(record, text, kind, fmt="json")
    doc = DraftDoc.model_validate(json.loads(result.text))
    assert doc.kind == kind and doc.letter_id == record.letter_id
    assert {c.name for c in doc.checks} == {c.name for c in result.checks} and all(c.ok for c in doc.checks)
    item1 = next(it for it in doc.items if it.n == 1)
    assert [f.text for f in item1.findings] == [" ".join(f.text.split()) for f in record.items[0].findings]
    assert {c.cite for c in doc.citations} <= set(citation_texts().values())
    if kind == "resubmission":
        assert item1.checklist and all(e.reason in record.items[0].denial_reasons for e in item1.checklist)
        assert doc.deadline("twelve_month").date == "2017-12-01"
    else:
        assert doc.deadline("appeal").date == "2017-02-03"
