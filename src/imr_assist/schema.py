"""The extracted record: the single source of truth for every extractor and consumer.

`schemas/*.json` are generated from these models (`imr-assist schema`), and the JSON
keys follow `docs/output-contract.md` exactly so gold files validate against the same models.
Extra keys (rationale, guideline text, spans, provenance, warnings) are additive.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Format = Literal["dwc_final_determination", "maximus_imr", "medical_professional_review", "unknown"]
Decision = Literal["upheld", "overturned"]
Category = Literal[
    "medication", "injection", "surgery", "procedure", "therapy", "diagnostic", "equipment", "other"
]
DrugClass = Literal[
    "opioid",
    "muscle_relaxant",
    "benzodiazepine",
    "hypnotic",
    "nsaid",
    "anticonvulsant",
    "antidepressant",
    "topical_analgesic",
    "compounded_topical",
    "proton_pump_inhibitor",
    "other",
]
GuidelineSource = Literal["MTUS", "ACOEM", "ODG", "FDA", "OTHER"]
#: Denial reasons v2 (docs/output-contract.md has each code's definition).
DenialReason = Literal[
    "no_functional_improvement",
    "exceeds_guideline_duration",
    "quantity_not_specified",
    "request_details_missing",
    "exceeds_guideline_quantity",
    "no_supporting_exam_findings",
    "no_objective_corroboration",
    "conservative_care_not_documented",
    "not_recommended_by_guideline",
    "component_not_recommended",
    "off_label_or_no_indication",
    "missing_clinical_rationale",
    "monitoring_not_documented",
    "duplicate_or_repeat_not_indicated",
    "depends_on_denied_request",
    "other",
]
#: What answers a denial reason: `document` the missing fact in a new request,
#: `change_request` (paperwork cannot fix it: ask for something else), or resubmit
#: `with_primary` (the item falls with the primary treatment it supports).
Fix = Literal["document", "change_request", "with_primary"]
Sex = Literal["male", "female"]

#: `[start, end)` character offsets into the text exactly as read.
Span = tuple[int, int]

DECISIONS: tuple[str, ...] = Decision.__args__  # type: ignore[attr-defined]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
DRUG_CLASSES: tuple[str, ...] = DrugClass.__args__  # type: ignore[attr-defined]
GUIDELINE_SOURCES: tuple[str, ...] = GuidelineSource.__args__  # type: ignore[attr-defined]
DENIAL_REASONS: tuple[str, ...] = DenialReason.__args__  # type: ignore[attr-defined]
FORMATS: tuple[str, ...] = Format.__args__  # type: ignore[attr-defined]
FIXES: tuple[str, ...] = Fix.__args__  # type: ignore[attr-defined]


class Patient(BaseModel):
    """What the letter says about the injured worker (names are removed by DWC)."""

    age: int | None = None
    sex: Sex | None = None
    date_of_injury: str | None = Field(None, description="ISO date, or YYYY-MM / YYYY")


class Reviewer(BaseModel):
    """The expert reviewer's credentials, from either credential style."""

    licensure_states: list[str] = Field(default_factory=list)
    specialties: list[str] = Field(default_factory=list)


class Finding(BaseModel):
    """A case-specific statement of the reviewer's, verbatim from the rationale: what this
    patient's records show or lack (for an overturned item, the facts that won)."""

    text: str
    span: Span | None = Field(None, description="[start, end) of `text` in the letter; null when not aligned")


class ReasonEvidence(BaseModel):
    """Why a denial reason was given: the sentence it was read from, and what answers it."""

    model_config = ConfigDict(extra="ignore")

    code: DenialReason
    span: Span | None = Field(None, description="[start, end) of the sentence the reason was read from")
    fix: Fix = Field("document", description="document | change_request | with_primary (data/reason_fixes.json)")


class Item(BaseModel):
    """One disputed item/service and how the reviewer decided it."""

    model_config = ConfigDict(extra="ignore")

    request: str
    original_request: str | None = None
    authorized_portion: str | None = None
    decision: Decision
    category: Category = "other"
    drug_class: DrugClass | None = None
    generic_name: str | None = None
    quantity: int | None = None
    refills: int | None = None
    claims_administrator_guidelines: list[GuidelineSource] = Field(default_factory=list)
    reviewer_guidelines: list[GuidelineSource] = Field(default_factory=list)
    reviewer_pages: list[str] = Field(default_factory=list)
    denial_reasons: list[DenialReason] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    reason_evidence: list[ReasonEvidence] = Field(
        default_factory=list, description="one entry per denial reason: its sentence and what fixes it"
    )
    rationale: str = ""
    claims_administrator_guideline_text: str | None = None
    reviewer_guideline_text: str | None = None
    spans: dict[str, Span] = Field(
        default_factory=dict, description="field name -> [start, end) evidence in the letter"
    )
    provenance: dict[str, str] = Field(
        default_factory=dict, description="field name -> extractor that produced the value"
    )

    @field_validator("findings", mode="before")
    @classmethod
    def _findings_as_text(cls, value: Any) -> Any:
        """Gold files write a finding as its bare text (no span); read that as a Finding."""
        if isinstance(value, list):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value


class Record(BaseModel):
    """One letter, extracted. Keys follow docs/output-contract.md."""

    model_config = ConfigDict(extra="ignore")

    letter_id: str
    case_number: str | None = None
    format: Format = "unknown"
    patient: Patient = Field(default_factory=Patient)
    utilization_review_date: str | None = None
    date_assigned: str | None = None
    decision_date: str | None = None
    reviewer: Reviewer = Field(default_factory=Reviewer)
    items: list[Item] = Field(default_factory=list)
    spans: dict[str, Span] = Field(
        default_factory=dict,
        description="letter-level evidence: 'case_number', 'patient.age', 'reviewer.specialties'…",
    )
    warnings: list[str] = Field(default_factory=list)
    extractor: str = "rules"
    source: str | None = Field(None, description="path the letter was read from")


#: Item fields the contract defines (what gold files carry and eval scores).
ITEM_CONTRACT_FIELDS: tuple[str, ...] = (
    "request",
    "original_request",
    "authorized_portion",
    "decision",
    "category",
    "drug_class",
    "generic_name",
    "quantity",
    "refills",
    "claims_administrator_guidelines",
    "reviewer_guidelines",
    "reviewer_pages",
    "denial_reasons",
)
