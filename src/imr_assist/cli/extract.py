"""`imr-assist extract PATH... [--json | --jsonl OUT]`: letters in, records out."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..api import extract_path
from ..batch import JsonlWriter, done_sources, source_key
from ..errors import InputError
from ..extractors import _REGISTRY
from ..logging_setup import get_logger, setup_logging
from ..privacy.boundary import describe, extractor_accepts_redact
from ..privacy.redact import should_redact
from ..schema import Record
from ..timebound import time_limit
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
        mode: Annotated[str | None, typer.Option(envvar="IMR_ASSIST_LLM_MODE", help="instructor mode for llm/hybrid: tools | json | json_schema | md_json | llamacpp (default: chosen by endpoint).")] = None,  # noqa: E501
        no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask the model again instead of reusing cached answers.")] = False,  # noqa: E501
        stats: Annotated[bool, typer.Option("--stats", help="Print model calls, tokens and cost per letter and in total (stderr).")] = False,  # noqa: E501
        redact: Annotated[bool | None, typer.Option("--redact/--no-redact", help="Mask names, claim numbers, phones, emails, addresses and birth dates before text goes to a model (default: on for remote endpoints, off for localhost).")] = None,  # noqa: E501
        timeout: Annotated[float | None, typer.Option(help="Give up on a letter after this many seconds (0: no limit; default 60, 600 with a model).")] = None,  # noqa: E501
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log per-letter timing and errors to stderr.")] = False,  # noqa: E501
        log: Annotated[Path | None, typer.Option("--log", help="Append per-letter timing and errors to this file.")] = None,  # noqa: E501
    ) -> None:
        """Extract letters into validated records (a table by default)."""
        setup_logging(verbose, log)
        options: dict = {k: v for k, v in {"model": model, "base_url": base_url, "mode": mode}.items() if v}
        if no_cache:
            options["cache"] = False
        if model and extractor == "rules":
            extractor = "llm"
        redaction_note = None
        if extractor != "rules":
            redaction_note = describe(base_url, redact)
            if extractor_accepts_redact(_REGISTRY.get(extractor, "x:y")):
                options["redact"] = should_redact(base_url, redact)
            elif should_redact(base_url, redact):
                raise fail(
                    f"the {extractor} extractor cannot redact identifiers; refusing to send letters to a remote "
                    "endpoint unmasked (use a local --base-url, or --no-redact to send them as they are)"
                )
            err_console.print(redaction_note, highlight=False)
        letters = expand_paths(paths)
        if not letters:
            raise fail("no letters found in the given paths")
        if timeout is None:
            timeout = 60.0 if extractor == "rules" else 600.0
        run = _Runner(extractor, options, timeout, redaction_note)
        if jsonl is not None:
            code = _batch(letters, jsonl, run)
            _print_stats(stats)
            raise typer.Exit(code)
        failed = 0
        for path in letters:
            try:
                record = run.extract(path)
            except InputError as exc:
                err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
                failed += 1
                continue
            if as_json:
                dump = run.dump(record)
                print(json.dumps(dump, indent=2 if len(letters) == 1 else None, ensure_ascii=False))
            else:
                console.print(record_table(record))
                for w in record.warnings:
                    err_console.print(f"[yellow]warning:[/yellow] {record.letter_id}: {w}", highlight=False)
        _print_stats(stats)
        if failed:
            raise typer.Exit(2)


def _print_stats(wanted: bool) -> None:
    """--stats: the LLM ledger's per-letter and total usage (nothing for the rules extractor)."""
    costs = sys.modules.get("imr_assist.llm.costs")
    if not wanted or costs is None:
        return
    for line in costs.stats_lines():
        err_console.print(line, highlight=False, soft_wrap=True)


def _is_connection_error(exc: BaseException) -> bool:
    """Network failures (endpoint down, refused, timed out), whichever client raised them."""
    names = {c.__name__ for c in type(exc).__mro__}
    if names & {"APIConnectionError", "APITimeoutError", "ConnectError", "ConnectTimeout", "ConnectionError"}:
        return True
    cause = exc.__cause__ or exc.__context__
    return cause is not None and cause is not exc and _is_connection_error(cause)


def _usage_line(record: Record, path: str) -> str:
    """Tokens and cost the LLM extractor booked for this letter (its process-wide ledger),
    or "" for the rules extractor; read only if the LLM code is already loaded."""
    costs = sys.modules.get("imr_assist.llm.costs")
    ledger = getattr(costs, "LEDGER", None)
    if ledger is None:
        return ""
    for key in (record.letter_id, record.source, path, Path(path).stem):
        usage = ledger.letters.get(key) if key else None
        if usage is not None:
            return usage.line()
    return ""


