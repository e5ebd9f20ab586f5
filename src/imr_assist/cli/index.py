"""`imr-assist index PATH... [--db imr.db]`: store letters' decisions for `similar` and `stats`."""

from __future__ import annotations

import os
import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..errors import InputError
from .common import err_console, expand_paths, fail


def register(app: typer.Typer) -> None:
    @app.command()
    def index(
        paths: Annotated[list[str], typer.Argument(help="Letters (.txt/.pdf), folders, globs, or `extract --jsonl` files.")],  # noqa: E501
        db: Annotated[str, typer.Option("--db", envvar="IMR_ASSIST_DB", help="SQLite file, or postgresql://user@host/dbname.")] = "imr.db",  # noqa: E501
        embed: Annotated[bool | None, typer.Option("--embed/--no-embed", help="Store sentence embeddings (default: when the [embed] extra is installed).")] = None,  # noqa: E501
        resume: Annotated[bool, typer.Option("--resume/--no-resume", help="Skip letter files already indexed from the same path (default on).")] = True,  # noqa: E501
        extractor: Annotated[str, typer.Option(help="Extractor for letters (rules is offline).")] = "rules",
    ) -> None:
        """Index decided items; re-indexing a letter replaces its rows."""
        from ..index import index_paths, is_postgres_url, open_index
        from ..index.records import is_jsonl

        files: list[str] = []
        for p in paths:  # expand_paths drops .jsonl inside folders, so keep them explicitly
            if is_jsonl(p):
                if not os.path.isfile(p):
                    raise fail(f"{p}: no such file")
                files.append(p)
            else:
                files.extend(expand_paths([p]))
        if not files:
            raise fail("no letters found in the given paths")
        missing = [f for f in files if f != "-" and not is_jsonl(f) and not os.path.exists(f)]
        if missing and len(missing) == len(files):
            raise fail(f"{missing[0]}: no such file")
        embedder = "auto" if embed is None else ("minilm" if embed else "none")
        try:
            ix = open_index(db, embedder=embedder, create=True)
        except ImportError:
            raise fail("--embed needs the [embed] extra: pip install 'imr-assist[embed]'") from None
        failures: list[str] = []
        t0 = time.perf_counter()
        progress = Progress(
            TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=err_console, disable=len(files) < 20, transient=True,
        )  # fmt: skip
        try:
            with progress:
                task = progress.add_task("index", total=len(files))

                def on_error(msg: str) -> None:
                    failures.append(msg)
                    progress.console.print(f"[red]error:[/red] {msg}", highlight=False, soft_wrap=True)

                letters, decisions, skipped = index_paths(
                    ix, files, resume=resume, on_error=on_error, extractor=extractor,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )  # fmt: skip
            total = ix.count()
            vectors = "with vectors" if ix.has_vectors() else "lexical only"
        except InputError as exc:
            raise fail(str(exc)) from None
        finally:
            ix.close()
        where = db if not is_postgres_url(db) else db.split("@")[-1]
        rate = decisions / max(time.perf_counter() - t0, 1e-9)
        err_console.print(
            f"indexed {letters} letters, {decisions} decisions ({rate:.0f}/s) into {where}; "
            f"{skipped} already there, {len(failures)} failed; {total} decisions in the index ({vectors})",
            highlight=False, soft_wrap=True,
        )
        if failures:
            raise typer.Exit(2)
