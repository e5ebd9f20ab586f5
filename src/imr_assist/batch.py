"""Durable batch output: one JSON line per letter, appended and fsynced as it is made,
so a killed run loses at most the letter in progress and a rerun skips what is done."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO


def source_key(path: str) -> str:
    """How a letter is recognised across runs: its resolved path ('-' stays '-')."""
    return path if path == "-" else str(Path(path).resolve())


def done_sources(out: Path) -> set[str]:
    """Sources already written to `out`. A torn last line (a killed run) is ignored and
    truncated away so the next append starts on a clean line."""
    if not out.exists():
        return set()
    done: set[str] = set()
    good_bytes = 0
    with out.open("rb") as fh:
        for raw in fh:
            try:
                obj = json.loads(raw)
            except ValueError:
                break
            if not raw.endswith(b"\n"):
                break
            good_bytes += len(raw)
            src = obj.get("source")
            if src:
                done.add(source_key(src))
    if good_bytes != out.stat().st_size:
        with out.open("r+b") as fh:
            fh.truncate(good_bytes)
    return done


class JsonlWriter:
    """Append JSON objects, one per line, each flushed and fsynced before the next."""

    def __init__(self, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = out.open("a", encoding="utf-8")

    def write(self, obj: dict) -> None:
        self._fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
