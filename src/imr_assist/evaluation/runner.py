"""Run one extractor over suites and build the report dict (report.json's content).

A letter the extractor cannot handle is scored as a total miss and its error recorded;
one bad letter never stops the run, so the report always covers every gold file.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from ..extractors import Extractor
from ..pipeline import Pipeline, default_timeout, open_extractor
from .scorer import score_letter, summarize
from .suites import Suite, resolve

REPORT_VERSION = 1


def run_suite(suite: Suite, pipeline: Pipeline) -> dict[str, Any]:
    """Score every case of a suite; the dict holds metrics, fields and per-letter detail.

    A letter the pipeline could not extract (bad input, a model failure, an extractor bug)
    is a scored total miss with its one-line error."""
    resolve(suite)
    started = time.perf_counter()
    letters: list[dict[str, Any]] = []
    scores = []
    errors = 0
    for case in suite.cases:
        outcome = pipeline.run(case.letter)
        error = outcome.error
        text = outcome.document.text if outcome.document is not None else None
        pred = outcome.record.model_dump(mode="json") if outcome.record is not None else None
        seconds = outcome.seconds
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
    ex = extractor if extractor is not None else open_extractor(extractor_name)
    pipeline = Pipeline(ex, default_timeout(extractor_name))
    started = time.perf_counter()
    results = {s.name: run_suite(s, pipeline) for s in suites}
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
