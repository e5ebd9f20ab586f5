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
