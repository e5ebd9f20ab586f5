"""What a new user trips over on the command line: -h and --version, flag help without a
`<bool>` metavar, one spelling of --out, words never broken in tables, markup never eaten
from messages and help, plain wording for an unknown extractor, and `schema` writing where
the user stands (issue 18, items 6, 7 and 8)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_assist import __version__
from imr_assist.api import extract_path
from imr_assist.assets import bundled_dir
from imr_assist.cli import app
from imr_assist.schema_export import render_schemas

LETTERS = sorted(bundled_dir("letters").glob("*.txt"))
CLI = [sys.executable, "-c", "from imr_assist.cli import main; main()"]
COMMANDS = ("extract", "summarize", "draft", "similar", "index", "stats", "review", "eval", "schema")

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("IMR_ASSIST_EMBED", "none")


def cli(*args: str, columns: int = 80, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, its output piped (not a terminal), `columns` wide."""
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


# ---------------------------------------------------------------- item 7: conventions


def test_dash_h_and_version_work() -> None:
    top = runner.invoke(app, ["-h"])
    assert top.exit_code == 0 and "Usage: imr-assist" in top.output
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.strip() == f"imr-assist {__version__}"
    for name in COMMANDS:
        sub = runner.invoke(app, [name, "-h"])
        assert sub.exit_code == 0, (name, sub.output)
        assert f"Usage: imr-assist {name}" in sub.output


@pytest.mark.parametrize("name", COMMANDS)
def test_flags_show_no_bool_metavar(name: str) -> None:
    help_text = runner.invoke(app, [name, "--help"], terminal_width=160).output
    assert "--help" in help_text
    assert "<bool>" not in help_text


def test_out_is_the_one_spelling_and_output_still_works(tmp_path: Path) -> None:
    for name in ("summarize", "draft", "review", "schema"):
        help_text = runner.invoke(app, [name, "--help"], terminal_width=160).output
        assert "--out" in help_text, name
        assert "--output" not in help_text, name  # the old spelling is a hidden alias
    new, old = tmp_path / "new.md", tmp_path / "old.md"
    assert runner.invoke(app, ["summarize", str(LETTERS[0]), "--out", str(new)]).exit_code == 0
    assert runner.invoke(app, ["summarize", str(LETTERS[0]), "--output", str(old)]).exit_code == 0
    assert new.read_text(encoding="utf-8") == old.read_text(encoding="utf-8")
    assert new.read_text(encoding="utf-8").startswith("# ")


def test_unknown_extractor_names_the_choices() -> None:
    for args in (["extract", str(LETTERS[0])], ["review", str(LETTERS[0])], ["index", str(LETTERS[0])]):
        result = runner.invoke(app, [*args, "--extractor", "foo"])
        assert result.exit_code == 2
        assert result.stderr.strip() == "error: unknown extractor 'foo' (choose rules, llm, hybrid)"


def _words(text: str) -> set[str]:
    return {w.strip(",") for w in text.split() if w.strip(",")}


@pytest.mark.parametrize("columns", [80, 60])
def test_extract_table_breaks_no_word_when_narrow_or_piped(columns: int) -> None:
    """Every word of every cell appears whole on some output line."""
    proc = cli("extract", *map(str, LETTERS), columns=columns)
    assert proc.returncode == 0, proc.stderr
    shown = _words(proc.stdout)
    assert all(len(line) <= columns for line in proc.stdout.splitlines())
    for path in LETTERS:
        for item in extract_path(path).items:
            for value in (item.request, ", ".join(item.denial_reasons), item.generic_name or ""):
                missing = _words(value) - shown
                assert not missing, (path.name, value, missing)


def test_wide_terminal_keeps_the_table() -> None:
    proc = cli("extract", str(LETTERS[0]), columns=250)
    assert proc.returncode == 0, proc.stderr
    header = next(line for line in proc.stdout.splitlines() if "request" in line)
    assert "decision" in header and "reasons" in header  # one header row, not a list


def test_similar_and_stats_break_no_word_at_80_columns() -> None:
    similar = cli("similar", str(LETTERS[0]), "-k", "3", "--json")
    assert similar.returncode == 0, similar.stderr
    groups = json.loads(similar.stdout)
    table = cli("similar", str(LETTERS[0]), "-k", "3")
    assert all(len(line) <= 80 for line in table.stdout.splitlines())  # nothing cropped either
    shown = _words(table.stdout)
    for group in groups:
        for hit in group["hits"]:
            for value in (hit["decision"]["request"], hit["decision"]["id"], hit["matching_sentence"]):
                assert not _words(value) - shown, value
    stats = cli("stats", "--json")
    st = json.loads(stats.stdout)
    shown = _words(cli("stats").stdout)
    for row in st["by_denial_reason"][:15]:
        assert row["key"] in shown


# ---------------------------------------------------------------- item 6: markup never eaten


def test_help_keeps_the_embed_extra() -> None:
    help_text = runner.invoke(app, ["index", "--help"], terminal_width=200).output
    assert "[embed]" in help_text


def test_install_hints_keep_their_brackets(tmp_path: Path) -> None:
    vector = runner.invoke(app, ["similar", "--query", "MRI left knee", "--mode", "vector"])
    assert vector.exit_code == 2
    assert "[embed]" in vector.stderr
    embed = runner.invoke(app, ["index", str(LETTERS[0]), "--embed", "--db", str(tmp_path / "x.db")])
    if embed.exit_code == 2:  # the [embed] extra is not installed here
        assert "pip install 'imr-assist[embed]'" in embed.stderr


def test_text_from_the_user_is_never_markup(tmp_path: Path) -> None:
    query = "MRI [bold]left[/bold] knee [red]"
    out = runner.invoke(app, ["similar", "--query", query, "-k", "2"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert query in out.output
    folder = tmp_path / "out [bold]x[/bold]"
    page = runner.invoke(app, ["review", str(LETTERS[0]), "-o", str(folder / "page [red].html")])
    assert page.exit_code == 0, page.output
    assert "page [red].html" in page.output and "[bold]x[/bold]" in page.output


# ---------------------------------------------------------------- item 8: schema


def test_schema_writes_under_the_current_folder_and_says_where(tmp_path: Path) -> None:
    proc = cli("schema", cwd=tmp_path, columns=300)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "schemas"
    expected = render_schemas()
    assert sorted(p.name for p in folder.iterdir()) == sorted(expected)
    assert (folder / "record.schema.json").read_text(encoding="utf-8") == expected["record.schema.json"]
    assert str(folder.resolve()) in proc.stdout
    other = tmp_path / "elsewhere"
    proc = cli("schema", "--out", str(other), cwd=tmp_path, columns=300)
    assert proc.returncode == 0 and sorted(p.name for p in other.iterdir()) == sorted(expected)
    assert re.search(rf"wrote 4 schemas to {re.escape(str(other.resolve()))}", proc.stdout)
