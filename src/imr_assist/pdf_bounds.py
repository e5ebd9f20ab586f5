"""PDF text extraction under a memory and a time bound: one long-lived child process.

Why: pdfium is C code. A page stream that is a compression bomb (a 4.4 MB file that
inflates to gigabytes) took 5.5 GiB and 16 s in the tool's own process; the per-letter
time bound (a Python signal) cannot interrupt C code, and under a memory limit the whole
batch died without a word. In a child process the bomb hits the child's address-space
limit (`MEMORY_LIMIT`) or the parent stops waiting after `TIME_LIMIT` and kills it; the
letter fails with one line, a fresh child serves the next letter, the batch goes on.

Why one long-lived child and not one per PDF: starting Python and pdfium costs ~100 ms,
twenty times a letter's extraction; the child reads PDFs one after another over a pipe
(a few hundredths of a millisecond per letter). Where the bound cannot be set up (no
`resource` module, e.g. Windows) PDFs are read in process, as before.

Protocol (`pdf_worker.py`): length-prefixed frames; request = the PDF bytes, reply = a
pickled ("ok", pages) or ("error", message) from our own child.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import struct
import subprocess
import sys
from typing import IO

from .errors import InputError

#: the child's address space: pdfium and Python need ~150 MB; a real letter a few MB more
MEMORY_LIMIT = 1536 * 2**20
#: seconds one PDF may take (a real letter takes a few milliseconds)
TIME_LIMIT = 30.0
_HEADER = struct.Struct("!Q")


def available() -> bool:
    try:
        import resource  # noqa: F401
    except ImportError:
        return False
    return hasattr(select, "select")


class PdfWorker:
    """The child process; started on first use, restarted after it is killed."""

    def __init__(self, memory_limit: int = MEMORY_LIMIT, time_limit: float = TIME_LIMIT) -> None:
        self.memory_limit = memory_limit
        self.time_limit = time_limit
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0

    def page_texts(self, data: bytes, source: str) -> list[str]:
        """Each page's text, or `InputError` (one line) for a bad PDF, a bomb or a hang."""
        proc = self._running()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(_HEADER.pack(len(data)) + data)
            proc.stdin.flush()
            size = _HEADER.unpack(self._read(proc.stdout, _HEADER.size, source))[0]
            status, value = pickle.loads(self._read(proc.stdout, size, source))
        except BrokenPipeError:
            self.close()
            raise self._died(source) from None
        except BaseException:
            self.close()  # interrupted mid-letter (the per-letter timeout): the child's state is unknown
            raise
        if status == "error":
            raise InputError(f"{source}: {value}")
        return list(value)

    def _running(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None and self._owner == os.getpid():
            return self._proc
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "imr_assist.pdf_worker", str(self.memory_limit)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._owner = os.getpid()
        _widen_pipes(self._proc)
        return self._proc

    def _read(self, stream: IO[bytes], n: int, source: str) -> bytes:
        chunks: list[bytes] = []
        fd = stream.fileno()
        while n:
            ready, _, _ = select.select([fd], [], [], self.time_limit)
            if not ready:
                self.close()
                raise InputError(
                    f"{source}: reading the PDF's text took longer than {self.time_limit:g} s (stopped; "
                    "a damaged or hostile PDF?)"
                )
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                self.close()
                raise self._died(source)
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _died(self, source: str) -> InputError:
        return InputError(
            f"{source}: reading the PDF's text needed more than {self.memory_limit // 2**20} MB of memory or crashed "
            "(a damaged or hostile PDF, e.g. a compression bomb); skipped"
        )

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self._owner == os.getpid():
            proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()


def _widen_pipes(proc: subprocess.Popen[bytes]) -> None:
    """Pipes of 1 MB (Linux): a letter's PDF and its text pass in one write each, without
    the dozen context switches a 64 KB pipe costs (~1 ms a letter)."""
    try:
        import fcntl

        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


_worker = PdfWorker()
atexit.register(_worker.close)


def bounded_pdf_page_texts(data: bytes, source: str) -> list[str]:
    """`pdf_text.pdf_page_texts` in the bounded child process (in process where it cannot be bounded)."""
    if not available():
        from .pdf_text import pdf_page_texts

        return pdf_page_texts(data, source)
    return _worker.page_texts(data, source)
