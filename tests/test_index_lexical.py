"""The vectorised BM25 build gives exactly the scores of `bm25s.BM25.index`, and survives save/load."""

from __future__ import annotations

import bm25s
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from imr_assist.index.lexical import build_bm25
from imr_assist.index.text import index_tokens, query_terms, tokens

WORDS = ["opioid", "weaning", "spasm", "therapy", "knee", "mri", "the", "of", "tramadol", "function", "pain"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30), min_size=1, max_size=40),
       st.lists(st.sampled_from(WORDS + ["unseen"]), min_size=1, max_size=5))
def test_same_scores_as_bm25s(corpus, query):
    ref = bm25s.BM25()
    ref.index(corpus, show_progress=False)
    mine = build_bm25(corpus)
    np.testing.assert_allclose(mine.get_scores(query), ref.get_scores(query), rtol=1e-5, atol=1e-6)


def test_save_and_load_round_trip(tmp_path):
    corpus = [index_tokens(t) for t in ("Tramadol for knee pain.", "Physical therapy, 12 sessions.", "MRI knee")]
    mine = build_bm25(corpus)
    mine.save(str(tmp_path / "bm"), show_progress=False)
    loaded = bm25s.BM25.load(str(tmp_path / "bm"), show_progress=False)
    np.testing.assert_allclose(loaded.get_scores(["knee"]), mine.get_scores(["knee"]))
    assert loaded.get_scores(["knee"])[1] == 0 and loaded.get_scores(["knee"])[0] > 0


def test_query_tokens_are_index_tokens_without_stopwords():
    text = "The request for 120 Percocet 7.5/325mg is not medically necessary (MTUS p.79-80) “opioid”."
    assert set(tokens(text)) <= set(index_tokens(text))
    assert "percocet" in tokens(text) and "325mg" in tokens(text) and "opioid" in tokens(text)
    assert "the" not in tokens(text) and "necessary" not in tokens(text)
    assert query_terms("tramadol tramadol", "pain tramadol", limit=2) == ["tramadol", "pain"]


def _small_index(tmp_path):
    from pathlib import Path

    from imr_assist.api import extract_path
    from imr_assist.index import open_index

    bundled = Path(__file__).resolve().parent.parent / "src" / "imr_assist" / "bundled"
    corpus = sorted((bundled / "corpus" / "txt").glob("*.txt"))[:8]
    ix = open_index(tmp_path / "imr.db", embedder="none", create=True)
    ix.add_records([extract_path(p) for p in corpus])
    ix.flush()
    return ix


def test_side_index_scores_are_bm25s_scores(tmp_path):
    ix = _small_index(tmp_path)
    side = ix._ensure_side()
    texts = [r[0] for r in ix.con.execute(
        "SELECT request || ' ' || coalesce(generic_name, '') || ' ' || rationale FROM decisions ORDER BY rowid")]
    ref = bm25s.BM25()
    ref.index([index_tokens(t) for t in texts], show_progress=False)
    for terms in (["mri", "knee"], ["functional", "improvement", "opioid"], ["unseen"]):
        np.testing.assert_allclose(side.scores(terms), ref.get_scores(terms), rtol=1e-5, atol=1e-6)
    ix.close()


def test_opening_an_index_maps_the_side_index_without_rebuilding_it(tmp_path, monkeypatch):
    from imr_assist.index import open_index
    from imr_assist.index import sqlite as sq

    _small_index(tmp_path).close()

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the side index was rebuilt on open")

    monkeypatch.setattr(sq, "build_side", no_rebuild)
    with open_index(tmp_path / "imr.db", embedder="none") as ix:
        assert ix.search("functional improvement", k=3)
        assert isinstance(ix._ensure_side().bm25[0], np.memmap)  # mapped, not loaded


def test_query_pruning_keeps_the_rarest_terms_within_the_budget():
    from imr_assist.index.sqlite import _rarest

    df = {"rare": 3, "mid": 50_000, "common": 600_000, "huge": 900_000}.get
    assert _rarest(["common", "rare", "mid", "huge", "absent"], df) == ["common", "rare", "mid"]  # 3 kept at least
    small = {"a": 5, "b": 7, "c": 9, "d": 11}.get
    assert _rarest(["d", "c", "b", "a"], small) == ["d", "c", "b", "a"]  # all fit: query order kept
