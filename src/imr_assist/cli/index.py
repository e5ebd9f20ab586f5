"""`imr-assist index PATH... [--db imr.db]`: store letters' decisions for `similar` and `stats`."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..batch import source_key
from ..pipeline import Pipeline, default_timeout, open_extractor
from ..schema import Record
from ..settings import Settings
from .common import err_console, expand_paths, fail, safe_text

DEFAULT_DB = "imr.db"


def register(app: typer.Typer) -> None:
    @app.command()
    def index(
        paths: Annotated[list[str], typer.Argument(help="Letters (.txt/.pdf), folders, globs, or records from `extract` (.json, .jsonl).")],  # noqa: E501
        db: Annotated[str | None, typer.Option("--db", help="SQLite file, or postgresql://user@host/dbname (or IMR_ASSIST_DB; default imr.db).")] = None,  # noqa: E501
        embed: Annotated[bool | None, typer.Option("--embed/--no-embed", help=escape("Store sentence embeddings (default: when the [embed] extra is installed)."))] = None,  # noqa: E501
        resume: Annotated[bool, typer.Option("--resume/--no-resume", help="Skip letter files already indexed from the same path, and records already indexed unchanged (default on).")] = True,  # noqa: E501
        extractor: Annotated[str, typer.Option("--extractor", "-e", help="Extractor for letters: rules (default, offline) | llm | hybrid.")] = "rules",  # noqa: E501
        timeout: Annotated[float | None, typer.Option(help="Give up on a letter after this many seconds (0: no limit; default 60, 600 with a model).")] = None,  # noqa: E501
    ) -> None:
        """Index decided items; re-indexing a letter replaces its rows."""
        from ..index import index_records, is_postgres_url, open_index
        from ..record_input import is_record_file

        settings = Settings.resolve(db=db)
        target = settings.db or DEFAULT_DB
        files: list[str] = []
        for p in paths:  # expand_paths drops record files inside folders, so keep them explicitly
            if is_record_file(p):
                if not os.path.isfile(p):
                    raise fail(f"{p}: no such file")
                files.append(p)
            else:
                files.extend(expand_paths([p]))
        if not files:
            raise fail("no letters found in the given paths")
        missing = [f for f in files if f != "-" and not is_record_file(f) and not os.path.exists(f)]
        if missing and len(missing) == len(files):
            raise fail(f"{missing[0]}: no such file")
        limit = default_timeout(extractor) if timeout is None else timeout
        pipeline = Pipeline(open_extractor(extractor, settings), limit)
        embedder = "auto" if embed is None else ("minilm" if embed else "none")
        try:
            ix = open_index(target, embedder=embedder, create=True)
        except ImportError:
            raise fail("--embed needs the [embed] extra: pip install 'imr-assist[embed]'") from None
        failures: list[str] = []
        t0 = time.perf_counter()
        progress = Progress(
            TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=err_console, disable=len(files) < 20, transient=True,
        )  # fmt: skip
        try:
            done = set(ix.indexed_sources()) if resume else set()
            todo = [f for f in files if is_record_file(f) or source_key(f) not in done]
            unchanged = _Unchanged(ix.indexed_hashes() if resume else {})

            def on_error(msg: str) -> None:
                failures.append(msg)
                progress.console.print(f"[red]error:[/red] {escape(safe_text(msg))}", highlight=False, soft_wrap=True)

            with progress:
                task = progress.add_task("index", total=len(todo))
                records = _records(todo, pipeline, on_error, unchanged)
                letters, decisions = index_records(
                    ix, records, progress=lambda seen: progress.update(task, completed=seen)
                )
            skipped = len(files) - len(todo) + unchanged.skipped
            total = ix.count()
            vectors = "with vectors" if ix.has_vectors() else "lexical only"
        finally:
            ix.close()
        where = target if not is_postgres_url(target) else target.split("@")[-1]
        rate = decisions / max(time.perf_counter() - t0, 1e-9)
        err_console.print(
            f"indexed {letters} letters, {decisions} decisions ({rate:.0f}/s) into {escape(where)}; "
            f"{skipped} already there, {len(failures)} failed; {total} decisions in the index ({vectors})",
            highlight=False, soft_wrap=True,
        )
        if failures:
            raise typer.Exit(2)


class _Unchanged:
    """Records already indexed with the same content hash (`record_hash`): a re-run over the
    same `.jsonl` resumes instead of rewriting every letter."""

    def __init__(self, hashes: dict[str, str]) -> None:
        self.hashes = hashes
        self.skipped = 0

    def __call__(self, record: Record) -> bool:
        from ..index.records import record_hash

        if self.hashes and self.hashes.get(record.letter_id) == record_hash(record):
            self.skipped += 1
            return True
        return False


def _records(
    files: list[str], pipeline: Pipeline, on_error: Callable[[str], None], unchanged: Callable[[Record], bool]
) -> Iterator[Record]:  # fmt: skip
    """Records from `extract` files as they are (unless already indexed unchanged), and
    from letters through the pipeline."""
    from ..record_input import is_record_file

    for f in files:
        for result in pipeline.results(f):
            if result.record is None:
                on_error(result.error or result.source)
            elif is_record_file(f):
                if not unchanged(result.record):
                    yield result.record
            else:
                result.record.source = source_key(f)
                yield result.record
