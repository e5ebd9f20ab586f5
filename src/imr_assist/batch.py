"""Durable batch output: one JSON line per letter, appended and fsynced as it is made,
so a killed run loses at most the letter in progress and a rerun skips what is done."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import InputError
from .scrub import scrub_data

try:  # advisory lock: two runs appending to one file would duplicate letters
    import fcntl
except ImportError:  # Windows: no lock, one run per output file is the user's job
    fcntl = None  # type: ignore[assignment]


def source_key(path: str) -> str:
    """How a letter is recognised across runs: its resolved path ('-' stays '-')."""
    return path if path == "-" else str(Path(path).resolve())


def done_sources(out: Path) -> set[str]:
    """Sources already written to `out`. A torn last line (a killed run) is ignored and
    truncated away so the next append starts on a clean line.

    Only a last line without its newline counts as torn (each line is written in one
    write(2), newline last). A complete line that is not a JSON object means `out` is not
    our output (a letter, a hand-edited file): refuse, rather than truncate someone's file."""
    if not out.exists():
        return set()
    if out.is_dir():
        raise InputError(f"{out}: is a folder; --jsonl needs a file")
    done: set[str] = set()
    good_bytes = 0
    with out.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                break
            try:
                obj = json.loads(raw)
            except ValueError:
                obj = None
            if not isinstance(obj, dict):
                raise InputError(f"{out}: line {n} is not a JSON record; not an extract --jsonl file, left untouched")
            good_bytes += len(raw)
            src = obj.get("source")
            if isinstance(src, str) and src:
                done.add(source_key(src))
    if good_bytes != out.stat().st_size:
        with out.open("r+b") as fh:
            fh.truncate(good_bytes)
    return done


class JsonlWriter:
    """Append JSON objects, one per line, each fsynced before the next.

    Each line goes out in one `write(2)` on an O_APPEND descriptor (not through a text
    buffer that may split a long record into several writes), so a kill leaves at most
    one torn last line, which `done_sources` removes. The file is locked for the run:
    open the writer *before* calling `done_sources`, so no other run truncates or
    appends meanwhile."""

    def __init__(self, out: Path) -> None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(f"{out}: cannot write ({exc.strerror or exc})") from None
        if fcntl is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(self._fd)
                raise InputError(f"{out}: another imr-assist run is writing to it") from None

    def write(self, obj: dict) -> None:
        view = memoryview((json.dumps(scrub_data(obj), ensure_ascii=False) + "\n").encode("utf-8"))
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing releases the lock
            self._fd = -1

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
