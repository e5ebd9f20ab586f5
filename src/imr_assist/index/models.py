"""What the index stores and returns: one decided item, and a ranked hit.

Drafting cites `IndexedDecision.id`, so ids are stable: `<letter_id>#<item number>`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..schema import Category, Decision, DenialReason, DrugClass, GuidelineSource


class IndexedDecision(BaseModel):
    """One decided item from one letter: the unit of retrieval."""

    id: str = Field(description="'<letter_id>#<item number, 1-based>'")
    letter_id: str
    item_number: int
    case_number: str | None = None
    request: str
    decision: Decision
    category: Category = "other"
    drug_class: DrugClass | None = None
    generic_name: str | None = None
    denial_reasons: list[DenialReason] = Field(default_factory=list)
    reviewer_guidelines: list[GuidelineSource] = Field(default_factory=list)
    reviewer_pages: list[str] = Field(default_factory=list)
    rationale: str = ""
    decision_date: str | None = None
    date_of_injury: str | None = None
    reviewer_specialties: list[str] = Field(default_factory=list)


class SearchFilters(BaseModel):
    """Structured filters; every set field must match."""

    decision: Decision | None = None
    drug_class: DrugClass | None = None
    generic_name: str | None = None
    category: Category | None = None
    guideline: str | None = Field(None, description="a source (MTUS/ODG…) or a page ('63-64')")
    reason: DenialReason | None = None
    specialty: str | None = None


class SimilarHit(BaseModel):
    """A ranked result, with the rationale sentence that best matches the query."""

    decision: IndexedDecision
    score: float
    matching_sentence: str = ""
    lexical_rank: int | None = None
    vector_rank: int | None = None


class StatRow(BaseModel):
    """Counts for one value of a grouping key (a generic name, a page, a reason…)."""

    key: str
    total: int
    overturned: int
    upheld: int
    overturn_rate: float


class IndexStats(BaseModel):
    """What `stats` reports over the decisions matching the filters."""

    total: int
    overturned: int
    upheld: int
    overturn_rate: float
    letters: int
    by_generic_name: list[StatRow] = Field(default_factory=list)
    by_drug_class: list[StatRow] = Field(default_factory=list)
    by_category: list[StatRow] = Field(default_factory=list)
    by_guideline_page: list[StatRow] = Field(default_factory=list)
    by_denial_reason: list[StatRow] = Field(default_factory=list)
