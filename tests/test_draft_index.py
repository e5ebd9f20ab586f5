"""Drafting against the real retrieval API (`imr_assist.index`), built in a temp folder."""

from __future__ import annotations

import pytest
from test_draft_support import BUNDLED, MIXED, letter

from imr_assist.drafting import render_draft
from imr_assist.extractors.rules import RulesExtractor
from imr_assist.pipeline import Pipeline

index_mod = pytest.importorskip("imr_assist.index")


@pytest.fixture(scope="module")
def sqlite_index(tmp_path_factory):
    db = tmp_path_factory.mktemp("index") / "imr.db"
    ix = index_mod.open_index(db, embedder="none", create=True)
    letters = sorted((BUNDLED / "corpus" / "txt").glob("*.txt"))
    records = Pipeline(RulesExtractor()).records(letters, on_error=lambda result: None)
    index_mod.index_records(ix, records)
    yield ix
    ix.close()


@pytest.mark.parametrize("path", MIXED, ids=lambda p: p.stem)
def test_resubmission_cites_real_overturned_decisions(sqlite_index, path):
    record, text = letter(path)
    result = render_draft(record, text, "resubmission", index=sqlite_index)
    assert result.ok, [c for c in result.checks if not c.ok]
    assert result.cited, "the corpus holds similar overturned decisions"
    for cid, decision in result.cited.items():
        assert decision is not None and decision.decision == "overturned"
        assert decision.letter_id != record.letter_id
        assert f"`{cid}`" in result.markdown
