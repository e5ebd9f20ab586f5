"""`imr-assist draft LETTER --kind resubmission|appeal`: a draft for professional review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import err_console
from .summarize import check_format, emit, read_letter


def register(app: typer.Typer) -> None:
    @app.command()
    def draft(
        letter: Annotated[str, typer.Argument(help="IMR letter: .txt or .pdf, '-' for stdin, or its record from `extract --json`")],  # noqa: E501
        kind: Annotated[str, typer.Option("--kind", "-k", help="resubmission (new request) | appeal (WCAB)")],
        item: Annotated[int | None, typer.Option("--item", "-i", help="only this item (1-based)")] = None,
        db: Annotated[str | None, typer.Option("--db", help="decision index (or IMR_ASSIST_DB); default: the bundled demo index")] = None,  # noqa: E501
        model: Annotated[str | None, typer.Option("--model", "-m", help="polish the draft with this model")] = None,
        redact: Annotated[bool | None, typer.Option("--redact/--no-redact", help="with --model: mask names, claim numbers, phones, emails, addresses and birth dates before text goes to the model (default: on for remote endpoints, off for localhost)")] = None,  # noqa: E501
        fmt: Annotated[str, typer.Option("--format", "-f", help="md | txt | html (self-contained) | json (structured)")] = "md",  # noqa: E501
        out: Annotated[Path | None, typer.Option("--out", "-o", help="write the draft to this file")] = None,
        output: Annotated[Path | None, typer.Option("--output", hidden=True, help="old spelling of --out")] = None,
        max_calls: Annotated[int | None, typer.Option("--max-calls", help="with --model: at most this many model requests (default: 6 per item)")] = None,  # noqa: E501
        allow_insecure: Annotated[bool, typer.Option("--allow-insecure", help="with --model: send the API key over plain http to a host that is not this machine")] = False,  # noqa: E501
        strict: Annotated[bool, typer.Option("--strict", help="with --model: a polish that fails is an error (exit 2, no draft) instead of a warning above the checked draft")] = False,  # noqa: E501
    ) -> None:
        """Draft a resubmission rationale or a WCAB appeal checklist for the upheld items."""
        from ..demo_index import open_decision_index
        from ..drafting import render_draft
        from ..drafting.build import KINDS
        from ..settings import Settings
        from .common import fail

        kind = kind.lower()
        if kind not in KINDS:
            raise fail(f"--kind {kind}: use one of {', '.join(KINDS)}")
        fmt = check_format(fmt)
        settings = Settings.resolve(db=db, redact=redact)
        complete = None
        if model is not None:
            from ..drafting.polish import model_completer
            from ..model import open_model

            llm = open_model(settings.replace(model=model, max_calls=max_calls, allow_insecure=allow_insecure))
            err_console.print(llm.config.redaction_note(redact), highlight=False, markup=False)
            if llm.config.transport_warning:
                err_console.print(f"warning: {llm.config.transport_warning}", highlight=False, markup=False)
            complete = model_completer(llm)
        record, text = read_letter(letter)
        if kind == "appeal":
            result = render_draft(record, text, kind, item=item, fmt=fmt)
        else:
            with open_decision_index(settings.db) as index:
                result = render_draft(record, text, kind, item=item, index=index, fmt=fmt)
        if complete is not None:
            from ..drafting.polish import polish

            outcome = polish(result, record, text, result.item_numbers, complete, fmt)
            if not outcome.polished and strict:
                raise fail(str(outcome.failure) if outcome.failure is not None else outcome.notice)
            warning = "" if outcome.polished else "warning: "
            err_console.print(f"{warning}{outcome.notice}", highlight=False, markup=False, soft_wrap=True)
            result = outcome.result
        emit(result, out or output)
