"""Records as input: what `extract --json` or `extract --jsonl` wrote, read back for any
command that reads a letter (through `Pipeline.results`, the one place letters are read).

Why: a user who extracted once should not extract again to summarize, draft, review,
index or search, and a record file must not be mistaken for a letter ("not an IMR
letter"). A `.json` file holds one record or an array of them, a `.jsonl` file one record
per line; each is validated with the record model, so a JSON that is not a record is one
line. A record carries no letter text, but it names the letter it was read from
(`source`): that letter is read again when it is still there (as written, beside the
record file, or by its name in the record's folder), for the commands that quote or
highlight the letter (summarize, draft, review). Search and indexing need only the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from .errors import InputError
from .reading import Document, _size, read_document
from .schema import Record

RECORD_SUFFIXES = (".json", ".jsonl", ".ndjson")
#: A `.json` file is parsed whole; a record is ~10 KB, so this is thousands of letters.
#: (`.jsonl` is read line by line and has no limit.)
MAX_JSON_BYTES = 50_000_000


def is_record_file(path: str | Path) -> bool:
    return str(path).lower().endswith(RECORD_SUFFIXES)


def is_lines(path: str | Path) -> bool:
    return str(path).lower().endswith((".jsonl", ".ndjson"))


def holds_many(path: str | Path) -> bool:
    """A record file that may hold several records (`.jsonl`, or a `.json` array), judged by
    its first character, so commands can choose one page or a folder before reading it."""
    if not is_record_file(path):
        return False
    if is_lines(path):
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(4096).lstrip()[:1] == b"["
    except OSError:
        return False


def _validate(raw: object, where: str) -> Record:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: not a record from `imr-assist extract` (a JSON object is needed)")
    try:
        return Record.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        at = ".".join(str(p) for p in err["loc"]) or "record"
        raise InputError(f"{where}: not a record from `imr-assist extract` ({at}: {err['msg']})") from None


def read_records(path: str | Path) -> Iterator[tuple[str, Record | InputError]]:
    """(where, record or its one-line error) for each record in `path`. A file that cannot
    be read at all, or a `.json` that is not a record or an array of records, raises; in a
    `.jsonl` each bad line is its own error and the other lines go on (a batch)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file" if not p.exists() else f"{p}: is a folder, not a record file")
    if is_lines(p):
        yield from _lines(p)
        return
    size = p.stat().st_size
    if size > MAX_JSON_BYTES:
        raise InputError(f"{p}: {_size(size)} is too large: the limit for a .json of records is "
                         f"{_size(MAX_JSON_BYTES)} (use .jsonl)")  # fmt: skip
    try:
        raw = json.loads(p.read_bytes())
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise InputError(f"{p}: not JSON ({str(exc).splitlines()[0][:120]})") from None
    if isinstance(raw, list):
        if not raw:
            raise InputError(f"{p}: an empty array; no records")
        # one document: all of it is records or it is refused (one line), unlike .jsonl lines
        records = [_validate(obj, f"{p}[{n}]") for n, obj in enumerate(raw)]
        for n, record in enumerate(records):
            yield f"{p}[{n}]", record
        return
    yield str(p), _validate(raw, str(p))


def _lines(p: Path) -> Iterator[tuple[str, Record | InputError]]:
    try:
        fh = p.open("r", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{p}: cannot open ({exc.strerror or exc})") from None
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{p}:{n}"
            try:
                yield where, _validate(json.loads(line), where)
            except ValueError as exc:
                yield where, InputError(f"{where}: not JSON ({str(exc).splitlines()[0][:120]})")
            except InputError as exc:
                yield where, exc


def letter_of(record: Record, record_file: str | Path) -> Document | None:
    """The letter `record` was extracted from, read again, or None when it is not found or
    no longer matches the record (a span beyond its end)."""
    if not record.source or record.source in ("-", "<text>"):
        return None
    named = Path(record.source)
    folder = Path(record_file).parent
    for candidate in (named, folder / named, folder / named.name):
        if candidate.is_file() and not is_record_file(candidate):
            try:
                doc = read_document(candidate)
            except InputError:
                return None
            return doc if _fits(record, len(doc.text)) else None
    return None


def _fits(record: Record, length: int) -> bool:
    spans = [*record.spans.values(), *(s for it in record.items for s in it.spans.values())]
    return all(0 <= start <= end <= length for start, end in spans)
