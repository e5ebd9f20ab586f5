"""One letter through the library, the same way for every command: read -> extract ->
time bound -> any failure as one line. `extract`, `index`, `review`, `similar`,
`summarize`, `draft` and `eval` all read letters here (`Pipeline.results` / `one`), so they
share one timeout and one error policy, and every one of them also takes the records
`extract` wrote (`.json`, `.jsonl`: `record_input.py`) in place of letters.

Why: a batch must end with a record or a clear reason for every letter. Bad input and
model failures (`ImrAssistError`) keep their message; an unexpected exception (a parser
bug on one odd letter) becomes "could not be extracted (...); please report this letter",
with the traceback only in the `--log` file. The typed error stays on the result
(`LetterResult.failure`), so a caller decides by type (a batch stops when the endpoint
is down), never by reading the message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .api import extract_document
from .errors import ConfigError, ImrAssistError, InputError
from .extractors import Extractor, get_extractor
from .logging_setup import get_logger
from .reading import Document, read_document
from .record_input import is_record_file, letter_of, read_records
from .schema import Record
from .settings import Settings
from .timebound import time_limit

if TYPE_CHECKING:
    from .model.usage import Ledger

#: seconds per letter: the parser is fast, a model may answer slowly
RULES_TIMEOUT = 60.0
MODEL_TIMEOUT = 600.0


def default_timeout(extractor: str) -> float:
    return RULES_TIMEOUT if extractor == "rules" else MODEL_TIMEOUT


def open_extractor(name: str, settings: Settings | None = None, ledger: Ledger | None = None) -> Extractor:
    """`get_extractor` with every start-up failure as one `ImrAssistError` line."""
    try:
        return get_extractor(name, settings=settings, ledger=ledger)
    except ImrAssistError:
        raise
    except ImportError as exc:
        raise ConfigError(f"extractor {name!r} is not available ({exc})") from None


@dataclass
class LetterResult:
    """What became of one letter: a record, or the one-line reason it has none."""

    source: str
    record: Record | None = None
    document: Document | None = None  # kept when the letter was read, even if extraction failed
    error: str | None = None
    failure: ImrAssistError | None = None  # the typed error behind `error` (None for a bug)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.record is not None


class Pipeline:
    """Runs letters through one extractor under one time bound."""

    def __init__(
        self, extractor: Extractor, timeout: float = RULES_TIMEOUT, ledger: Ledger | None = None,
        log: logging.Logger | None = None,
    ) -> None:  # fmt: skip
        self.extractor = extractor
        self.timeout = timeout
        self.ledger = ledger  # read for the log line: what the model cost for this letter
        self.log = log or get_logger()

    def run(self, source: str | Path) -> LetterResult:
        """One letter; never raises for a bad letter or a failed model call."""
        where = str(source)
        result = LetterResult(where)
        t0 = time.perf_counter()
        try:
            with time_limit(self.timeout, where):
                result.document = read_document(source)
                result.record = extract_document(result.document, self.extractor)
        except ImrAssistError as exc:
            result.failure = exc
            result.error = str(exc) if isinstance(exc, InputError) else f"{where}: {exc}"
            self.log.info("%s: failed after %.3f s: %s", where, time.perf_counter() - t0, result.error)
        except Exception as exc:  # a bug, not bad input: keep the batch going, keep the evidence
            self.log.debug("%s: internal error", where, exc_info=True)
            reason = str(exc).splitlines()[0] if str(exc) else ""
            result.error = (
                f"{where}: could not be extracted ({type(exc).__name__}: {reason}); please report this letter"
            )
            self.log.info("%s: internal error after %.3f s: %s", where, time.perf_counter() - t0, reason)
        result.seconds = time.perf_counter() - t0
        if result.record is not None:
            usage = self._usage_line(result.record)
            self.log.info(
                "%s: ok, %d items in %.3f s%s", where, len(result.record.items), result.seconds,
                f"; model: {usage}" if usage else "",
            )  # fmt: skip
        return result

    def results(self, source: str | Path) -> Iterator[LetterResult]:
        """What became of each letter in `source`: one result for a letter; one per record
        for a record file from `extract` (validated, not extracted again; `document` is the
        letter the record names when it is still there, else None)."""
        if not is_record_file(source):
            yield self.run(source)
            return
        try:
            for where, got in read_records(source):
                if isinstance(got, InputError):
                    yield LetterResult(where, error=str(got), failure=got)
                else:
                    yield LetterResult(where, record=got, document=letter_of(got, source))
        except InputError as exc:  # the file as a whole: missing, not JSON, not records
            yield LetterResult(str(source), error=str(exc), failure=exc)

    def records_of(self, source: str | Path) -> list[Record]:
        """Every record of one PATH argument (a letter, or a record file), or its failure raised."""
        records = []
        for result in self.results(source):
            if result.record is None:
                raise result.failure or InputError(result.error or f"{source}: could not be extracted")
            records.append(result.record)
        return records

    def one(self, source: str | Path) -> tuple[Document, Record]:
        """One letter for a single-letter command: its document and record, or the failure
        raised (an extractor bug as an `InputError` carrying the one line). A record file
        must hold one record whose letter is still readable (the command quotes it)."""
        results = list(self.results(source))
        for result in results:
            if result.record is None:
                if result.failure is not None:
                    raise result.failure
                raise InputError(result.error or f"{source}: could not be extracted")
        if len(results) != 1:
            raise InputError(f"{source}: holds {len(results)} records; this command takes one letter")
        result = results[0]
        assert result.record is not None
        if result.document is None:
            raise InputError(
                f"{source}: the letter this record was extracted from ({result.record.source or 'not named'}) "
                "is not found or has changed; this command needs the letter's text: give the letter itself"
            )
        return result.document, result.record

    def _usage_line(self, record: Record) -> str:
        usage = self.ledger.letters.get(record.letter_id) if self.ledger is not None else None
        return usage.line() if usage is not None else ""

    def records(self, sources: Iterable[str | Path], on_error: Callable[[LetterResult], None]) -> Iterator[Record]:
        """The records of `sources` (letters or record files), in order; each failure goes to
        `on_error` and is skipped."""
        for source in sources:
            for result in self.results(source):
                if result.record is not None:
                    yield result.record
                else:
                    on_error(result)
