"""Review pages without a browser: segmentation, escaping, every span drawn, CLI, eval view."""

from __future__ import annotations

import html
import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from imr_assist.api import extract_path
from imr_assist.reading import Document, read_document
from imr_assist.review.eval_page import write_eval_html
from imr_assist.review.model import Mark, build, segments
from imr_assist.review.pages import review_html
from imr_assist.schema import Item, Patient, Record

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
LETTERS = sorted((BUNDLED / "letters").glob("*.txt"))
HOSTILE = "<script>document.title='pwned'</script>"

TEXT = (
    "Case Number: CM16-0000001\n"
    "The patient is a 47 year old female.\n"
    "Issue: Baclofen 10mg #60 is upheld.\n"
    "Rationale: no spasm on exam; MTUS page 63.\n"
)


def _at(sub: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(sub, start + 1)
    return start, start + len(sub)


def hand_record() -> Record:
    """A record with nested, identical and overlapping spans, and one unaligned value."""
    req = _at("Baclofen 10mg #60")
    return Record(
        letter_id="hand",
        case_number="CM16-0000001",
        patient=Patient(age=47, sex="female"),
        spans={"case_number": _at("CM16-0000001"), "patient.age": _at("47 year old"), "patient.sex": _at("female")},
        warnings=["a warning <b>with markup</b>"],
        items=[
            Item(
                request="Baclofen 10mg #60",
                decision="upheld",
                category="medication",
                generic_name="baclofen",
                quantity=60,
                reviewer_guidelines=["MTUS"],
                reviewer_pages=["63"],
                denial_reasons=["no_supporting_exam_findings"],
                rationale="no spasm on exam; MTUS page 63.",
                spans={
                    "item": (req[0], len(TEXT) - 1),
                    "heading": (_at("Issue:")[0], _at("upheld")[1]),
                    "request": req,
                    "category": req,  # identical to request
                    "generic_name": _at("Baclofen"),  # nested in request
                    "quantity": _at("60"),  # nested, end-aligned
                    "decision": _at("upheld"),
                    "rationale": _at("no spasm on exam; MTUS page 63."),
                    "denial_reasons": _at("no spasm on exam"),  # inside rationale
                    "reviewer_guidelines": _at("MTUS page"),  # overlaps reviewer_pages
                    "reviewer_pages": _at("page 63"),
                },
            )
        ],
    )


class _Letter(HTMLParser):
    """Collect the text of <pre id=letter> and, per mark id, the text of its elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.text: list[str] = []
        self.stack: list[list[str]] = []
        self.by_id: dict[str, list[str]] = {}
        self.tags_inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "pre" and a.get("id") == "letter":
            self.depth = 1
            return
        if self.depth:
            self.tags_inside.append(tag)
            self.depth += 1
            self.stack.append(((a.get("data-m") or "") + " " + (a.get("data-c") or "")).split())

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            if self.stack and self.depth:
                self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.depth:
            return
        self.text.append(data)
        for ids in self.stack:
            for i in ids:
                self.by_id.setdefault(i, []).append(data)


def parse_letter(page: str) -> _Letter:
    p = _Letter()
    p.feed(page)
    return p


# ------------------------------------------------------------------ segmentation


def test_segments_partition_text_and_carry_every_covering_mark() -> None:
    rng = random.Random(7)
    text = "".join(rng.choice("ab c\n") for _ in range(300))
    for _ in range(50):
        marks = []
        for i in range(rng.randint(0, 25)):
            s = rng.randrange(0, len(text) - 1)
            e = rng.randint(s + 1, min(len(text), s + 80))
            marks.append(Mark(f"m{i}", rng.choice(["request", "quantity", "rationale", "item"]), "x", s, e, 0, None))
        segs = segments(text, marks, [0, 100, 200])
        assert "".join(s.text for s in segs) == text
        for seg in segs:
            end = seg.start + len(seg.text)
            want = {m.id for m in marks if m.start <= seg.start and end <= m.end}
            got = {m.id for m in seg.marks + seg.containers}
            assert got == want
            # nothing partially covers a segment: boundaries are exact
            assert not [m for m in marks if m.start < end and m.end > seg.start and m.id not in got]
        assert [s.page_break for s in segs if s.page_break] == [2, 3]


def test_innermost_mark_gives_the_colour() -> None:
    model = build(hand_record().model_dump(mode="json"), TEXT)
    seg = next(s for s in model.segments if s.text.startswith("Baclofen"))
    assert seg.top is not None and seg.top.field == "generic_name"
    assert {m.field for m in seg.marks} == {"request", "category", "generic_name"}
    assert {c.field for c in seg.containers} == {"item", "heading"}


# ------------------------------------------------------------------ the page


def test_hand_record_page_draws_every_span_exactly() -> None:
    record = hand_record()
    page = review_html(record, Document(text=TEXT, source="hand.txt"))
    model = build(record.model_dump(mode="json"), TEXT)
    parsed = parse_letter(page)
    assert "".join(parsed.text) == "\n" + TEXT  # the parser-eaten newline, then the letter exactly
    assert set(parsed.tags_inside) <= {"span"}
    assert len(model.marks) == 14
    for m in model.marks:
        assert "".join(parsed.by_id[m.id]) == TEXT[m.start : m.end], m.field
        if not m.container:
            assert f'data-target="{m.id}"' in page or m.field == "heading"
    # containers are blocks, not highlights; highlights are coloured by kind
    assert re.search(r'class="hl k-detail multi[^"]*c-heading c-item"', page)
    assert 'class="c-item c-rationale"' in page
    assert "1 upheld" in page
    # warnings are listed (escaped); every non-null value has a span, so nothing is unaligned
    assert "a warning &lt;b&gt;with markup&lt;/b&gt;" in page
    assert 'class="unaligned"' not in page


def test_value_without_span_is_listed_as_unaligned() -> None:
    record = hand_record()
    del record.items[0].spans["quantity"]
    record.spans["patient.sex"] = (5, 10_000)  # outside the letter
    page = review_html(record, Document(text=TEXT))
    notices = page[page.index('id="notices"') : page.index("<main>")]
    assert "does not show the value (2)" in notices
    assert re.search(r"item 1</span> <code>quantity</code> = 60 <em>no span</em>", notices)
    assert re.search(r"<code>patient.sex</code> = female <em>span outside the letter</em>", notices)


def test_span_that_does_not_show_its_value_is_flagged() -> None:
    record = hand_record()
    record.patient.age = 74  # the span says 47
    page = review_html(record, Document(text=TEXT))
    assert "span does not show the value" in page
    assert re.search(r'class="hl k-patient weak" data-m="m1"', page)


def test_hostile_letter_text_is_escaped_everywhere() -> None:
    text = TEXT + HOSTILE + '\n"><img src=x onerror=alert(1)> &amp;\n'
    s = text.index(HOSTILE)
    record = Record(
        letter_id=HOSTILE,
        warnings=[HOSTILE],
        items=[Item(request=HOSTILE, decision="upheld", spans={"request": (s, s + len(HOSTILE))})],
    )
    page = review_html(record, Document(text=text, source=HOSTILE))
    assert HOSTILE not in page
    assert "<img" not in page
    assert page.count("<script>") == 1  # the bundled, hash-pinned script only
    assert str(escape(HOSTILE)) in page  # &lt;script&gt;document.title=&#39;pwned&#39;...
    assert "&amp;amp;" in page  # '&amp;' in the letter stays literal text
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    policy = html.unescape(csp.group(1)) if csp else ""
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy and "unsafe-inline" not in policy
    assert "".join(parse_letter(page).text) == "\n" + text


def test_page_is_self_contained() -> None:
    page = review_html(hand_record(), Document(text=TEXT))
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.stem)
def test_real_letters_every_span_highlighted(path: Path) -> None:
    record = extract_path(path)
    doc = read_document(path)
    page = review_html(record, doc)
    parsed = parse_letter(page)
    assert "".join(parsed.text) == "\n" + doc.text
    spans = [("letter", k, v) for k, v in record.spans.items()]
    spans += [(f"item {i}", k, v) for i, it in enumerate(record.items) for k, v in it.spans.items()]
    model = build(record.model_dump(mode="json"), doc.text, doc.page_starts)
    assert len(spans) == len(model.marks) > 10
    for m in model.marks:
        assert "".join(parsed.by_id[m.id]) == doc.text[m.start : m.end]
    for it in record.items:
        assert html.escape(it.request, quote=False) in page


# ------------------------------------------------------------------ command line

runner = CliRunner()


def invoke(args: list[str]):  # noqa: ANN201 - click's Result
    """Run the CLI in-process. Imported here: loading every command is slow (test_review_browser
    imports this module for `broken_report` and should not pay for it)."""
    from imr_assist.cli import app

    return runner.invoke(app, args)


def test_cli_single_letter(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = invoke(["review", str(LETTERS[0]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "120 Percocet 7.5/325mg" in page and 'data-target="m0"' in page


def test_cli_batch_writes_pages_index_and_reports_bad_letters(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    out = tmp_path / "pages"
    result = invoke(["review", str(LETTERS[0].parent), str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert "empty file" in result.output and "Traceback" not in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([*(p.stem + ".html" for p in LETTERS), "index.html"])
    index = (out / "index.html").read_text(encoding="utf-8")
    for p in LETTERS:
        assert f'href="{p.stem}.html"' in index
    assert "Baclofen 10mg #60 with 1 refill" in index and 'class="err"' in index
    assert 'href="index.html"' in (out / f"{LETTERS[0].stem}.html").read_text(encoding="utf-8")


def test_cli_bad_input_is_one_line(tmp_path: Path) -> None:
    result = invoke(["review", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "no such file" in result.output
    many = invoke(["review", *map(str, LETTERS), "-o", str(tmp_path / "x.html")])
    assert many.exit_code == 2 and "need a folder" in many.output


# ------------------------------------------------------------------ eval view


def broken_report() -> dict:
    """A real eval run over the bundled gold with an extractor that gets things wrong."""
    from imr_assist.evaluation.runner import run_eval
    from imr_assist.evaluation.suites import bundled_suites
    from imr_assist.extractors import get_extractor

    rules = get_extractor("rules")

    class Broken:
        name = "broken"

        def extract(self, doc: Document) -> Record:
            rec = rules.extract(doc)
            first = rec.items[0]
            first.decision = "overturned" if first.decision == "upheld" else "upheld"
            first.quantity = 999
            rec.items = rec.items[:1] + rec.items[2:]  # miss the second item
            rec.patient.age = 7
            return rec

    suites = [s for s in bundled_suites() if s.name == "gold"]
    return run_eval(suites, "broken", extractor=Broken())  # type: ignore[arg-type]


def test_eval_html_marks_mismatches(tmp_path: Path) -> None:
    report = json.loads(json.dumps(broken_report()))  # exactly what report.json holds
    index = write_eval_html(report, tmp_path)
    assert index == tmp_path / "html" / "index.html"
    letters = report["suites"]["gold"]["letters"]
    idx = index.read_text(encoding="utf-8")
    for letter in letters:
        page = (index.parent / "gold" / f"{letter['letter_id']}.html").read_text(encoding="utf-8")
        assert f'href="gold/{letter["letter_id"]}.html"' in idx
        wrong = re.findall(r'<tr class="row mismatch[^"]*"[^>]*>\s*<th title="([^"]+)"', page)
        assert {"patient.age", "decision", "quantity"} <= set(wrong)
        assert "missed item (gold only)" in page
        missed = next(g for gi, g in enumerate(letter["gold"]["items"]) if gi not in {p[0] for p in letter["pairs"]})
        assert html.escape(missed["request"], quote=False) in page
        n = len(letter["mismatches"])
        assert f"{n} mismatch" in page and f'<td class="n">{n}</td>' in idx
        assert "".join(parse_letter(page).text) == "\n" + read_document(letter["source"]).text


def test_eval_html_survives_a_vanished_letter_and_failed_extraction(tmp_path: Path) -> None:
    report = {
        "extractor": "x",
        "suites": {
            "s": {
                "metrics": {},
                "letters": [
                    {
                        "letter_id": "gone",
                        "source": str(tmp_path / "gone.txt"),
                        "error": "boom <b>",
                        "gold": {"items": [{"request": "MRI", "decision": "upheld"}], "patient": {"age": 3}},
                        "predicted": None,
                        "pairs": [],
                        "mismatches": [{"letter": "gone", "item": None, "field": "*", "kind": "error"}],
                    }
                ],
            }
        },
    }
    index = write_eval_html(report, tmp_path)
    page = (index.parent / "s" / "gone.html").read_text(encoding="utf-8")
    assert "boom &lt;b&gt;" in page and "letter text unavailable" in page
    assert "missed item (gold only)" in page and ">MRI<" in page


def test_non_ascii_and_astral_text_keeps_spans_exact() -> None:
    text = "Naïve café — 😀 𝔘 patient: 47 year old\nRequest: Tramadol 50mg #90\n"
    s = text.index("Tramadol 50mg #90")
    record = Record(
        letter_id="u",
        patient=Patient(age=47),
        spans={"patient.age": (text.index("47"), text.index("47") + 2)},
        items=[Item(request="Tramadol 50mg #90", decision="upheld", spans={"request": (s, s + 17)})],
    )
    parsed = parse_letter(review_html(record, Document(text=text)))
    assert "".join(parsed.by_id["m0"]) == "47"
    assert "".join(parsed.by_id["m1"]) == "Tramadol 50mg #90"
    assert "".join(parsed.text) == "\n" + text


def test_extra_span_keys_get_a_row() -> None:
    record = hand_record()
    model = build(record.model_dump(mode="json"), TEXT)
    heading = next(v for v in model.items[0].values if v.field == "heading")
    assert heading.mark is not None and heading.text == "Issue: Baclofen 10mg #60 is upheld"
    assert not any(v.field == "item" for v in model.items[0].values)


def test_batch_index_is_written_as_it_goes(tmp_path: Path) -> None:
    from imr_assist.review.pages import write_batch

    seen: list[int] = []

    def after(path: str, page: Path | None, error: str | None) -> None:
        index = tmp_path / "index.html"
        if index.exists():  # the index is rewritten after each letter; check it at the next one
            seen.append(index.read_text(encoding="utf-8").count('<a href="'))
        assert page is not None and page.exists() and error is None

    result = write_batch([str(p) for p in LETTERS], tmp_path, on_letter=after)
    assert seen == list(range(1, len(LETTERS)))  # letter k finds the k-1 before it listed
    assert result.index.read_text(encoding="utf-8").count('<a href="') == len(LETTERS)
