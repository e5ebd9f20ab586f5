"""The Python API for one letter: read it, extract it, get a `Record`. No time bound and no
error wrapping: a batch goes through `pipeline.Pipeline`, which adds both."""

from __future__ import annotations

from pathlib import Path

from .errors import NotAnIMRLetter
from .extractors import Extractor, get_extractor
from .reading import Document, read_document
from .schema import Record
from .settings import Settings


def extract_document(doc: Document, extractor: str | Extractor = "rules", settings: Settings | None = None) -> Record:
    """Extract one already-read letter with an extractor or an extractor's name."""
    ex = get_extractor(extractor, settings=settings) if isinstance(extractor, str) else extractor
    try:
        record = ex.extract(doc)
    except NotAnIMRLetter as exc:
        raise NotAnIMRLetter(f"{doc.source}: {exc}") from None
    record.source = doc.source
    return record


def extract_path(path: str | Path, extractor: str | Extractor = "rules", settings: Settings | None = None) -> Record:
    """Read and extract one letter (txt or pdf). Raises `InputError` for bad input."""
    return extract_document(read_document(path), extractor, settings)


def extract_text(text: str, letter_id: str = "text", extractor: str | Extractor = "rules") -> Record:
    """Extract a letter given as a string (spans index into `text`)."""
    return extract_document(Document(text=text, source=letter_id), extractor)
