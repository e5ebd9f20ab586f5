"""Reading letters: pdfium's line-end hyphen marker and the size limit (issue 18, items 3, 10)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from imr_assist.errors import InputError
from imr_assist.layout.parser import parse_letter
from imr_assist.reading import MAX_BYTES, clean, clean_view, read_document

ROOT = Path(__file__).resolve().parent.parent
CORPUS_PDF = ROOT / "src" / "imr_assist" / "bundled" / "corpus" / "pdf"
#: U+FFFE: what pdfium's text layer writes where the PDF broke a hyphenated word at a line end.
MARK = "\ufffe"


def test_line_end_hyphen_marker_reads_as_a_hyphen_and_spans_keep_it() -> None:
    text = f"Use of anti{MARK}inflammatory drugs and an x{MARK}\nray of the non- \ncompliant knee."
    view = clean_view(text)
    assert view.text == "Use of anti-inflammatory drugs and an x-ray of the non-compliant knee."
    assert clean(text) == view.text
    for word, original in (
        ("anti-inflammatory", f"anti{MARK}inflammatory"),
        ("x-ray", f"x{MARK}\nray"),
        ("non-compliant", "non- \ncompliant"),
    ):
        a = view.text.index(word)
        s, e = view.to_original(a, a + len(word))
        assert text[s:e] == original


def _strings(value: object) -> list[str]:
    """Every string inside a record's JSON (keys and values)."""
    return [s for s in json.dumps(value, ensure_ascii=False).split('"') if s]


def test_no_marker_reaches_a_record_from_the_bundled_pdfs() -> None:
    """Ten bundled PDFs hold the marker; their records show hyphens, while the spans still
    point at the letter as read, marker included."""
    with_marker = rationales_over_a_marker = 0
    for path in sorted(CORPUS_PDF.glob("*.pdf")):
        doc = read_document(path)
        record = parse_letter(doc)
        assert not any(MARK in s for s in _strings(record.model_dump())), path.name
        with_marker += MARK in doc.text
        for item in record.items:
            a, b = item.spans.get("rationale", (0, 0))
            rationales_over_a_marker += MARK in doc.text[a:b]
    assert with_marker >= 10 and rationales_over_a_marker >= 5


def test_non_steroidal_reads_whole_in_the_rationale() -> None:
    doc = read_document(CORPUS_PDF / "CM16-0245466.pdf")
    assert f"non{MARK}steroidal" in doc.text
    etodolac = parse_letter(doc).items[0]
    assert etodolac.request == "Etodolac"
    assert "indicate that non-steroidal anti-inflammatory drugs, are recommended" in etodolac.rationale


def test_over_the_limit_says_the_size_and_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(6_200_000)  # sparse: no 6 MB written to disk
    with pytest.raises(InputError) as err:
        read_document(big)
    message = str(err.value)
    assert "6.2 MB (6,200,000 bytes)" in message
    assert f"{MAX_BYTES / 1e6:.1f} MB ({MAX_BYTES:,} bytes)" in message and "too large" in message


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    at_limit = tmp_path / "at_limit.txt"
    at_limit.write_bytes(b"x" * (MAX_BYTES - 1) + b"\n")
    assert os.path.getsize(at_limit) == MAX_BYTES
    assert len(read_document(at_limit).text) == MAX_BYTES


def test_stdin_over_the_limit_says_its_size_and_the_limit(monkeypatch) -> None:
    """Issue 18, item 10: a 6.2 MB pipe is not reported as "more than 5 MB"."""
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x" * 6_200_000)))
    with pytest.raises(InputError) as err:
        read_document("-")
    message = str(err.value)
    assert "6.2 MB (6,200,000 bytes)" in message and "more than" not in message
    assert f"limit for an IMR letter is {MAX_BYTES / 1e6:.1f} MB ({MAX_BYTES:,} bytes)" in message
