"""Normalisation shared by item pairing, scalar comparison and grounding.

One definition so that "the same normalisation as pairing" (output-contract.md, Scoring)
stays true when either side changes.
"""

from __future__ import annotations

import re
from typing import Any

_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]|_")
_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def norm_text(value: str) -> str:
    """Case-folded, whitespace collapsed and stripped: how plain string fields compare."""
    return _WS.sub(" ", value.casefold()).strip()


def norm_request(value: str) -> str:
    """Request text for pairing and comparison: case, whitespace and punctuation ignored.

    Punctuation becomes a space (then collapsed) so "7.5/325mg" and "7.5 / 325 mg" stay
    close under a fuzzy ratio, while the words themselves still have to match.
    """
    return _WS.sub(" ", _PUNCT.sub(" ", value.casefold())).strip()


def norm_page(value: str) -> str:
    """A cited page or page range: spaces dropped, any dash written as '-'."""
    return _DASHES.sub("-", re.sub(r"\s+", "", str(value)))


def alnum(value: str) -> str:
    """Only lower-case letters and digits: text containment that survives line breaks,
    hyphenation ("non- compliance"), and punctuation differences."""
    return _NOT_ALNUM.sub("", value.casefold())


REQUEST_FIELDS = frozenset({"request", "original_request", "authorized_portion"})
INT_FIELDS = frozenset({"patient.age", "quantity", "refills"})


def norm_scalar(field: str, value: Any) -> Any:
    """Normalise a scalar field value for exact comparison (None stays None)."""
    if value is None:
        return None
    if field in REQUEST_FIELDS:
        return norm_request(str(value))
    if field in INT_FIELDS:
        try:
            return int(value)
        except (TypeError, ValueError):
            return norm_text(str(value))
    if isinstance(value, str):
        return norm_text(value)
    return value


def norm_list_item(field: str, value: Any) -> str:
    """Normalise one element of a list field (pages keep their own rule)."""
    if field == "reviewer_pages":
        return norm_page(str(value))
    return norm_text(str(value))
