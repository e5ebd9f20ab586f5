"""Turning command-line filter options into `SearchFilters`, with one-line errors."""

from __future__ import annotations

from ..errors import InputError
from ..schema import CATEGORIES, DECISIONS, DENIAL_REASONS, DRUG_CLASSES
from ..treatment import families, region_names
from .models import SearchFilters


def _check(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    v = value.strip().lower().replace("-", "_").replace(" ", "_")
    if v not in allowed:
        raise InputError(f"--{name.replace('_', '-')} {value!r}: must be one of {', '.join(allowed)}")
    return v


def make_filters(decision: str | None = None, drug_class: str | None = None, generic: str | None = None,
                 category: str | None = None, guideline: str | None = None, reason: str | None = None,
                 specialty: str | None = None, family: str | None = None,
                 region: str | None = None) -> SearchFilters | None:
    """SearchFilters from option values (None when no filter is set). Raises InputError.
    A family is a treatment family (mri, physical_therapy…) or, for medicines, a drug class."""
    f = SearchFilters(
        decision=_check("decision", decision, DECISIONS),  # type: ignore[arg-type]
        drug_class=_check("drug_class", drug_class, DRUG_CLASSES),  # type: ignore[arg-type]
        generic_name=generic.strip().lower() if generic else None,
        category=_check("category", category, CATEGORIES),  # type: ignore[arg-type]
        guideline=guideline.strip() if guideline else None,
        reason=_check("reason", reason, DENIAL_REASONS),  # type: ignore[arg-type]
        specialty=specialty.strip() if specialty else None,
        family=_check("family", family, (*families(), *DRUG_CLASSES, "medication")),
        region=_check("region", region, tuple(region_names())),
    )
    return f if f.model_dump(exclude_none=True) else None
