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

    `offsets[i]` is the position in the original text of cleaned character `i`
    (`offsets[len(text)]` is the original length), so any cleaned span maps back.
    """

    text: str
    offsets: list[int]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a cleaned `[start, end)` span to the original text."""
        if end <= start:
            o = self.offsets[start]
            return o, o
        return self.offsets[start], self.offsets[end - 1] + 1


_HYPHEN_BREAK = re.compile(r"(?<=[a-z])- *\r?\n[ \t]*(?:\r?\n[ \t]*)*(?=[a-z])")
_WS = re.compile(r"\s+")


def clean_view(text: str, start: int = 0, end: int | None = None) -> CleanView:
    """Build the cleaned view of `text[start:end]` with offsets into `text`.

    Words split at a line end ("non-\\ncompliance", "non- \\ncompliance") are joined only
    when both sides are lower-case letters, so "Post-\\nop" and "L4-\\nL5" keep their hyphen.
    """
    end = len(text) if end is None else end
    out: list[str] = []
    offs: list[int] = []
    i = start
    for m in _HYPHEN_BREAK.finditer(text, start, end):
        _append_collapsed(text, i, m.start(), out, offs)
        i = m.end()
    _append_collapsed(text, i, end, out, offs)
    # trim leading/trailing space
    while out and out[-1] == " ":
        out.pop()
        offs.pop()
    k = 0
    while k < len(out) and out[k] == " ":
        k += 1
    out, offs = out[k:], offs[k:]
    offs.append(offs[-1] + 1 if offs else start)
    return CleanView("".join(out), offs)


def _append_collapsed(text: str, a: int, b: int, out: list[str], offs: list[int]) -> None:
    pos = a
    for m in _WS.finditer(text, a, b):
        for j in range(pos, m.start()):
            out.append(text[j])
            offs.append(j)
        if not (out and out[-1] == " "):
            out.append(" ")
            offs.append(m.start())
        pos = m.end()
    for j in range(pos, b):
        out.append(text[j])
        offs.append(j)


def clean(text: str) -> str:
    """The cleaned string alone (no offset map), for short snippets."""
    return _WS.sub(" ", _HYPHEN_BREAK.sub("", text)).strip()


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
