"""`imr-assist summarize LETTER`: the plain-language summary for the injured worker."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ..scrub import scrub_record
from .common import err_console, fail

if TYPE_CHECKING:  # drafting is imported when a drafting command runs, not at CLI start
    from ..drafting.build import DraftResult

FORMATS = ("md", "txt", "html", "json")
LANGS = ("en", "es")


def read_letter(letter: str):
    """Read and extract one letter (rules extractor, time-bounded); returns (record, text as
    read). Raises the letter's `ImrAssistError`."""
    from ..extractors.rules import RulesExtractor
    from ..pipeline import Pipeline

    doc, record = Pipeline(RulesExtractor()).one(letter)
    return record, doc.text


def check_format(fmt: str) -> str:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise fail(f"--format {fmt}: use one of {', '.join(FORMATS)}")
    return fmt


def emit(result: DraftResult, output: Path | None) -> None:
    """Write the document, then report the faithfulness checks on stderr.

    A failed check is shown and makes the command exit 1: the document is still written
    so the user can see what failed, but it must not be taken as a finished draft.
    """
    if output is not None:
        try:
            output.write_text(scrub_record(result.text), encoding="utf-8")
        except OSError as exc:
            raise fail(f"{output}: cannot write ({exc.strerror})") from None
    else:
        typer.echo(result.text, nl=False)
    failed = [c for c in result.checks if not c.ok]
    grade = f" · reading grade {result.grade:g} (Flesch–Kincaid)" if result.grade is not None else ""
    if "fernandez_huerta" in result.readability:
        grade = f" · reading ease {result.readability['fernandez_huerta']:g} (Fernández Huerta)"
    where = f" · written to {escape(str(output))}" if output is not None else ""
    if failed:
        for c in failed:
            problems = escape("; ".join(c.problems))
            err_console.print(f"[red]check failed:[/red] {escape(c.name)}: {problems}", highlight=False)
        err_console.print(f"{len(failed)} of {len(result.checks)} faithfulness checks failed{grade}", highlight=False)
        raise typer.Exit(1)
    passed = f"{len(result.checks)} faithfulness checks passed"
    err_console.print(f"[green]✓[/green] {passed}{grade}{where}", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command()
    def summarize(
        letter: Annotated[str, typer.Argument(help="IMR letter: .txt or .pdf, '-' for stdin, or its record from `extract --json`")],  # noqa: E501
        fmt: Annotated[str, typer.Option("--format", "-f", help="md | txt | html (self-contained) | json (structured)")] = "md",  # noqa: E501
        out: Annotated[Path | None, typer.Option("--out", "-o", help="write the summary to this file")] = None,
        output: Annotated[Path | None, typer.Option("--output", hidden=True, help="old spelling of --out")] = None,
        lang: Annotated[str, typer.Option("--lang", "-l", help="en | es (Spanish)")] = "en",
    ) -> None:
        """Explain a letter in plain words: each item's decision, why, next steps, the 30-day deadline."""
        from ..drafting import render_summary

        fmt = check_format(fmt)
        lang = lang.lower()
        if lang not in LANGS:
            raise fail(f"--lang {lang}: use one of {', '.join(LANGS)}")
        record, text = read_letter(letter)
        emit(render_summary(record, text, fmt, lang=lang), out or output)
