"""Which texts are IMR determination letters (issue 18, item 1).

Every real letter is accepted, in every layout and in the shapes text extraction gives
them (header block missing, headings broken across lines and inside words); documents
that are not letters (notes, a utilization review letter, a report quoting a letter's
headings, this project's own documentation) are refused with one `error:` line, exit 2.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from imr_assist.errors import NotAnIMRLetter
from imr_assist.layout.parser import parse_letter
from imr_assist.reading import Document, read_document

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "imr_assist" / "bundled"  # the letters the package ships
CORPUS = BUNDLED / "corpus"
REAL_LETTERS = [
    *sorted((CORPUS / "txt").glob("*.txt")),
    *sorted((CORPUS / "pdf").glob("*.pdf")),
    *sorted((BUNDLED / "letters").glob("*.txt")),
]
LAYOUTS = ROOT / "tests" / "fixtures" / "layouts"
NOT_LETTERS = [
    *sorted((ROOT / "tests" / "fixtures" / "not_letters").glob("*.txt")),
    ROOT / "README.md",
    ROOT / "eval" / "README.md",
    CORPUS / "README.md",
    ROOT / "docs" / "output-contract.md",
]
#: Headings and labels of the DWC layout that the rules read.
DWC_HEADINGS = (
    "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "CLINICAL CASE SUMMARY",
    "Claims Administrator guideline:",
    "MAXIMUS guideline:",
    "Decision rationale:",
)


def _structure(text: str, source: str = "<text>") -> list[tuple[str, str, list[str], list[str]]]:
    r = parse_letter(Document(text=text, source=source))
    return [(i.request, i.decision, i.reviewer_guidelines, i.claims_administrator_guidelines) for i in r.items]


@pytest.mark.parametrize("path", REAL_LETTERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_letter_is_accepted(path: Path) -> None:
    record = parse_letter(read_document(path))
    assert record.format == "dwc_final_determination"
    assert record.items and all(item.spans.get("decision") for item in record.items)


@pytest.mark.parametrize("name", ["maximus_imr", "medical_professional_review"])
def test_older_layouts_are_accepted(name: str) -> None:
    record = parse_letter(read_document(LAYOUTS / f"{name}.txt"))
    assert record.format == name and len(record.items) == 2


@pytest.mark.parametrize("path", sorted((CORPUS / "txt").glob("*.txt"))[:16], ids=lambda p: p.stem)
def test_letter_without_its_header_block_is_accepted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    body = text[text.index("HOW THE IMR FINAL DETERMINATION WAS MADE") :]
    assert "Case Number" not in body[:200]
    assert _structure(body) == _structure(text)


def _break_words(heading: str, rng: random.Random) -> str:
    """The heading as text extraction leaves it: one word split by a space, one line break."""
    words = heading.split(" ")
    k = max(range(len(words)), key=lambda i: (len(words[i]), rng.random()))
    w = words[k]
    cut = rng.randrange(1, len(w) - 1)
    words[k] = f"{w[:cut]} {w[cut:]}"
    if len(words) > 2:
        j = rng.randrange(1, len(words))
        words[j] = "\n" + words[j]
    return " ".join(words).replace(" \n", "\n")


@pytest.mark.parametrize("path", sorted((CORPUS / "txt").glob("*.txt")), ids=lambda p: p.stem)
def test_broken_headings_give_the_same_items(path: Path) -> None:
    """Every heading and label broken inside a word and across lines: the same items,
    decisions and guideline lists as the intact letter."""
    text = path.read_text(encoding="utf-8")
    rng = random.Random(path.stem)
    broken = text
    for heading in DWC_HEADINGS:
        broken = re.sub(re.escape(heading), lambda m: _break_words(m.group(0), rng), broken)
    assert broken != text
    assert _structure(broken) == _structure(text)


@pytest.mark.parametrize("path", NOT_LETTERS, ids=lambda p: p.name)
def test_documents_that_are_not_letters_are_refused(path: Path) -> None:
    with pytest.raises(NotAnIMRLetter, match="not an IMR determination letter"):
        parse_letter(read_document(path))


def test_quoted_headings_alone_are_not_a_letter() -> None:
    """A report quoting a letter's headings has them, but no decided item."""
    path = ROOT / "tests" / "fixtures" / "not_letters" / "doctor_report_quoting_imr.txt"
    with pytest.raises(NotAnIMRLetter, match="no decided item"):
        parse_letter(read_document(path))


def test_cli_refuses_a_readme_saved_as_text(tmp_path: Path) -> None:
    readme = tmp_path / "readme.txt"
    readme.write_text((ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", "from imr_assist.cli import main; main()", "extract", str(readme), "--json"],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "not an IMR determination letter" in lines[0]
