"""The Python API: what the CLI commands call, usable directly from code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import NotAnIMRLetter
from .extractors import get_extractor
from .reading import Document, read_document
from .schema import Record


def extract_document(doc: Document, extractor: str = "rules", **options: Any) -> Record:
    """Extract one already-read letter."""
    try:
        record = get_extractor(extractor, **options).extract(doc)
    except NotAnIMRLetter as exc:
        raise NotAnIMRLetter(f"{doc.source}: {exc}") from None
    record.source = doc.source
    return record


def extract_path(path: str | Path, extractor: str = "rules", **options: Any) -> Record:
    """Read and extract one letter (txt or pdf). Raises `InputError` for bad input."""
    return extract_document(read_document(path), extractor, **options)


def extract_text(text: str, letter_id: str = "text", extractor: str = "rules") -> Record:
    """Extract a letter given as a string (spans index into `text`)."""
    return extract_document(Document(text=text, source=letter_id), extractor)
