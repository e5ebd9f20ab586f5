"""A disk cache of validated model answers: asking the same question again costs nothing.

Key: sha256 of (model, mode, response schema, the exact messages sent, generation
parameters). The messages are the rendered prompt after redaction, so any change to the
model, a template, the schema or the input text is a new key. Values are small JSON files
(the answer as the model gave it, before un-redaction); a corrupt file is ignored (and
overwritten), never fatal.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def cache_key(
    *, model: str, mode: str, schema: dict[str, Any], messages: list[dict[str, str]], params: dict[str, Any]
) -> str:
    payload = json.dumps(
        {"model": model, "mode": mode, "schema": schema, "messages": messages, "params": params},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class DiskCache:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only or full disk only costs a re-run
