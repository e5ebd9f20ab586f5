"""Turn a path (txt, pdf, or '-' for stdin) into a `Document`: the text exactly as read,
a page <-> offset map, and a cleaned view whose offsets map back to the original.

Spans always point into `Document.text`; the cleaned view exists so rules and models can
read joined lines and de-hyphenated words without losing where they came from.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from .errors import InputError
from .pdf_bounds import bounded_pdf_page_texts

T = TypeVar("T")

#: Letters beyond this size are not IMR letters (the longest real ones are ~100 KB; a
#: 200-item letter is ~500 KB); the bound keeps a stray huge file from costing minutes.
#: Decimal megabytes, as file managers and the error message state sizes.
MAX_BYTES = 5_000_000
#: How much of an over-limit pipe is counted (read and dropped in chunks) to state its size;
#: beyond this the message says "more than": a runaway pipe must not keep the reader busy.
MEASURE_BYTES = 20 * MAX_BYTES


#: Lookup table over the Basic Multilingual Plane: is this character not whitespace (what
#: `\\S` matches)? No character beyond it is whitespace.
_NOT_SPACE = np.ones(65536, dtype=bool)
_NOT_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, *range(8192, 8203)]] = False
_NOT_SPACE[[8232, 8233, 8239, 8287, 12288]] = False


def last_letter_memo(fn: Callable[[str], T]) -> Callable[[str], T]:
    """Remember `fn(text)` for the last letter seen, checked by identity (a different
    string always recomputes). A parse reads one letter at a time, and many regions of it
    need the same whole-letter value, so one entry is all the reuse there is."""
    last: list[tuple[str, T]] = []

    def memo(text: str) -> T:
        if last and last[0][0] is text:
            return last[0][1]
        value = fn(text)
        last[:] = [(text, value)]
        return value

    return memo


@last_letter_memo
def nonspace_positions(text: str) -> memoryview:
    """Offsets of every non-whitespace character of `text`, one vector pass per letter:
    every region of a letter maps back through it. Read through a memoryview: its items
    are plain ints, three times cheaper to fetch one by one than numpy scalars, and
    `bisect` works on it."""
    data = text.encode("utf-16-le")
    if len(data) == 2 * len(text):  # one UTF-16 unit per character: no character beyond the BMP
        codes = np.frombuffer(data, dtype=np.uint16)
    else:
        codes = np.minimum(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), len(_NOT_SPACE) - 1)
    # The ASCII whitespace by two range tests over the whole array (vector code); the
    # table only for the few characters at or above U+0085 (a gather is ten times slower).
    not_space = (codes > 32) | ((codes < 28) & ((codes < 9) | (codes > 13)))
    wide = np.flatnonzero(codes >= 133)
    if len(wide):
        not_space[wide] = _NOT_SPACE[codes[wide]]
    return np.flatnonzero(not_space).data


@dataclass
class CleanView:
    """Text with line breaks joined, end-of-line hyphen splits joined (pdfium's U+FFFE
    line-end hyphen shown as "-") and spaces collapsed.

    Cleaning only collapses whitespace, so the cleaned text's non-space characters are the
    original's non-whitespace characters, in order. A cleaned offset therefore maps back
    by counting: the k-th non-space character of the view is the k-th non-whitespace one
    of `source` from `start` on, read from the letter's index of those (built lazily, once
    per letter: most regions are read but only a few need offsets).
    """

    text: str
    source: str
    start: int
    end: int
    _index: tuple[memoryview, int, int] | None = field(default=None, repr=False)

    def _positions(self) -> tuple[memoryview, int, int]:
        """(the letter's non-space offsets, where this view's run of them starts, how many)."""
        if self._index is None:
            pos = nonspace_positions(self.source)
            self._index = (pos, bisect.bisect_left(pos, self.start), len(self.text) - self.text.count(" "))
        return self._index

    def to_original_pos(self, i: int) -> int:
        """Original offset of cleaned character `i` (`len(text)` maps past the last one)."""
        pos, first, count = self._positions()
        if not count:
            return self.start
        if i >= len(self.text):
            return pos[first + count - 1] + 1
        k = i - self.text.count(" ", 0, i)
        if self.text[i] == " ":
            return pos[first + k - 1] + 1
        return pos[first + k]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a cleaned `[start, end)` span to the original text."""
        s = self.to_original_pos(start)
        if end <= start:
            return s, s
        return s, self.to_original_pos(end - 1) + 1


