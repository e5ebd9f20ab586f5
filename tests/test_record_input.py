"""Records from `extract` as input to every command that reads a letter (issue 18, item 4),
and re-indexing a `.jsonl` resumed by content hash (item 9)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_assist.api import extract_path
from imr_assist.assets import bundled_dir
from imr_assist.cli import app
from imr_assist.index import open_index

LETTERS = sorted(bundled_dir("letters").glob("*.txt"))
runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("IMR_ASSIST_EMBED", "none")
    monkeypatch.chdir(tmp_path)  # records name their letters relative to where extract ran


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The bundled letters copied here, one record file per shape `extract` writes."""
    for p in LETTERS:
        shutil.copy(p, tmp_path / p.name)
    one = invoke("extract", LETTERS[0].name, "--json")
    assert one.exit_code == 0, one.output
    (tmp_path / "rec.json").write_text(one.stdout, encoding="utf-8")
    many = invoke("extract", *(p.name for p in LETTERS), "--json")
    (tmp_path / "recs.json").write_text(many.stdout, encoding="utf-8")
    assert invoke("extract", *(p.name for p in LETTERS), "--jsonl", "recs.jsonl").exit_code == 0
    return tmp_path


def one_error_line(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in result.output
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


@pytest.mark.parametrize("command", [["summarize"], ["draft", "--kind", "appeal"], ["draft", "--kind", "resubmission"]])
def test_a_record_summarizes_and_drafts_like_its_letter(work: Path, command: list[str]) -> None:
    from_letter = invoke(*command[:1], LETTERS[0].name, *command[1:])
    from_record = invoke(*command[:1], "rec.json", *command[1:])
    assert from_letter.exit_code == 0, from_letter.output
    assert from_record.exit_code == 0, from_record.output
    assert from_record.stdout == from_letter.stdout


def test_similar_takes_records_one_or_many(work: Path) -> None:
    letter = json.loads(invoke("similar", LETTERS[0].name, "--json", "-k", "2").stdout)
    record = json.loads(invoke("similar", "rec.json", "--json", "-k", "2").stdout)
    assert record == letter
    many = invoke("similar", "recs.jsonl", "--json", "-k", "2")
    assert many.exit_code == 0, many.output
    groups = json.loads(many.stdout)
    expected = [(p.stem, n) for p in LETTERS for n in range(1, len(extract_path(p).items) + 1)]
    assert [(g["letter_id"], g["item"]) for g in groups] == expected
    assert json.loads(invoke("similar", "recs.json", "--json", "-k", "2").stdout) == groups


def test_review_and_extract_take_records(work: Path) -> None:
    page = invoke("review", "rec.json", "-o", "one.html")
    assert page.exit_code == 0, page.output
    assert LETTERS[0].stem in (work / "one.html").read_text(encoding="utf-8")
    pages = invoke("review", "recs.jsonl", "-o", "pages")
    assert pages.exit_code == 0, pages.output
    assert sorted(p.name for p in (work / "pages").glob("*.html")) == sorted(
        [f"{p.stem}.html" for p in LETTERS] + ["index.html"]
    )
    again = json.loads(invoke("extract", "recs.jsonl", "--json").stdout)
    assert [r["letter_id"] for r in again] == [p.stem for p in LETTERS]


def test_index_takes_a_json_array(work: Path) -> None:
    result = invoke("index", "recs.json", "--db", "imr.db")
    assert result.exit_code == 0, result.output
    with open_index(work / "imr.db", embedder="none") as ix:
        assert ix.count() == sum(len(extract_path(p).items) for p in LETTERS)


@pytest.mark.parametrize(
    ("content", "needle"),
    [('{"items": []}', "not a record from `imr-assist extract` (letter_id: Field required)"),
     ('[{"letter_id": "x", "items": [{"request": "MRI", "decision": "maybe"}]}]', "items.0.decision"),
     ("[1, 2]", "a JSON object is needed"),
     ("{not json", "not JSON")],
)  # fmt: skip
@pytest.mark.parametrize("command", [["summarize"], ["draft", "--kind", "appeal"], ["similar"], ["review"]])
def test_a_json_that_is_not_a_record_is_one_error_line(tmp_path, content, needle, command) -> None:
    (tmp_path / "x.json").write_text(content, encoding="utf-8")
    one_error_line(invoke(command[0], "x.json", *command[1:]), "x.json", needle)


def test_a_record_whose_letter_is_gone_is_one_error_line_for_text_commands(work: Path) -> None:
    (work / LETTERS[0].name).unlink()
    one_error_line(invoke("summarize", "rec.json"), "rec.json", "not found")
    similar = invoke("similar", "rec.json", "-k", "1", "--json")  # search needs only the record
    assert similar.exit_code == 0 and json.loads(similar.stdout)[0]["item"] == 1


def test_several_records_for_a_one_letter_command_is_one_error_line(work: Path) -> None:
    one_error_line(invoke("summarize", "recs.jsonl"), f"holds {len(LETTERS)} records")


# ---------------------------------------------------------------- item 9: resume by content hash


def test_reindexing_a_jsonl_skips_records_indexed_unchanged(work: Path) -> None:
    first = invoke("index", "recs.jsonl", "--db", "imr.db")
    assert first.exit_code == 0, first.output
    assert f"indexed {len(LETTERS)} letters" in first.stderr
    again = invoke("index", "recs.jsonl", "--db", "imr.db")
    assert again.exit_code == 0, again.output
    assert "indexed 0 letters, 0 decisions" in again.stderr and f"{len(LETTERS)} already there" in again.stderr
    # one record changed: only that one is indexed again
    lines = (work / "recs.jsonl").read_text(encoding="utf-8").splitlines()
    changed = json.loads(lines[1])
    changed["items"][0]["decision"] = "overturned" if changed["items"][0]["decision"] == "upheld" else "upheld"
    lines[1] = json.dumps(changed)
    (work / "recs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    third = invoke("index", "recs.jsonl", "--db", "imr.db")
    assert "indexed 1 letters" in third.stderr and f"{len(LETTERS) - 1} already there" in third.stderr
    with open_index(work / "imr.db", embedder="none") as ix:
        assert ix.get(f"{changed['letter_id']}#1").decision == changed["items"][0]["decision"]
    forced = invoke("index", "recs.jsonl", "--db", "imr.db", "--no-resume")
    assert f"indexed {len(LETTERS)} letters" in forced.stderr
