"""`imr-assist schema [--out DIR]`: regenerate the JSON Schemas from the pydantic models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..paths import repo_root
from ..schema_export import write_schemas
from .common import console


def register(app: typer.Typer) -> None:
    @app.command()
    def schema(
        out: Annotated[Path | None, typer.Option(help="Folder to write *.schema.json into.")] = None,
    ) -> None:
        """Write schemas/*.schema.json from the record models."""
        for path in write_schemas(out or repo_root() / "schemas"):
            console.print(f"wrote {path}", highlight=False)
