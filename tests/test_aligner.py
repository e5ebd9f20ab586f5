"""Quote-to-span alignment: the model gives words, the aligner finds them in the letter as read."""

from imr_assist.llm.aligner import align_quote

LETTER = (
    "Decision rationale: Long-term use may be appropriate if the patient \n\n"
    "is showing measurable functional improvement and reduction in pain in the absence of non- \n\n"
    "compliance. Functional improvement is defined by either significant improvement in activities \n\n"
    "of daily living.\n"
    "Baclofen 10mg #60 with 1 refill: Upheld \n"
)


def span_text(hit):
    return LETTER[hit.start : hit.end]


def test_exact_quote():
    hit = align_quote("measurable functional improvement", LETTER)
    assert hit is not None and hit.status == "exact"
    assert span_text(hit) == "measurable functional improvement"


def test_quote_across_a_broken_line():
    quote = "reduction in pain in the absence of"
    hit = align_quote("in activities of daily living", LETTER)
    assert hit is not None and hit.status == "normalized"
    assert span_text(hit).startswith("in activities") and span_text(hit).endswith("living")
    assert "\n" in span_text(hit)
    assert span_text(align_quote(quote, LETTER)) == quote


def test_hyphen_split_quoted_joined_or_hyphenated():
    for quote in ("absence of noncompliance", "absence of non-compliance", "absence of non- compliance"):
        hit = align_quote(quote, LETTER)
        assert hit is not None, quote
        assert span_text(hit) == "absence of non- \n\ncompliance"


def test_case_and_punctuation_tolerated():
    hit = align_quote("BACLOFEN 10 MG #60 WITH 1 REFILL", LETTER)
    assert hit is not None
    assert span_text(hit) == "Baclofen 10mg #60 with 1 refill"


def test_fuzzy_match_for_a_small_typo_in_a_long_quote():
    hit = align_quote("measurable functional improvment and reduction in pain", LETTER)
    assert hit is not None and hit.status == "fuzzy" and hit.score >= 90
    assert "functional improvement" in span_text(hit)


def test_unfindable_quote_has_no_span():
    assert align_quote("no objective evidence of muscle spasm", LETTER) is None
    assert align_quote("", LETTER) is None
    assert align_quote("   ", LETTER) is None
    assert align_quote("Ambien", LETTER) is None  # short quotes are never fuzzy-matched


def test_window_first_and_window_only():
    text = "Item A: Norco 10mg. Item B: Norco 10mg. end"
    second = text.index("Item B")
    hit = align_quote("Norco 10mg", text, window=(second, len(text)))
    assert hit is not None and hit.start > second
    assert align_quote("Item A", text, window=(second, len(text)), whole_text=False) is None
    assert align_quote("Item A", text, window=(second, len(text))).start == 0
