"""Turn a path (txt, pdf, or '-' for stdin) into a `Document`: the text exactly as read,
a page <-> offset map, and a cleaned view whose offsets map back to the original.

Spans always point into `Document.text`; the cleaned view exists so rules and models can
read joined lines and de-hyphenated words without losing where they came from.
"""

from __future__ import annotations

import bisect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

#: Letters beyond this size are not IMR letters (the longest real ones are ~100 KB).
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class CleanView:
    """Text with line breaks joined, end-of-line hyphen splits joined and spaces collapsed.

    The map back to the original is piecewise: `seg_clean[k]`/`seg_orig[k]` start a run
    that was copied verbatim, so mapping is a bisect, and building costs one step per
    whitespace run rather than per character (this runs on every letter in a batch).
    """

    text: str
    seg_clean: list[int]
    seg_orig: list[int]
    orig_end: int

    def to_original_pos(self, i: int) -> int:
        """Original offset of cleaned character `i` (`len(text)` maps to the region end)."""
        if i >= len(self.text):
            return self.orig_end
        k = bisect.bisect_right(self.seg_clean, i) - 1
        return self.seg_orig[k] + (i - self.seg_clean[k])

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a cleaned `[start, end)` span to the original text."""
        s = self.to_original_pos(start)
        if end <= start:
            return s, s
        return s, self.to_original_pos(end - 1) + 1


#: A hyphen at a line end between two word characters: "non- \ncompliance", "10- \n11-01".
#: In these letters the hyphen is real (the line broke after it), so the hyphen is kept and
#: only the break is removed.
_BREAKS = re.compile(r"(?P<h>(?<=[A-Za-z0-9])-[ \t]*\n\s*(?=[A-Za-z0-9]))|\s+")
_HYPHEN_BREAK = re.compile(r"(?<=[A-Za-z0-9])-[ \t]*\n\s*(?=[A-Za-z0-9])")
_WS = re.compile(r"\s+")


def clean_view(text: str, start: int = 0, end: int | None = None) -> CleanView:
    """Build the cleaned view of `text[start:end]` with a map back into `text`."""
    end = len(text) if end is None else end
    parts: list[str] = []
    seg_clean: list[int] = []
    seg_orig: list[int] = []
    n = 0  # length of cleaned text so far
    pos = start
    # skip leading whitespace
    m0 = _WS.match(text, start, end)
    if m0:
        pos = m0.end()
    for m in _BREAKS.finditer(text, pos, end):
        if m.start() > pos:
            seg_clean.append(n)
            seg_orig.append(pos)
            parts.append(text[pos : m.start()])
            n += m.start() - pos
        if m.end() >= end and m.group("h") is None:
            pos = m.end()
            break  # trailing whitespace
        seg_clean.append(n)
        seg_orig.append(m.start())
        parts.append("-" if m.group("h") else " ")
        n += 1
        pos = m.end()
    if pos < end:
        seg_clean.append(n)
        seg_orig.append(pos)
        parts.append(text[pos:end])
    if not seg_clean:
        seg_clean, seg_orig = [0], [start]
    return CleanView("".join(parts), seg_clean, seg_orig, end)


def clean(text: str) -> str:
    """The cleaned string alone (no offset map), for short snippets."""
    return _WS.sub(" ", _HYPHEN_BREAK.sub("-", text)).strip()


@dataclass
class Document:
    """A letter as read: `text` is what every span indexes."""

    text: str
    source: str = "<text>"
    page_starts: list[int] = field(default_factory=lambda: [0])

    @property
    def stem(self) -> str:
        return Path(self.source).stem if self.source not in ("<text>", "-") else "stdin"

    def page_of(self, offset: int) -> int:
        """1-based page number holding `offset` (always 1 for text input)."""
        return bisect.bisect_right(self.page_starts, offset)


def read_document(path: str | Path) -> Document:
    """Read a letter from a path or '-' (stdin); raise `InputError` with a one-line reason."""
    if str(path) == "-":
        data = sys.stdin.buffer.read()
        return _from_bytes(data, "-")
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a letter")
    size = p.stat().st_size
    if size == 0:
        raise InputError(f"{p}: empty file")
    if size > MAX_BYTES:
        raise InputError(f"{p}: {size // (1024 * 1024)} MB is too large for an IMR letter")
    data = p.read_bytes()
    return _from_bytes(data, str(p))


def _from_bytes(data: bytes, source: str) -> Document:
    if not data.strip():
        raise InputError(f"{source}: empty file")
    if data[:5] == b"%PDF-":
        return _read_pdf(data, source)
    return Document(text=decode_text(data, source), source=source)


def decode_text(data: bytes, source: str) -> str:
    """Decode text bytes (UTF-8, UTF-16 with BOM, else cp1252/latin-1); reject binaries."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        sample = data[:4096]
        if b"\x00" in sample:
            raise InputError(f"{source}: binary file, not a text or PDF letter")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > 0.05 * min(len(text), 4096):
        raise InputError(f"{source}: binary file, not a text or PDF letter")
    # Normalise line endings only: CRLF -> LF keeps every other character in place,
    # and spans are defined on the text as read after this universal-newline step.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_pdf(data: bytes, source: str) -> Document:
    """Read the PDF text layer with pypdfium2 (empty-password AES PDFs open as-is)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data, password="")
    except Exception as exc:  # pdfium raises PdfiumError with codes; one line is enough
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "password" in reason.lower():
            raise InputError(f"{source}: PDF is password-protected") from None
        raise InputError(f"{source}: unreadable PDF ({reason})") from None
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            t = tp.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            tp.close()
            page.close()
            starts.append(pos)
            parts.append(t)
            pos += len(t)
            if not t.endswith("\n"):
                parts.append("\n")
                pos += 1
    finally:
        pdf.close()
    text = "".join(parts)
    if not text.strip():
        raise InputError(f"{source}: PDF has no text layer (scanned image): it needs OCR first")
    return Document(text=text, source=source, page_starts=starts or [0])