#: A hyphen at a line end between two word characters: "non- \ncompliance", "10- \n11-01".
#: In these letters the hyphen is real (the line broke after it), so the hyphen is kept and
#: only the break is removed.
_HYPHEN_BREAK = re.compile(r"-(?<=[A-Za-z0-9]-)[ \t]*\n\s*(?=[A-Za-z0-9])")
#: pdfium's text layer writes U+FFFE where the PDF breaks a hyphenated word at a line end
#: ("anti\ufffeinflammatory", "x\ufffe\nray"); the hyphen is as real as above, so the
#: cleaned view shows "-" and joins the word. One character for one keeps the offset map.
_PDF_LINE_HYPHEN = re.compile("\ufffe\\s*")
_WS = re.compile(r"\s+")
#: C0 control characters other than the whitespace ones text files hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def clean_view(text: str, start: int = 0, end: int | None = None) -> CleanView:
    """The cleaned view of `text[start:end]` with a map back into `text`."""
    end = len(text) if end is None else end
    return CleanView(clean(text[start:end]), text, start, end)


def clean(text: str) -> str:
    """The cleaned string alone (no offset map), for short snippets.

    `str.split()` splits on exactly the characters `\\s` matches, and is several times
    faster than a regex substitution; the hyphen pass runs only when a hyphen ends a line.
    """
    if "\ufffe" in text:
        text = _PDF_LINE_HYPHEN.sub("-", text)
    if "-\n" in text or "- " in text:
        text = _HYPHEN_BREAK.sub("-", text)
    return " ".join(text.split())


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
        data = sys.stdin.buffer.read(MAX_BYTES + 1)  # bounded: a runaway pipe cannot exhaust memory
        if len(data) > MAX_BYTES:
            seen = _drained(len(data))
            stated = f"more than {_size(seen)}" if seen >= MEASURE_BYTES else _size(seen)
            raise InputError(f"-: stdin is {stated}, too large: the limit for an IMR letter is {_size(MAX_BYTES)}")
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
        raise InputError(f"{p}: {_size(size)} is too large: the limit for an IMR letter is {_size(MAX_BYTES)}")
    try:
        data = p.read_bytes()
    except OSError as exc:  # unreadable (permissions, a FIFO gone away, I/O error)
        raise InputError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    return _from_bytes(data, str(p))


def _drained(seen: int) -> int:
    """Bytes on stdin in all, counting on from `seen` in 1 MB chunks that are dropped (so
    memory stays bounded), up to MEASURE_BYTES."""
    while seen < MEASURE_BYTES:
        chunk = sys.stdin.buffer.read(min(1 << 20, MEASURE_BYTES - seen))
        if not chunk:
            break
        seen += len(chunk)
    return seen


def _size(n: int) -> str:
    """'6.2 MB (6,200,000 bytes)': megabytes to read at a glance, bytes so a file just over
    the limit does not read as equal to it."""
    return f"{n / 1e6:.1f} MB ({n:,} bytes)"


def _from_bytes(data: bytes, source: str) -> Document:
    if not data.strip():
        raise InputError(f"{source}: empty file")
    if data[:5] == b"%PDF-":
        return _read_pdf(data, source)
    return Document(text=decode_text(data, source), source=source)


def decode_text(data: bytes, source: str) -> str:
    """Decode text bytes (UTF-8, UTF-16 with BOM, else cp1252/latin-1); reject binaries."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")  # a truncated file can end mid-character
    else:
        sample = data[:4096]
        if b"\x00" in sample:
            raise InputError(f"{source}: binary file, not a text or PDF letter")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    controls = len(_CONTROL.findall(text, 0, 4096))
    if controls > 0.05 * min(len(text), 4096):
        raise InputError(f"{source}: binary file, not a text or PDF letter")
    # Normalise line endings only: CRLF -> LF keeps every other character in place,
    # and spans are defined on the text as read after this universal-newline step.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_pdf(data: bytes, source: str) -> Document:
    """Join the pages' text (line ends normalised), each page starting on a new line."""
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    for page in bounded_pdf_page_texts(data, source):
        page = page.replace("\r\n", "\n").replace("\r", "\n")
        if not page.endswith("\n"):
            page += "\n"
        starts.append(pos)
        parts.append(page)
        pos += len(page)
    text = "".join(parts)
    if not text.strip():
        raise InputError(f"{source}: PDF has no text layer (scanned image): it needs OCR first")
    return Document(text=text, source=source, page_starts=starts or [0])
