"""`extract --json` prints one JSON document whatever the input (issue 18, item 2): an
object for one letter, an array for several letters, a folder or a glob; `--jsonl` is for
lines (a file, or `-` for stdout)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from imr_assist.assets import bundled_dir
from imr_assist.cli import app

LETTERS = sorted(bundled_dir("letters").glob("*.txt"))
runner = CliRunner()


def extract(*args: str):
    return runner.invoke(app, ["extract", *args])


def test_one_letter_is_one_object() -> None:
    result = extract(str(LETTERS[0]), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict) and doc["letter_id"] == LETTERS[0].stem


def test_two_letters_are_one_array_json_load_can_read() -> None:
    result = extract(str(LETTERS[0]), str(LETTERS[1]), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [r["letter_id"] for r in doc] == [LETTERS[0].stem, LETTERS[1].stem]


def test_a_folder_is_an_array_even_with_one_letter(tmp_path: Path) -> None:
    (tmp_path / LETTERS[0].name).write_bytes(LETTERS[0].read_bytes())
    doc = json.loads(extract(str(tmp_path), "--json").stdout)
    assert isinstance(doc, list) and [r["letter_id"] for r in doc] == [LETTERS[0].stem]


def test_a_failed_letter_leaves_the_array_valid(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    result = extract(str(LETTERS[0]), str(bad), "--json")
    assert result.exit_code == 2
    assert [r["letter_id"] for r in json.loads(result.stdout)] == [LETTERS[0].stem]
    assert "empty" in result.stderr


def test_jsonl_dash_prints_one_line_per_letter() -> None:
    result = extract(*map(str, LETTERS), "--jsonl", "-")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [json.loads(line)["letter_id"] for line in lines] == [p.stem for p in LETTERS]
    assert not Path("-").exists()


def test_json_and_jsonl_together_is_one_error_line() -> None:
    result = extract(str(LETTERS[0]), "--json", "--jsonl", "-")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: give --json") and "\n" not in result.stderr.strip()
