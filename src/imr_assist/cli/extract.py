"""`imr-assist extract PATH... [--json | --jsonl OUT]`: letters in, records out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..api import extract_path
from ..batch import JsonlWriter, done_sources, source_key
from ..errors import InputError
from ..schema import Record
from .common import console, err_console, expand_paths, fail


def record_table(record: Record) -> Table:
    """The human view of one record: one row per item."""
    p = record.patient
    title = (
        f"{record.letter_id}  ·  {record.format}  ·  age {p.age if p.age is not None else '?'}"
        f"{' ' + p.sex if p.sex else ''}  ·  injury {p.date_of_injury or '?'}"
        f"  ·  UR {record.utilization_review_date or '?'}"
    )
    table = Table(title=title, title_justify="left", show_lines=False)
    for col in ("#", "request", "decision", "category", "generic", "qty", "reviewer guidelines", "pages", "reasons"):
        table.add_column(col, overflow="fold")
    for i, it in enumerate(record.items, 1):
        colour = "green" if it.decision == "overturned" else "red"
        table.add_row(
            str(i),
            it.request,
            f"[{colour}]{it.decision}[/{colour}]",
            it.category + (f" ({it.drug_class})" if it.drug_class else ""),
            it.generic_name or "",
            "" if it.quantity is None else str(it.quantity) + (f" +{it.refills}r" if it.refills else ""),
            ", ".join(it.reviewer_guidelines),
            ", ".join(it.reviewer_pages),
            ", ".join(it.denial_reasons),
        )
    spec = ", ".join(record.reviewer.specialties) or "?"
    states = ", ".join(record.reviewer.licensure_states) or "?"
    table.caption = f"reviewer: {spec} — licensed in {states}"
    table.caption_justify = "left"
    return table


def register(app: typer.Typer) -> None:
    @app.command()
    def extract(
        paths: Annotated[list[str], typer.Argument(help="Letters (.txt/.pdf), folders, globs, or - for stdin.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one object per letter).")] = False,
        jsonl: Annotated[Path | None, typer.Option("--jsonl", help="Append one JSON line per letter to this file; a rerun skips letters already in it.")] = None,  # noqa: E501
        extractor: Annotated[str, typer.Option(help="rules (default, offline) | llm | hybrid")] = "rules",
        model: Annotated[str | None, typer.Option(envvar="IMR_ASSIST_MODEL", help="Model name for llm/hybrid.")] = None,  # noqa: E501
        base_url: Annotated[str | None, typer.Option(envvar="OPENAI_BASE_URL", help="OpenAI-compatible endpoint.")] = None,  # noqa: E501
    ) -> None:
        """Extract letters into validated records (a table by default)."""
        options = {k: v for k, v in {"model": model, "base_url": base_url}.items() if v}
        if model and extractor == "rules":
            extractor = "llm"
        letters = expand_paths(paths)
        if not letters:
            raise fail("no letters found in the given paths")
        if jsonl is not None:
            raise typer.Exit(_batch(letters, jsonl, extractor, options))
        failed = 0
        for path in letters:
            try:
                record = extract_path(path, extractor, **options)
            except InputError as exc:
                err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
                failed += 1
                continue
            if as_json:
                dump = record.model_dump(mode="json")
                print(json.dumps(dump, indent=2 if len(letters) == 1 else None, ensure_ascii=False))
            else:
                console.print(record_table(record))
                for w in record.warnings:
                    err_console.print(f"[yellow]warning:[/yellow] {record.letter_id}: {w}", highlight=False)
        if failed:
            raise typer.Exit(2)


def _batch(letters: list[str], out: Path, extractor: str, options: dict) -> int:
    """Extract many letters into `out`, skipping those already there; report failures."""
    done = done_sources(out)
    todo = [p for p in letters if source_key(p) not in done]
    skipped = len(letters) - len(todo)
    failures: list[tuple[str, str]] = []
    written = 0
    progress = Progress(
        TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, disable=len(todo) < 2,
    )  # fmt: skip
    with progress, JsonlWriter(out) as writer:
        task = progress.add_task("extract", total=len(todo))
        for path in todo:
            try:
                record = extract_path(path, extractor, **options)
            except InputError as exc:
                failures.append((path, str(exc)))
            else:
                dump = record.model_dump(mode="json")
                dump["source"] = source_key(path)
                writer.write(dump)
                written += 1
            progress.advance(task)
    err_console.print(
        f"{written} extracted, {skipped} already in {out}, {len(failures)} failed", highlight=False
    )
    for _path, reason in failures:
        err_console.print(f"[red]failed:[/red] {reason}", highlight=False, soft_wrap=True)
    return 2 if failures else 0
