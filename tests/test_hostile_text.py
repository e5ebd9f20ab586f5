"""Hostile text in letters and filters: control and bidi characters never act on the
terminal, LIKE wildcards typed in a filter are characters, a stored name holding '"'
breaks no query."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from imr_assist.assets import bundled_dir
from imr_assist.cli import app
from imr_assist.cli.common import safe_text

runner = CliRunner()
LETTER = bundled_dir("letters") / "000_ab6402283f960931.txt"


def test_safe_text_shows_controls_and_bidi_as_visible_escapes() -> None:
    assert safe_text("plain text, ünïcode") == "plain text, ünïcode"
    assert safe_text("a\x1b[31mred\x07\u202eevil\u2066x\u200f") == "a\\x1b[31mred\\x07<U+202E>evil<U+2066>x<U+200F>"
    assert safe_text("line\nnext\ttab") == "line\nnext\ttab"


def test_letter_text_cannot_drive_the_terminal(tmp_path: Path) -> None:
    text = LETTER.read_text(encoding="utf-8").replace(
        "120 Percocet 7.5/325mg: Upheld", "120 Percocet \x1b[2J\x1b[31m\u202e[bold]x[/bold] 7.5/325mg: Upheld", 1
    )
    letter = tmp_path / "hostile\x1b[1m.txt"
    letter.write_text(text, encoding="utf-8")
    r = runner.invoke(app, ["extract", str(letter)], env={"COLUMNS": "300"})
    assert r.exit_code == 0, r.output
    shown = r.stdout + r.stderr
    assert "\x1b" not in shown and "\u202e" not in shown
    assert "\\x1b[2J" in shown and "<U+202E>" in shown and "[bold]x[/bold]" in shown


def test_like_wildcards_in_a_filter_are_characters() -> None:
    everything = runner.invoke(app, ["stats", "--json"])
    assert everything.exit_code == 0, everything.output
    assert json.loads(everything.stdout)["total"] > 0
    for wildcard in ("%", "_", "%%", "\\"):
        r = runner.invoke(app, ["stats", "--specialty", wildcard, "--json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["total"] == 0, wildcard
    some = runner.invoke(app, ["stats", "--specialty", "orthop", "--json"])
    assert 0 < json.loads(some.stdout)["total"] < json.loads(everything.stdout)["total"]


def test_a_stored_name_with_a_quote_breaks_no_filter(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    r = runner.invoke(app, ["extract", str(LETTER), "--jsonl", str(records)])
    assert r.exit_code == 0, r.output
    rec = json.loads(records.read_text())
    rec["items"][1]["generic_name"] = 'bac"lo/fen%'
    records.write_text(json.dumps(rec) + "\n")
    db = tmp_path / "imr.db"
    assert runner.invoke(app, ["index", str(records), "--db", str(db)]).exit_code == 0
    for generic, expected in (('bac"lo', 1), ("fen%", 1), ('bac"lo/fen%', 1), ('"', 0), ("%", 0)):
        for command in (["stats", "--json"], ["similar", "--query", "muscle relaxant", "--json"]):
            r = runner.invoke(app, [*command, "--db", str(db), "--generic", generic])
            assert r.exit_code == 0, (generic, command, r.output)
        stats = runner.invoke(app, ["stats", "--json", "--db", str(db), "--generic", generic])
        assert json.loads(stats.stdout)["total"] == expected, generic
