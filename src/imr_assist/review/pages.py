"""Review pages for extracted letters: one page, or a folder of pages plus an index.

A batch writes each page, then rewrites the index, as it goes: stopping half-way leaves a
browsable folder of everything done so far. A letter that cannot be read or extracted
gets an index row with its one-line reason instead of stopping the batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ImrAssistError, InputError
from ..extractors.rules import RulesExtractor
from ..pipeline import Pipeline
from ..reading import Document
from ..record_input import is_record_file
from ..schema import Record
from .model import ReviewModel, build
from .render import IndexRow, render_index, render_page, write_atomic

INDEX_NAME = "index.html"


def review_page(record: Record | dict[str, Any], doc: Document, extractor: str = "rules",
                index_href: str | None = None) -> tuple[str, ReviewModel]:
    """The review page of `record` over the letter it was extracted from, and its model."""
    data = record.model_dump(mode="json") if isinstance(record, Record) else record
    model = build(data, doc.text, doc.page_starts)
    if not model.source:
        model.source = doc.source
    html = render_page(model, extractor=extractor, page_count=len(doc.page_starts), index_href=index_href)
    return html, model


def review_html(record: Record | dict[str, Any], doc: Document, extractor: str = "rules") -> str:
    """Just the page (see `review_page`)."""
    return review_page(record, doc, extractor)[0]


def write_review(path: str, out: Path, pipeline: Pipeline | None = None) -> Path:
    """Extract one letter and write its page to `out` (rules extractor by default)."""
    pipeline = pipeline or Pipeline(RulesExtractor())
    doc, record = pipeline.one(path)
    write_atomic(out, review_html(record, doc, pipeline.extractor.name))
    return out


def index_row(model: ReviewModel, record: Record, href: str | None, source: str) -> IndexRow:
    return IndexRow(
        letter_id=record.letter_id,
        href=href,
        source=source,
        format=record.format,
        items=[(it.request, it.decision) for it in record.items],
        spans=len(model.marks),
        problems=len(model.problems),
        warnings=len(model.warnings),
    )


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def page_name(stem: str, taken: set[str]) -> str:
    """A file name for a letter's page, unique in its folder (two letters may share a stem)."""
    base = _UNSAFE.sub("_", stem).strip("._") or "letter"
    name, n = f"{base}.html", 2
    while name in taken or name == INDEX_NAME:
        name, n = f"{base}-{n}.html", n + 1
    taken.add(name)
    return name


@dataclass
class BatchResult:
    index: Path
    pages: list[Path] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def write_batch(
    paths: list[str],
    out_dir: Path,
    pipeline: Pipeline | None = None,
    on_letter: Callable[[str, Path | None, str | None], None] | None = None,
) -> BatchResult:
    """One page per letter in `out_dir` and an index, rewritten after every letter."""
    pipeline = pipeline or Pipeline(RulesExtractor())
    extractor = pipeline.extractor.name
    out_dir.mkdir(parents=True, exist_ok=True)
    result = BatchResult(index=out_dir / INDEX_NAME)
    rows: list[IndexRow] = []
    taken: set[str] = set()
    title = "Review: " + (paths[0] if len(paths) == 1 else f"{len(paths)} letters")
    for path in paths:
        for one in _letters(pipeline, path):  # a record file gives one page per record
            if isinstance(one, ImrAssistError):
                result.failures.append((path, str(one)))
                rows.append(IndexRow(letter_id=Path(path).stem, href=None, source=path, error=str(one)))
                if on_letter:
                    on_letter(path, None, str(one))
                continue
            doc, record = one
            stem = Path(path).stem if path != "-" and not is_record_file(path) else record.letter_id
            name = page_name(stem, taken)
            page = out_dir / name
            html, model = review_page(record, doc, extractor, index_href=INDEX_NAME)
            write_atomic(page, html)
            result.pages.append(page)
            rows.append(index_row(model, record, name, path))
            if on_letter:
                on_letter(path, page, None)
        write_atomic(result.index, render_index(rows, title=title, extractor=extractor))
    return result


def _letters(pipeline: Pipeline, path: str) -> Iterator[tuple[Document, Record] | ImrAssistError]:
    """(letter, record) for each letter of `path`, or the error that stands for one."""
    if not is_record_file(path):
        try:
            yield pipeline.one(path)
        except ImrAssistError as exc:
            yield exc
        return
    for got in pipeline.results(path):
        if got.record is None:
            yield got.failure or InputError(got.error or path)
        elif got.document is None:
            named = got.record.source or "not named"
            yield InputError(f"{got.source}: the letter this record was extracted from ({named}) is not found")
        else:
            yield got.document, got.record
