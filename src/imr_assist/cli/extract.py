"""`imr-assist extract PATH... [--json | --jsonl OUT]`: letters in, records out.

`--json` always prints one JSON document, so `json.load` reads it whatever the input: an
object for one letter, an array for several letters, a folder or a glob (the shape
depends on what was asked for, not on how many letters happened to be found).
`--jsonl` is for lines: appended to a file (resumable), or `--jsonl -` on stdout.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from ..batch import JsonlWriter, done_sources, source_key
from ..errors import EndpointUnreachable, InputError, KeyMissing, KeyRejected, RequestRejected
from ..logging_setup import setup_logging
from ..model import Ledger, Model
from ..pipeline import LetterResult, Pipeline, default_timeout, open_extractor
from ..record_input import holds_many, is_record_file
from ..schema import Record
from ..settings import Settings
from .common import console, err_console, expand_paths, fail, safe_text
from .tables import Rows, show


def record_rows(record: Record) -> Rows:
    """The human view of one record: one row per item (a table, or a list when narrow)."""
    p = record.patient
    title = (
        f"{record.letter_id}  ·  {record.format}  ·  age {p.age if p.age is not None else '?'}"
        f"{' ' + p.sex if p.sex else ''}  ·  injury {p.date_of_injury or '?'}"
        f"  ·  UR {record.utilization_review_date or '?'}"
    )
    spec = ", ".join(record.reviewer.specialties) or "?"
    states = ", ".join(record.reviewer.licensure_states) or "?"
    rows = Rows(
        Text(safe_text(title)),
        ["#", "request", "decision", "category", "generic", "qty", "reviewer guidelines", "pages", "reasons"],
        caption=Text(safe_text(f"reviewer: {spec} — licensed in {states}")),
    )
    for i, it in enumerate(record.items, 1):
        colour = "green" if it.decision == "overturned" else "red"
        cells = [
            it.request,
            it.category + (f" ({it.drug_class})" if it.drug_class else ""),
            it.generic_name or "",
            "" if it.quantity is None else str(it.quantity) + (f" +{it.refills}r" if it.refills else ""),
            ", ".join(it.reviewer_guidelines),
            ", ".join(it.reviewer_pages),
            ", ".join(it.denial_reasons),
        ]
        request, *rest = (Text(safe_text(c)) for c in cells)  # letter text: never markup, never control codes
        rows.add([str(i), request, Text(it.decision, style=colour), *rest])
    return rows


def register(app: typer.Typer) -> None:
    @app.command()
    def extract(
        paths: Annotated[list[str], typer.Argument(help="Letters (.txt/.pdf), folders, globs, - for stdin, or records from `extract` (.json, .jsonl).")],  # noqa: E501
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document: an object for one letter, an array for several letters, a folder or a glob.")] = False,  # noqa: E501
        jsonl: Annotated[Path | None, typer.Option("--jsonl", help="Append one JSON line per letter to this file; a rerun skips letters already in it. '-': print the lines.")] = None,  # noqa: E501
        extractor: Annotated[str, typer.Option("--extractor", "-e", help="rules (default, offline) | llm | hybrid")] = "rules",  # noqa: E501
        model: Annotated[str | None, typer.Option(help="Model name for llm/hybrid (or IMR_ASSIST_MODEL); switches rules to llm.")] = None,  # noqa: E501
        base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (or OPENAI_BASE_URL).")] = None,  # noqa: E501
        mode: Annotated[str | None, typer.Option(help="structured-output mode for llm/hybrid: tools | json | json_schema | md_json | llamacpp (or IMR_ASSIST_LLM_MODE; default: chosen by endpoint).")] = None,  # noqa: E501
        no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask the model again instead of reusing cached answers.")] = False,  # noqa: E501
        stats: Annotated[bool, typer.Option("--stats", help="Print model calls, tokens and cost per letter and in total (stderr).")] = False,  # noqa: E501
        redact: Annotated[bool | None, typer.Option("--redact/--no-redact", help="Mask names, claim numbers, phones, emails, addresses and birth dates before text goes to a model (default: on for remote endpoints, off for localhost).")] = None,  # noqa: E501
        timeout: Annotated[float | None, typer.Option(help="Give up on a letter after this many seconds (0: no limit; default 60, 600 with a model).")] = None,  # noqa: E501
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log per-letter timing and errors to stderr.")] = False,  # noqa: E501
        log: Annotated[Path | None, typer.Option("--log", help="Append per-letter timing and errors to this file.")] = None,  # noqa: E501
        max_calls: Annotated[int | None, typer.Option("--max-calls", help="At most this many model requests per letter (default: 6 per item, at most 120); a letter that needs more fails and nothing is written for it.")] = None,  # noqa: E501
        allow_insecure: Annotated[bool, typer.Option("--allow-insecure", help="Send the API key over plain http to a host that is not this machine (refused otherwise).")] = False,  # noqa: E501
    ) -> None:
        """Extract letters into validated records (a table by default)."""
        logger = setup_logging(verbose, log)
        settings = Settings.resolve(
            model=model, base_url=base_url, mode=mode, redact=redact, use_cache=False if no_cache else None,
            max_calls=max_calls, allow_insecure=allow_insecure or None,
        )  # fmt: skip
        if settings.model and extractor == "rules":
            extractor = "llm"
        if as_json and jsonl is not None:
            raise fail("give --json (one document) or --jsonl (one line per letter), not both")
        letters = expand_paths(paths)
        if not letters:
            raise fail("no letters found in the given paths")
        as_array = len(letters) > 1 or any((p != "-" and not Path(p).is_file()) or holds_many(p) for p in paths)
        lines = jsonl is not None and str(jsonl) == "-"
        ledger = Ledger()
        ex = open_extractor(extractor, settings, ledger)
        redaction_note = None
        llm = getattr(ex, "model", None)
        if isinstance(llm, Model):
            redaction_note = llm.config.redaction_note(redact)
            err_console.print(redaction_note, highlight=False, markup=False)
            if llm.config.transport_warning:
                err_console.print(f"[yellow]warning:[/yellow] {escape(llm.config.transport_warning)}", highlight=False)
        pipeline = Pipeline(ex, default_timeout(extractor) if timeout is None else timeout, ledger, logger)
        if jsonl is not None and not lines:
            code = _batch(letters, jsonl, pipeline, redaction_note)
            _print_stats(stats, ledger)
            raise typer.Exit(code)
        failed = 0
        dumps: list[dict[str, Any]] = []
        for result in (r for path in letters for r in pipeline.results(path)):
            if result.record is None:
                if endpoint_refuses(result):
                    _print_stats(stats, ledger)
                    raise fail(result.error or result.source)
                line = escape(safe_text(result.error or result.source))
                err_console.print(f"[red]error:[/red] {line}", highlight=False, soft_wrap=True)
                failed += 1
                continue
            record = result.record
            if lines:
                print(json.dumps(_dump(record, redaction_note), ensure_ascii=False), flush=True)
            elif as_json:
                dumps.append(_dump(record, redaction_note))
            else:
                show(console, record_rows(record))
                for w in record.warnings:
                    line = escape(safe_text(f"{record.letter_id}: {w}"))
                    err_console.print(f"[yellow]warning:[/yellow] {line}", highlight=False)
        if as_json and (dumps or as_array):
            print(json.dumps(dumps if as_array else dumps[0], indent=2, ensure_ascii=False))
        _print_stats(stats, ledger)
        if failed:
            raise typer.Exit(2)


def _print_stats(wanted: bool, ledger: Ledger) -> None:
    """--stats: the model usage booked per letter and in total (nothing for the rules extractor)."""
    if wanted:
        for line in ledger.lines():
            err_console.print(line, highlight=False, soft_wrap=True, markup=False)


def _dump(record: Record, redaction_note: str | None) -> dict[str, Any]:
    dump = record.model_dump(mode="json")
    if redaction_note:
        dump["redaction"] = redaction_note
    return dump


def _endpoint_down(result: LetterResult) -> bool:
    return isinstance(result.failure, EndpointUnreachable)


def endpoint_refuses(result: LetterResult) -> bool:
    """The endpoint refuses every request alike (4xx other than 429: a wrong model name, a
    request it does not support, a refused key): no later letter can succeed, so the batch
    stops at once, and nothing is written for the letter, so a rerun against a working
    endpoint extracts it."""
    return isinstance(result.failure, (RequestRejected, KeyRejected, KeyMissing))


#: Consecutive "endpoint unreachable" failures after which a batch stops early.
_DOWN_LIMIT = 3


def _batch(letters: list[str], out: Path, pipeline: Pipeline, redaction_note: str | None) -> int:
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
            if is_record_file(path):  # records from an earlier extract: validated, not extracted
                copied, already = _copy_records(path, pipeline, writer, done, failures)
                written, skipped = written + copied, skipped + already
                progress.advance(task)
                continue
            result = pipeline.run(path)
            if result.record is None and endpoint_refuses(result):
                progress.stop()
                _report_batch(pipeline, out, written, skipped, failures, t0, len(todo) - n)
                raise fail(result.error or path)
            if result.record is None:
                failures.append((path, result.error or path))
                down_in_a_row = down_in_a_row + 1 if _endpoint_down(result) else 0
                if down_in_a_row >= _DOWN_LIMIT:  # don't spend retries on every remaining letter
                    not_attempted = len(todo) - n - 1
                    break
            else:
                down_in_a_row = 0
                dump = _dump(result.record, redaction_note)
                dump["source"] = source_key(path)
                try:
                    writer.write(dump)
                except OSError as exc:  # disk full, file removed: stop, what is written stays valid
                    raise fail(f"cannot write {out}: {exc.strerror or exc}") from None
                written += 1
            progress.advance(task)
    _report_batch(pipeline, out, written, skipped, failures, t0, not_attempted, "the model endpoint is down")
    return 2 if failures else 0


def _copy_records(
    path: str, pipeline: Pipeline, writer: JsonlWriter, done: set[str], failures: list[tuple[str, str]]
) -> tuple[int, int]:  # fmt: skip
    """Append the records of an `extract` file that `out` does not hold yet (by the letter
    each names); returns (written, already there)."""
    written = already = 0
    for result in pipeline.results(path):
        if result.record is None:
            failures.append((result.source, result.error or result.source))
            continue
        key = source_key(result.record.source) if result.record.source else result.source
        if key in done:
            already += 1
            continue
        done.add(key)
        dump = result.record.model_dump(mode="json")
        dump["source"] = key
        try:
            writer.write(dump)
        except OSError as exc:
            raise fail(f"cannot write {writer}: {exc.strerror or exc}") from None
        written += 1
    return written, already


def _report_batch(
    pipeline: Pipeline, out: Path, written: int, skipped: int, failures: list[tuple[str, str]], t0: float,
    not_attempted: int, why: str = "the model endpoint refused the request",
) -> None:  # fmt: skip
    summary = (
        f"{written} extracted, {skipped} already in {out}, {len(failures)} failed"
        f" ({time.perf_counter() - t0:.1f} s)"
    )
    if not_attempted:
        summary += f"; stopped: {why}, {not_attempted} not attempted (rerun to resume)"
    err_console.print(summary, highlight=False, markup=False)
    pipeline.log.debug("batch summary: %s", summary)
    for path, reason in failures:
        pipeline.log.debug("failed: %s: %s", path, reason)
    for _path, reason in failures:
        err_console.print(f"[red]failed:[/red] {escape(safe_text(reason))}", highlight=False, soft_wrap=True)
