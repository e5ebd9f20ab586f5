"""`imr-assist review LETTER... [-o PATH]`: the letter with every extracted value highlighted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .common import console, err_console, expand_paths, fail, safe_text


def register(app: typer.Typer) -> None:
    app.command("review")(review)


def review(
    paths: Annotated[list[str], typer.Argument(help="Letters (.txt/.pdf), folders, globs, - for stdin, or records from `extract` (.json, .jsonl).")],  # noqa: E501
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="One letter: the page (default review.html). Several: a folder (default review/)."),  # noqa: E501
    ] = None,
    extractor: Annotated[
        str, typer.Option("--extractor", "-e", help="rules (default, offline) | llm | hybrid")
    ] = "rules",
) -> None:
    """Write a self-contained HTML page per letter: the text with each value's evidence highlighted."""
    from ..pipeline import Pipeline, default_timeout, open_extractor
    from ..record_input import holds_many
    from ..review.pages import write_batch, write_review  # lazy: keeps other commands' start-up lean

    pipeline = Pipeline(open_extractor(extractor), default_timeout(extractor))  # fails once, up front
    letters = expand_paths(paths)
    if not letters:
        raise fail("no letters found in the given paths")
    batch = len(letters) > 1 or any(Path(p).is_dir() or holds_many(p) for p in paths)
    target = out if out is not None else Path("review" if batch else "review.html")
    as_folder = batch or target.is_dir() or str(target).endswith(("/", "\\"))
    if batch and target.suffix.lower() in (".html", ".htm"):
        raise fail(f"{len(letters)} letters need a folder for -o, not the file {target}")
    if as_folder and target.exists() and not target.is_dir():
        raise fail(f"{target} exists and is not a folder")

    if not as_folder:
        try:
            page = write_review(letters[0], target, pipeline)
        except OSError as exc:
            raise fail(f"cannot write {target}: {exc.strerror or exc}") from None
        console.print(f"review: {escape(str(page))}", highlight=False)
        return

    def progress(path: str, page: Path | None, error: str | None) -> None:
        if error:
            err_console.print(f"[red]error:[/red] {escape(safe_text(error))}", highlight=False, soft_wrap=True)
        else:
            console.print(f"  {escape(str(page))}", highlight=False)

    try:
        result = write_batch(letters, target, pipeline, on_letter=progress)
    except OSError as exc:
        raise fail(f"cannot write into {target}: {exc.strerror or exc}") from None
    console.print(
        f"review: {escape(str(result.index))}  ({len(result.pages)} page{'s' if len(result.pages) != 1 else ''}"
        f"{f', {len(result.failures)} failed' if result.failures else ''})",
        highlight=False,
    )
    if result.failures:
        raise typer.Exit(2)
