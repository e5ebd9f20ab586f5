"""PDF text extraction under a memory and a time bound (`imr_assist.pdf_bounds`): a
compression bomb is killed in its child process and reported as one line, the next
letter is read by a fresh child, and a batch goes on."""

from __future__ import annotations

import json
import time
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_assist import pdf_bounds
from imr_assist.assets import bundled_dir
from imr_assist.cli import app
from imr_assist.errors import InputError
from imr_assist.pdf_bounds import PdfWorker

PDFS = sorted((bundled_dir("corpus") / "pdf").glob("*.pdf"))
#: the test child's limit: far above a real letter's needs, far below what the bomb takes
LIMIT = 400 * 2**20

pytestmark = pytest.mark.skipif(not pdf_bounds.available(), reason="no resource limits on this platform")


def make_bomb(path: Path, inflated: int = 100_000_000) -> Path:
    """A one-page PDF whose content stream (drawing operators) inflates from ~0.2 MB to
    `inflated` bytes; pdfium needs many times that in memory to parse it."""
    unit = b"0 0 m 1 1 l S\n" * 4096
    z = zlib.compressobj(9)
    parts, left = [], inflated
    while left > 0:
        parts.append(z.compress(unit[: min(len(unit), left)]))
        left -= len(unit)
    stream = b"".join(parts) + z.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_a_bomb_is_stopped_at_the_memory_bound_and_the_next_pdf_reads(tmp_path: Path) -> None:
    bomb = make_bomb(tmp_path / "bomb.pdf")
    assert bomb.stat().st_size < 500_000
    worker = PdfWorker(memory_limit=LIMIT, time_limit=60)
    try:
        t0 = time.perf_counter()
        with pytest.raises(InputError, match=r"bomb\.pdf: reading the PDF's text needed more than 400 MB"):
            worker.page_texts(bomb.read_bytes(), str(bomb))
        assert time.perf_counter() - t0 < 60
        pages = worker.page_texts(PDFS[0].read_bytes(), str(PDFS[0]))
        assert pages and "IMR" in "".join(pages).upper()
    finally:
        worker.close()


def test_a_pdf_past_the_time_bound_is_stopped(tmp_path: Path) -> None:
    bomb = make_bomb(tmp_path / "slow.pdf", inflated=20_000_000)
    worker = PdfWorker(memory_limit=4 * LIMIT, time_limit=0.05)
    try:
        with pytest.raises(InputError, match=r"slow\.pdf: reading the PDF's text took longer than 0.05 s"):
            worker.page_texts(bomb.read_bytes(), str(bomb))
        worker.time_limit = 30
        assert worker.page_texts(PDFS[1].read_bytes(), str(PDFS[1]))
    finally:
        worker.close()


def test_bad_pdfs_keep_their_one_line_reasons() -> None:
    worker = PdfWorker(memory_limit=LIMIT)
    try:
        with pytest.raises(InputError, match=r"^x\.pdf: unreadable PDF"):
            worker.page_texts(b"%PDF-1.4 garbage", "x.pdf")
    finally:
        worker.close()


def test_a_batch_reports_the_bomb_in_one_line_and_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    worker = PdfWorker(memory_limit=LIMIT)
    monkeypatch.setattr(pdf_bounds, "_worker", worker)
    bomb = make_bomb(tmp_path / "bomb.pdf")
    out = tmp_path / "out.jsonl"
    try:
        r = CliRunner().invoke(app, ["extract", str(PDFS[0]), str(bomb), str(PDFS[1]), "--jsonl", str(out)])
    finally:
        worker.close()
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output + r.stderr
    assert "2 extracted" in r.stderr
    failed = [ln for ln in r.stderr.splitlines() if "bomb.pdf" in ln]
    assert len(failed) == 1 and "compression bomb" in failed[0], r.stderr
    assert [json.loads(ln)["source"].endswith(".pdf") for ln in out.read_text().splitlines()] == [True, True]
