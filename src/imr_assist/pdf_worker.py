"""The child process of `pdf_bounds`: reads PDFs from stdin, writes their page texts to
stdout, under an address-space limit (argv[1], bytes). Frames are length-prefixed; a
reply is a pickled ("ok", pages) or ("error", message). Run by `pdf_bounds` only."""

from __future__ import annotations

import pickle
import resource
import struct
import sys
from typing import IO

from .errors import InputError
from .pdf_text import pdf_page_texts

_HEADER = struct.Struct("!Q")
_SOURCE = "\x00pdf"


def _read(stream: IO[bytes], n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _reply(data: bytes) -> tuple[str, object]:
    try:
        return "ok", pdf_page_texts(data, _SOURCE)
    except InputError as exc:
        return "error", str(exc).removeprefix(_SOURCE + ": ")
    except MemoryError:
        return "error", "reading the PDF's text needed more memory than allowed (a damaged or hostile PDF?)"


def main() -> None:
    limit = int(sys.argv[1])
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:  # already run under a lower limit (ulimit -v): keep within it
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = _read(stdin, _HEADER.size)
        if head is None:
            return
        data = _read(stdin, _HEADER.unpack(head)[0])
        if data is None:
            return
        out = pickle.dumps(_reply(data), protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEADER.pack(len(out)) + out)
        stdout.flush()


if __name__ == "__main__":
    main()
