"""The `summarize` and `draft` commands: one command per document, one-line errors, exit codes."""

from __future__ import annotations

import sys

import pytest
import typer
from test_draft_support import LETTERS, MIXED

from imr_assist.cli import main
from imr_assist.cli.summarize import emit
from imr_assist.drafting.build import DraftResult
from imr_assist.drafting.checks import CheckResult


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["imr-assist", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out, err = capsys.readouterr()
    return exc.value.code or 0, out, err


def test_summarize_prints_markdown(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "summarize", str(LETTERS[0]))
    assert code == 0
    assert out.startswith("# Your IMR decision in plain words")
    assert "[[date the letter was mailed]]" in out  # not eaten as console markup
    assert "faithfulness checks passed" in err and "reading grade" in err


def test_draft_writes_html_file(monkeypatch, capsys, tmp_path):
    target = tmp_path / "appeal.html"
    code, out, err = run(
        monkeypatch, capsys, "draft", str(MIXED[0]), "--kind", "appeal", "-f", "html", "-o", str(target)
    )
    assert code == 0 and out == ""
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "4610.6(h)" in html


def test_resubmission_with_missing_db_is_one_line(monkeypatch, capsys, tmp_path):
    code, out, err = run(
        monkeypatch, capsys, "draft", str(LETTERS[0]), "--kind", "resubmission", "--db", str(tmp_path / "x.db")
    )
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "no such index file" in err


@pytest.mark.parametrize(
    "args, needle",
    [
        (["summarize", "no/such/letter.txt"], "no such file"),
        (["summarize", str(LETTERS[0]), "--format", "docx"], "--format docx"),
        (["draft", str(LETTERS[0]), "--kind", "complaint"], "--kind complaint"),
        (["draft", str(MIXED[0]), "--kind", "appeal", "--item", "2"], "item 2 was overturned"),
        (["draft", str(MIXED[0]), "--kind", "appeal", "--item", "7"], "items 1 to 2"),
    ],
)
def test_bad_input_is_one_line_exit_2(monkeypatch, capsys, args, needle):
    code, out, err = run(monkeypatch, capsys, *args)
    assert code == 2
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_failed_check_is_shown_and_exits_1(capsys):
    bad = CheckResult("numbers come from the letter", False, ["number 45 is not in the letter"])
    result = DraftResult("summary", "# x\n", "# x\n", [CheckResult("every item named", True), bad])
    with pytest.raises(typer.Exit) as exc:
        emit(result, None)
    assert exc.value.exit_code == 1
    err = capsys.readouterr().err
    assert "check failed: numbers come from the letter: number 45 is not in the letter" in err


def test_model_endpoint_unreachable_keeps_the_checked_draft(monkeypatch, capsys):
    """Issue 18, item 12: a failed polish prints the checked draft and one warning, exit 0."""
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # a closed local port: refused at once
    monkeypatch.setenv("IMR_ASSIST_NO_CACHE", "1")
    code, out, err = run(monkeypatch, capsys, "draft", str(LETTERS[0]), "--kind", "appeal", "--model", "stub")
    _, checked, _ = run(monkeypatch, capsys, "draft", str(LETTERS[0]), "--kind", "appeal")
    assert code == 0
    assert out == checked and out.startswith("# ")
    lines = err.strip().splitlines()
    assert lines[0] == "redaction off (by default for a local endpoint)"
    assert lines[1].startswith("warning: model polish failed (model endpoint http://127.0.0.1:9/v1 is unreachable (")
    assert lines[1].endswith("showing the checked draft")
    assert "faithfulness checks passed" in lines[2] and len(lines) == 3


def test_model_endpoint_unreachable_with_strict_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("IMR_ASSIST_NO_CACHE", "1")
    code, out, err = run(
        monkeypatch, capsys, "draft", str(LETTERS[0]), "--kind", "appeal", "--model", "stub", "--strict"
    )
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines[1].startswith("error: model endpoint http://127.0.0.1:9/v1 is unreachable (")
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("flag", "note"),
    [([], "redaction off (by default for a local endpoint)"), (["--redact"], "redaction on (by --redact/--no-redact)")],
)
def test_draft_model_redaction_flag(monkeypatch, capsys, flag, note):
    """`draft --model` takes extract's --redact/--no-redact, with the same default."""
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    code, out, err = run(monkeypatch, capsys, "draft", str(LETTERS[0]), "--kind", "appeal", "--model", "m",
                         *flag)  # fmt: skip
    assert code == 0 and err.splitlines()[0] == note


def test_summarize_in_spanish_and_as_json(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "summarize", str(MIXED[0]), "--lang", "es")
    assert code == 0 and out.startswith("# Su decisión IMR en palabras sencillas")
    assert "reading ease" in err and "Fernández Huerta" in err
    code, out, err = run(monkeypatch, capsys, "draft", str(MIXED[0]), "--kind", "appeal", "--format", "json")
    assert code == 0
    import json

    doc = json.loads(out)
    assert doc["kind"] == "appeal" and doc["items"][0]["findings"] and doc["deadlines"][0]["weekday"] == 4


def test_unknown_language_is_one_line(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "summarize", str(LETTERS[0]), "--lang", "fr")
    assert code == 2 and out == "" and err.strip() == "error: --lang fr: use one of en, es"
