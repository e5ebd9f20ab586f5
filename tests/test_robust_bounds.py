"""The per-letter time bound and the crash wrapper in `imr-assist extract`.

A hang or a parser bug on one letter must become one clear line and exit 2, and a batch
must carry on to the next letter."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_assist.assets import bundled_dir
from imr_assist.cli import app
from imr_assist.errors import EndpointUnreachable
from imr_assist.extractors import _REGISTRY
from imr_assist.layout.parser import parse_letter
from imr_assist.model import Ledger, Usage
from imr_assist.reading import Document
from imr_assist.schema import Record
from imr_assist.timebound import LetterTimeout, available, time_limit

LETTER = bundled_dir("letters") / "000_ab6402283f960931.txt"
pytestmark = pytest.mark.skipif(not available(), reason="SIGALRM time bound needs Unix and the main thread")


def _spin(*_a: object, **_k: object) -> None:
    while True:  # a pure-Python hang, like a runaway loop in a rule
        pass


def test_time_limit_interrupts_python_loop_and_regex() -> None:
    t0 = time.perf_counter()
    with pytest.raises(LetterTimeout, match=r"x\.txt: took longer than 0\.2 s"), time_limit(0.2, "x.txt"):
        _spin()
    # catastrophic backtracking inside `re` is interrupted too (sre checks for signals)
    with pytest.raises(LetterTimeout), time_limit(0.2, "y.txt"):
        re.match(r"(a+)+$", "a" * 40 + "b")
    assert time.perf_counter() - t0 < 3


def test_time_limit_restores_previous_timer() -> None:
    with time_limit(5, "z"):
        pass
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


class ScriptedExtractor:
    """Registered as the `scripted` extractor: runs `ScriptedExtractor.behave(doc, ledger)`."""

    name = "scripted"
    behave: Callable[[Document, Ledger | None], Record] = staticmethod(lambda doc, ledger: parse_letter(doc))

    def __init__(self, settings: object = None, ledger: Ledger | None = None) -> None:
        self.ledger = ledger

    def extract(self, doc: Document) -> Record:
        return type(self).behave(doc, self.ledger)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> type[ScriptedExtractor]:
    monkeypatch.setitem(_REGISTRY, "scripted", f"{__name__}:ScriptedExtractor")
    monkeypatch.setattr(ScriptedExtractor, "behave", staticmethod(lambda doc, ledger: parse_letter(doc)))
    return ScriptedExtractor


def test_cli_hang_becomes_one_line_and_batch_continues(scripted, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: E501
    def sometimes_hang(doc: Document, ledger: object) -> Record:
        if Path(doc.source).name.startswith("a_hang"):
            _spin()
        return parse_letter(doc)

    monkeypatch.setattr(scripted, "behave", staticmethod(sometimes_hang))
    (tmp_path / "a_hang.txt").write_text(LETTER.read_text())
    (tmp_path / "b_good.txt").write_text(LETTER.read_text())
    out = tmp_path / "o.jsonl"
    t0 = time.perf_counter()
    args = ["extract", str(tmp_path), "--jsonl", str(out), "--timeout", "2", "--extractor", "scripted"]
    res = CliRunner().invoke(app, args)
    assert time.perf_counter() - t0 < 10
    assert res.exit_code == 2
    assert "took longer than 2 s" in res.output and "1 extracted" in res.output
    assert "Traceback" not in res.output
    assert len(out.read_text().splitlines()) == 1


def test_cli_internal_crash_is_reported_not_raised(scripted, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: E501
    def boom(doc: Document, ledger: object) -> Record:
        raise IndexError("list index out of range")

    monkeypatch.setattr(scripted, "behave", staticmethod(boom))
    log = tmp_path / "run.log"
    res = CliRunner().invoke(app, ["extract", str(LETTER), "--json", "--log", str(log), "--extractor", "scripted"])
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "could not be extracted (IndexError: list index out of range)" in res.output
    assert "Traceback" not in res.output
    assert "Traceback" in log.read_text()  # the evidence is kept, in the log file only


def test_cli_endpoint_down_is_clear(tmp_path: Path) -> None:
    """The real LLM extractor against a closed local port: one line, nothing written."""
    out = tmp_path / "o.jsonl"
    res = CliRunner().invoke(app, ["extract", str(LETTER), "--jsonl", str(out), "--extractor", "llm", "--model", "m",
                                   "--base-url", "http://127.0.0.1:9/v1", "--no-cache"])  # fmt: skip
    assert res.exit_code == 2
    assert "model endpoint http://127.0.0.1:9/v1 is unreachable" in res.output
    assert out.read_text() == ""  # no partial record written as if complete


def test_time_limit_is_not_swallowed_by_except_exception() -> None:
    """A retry loop that catches Exception (as HTTP clients and parsers do) must not eat
    the timeout and keep going."""
    attempts = 0
    with pytest.raises(LetterTimeout), time_limit(0.2, "r.txt"):
        while True:
            attempts += 1
            try:
                _spin()
            except Exception:  # noqa: BLE001, S112
                continue
    assert attempts == 1


def test_log_carries_model_tokens_from_the_ledger(scripted, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: E501
    """The ledger the command hands the extractor is what the log line reads."""

    def book(doc: Document, ledger: Ledger | None) -> Record:
        record = parse_letter(doc)
        assert ledger is not None
        ledger.record(record.letter_id, Usage(calls=2, items=3, prompt_tokens=1200, completion_tokens=80))
        return record

    monkeypatch.setattr(scripted, "behave", staticmethod(book))
    log = tmp_path / "run.log"
    args = ["extract", str(LETTER), "--json", "--log", str(log), "--extractor", "scripted", "--stats"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    line = r"ok, 3 items in \d+\.\d+ s; model: 3 items, 2 calls .*1200 prompt \+ 80 completion"
    assert re.search(line, log.read_text())
    assert "total (1 letters): 3 items, 2 calls" in res.output  # --stats reads the same ledger


def test_batch_stops_early_when_the_endpoint_stays_down(scripted, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: E501
    calls: list[str] = []

    def down(doc: Document, ledger: object) -> Record:
        calls.append(doc.source)
        raise EndpointUnreachable("model endpoint http://127.0.0.1:9/v1 is unreachable (Connection refused)")

    monkeypatch.setattr(scripted, "behave", staticmethod(down))
    for i in range(6):
        (tmp_path / f"{i}.txt").write_text(LETTER.read_text())
    out = tmp_path / "o.jsonl"
    res = CliRunner().invoke(app, ["extract", str(tmp_path), "--jsonl", str(out), "--extractor", "scripted"])
    assert res.exit_code == 2
    assert len(calls) == 3
    assert "endpoint is down, 3 not attempted (rerun to resume)" in " ".join(res.output.split())
    assert out.read_text() == ""
