"""The review page in a real headless Chromium: every span highlighted, clicks work, offline,
hostile letter text inert. Skips (with the reason) only when no Chromium is installed."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Chromium, find_chromium

from imr_assist.api import extract_path
from imr_assist.reading import Document, read_document
from imr_assist.review.eval_page import write_eval_html
from imr_assist.review.model import build
from imr_assist.review.pages import review_html
from imr_assist.schema import Item, Record

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
LETTER = BUNDLED / "letters" / "000_ab6402283f960931.txt"
HOSTILE = "<script>document.title='pwned'</script>"

#: Set IMR_TEST_REQUIRE_BROWSER=1 where a browser must exist (CI): then a missing one fails.
pytestmark = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("IMR_TEST_REQUIRE_BROWSER"),
    reason="no Chromium on this machine (apt-get install chromium, or set IMR_TEST_CHROMIUM)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    # Installed but failing to start is a real failure, not a reason to skip.
    with Chromium(width=1400, height=900) as b:
        yield b


def _open(browser: Chromium, page: Path) -> None:
    browser.goto(page.resolve().as_uri())


#: Per mark id, the text of the letter elements that carry it (in document order).
SPAN_TEXTS = """(() => {
  const out = {};
  for (const el of document.querySelectorAll('#letter [data-m], #letter [data-c]')) {
    const ids = ((el.getAttribute('data-m') || '') + ' ' + (el.getAttribute('data-c') || '')).split(' ');
    for (const id of ids) if (id) out[id] = (out[id] || '') + el.textContent;
  }
  return out;
})()"""


def test_every_span_highlighted_and_clicks_work(browser: Chromium, tmp_path: Path) -> None:
    record = extract_path(LETTER)
    doc = read_document(LETTER)
    page = tmp_path / "review.html"
    page.write_text(review_html(record, doc), encoding="utf-8")
    _open(browser, page)
    browser.screenshot(tmp_path / "review.png")
    assert (tmp_path / "review.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    model = build(record.model_dump(mode="json"), doc.text, doc.page_starts)
    # the whole letter, exactly (the HTML parser eats the template's newline after <pre>)
    assert browser.eval("document.getElementById('letter').textContent") == doc.text
    texts = browser.eval(SPAN_TEXTS)
    for m in model.marks:
        assert texts.get(m.id) == doc.text[m.start : m.end], (m.id, m.field)
    # highlights (not containers) are painted: a real background colour, not transparent
    painted = browser.eval(
        "Array.from(document.querySelectorAll('#letter .hl')).every("
        "e => getComputedStyle(e).backgroundColor !== 'rgba(0, 0, 0, 0)')"
    )
    assert painted

    # a click on a value in the record flashes its span and marks it active
    target = next(m for m in model.marks if m.field == "quantity" and m.item == 1)
    browser.click(f'#record button.val[data-target="{target.id}"]')
    active = browser.eval(
        "Array.from(document.querySelectorAll('#letter .active')).map(e => e.textContent).join('')"
    )
    assert active == doc.text[target.start : target.end]
    assert browser.eval(f"document.querySelector('#letter [data-m~=\"{target.id}\"]').classList.contains('flash')")
    assert browser.eval(f"document.getElementById('v-{target.id}').classList.contains('active')")
    # ... and the span is scrolled into view in the letter pane
    assert browser.wait_for(
        f"""(() => {{ const r = document.querySelector('#letter [data-m~="{target.id}"]').getBoundingClientRect();
        const p = document.getElementById('letter-pane').getBoundingClientRect();
        return r.top >= p.top && r.bottom <= p.bottom; }})()"""
    )

    # a click on a highlight shows which field(s) it is
    decision = next(m for m in model.marks if m.field == "decision" and m.item == 0)
    browser.click(f'#letter [data-m~="{decision.id}"]')
    assert browser.eval("document.getElementById('pop').hidden") is False
    assert "item 1 · decision = upheld" in browser.eval("document.getElementById('pop').textContent")

    # the legend hides a kind
    browser.click('#legend input[data-kind="decision"]')
    colour = browser.eval(
        f"getComputedStyle(document.querySelector('#letter [data-m~=\"{decision.id}\"]')).backgroundColor"
    )
    assert colour == "rgba(0, 0, 0, 0)"

    assert browser.exceptions() == []
    # offline: nothing was fetched, not even a font or an icon
    assert browser.eval("performance.getEntriesByType('resource').length") == 0


def test_hostile_letter_stays_inert(browser: Chromium, tmp_path: Path) -> None:
    # astral characters before the span: the DOM counts UTF-16 units, Python code points
    text = "Case Number: CM16-1 café — 😀 𝔘\n" + HOSTILE + "\n<img src=x onerror=\"document.title='img'\">\n"
    s = text.index(HOSTILE)
    record = Record(
        letter_id="hostile",
        warnings=[HOSTILE],
        items=[Item(request=HOSTILE, decision="upheld", spans={"request": (s, s + len(HOSTILE))})],
    )
    page = tmp_path / "hostile.html"
    page.write_text(review_html(record, Document(text=text, source="hostile.txt")), encoding="utf-8")
    _open(browser, page)
    assert browser.eval("document.title") == "hostile · review · imr-assist"
    assert browser.eval("document.querySelectorAll('script').length") == 1
    assert browser.eval("document.querySelectorAll('img').length") == 0
    assert browser.eval("document.getElementById('letter').textContent") == text
    browser.click('#record button.val[data-target="m0"]')
    assert browser.eval("document.querySelector('#letter .active').textContent") == HOSTILE
    assert browser.eval("document.title") == "hostile · review · imr-assist"


def test_eval_page_shows_mismatches(browser: Chromium, tmp_path: Path) -> None:
    from test_review import broken_report

    report = json.loads(json.dumps(broken_report()))
    index = write_eval_html(report, tmp_path)
    first = report["suites"]["gold"]["letters"][0]
    _open(browser, index)
    assert browser.eval("document.querySelectorAll('table.letters a').length") == 3
    browser.click("table.letters a")  # a real navigation: wait for the letter page to load
    assert browser.wait_for(
        f"location.pathname.endsWith('/gold/{first['letter_id']}.html') && document.readyState === 'complete'"
        " && !!document.getElementById('only-wrong')"
    )
    wrong = browser.eval("Array.from(document.querySelectorAll('tr.mismatch th')).map(e => e.title)")
    assert {"patient.age", "decision", "quantity"} <= set(wrong)
    rows = browser.eval("document.querySelectorAll('#record tr.row').length")
    browser.click("#only-wrong")
    visible = browser.eval(
        "Array.from(document.querySelectorAll('#record tr.row')).filter(e => e.offsetParent !== null).length"
    )
    assert visible == len(wrong) < rows
    browser.screenshot(tmp_path / "eval.png")
    assert browser.exceptions() == []
