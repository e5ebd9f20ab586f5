"""Run one extractor over suites and build the report dict (report.json's content).

A letter the extractor cannot handle is scored as a total miss and its error recorded;
one bad letter never stops the run, so the report always covers every gold file.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError
from ..extractors import Extractor, get_extractor
from ..reading import read_document
from .scorer import score_letter, summarize
from .suites import Suite, resolve

REPORT_VERSION = 1


def load_extractor(name: str) -> Extractor:
    """`get_extractor(name)` as a plain pass-through; failures become one-line InputErrors."""
    try:
        return get_extractor(name)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    except ImportError as exc:
        raise InputError(f"extractor {name!r} is not available ({exc})") from None
    except Exception as exc:  # a constructor that needs config (model, key) says why
        raise InputError(f"extractor {name!r} could not start: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0]}" if msg else type(exc).__name__


def run_suite(suite: Suite, extractor: Extractor) -> dict[str, Any]:
    """Score every case of a suite; the dict holds metrics, fields and per-letter detail."""
    resolve(suite)
    started = time.perf_counter()
    letters: list[dict[str, Any]] = []
    scores = []
    errors = 0
    for case in suite.cases:
        t0 = time.perf_counter()
        pred: dict[str, Any] | None = None
        error: str | None = None
        text: str | None = None
        try:
            doc = read_document(case.letter)
            text = doc.text
            pred = extractor.extract(doc).model_dump(mode="json")
        except InputError as exc:
            error = str(exc)
        except Exception as exc:  # the extractor's bug is a scored failure, not a crash
            error = _one_line(exc)
        seconds = time.perf_counter() - t0
        score = score_letter(case.gold, pred, text, letter_id=case.letter_id)
        if error is not None:
            errors += 1
            score.mismatches.insert(
                0,
                {
                    "letter": case.letter_id,
                    "item": None,
                    "field": "*",
                    "gold": None,
                    "predicted": None,
                    "kind": "error",
                    "error": error,
                    "gold_index": None,
                    "pred_index": None,
                },
            )
        scores.append(score)
        letter_summary = summarize([score], errors=int(error is not None))["metrics"]
        letters.append(
            {
                "letter_id": case.letter_id,
                "source": str(case.letter),
                "gold_path": str(case.gold_path),
                "seconds": round(seconds, 4),
                "error": error,
                "metrics": letter_summary,
                "pairs": [list(p) for p in score.pairs],
                "mismatches": score.mismatches,
                "ungrounded": score.ungrounded,
                "gold": case.gold,
                "predicted": pred,
            }
        )
    result = summarize(scores, errors=errors)
    return {
        "name": suite.name,
        "gold_dir": str(suite.gold_dir),
        "letters_dir": str(suite.letters_dir),
        "seconds": round(time.perf_counter() - started, 3),
        "warnings": suite.warnings,
        "metrics": result["metrics"],
        "fields": result["fields"],
        "reasons": result["reasons"],
        "letters": letters,
    }


def run_eval(
    suites: list[Suite], extractor_name: str, extractor: Extractor | None = None
) -> dict[str, Any]:
    """Run every suite with one extractor and return the whole report dict."""
    ex = extractor if extractor is not None else load_extractor(extractor_name)
    started = time.perf_counter()
    results = {s.name: run_suite(s, ex) for s in suites}
    return {
        "version": REPORT_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "extractor": extractor_name,
        "seconds": round(time.perf_counter() - started, 3),
        "suites": results,
    }


def all_mismatches(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every mismatch of every suite, each tagged with its suite."""
    return [
        {"suite": name, **m}
        for name, suite in report["suites"].items()
        for letter in suite["letters"]
        for m in letter["mismatches"]
    ]
