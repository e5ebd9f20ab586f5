"""`imr-assist schema [--out DIR]`: regenerate the JSON Schemas from the pydantic models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..schema_export import write_schemas
from .common import console, fail, safe_text


def register(app: typer.Typer) -> None:
    @app.command()
    def schema(
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write *.schema.json into (default: ./schemas in the current folder).")] = Path("schemas"),  # noqa: E501
    ) -> None:
        """Write *.schema.json from the record models into ./schemas (or --out), and say where."""
        folder = out.resolve()  # the user's folder, never the package's: the message names it in full
        try:
            written = write_schemas(folder)
        except OSError as exc:
            raise fail(f"{folder}: cannot write ({exc.strerror or exc})") from None
        names = ", ".join(p.name for p in written)
        line = escape(safe_text(f"wrote {len(written)} schemas to {folder}: {names}"))
        console.print(line, highlight=False, soft_wrap=True)