class _Runner:
    """One letter at a time: time-bounded, timed, logged; unexpected crashes become one line.

    Why: a batch must end with a record or a clear reason for every letter. A parser bug
    on one odd letter is reported (full traceback only in the --log file) instead of
    killing the run with a traceback."""

    def __init__(self, extractor: str, options: dict, timeout: float, redaction_note: str | None) -> None:
        self.extractor, self.options, self.timeout = extractor, options, timeout
        self.redaction_note = redaction_note
        self.log = get_logger()

    def extract(self, path: str) -> Record:
        t0 = time.perf_counter()
        try:
            with time_limit(self.timeout, path):
                record = extract_path(path, self.extractor, **self.options)
        except InputError as exc:
            self.log.info("%s: failed after %.3f s: %s", path, time.perf_counter() - t0, exc)
            raise
        except Exception as exc:  # a bug, not bad input: keep the batch going, keep the evidence
            self.log.debug("%s: internal error", path, exc_info=True)
            self.log.info("%s: internal error after %.3f s: %s", path, time.perf_counter() - t0, exc)
            reason = str(exc).splitlines()[0] if str(exc) else ""
            if _is_connection_error(exc):
                base = self.options.get("base_url") or "the default endpoint"
                raise InputError(f"{path}: model endpoint {base} is unreachable ({reason}); nothing written") from None
            raise InputError(
                f"{path}: could not be extracted ({type(exc).__name__}: {reason}); please report this letter"
            ) from None
        usage = _usage_line(record, path)
        self.log.info(
            "%s: ok, %d items in %.3f s%s", path, len(record.items), time.perf_counter() - t0,
            f"; model: {usage}" if usage else "",
        )  # fmt: skip
        return record

    def dump(self, record: Record) -> dict:
        dump = record.model_dump(mode="json")
        if self.redaction_note:
            dump["redaction"] = self.redaction_note
        return dump


#: Consecutive "endpoint unreachable" failures after which a batch stops early.
_DOWN_LIMIT = 3


def _batch(letters: list[str], out: Path, run: _Runner) -> int:
    """Extract many letters into `out`, skipping those already there; report failures."""
    t0 = time.perf_counter()
    writer = JsonlWriter(out)  # locks `out` before reading what is done in it
    try:
        done = done_sources(out)
    except InputError:
        writer.close()
        raise
    todo: list[str] = []
    for p in letters:  # a letter named twice (folder + file) is done once
        key = source_key(p)
        if key not in done:
            done.add(key)
            todo.append(p)
    skipped = len(letters) - len(todo)
    failures: list[tuple[str, str]] = []
    written = 0
    progress = Progress(
        TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, disable=len(todo) < 2,
    )  # fmt: skip
    down_in_a_row = 0
    not_attempted = 0
    with progress, writer:
        task = progress.add_task("extract", total=len(todo))
        for n, path in enumerate(todo):
            try:
                record = run.extract(path)
            except InputError as exc:
                failures.append((path, str(exc)))
                down_in_a_row = down_in_a_row + 1 if "unreachable" in str(exc) else 0
                if down_in_a_row >= _DOWN_LIMIT:  # don't spend retries on every remaining letter
                    not_attempted = len(todo) - n - 1
                    break
            else:
                down_in_a_row = 0
                dump = run.dump(record)
                dump["source"] = source_key(path)
                try:
                    writer.write(dump)
                except OSError as exc:  # disk full, file removed: stop, what is written stays valid
                    raise fail(f"cannot write {out}: {exc.strerror or exc}") from None
                written += 1
            progress.advance(task)
    summary = (
        f"{written} extracted, {skipped} already in {out}, {len(failures)} failed"
        f" ({time.perf_counter() - t0:.1f} s)"
    )
    if not_attempted:
        summary += f"; stopped: the model endpoint is down, {not_attempted} not attempted (rerun to resume)"
    err_console.print(summary, highlight=False)
    run.log.debug("batch summary: %s", summary)
    for path, reason in failures:
        run.log.debug("failed: %s: %s", path, reason)
    for _path, reason in failures:
        err_console.print(f"[red]failed:[/red] {reason}", highlight=False, soft_wrap=True)
    return 2 if failures else 0
