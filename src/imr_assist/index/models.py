"""What the index stores and returns: one decided item, and a ranked hit.

Drafting cites `IndexedDecision.id`, so ids are stable: `<letter_id>#<item number>`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..schema import GUIDELINE_SOURCES, Category, Decision, DenialReason, DrugClass, GuidelineSource


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
    family: str | None = Field(None, description="treatment family (mri, physical_therapy…) or a drug class")
    regions: list[str] = Field(default_factory=list, description="body regions the request names")
    side: str | None = None
    treatment: str = Field("", description="the treatment key's label, e.g. 'MRI, knee'")
    findings: list[str] = Field(default_factory=list, description="the reviewer's case-specific findings")


class SearchFilters(BaseModel):
    """Structured filters; every set field must match."""

    decision: Decision | None = None
    drug_class: DrugClass | None = None
    generic_name: str | None = None
    category: Category | None = None
    guideline: str | None = Field(None, description="a source (MTUS/ODG…) or a page ('63-64')")
    reason: DenialReason | None = None
    specialty: str | None = None
    family: str | None = Field(None, description="treatment family or drug class (see `imr_assist.treatment`)")
    region: str | None = Field(None, description="a body region the request names (knee, lumbar…)")
    regions_any: list[str] | None = Field(None, description="any of these regions (same-kind search)")


#: A filter as a backend-neutral condition: (kind, column, arguments). The kinds: 'equals';
#: 'generic' (the generic name, or one drug of a combination); 'holds' (a list column holds
#: the value); 'holds_like' (an element of a list column matches a LIKE pattern); 'overlaps'
#: (a list column holds one of the values).
Condition = tuple[str, str, tuple[str, ...]]


def filter_conditions(f: SearchFilters | None) -> list[Condition]:
    """What the filters mean, for every index backend to render in its SQL dialect: values
    normalised, and a guideline filter read as a source (MTUS, ODG...) or else a page."""
    if f is None:
        return []
    out: list[Condition] = [
        ("equals", col, (val,))
        for col, val in (("decision", f.decision), ("category", f.category), ("drug_class", f.drug_class),
                         ("family", f.family))
        if val
    ]
    if f.generic_name:
        g = f.generic_name.lower().strip()
        out.append(("generic", "generic_name", (g, g)))
    if f.reason:
        out.append(("holds", "denial_reasons", (f.reason,)))
    if f.guideline:
        g = f.guideline.strip()
        is_source = g.upper() in GUIDELINE_SOURCES
        out.append(("holds", "reviewer_guidelines" if is_source else "page_terms", (g.upper() if is_source else g,)))
    if f.specialty:
        out.append(("holds_like", "reviewer_specialties", (f"%{like_literal(f.specialty.lower().strip())}%",)))
    if f.region:
        out.append(("holds", "regions", (f.region.lower().strip(),)))
    if f.regions_any is not None:
        out.append(("overlaps", "regions", tuple(f.regions_any)))
    return out


def like_literal(text: str) -> str:
    """`text` matched literally inside a LIKE pattern (with ESCAPE '\\'): '%' and '_' typed
    by a user are characters, not wildcards (`--specialty %` matches no specialty)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SimilarHit(BaseModel):
    """A ranked result, with the rationale sentence that best matches the query, and why it
    ranks where it does (`kind_score`, the text scores, `why`)."""

    decision: IndexedDecision
    score: float
    matching_sentence: str = ""
    lexical_rank: int | None = None
    vector_rank: int | None = None
    kind_score: float | None = Field(None, description="how alike the treatments are, 0..1 (None: no key)")
    lexical_score: float | None = Field(None, description="BM25 score (0..1 of the best candidate's)")
    vector_score: float | None = Field(None, description="cosine similarity")
    why: list[str] = Field(default_factory=list, description="plain reasons for the rank (--explain)")


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
    by_family: list[StatRow] = Field(default_factory=list)
    by_guideline_page: list[StatRow] = Field(default_factory=list)
    by_denial_reason: list[StatRow] = Field(default_factory=list)
