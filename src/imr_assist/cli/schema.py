"""`imr-assist schema [--out DIR]`: regenerate the JSON Schemas from the pydantic models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..schema_export import write_schemas
from .common import console


def register(app: typer.Typer) -> None:
    @app.command()
    def schema(
        out: Annotated[Path, typer.Option(help="Folder to write *.schema.json into.")] = Path("schemas"),
    ) -> None:
        """Write schemas/*.schema.json from the record models."""
        for path in write_schemas(out):
            console.print(f"wrote {path}", highlight=False)
