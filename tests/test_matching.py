"""The fast-matching helpers the layout rules rely on give the same answers as the plain,
slow regexes they replace: lower-cased patterns instead of IGNORECASE, a leading \\b moved
behind the first letter, dates tried only at digit runs, trie alternations, the rule
patterns tried only where their needed words occur, and the non-space index behind spans."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from imr_assist.layout.tables import category_rules, trie_pattern
from imr_assist.layout.text import (
    DATE_PATTERN,
    Region,
    any_of,
    iter_dates,
    lower_keeping_offsets,
    lower_pattern,
    lowered,
    word_led,
)
from imr_assist.reading import clean, read_document

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
CORPUS = sorted((BUNDLED / "corpus" / "txt").glob("*.txt"))[:16]


def corpus_texts() -> list[str]:
    return [read_document(p).text for p in CORPUS]


def test_lower_keeping_offsets_never_shifts_offsets() -> None:
    s = "İstanbul DATE OF INJURY: 10/13/2016"  # 'İ'.lower() is two characters
    low = lower_keeping_offsets(s)
    assert len(low) == len(s)
    assert low.index("date of injury") == s.index("DATE OF INJURY")
    assert lowered(s) is lowered(s)  # memoised per letter


def test_lower_pattern_keeps_escapes_and_group_names() -> None:
    p = lower_pattern(r"(?P<Word>\S+)\s+OF\s+(?P<num>\D*\d+)")
    m = p.search("date of injury 12")
    assert m is not None and m.group("Word") == "date" and m.group("num") == "injury 12"


@pytest.mark.parametrize(
    "alternative, text, expected",
    [
        (r"\bmri\b", "lumbar mri without contrast", True),
        (r"\bmri\b", "lumbarmri", False),
        (r"\bs?cs\b", "scs trial", True),  # quantified first letter: left as written
        (r"\b\d+ mg", "tramadol 50 mg", True),
        (r"\b\d+ mg", "x50 mg", False),
    ],
)
def test_word_led_matches_like_a_leading_boundary(alternative: str, text: str, expected: bool) -> None:
    moved = re.compile(word_led(alternative))
    assert bool(moved.search(text)) is expected
    assert bool(re.search(alternative, text)) is expected


def test_category_rules_match_like_the_case_insensitive_alternation() -> None:
    import json

    from imr_assist.assets import DATA_DIR

    data = json.loads((DATA_DIR / "categories.json").read_text())
    requests = [
        "MRI of the lumbar spine", "Norco 10/325mg #120", "Physical therapy 2x6", "TENS unit",
        "Lumbar ESI at L4-5", "Right knee arthroscopy", "Urine drug screen", "H-Wave device",
        "Follow-up visit", "Ibuprofen 800 mg", "CBT sessions x6", "Carpal tunnel release",
        "Unitedhealth form", "scs trial", "Home exercise kit", "PT/OT evaluation",
    ]  # fmt: skip
    for (cat, pats), (cat2, compiled) in zip(data["rules"], category_rules(), strict=True):
        assert cat == cat2
        slow = re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)
        for request in requests:
            fast = any(p.search(lower_keeping_offsets(request)) for p in compiled)
            assert fast == bool(slow.search(request)), (cat, request)


def test_any_of_separates_alternatives_that_cannot_be_scanned_by_first_letter() -> None:
    patterns = any_of([r"\bcream\b", r"\d\s?%", "transdermal"])
    assert len(patterns) == 2
    assert any(p.search("lidoderm 5% patch") for p in patterns)
    assert not any(p.search("icecream") for p in patterns)


def test_iter_dates_finds_what_a_full_scan_finds() -> None:
    samples = [
        "date of injury: 10/13/2016 decision date: 12/09/2016",
        "on march 30, 2016 and 12 march 2016, in 2014, since 2011, during 2015",
        "seen in sept. 2016 and on 9/23/16; cm16-0213037 page 5 of 7",
        "of 20161 and 1/2/3/4 and march, 2016",
    ]
    samples += [clean(t).lower()[:3000] for t in corpus_texts()]
    for s in samples:
        fast = [(m.start(), m.end(), m.group()) for m in iter_dates(s)]
        slow = [(m.start(), m.end(), m.group()) for m in DATE_PATTERN.finditer(s)]
        assert fast == slow


def test_trie_pattern_prefers_the_longest_name_and_word_starts() -> None:
    trie = re.compile(trie_pattern(["ms contin", "ms", "oxycodone", "oxycontin"], word_start=True, space=r"[\s-]+"))
    assert [m.group() for m in trie.finditer("ms-contin and oxycontin, not boxycodone")] == ["ms-contin", "oxycontin"]


def test_region_spans_map_back_through_the_letter_index() -> None:
    text = "Head\n\n  Date   of\nInjury:  10/13/2016 \n\nnon-\ncompliance   noted."
    region = Region(text, 4, len(text))
    for word in ("Date of Injury", "10/13/2016", "non-compliance", "noted."):
        a = region.clean.index(word)
        s, e = region.span(a, a + len(word))
        assert clean(text[s:e]) == word


def test_non_space_table_is_what_str_split_splits_on() -> None:
    from imr_assist.reading import _NOT_SPACE, nonspace_positions

    for code in range(len(_NOT_SPACE)):
        if not 0xD800 <= code <= 0xDFFF:  # lone surrogates are not text
            assert bool(_NOT_SPACE[code]) is not chr(code).isspace(), hex(code)
    text = "a \U0001f600 b\u3000c\xa0d\u2028e"  # one character beyond the BMP
    assert list(nonspace_positions(text)) == [i for i, ch in enumerate(text) if not ch.isspace()]


def test_required_words_hold_in_every_match() -> None:
    from imr_assist.layout.required_words import requirements

    pattern = r"(no|lack of)( \w+){0,3} (functional|objective) (improvement|gains?)"
    assert ("functional", "objective") in requirements(pattern)
    assert ("gain", "improvement") in requirements(pattern)
    for text in ("no documented functional improvement", "lack of any objective gains"):
        m = re.search(pattern, text)
        assert m is not None
        for words in requirements(pattern):
            assert any(w in m.group() for w in words)
    assert requirements(r"(?=abc)\d+") == []  # look-arounds and classes guarantee nothing


def test_gated_patterns_find_what_every_pattern_finds() -> None:
    """Trying a pattern only where its needed words occur (layout/gate.py), and the fast
    forms it compiles patterns to, never lose a match: on every sentence of the corpus
    rationales, each family finds what its plain patterns, searched everywhere, find."""
    from imr_assist.assets import DATA_DIR
    from imr_assist.layout.parser import parse_letter
    from imr_assist.layout.rationale import _FAMILIES, cues, read_rationale
    from imr_assist.layout.reasons import rules

    data = json.loads((DATA_DIR / "rationale.json").read_text())
    plain = {name: [re.compile(p) for p in data[name]] for name in _FAMILIES}
    plain |= {name: [re.compile(p) for p in ps] for name, ps in rules().families.items()}
    assert set(plain) == set(cues().gate.families)
    checked = 0
    for path in CORPUS:
        for item in parse_letter(read_document(path)).items:
            reading = read_rationale(item.rationale)
            for part, plan in zip(reading.parts, reading.plans, strict=True):
                sentence = reading.low[part.start : part.end]
                for family, patterns in plain.items():
                    slow = any(p.search(sentence) for p in patterns)
                    fast = plan.search(family, sentence) is not None
                    assert fast == slow, (path.name, family, sentence)
                checked += 1
    assert checked > 150


def test_gating_changes_no_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: every corpus record is the same whether patterns are gated by their
    words or every pattern is tried everywhere. (Rules use *which* pattern matched first,
    not only whether one did, so the per-sentence check above is not enough: a gate that
    missed a word starting inside another changed three corpus records.)"""
    from imr_assist.layout.gate import Plan
    from imr_assist.layout.parser import parse_letter

    letters = sorted((BUNDLED / "corpus" / "txt").glob("*.txt"))
    gated = [parse_letter(read_document(p)).model_dump_json() for p in letters]
    monkeypatch.setattr(Plan, "candidates", lambda self, family: self._gate.families[family])
    everywhere = [parse_letter(read_document(p)).model_dump_json() for p in letters]
    assert len(letters) > 60
    for path, fast, slow in zip(letters, gated, everywhere, strict=True):
        assert fast == slow, path.name


def test_few_rule_patterns_are_tried_everywhere() -> None:
    """A pattern with no word every match holds is searched in every sentence of every
    rationale; a handful are (short pronouns, dates, list markers). A top-level alternation
    of phrases is one such pattern unless split into one pattern per phrase, each gated by
    its own words (data/*.json): keep the handful a handful, or the speed floor goes."""
    from imr_assist.layout.rationale import cues

    families = cues().gate.families
    everywhere = [p.regex.pattern for ps in families.values() for p in ps if p.needs is None]
    assert sum(len(ps) for ps in families.values()) > 300
    assert len(everywhere) <= 12, everywhere
