"""Write `schemas/*.json` from the pydantic models, so the JSON Schemas never drift from
the code: `imr-assist schema` regenerates them and a test fails when they are stale."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .index.models import IndexedDecision, SimilarHit
from .schema import Item, Record

MODELS: dict[str, type[BaseModel]] = {
    "record": Record,
    "item": Item,
    "indexed_decision": IndexedDecision,
    "similar_hit": SimilarHit,
}


def render_schemas() -> dict[str, str]:
    """File name -> JSON text for every exported model."""
    return {
        f"{name}.schema.json": json.dumps(model.model_json_schema(), indent=2) + "\n" for name, model in MODELS.items()
    }


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
