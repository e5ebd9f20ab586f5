"""The structured draft: what a summary, resubmission or appeal says, before any wording.

Templates render it to Markdown (then txt / HTML); `--format json` prints it as is, for
case-management systems and for tests. Every value about the case comes from the record
(findings and reason sentences verbatim from the letter), from a cited decision, from the
law file (`prompts/law.toml`) or from a date computed from the letter's own dates.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..schema import Decision, Fix, Span
from .deadlines import Deadline, TimelinessLead

DocKind = Literal["summary", "resubmission", "appeal"]


class CheckOut(BaseModel):
    name: str
    ok: bool
    problems: list[str] = Field(default_factory=list)


class ReasonOut(BaseModel):
    """One denial reason of an item, with what answers it."""

    code: str
    label: str
    fix: Fix
    plain: str | None = Field(None, description="the worker's wording (summary only)")
    evidence: str | None = Field(None, description="the rationale sentence the reason was read from, verbatim")
    change_instead: str | None = Field(None, description="for reasons paperwork cannot fix: what to change instead")


class FindingOut(BaseModel):
    text: str
    span: Span | None = None


class ChecklistEntry(BaseModel):
    reason: str
    kind: str = Field(description="the treatment kind whose list it comes from, or 'default'")
    text: str


class PrecedentOut(BaseModel):
    id: str
    request: str
    decision_date: str | None = None
    kind: str | None = Field(None, description="the precedent's kind of treatment")
    finding: str = Field("", description="the precedent's own finding that won, verbatim")


class KindCountsOut(BaseModel):
    kind: str
    total: int
    overturned: int
    upheld: int


class ItemDraft(BaseModel):
    n: int
    request: str
    plain_name: str
    medicine: str | None = Field(None, description="the medicine as the request names it (medications)")
    decision: Decision
    category: str
    drug_class: str | None = None
    checklist_kind: str
    original_request: str | None = None
    authorized_portion: str | None = None
    reasons: list[ReasonOut] = Field(default_factory=list)
    findings: list[FindingOut] = Field(default_factory=list)
    statements: list[str] = Field(
        default_factory=list, description="other statements to check (appeal): each reason's sentence, dated sentences"
    )
    criteria: list[str] = Field(default_factory=list, description="criteria sentences quoted (resubmission)")
    checklist: list[ChecklistEntry] = Field(default_factory=list)
    guidelines: list[str] = Field(default_factory=list)
    pages: list[str] = Field(default_factory=list)
    guideline_text: str | None = None
    depends_on_primary: bool = Field(
        False, description="every reason is depends_on_denied_request: goes back with the primary"
    )
    safety: bool = Field(False, description="the worker is told not to stop this medicine suddenly")
    precedents: list[PrecedentOut] = Field(default_factory=list)
    precedent_counts: KindCountsOut | None = None


class OtherItem(BaseModel):
    n: int
    request: str
    decision: Decision


class CitationOut(BaseModel):
    id: str
    cite: str
    says: str


class GlossaryEntry(BaseModel):
    term: str
    means: str


class DraftDoc(BaseModel):
    """A draft or summary as data (see the module docstring)."""

    kind: DocKind
    lang: str = "en"
    letter_id: str
    case_number: str | None = None
    decision_date: str | None = None
    utilization_review_date: str | None = None
    date_of_injury: str | None = None
    items: list[ItemDraft] = Field(default_factory=list)
    other_items: list[OtherItem] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    ur_timeliness: TimelinessLead | None = None
    citations: list[CitationOut] = Field(default_factory=list)
    glossary: list[GlossaryEntry] = Field(default_factory=list)
    index_available: bool = False
    readability: dict[str, float] = Field(default_factory=dict)
    checks: list[CheckOut] = Field(default_factory=list)

    def deadline(self, name: str) -> Deadline | None:
        return next((d for d in self.deadlines if d.name == name), None)
