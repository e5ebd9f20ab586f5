"""Golden files pin the exact drafts. Regenerate after an intended change with

    IMR_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_draft_golden.py

and review the diff of tests/golden/drafting/ before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_draft_support import LETTERS, MIXED, corpus_index, letter

from imr_assist.drafting import render_draft, render_summary

GOLDEN = Path(__file__).parent / "golden" / "drafting"
UPDATE = os.environ.get("IMR_UPDATE_GOLDEN") == "1"

CASES = [(p, kind, "md") for p in LETTERS for kind in ("summary", "resubmission", "appeal")]
CASES += [(MIXED[0], "summary", "md"), (MIXED[0], "resubmission", "md"), (MIXED[0], "appeal", "md")]
CASES += [(LETTERS[0], "summary", "html"), (MIXED[0], "appeal", "txt")]


def _render(path: Path, kind: str, fmt: str):
    record, text = letter(path)
    if kind == "summary":
        return render_summary(record, text, fmt)
    return render_draft(record, text, kind, index=corpus_index() if kind == "resubmission" else None, fmt=fmt)


@pytest.mark.parametrize("path, kind, fmt", CASES, ids=lambda v: getattr(v, "stem", v))
def test_golden(path, kind, fmt):
    result = _render(path, kind, fmt)
    assert result.ok, [c for c in result.checks if not c.ok]
    golden = GOLDEN / f"{path.stem}.{kind}.{fmt}"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.text, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with IMR_UPDATE_GOLDEN=1 and review the diff"
    assert result.text == golden.read_text(encoding="utf-8"), f"{golden.name} changed; see the module docstring"
