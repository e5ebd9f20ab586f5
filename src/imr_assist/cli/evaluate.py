"""`imr-assist eval`: score an extractor against gold, write reports, gate on thresholds.

Exit codes: 0 all floors met (or no floors for this extractor), 1 a floor missed,
2 bad input (missing folder, malformed gold or thresholds, unknown extractor).

The floors ship in the package (`data/thresholds.toml`), so a run from any folder, on the
bundled suites or on the user's own gold, is gated the same way (see evaluation/thresholds.py).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import InputError
from ..evaluation.compare import compare_reports, load_report
from ..evaluation.report import write_reports
from ..evaluation.runner import run_eval
from ..evaluation.suites import Suite, bundled_suites, custom_suite, resolve
from ..evaluation.terminal import show, side_by_side_table
from ..evaluation.thresholds import check, default_thresholds_path, load_thresholds, parse_min
from .common import console

HTML_MODULE = "imr_assist.review.eval_page"
RETRIEVAL = "retrieval"


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)


def eval_command(
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Your own gold folder (*.json).")
    ] = None,
    letters: Annotated[
        Path | None,
        typer.Option("--letters", help="Letters for --gold, matched by file stem or case number."),
    ] = None,
    extractor: Annotated[
        str,
        typer.Option(
            "--extractor", "-e",
            help="rules, llm or hybrid; several, comma-separated (rules,llm,hybrid), are scored side by side.",
        ),
    ] = "rules",
    report_dir: Annotated[Path, typer.Option("--report", help="Report folder.")] = Path(
        "reports/eval"
    ),
    suite: Annotated[
        list[str] | None,
        typer.Option("--suite", "-s", help="Bundled suite(s): gold, corpus-txt, corpus-pdf, retrieval."),
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option("--thresholds", help="Floors file (default: the floors shipped with imr-assist).")
    ] = None,
    min_floor: Annotated[
        list[str] | None,
        typer.Option("--min", metavar="METRIC=VALUE", help="A floor for every suite reporting METRIC (repeatable).")
    ] = None,
    compare: Annotated[
        Path | None, typer.Option("--compare", help="An earlier report.json to diff.")
    ] = None,
    html: Annotated[bool, typer.Option("--html", help="Also write the HTML review page.")] = False,
    max_mismatches: Annotated[
        int, typer.Option("--max-mismatches", help="Mismatches shown per suite (0 = all).")
    ] = 40,
) -> None:
    """Score extraction against gold letters; exit 1 when a threshold is missed."""
    code = _run(gold, letters, extractor, report_dir, suite or [], thresholds, compare, html, max_mismatches,
                parse_min(min_floor or []))  # fmt: skip
    if code:
        raise typer.Exit(code)


def _pick_suites(gold: Path | None, letters: Path | None, names: list[str]) -> tuple[list[Suite], bool]:
    """The extraction suites to run, and whether to run the retrieval suite too."""
    if gold is not None or letters is not None:
        if names:
            raise InputError("--suite picks bundled suites; it cannot be combined with --gold")
        return [custom_suite(gold, letters)], False
    suites = bundled_suites()
    if not names:
        return suites, True
    by_name = {s.name: s for s in suites}
    unknown = [n for n in names if n not in by_name and n != RETRIEVAL]
    if unknown:
        raise InputError(f"unknown suite {unknown[0]!r}; choose from {', '.join([*by_name, RETRIEVAL])}")
    return [by_name[n] for n in dict.fromkeys(names) if n != RETRIEVAL], RETRIEVAL in names


def _run(
    gold: Path | None,
    letters: Path | None,
    extractor: str,
    report_dir: Path,
    names: list[str],
    thresholds: Path | None,
    compare: Path | None,
    html: bool,
    max_mismatches: int,
    mins: dict[str, float],
) -> int:
    extractors = list(dict.fromkeys(e.strip() for e in extractor.split(",") if e.strip()))
    if not extractors:
        raise InputError("--extractor names no extractor (rules, llm or hybrid)")
    if len(extractors) > 1 and compare is not None:
        raise InputError("--compare diffs one extractor's report; give one --extractor with it")
    suites, retrieval = _pick_suites(gold, letters, names)
    for s in suites:  # fail fast on bad folders or gold before any extraction
        resolve(s)
        if not s.cases:
            raise InputError(f"{s.letters_dir}: no letter matches a gold file in {s.gold_dir}")
    floors_path = thresholds if thresholds is not None else default_thresholds_path()
    floors = load_thresholds(floors_path)
    old = load_report(compare) if compare is not None else None
    if html and not _module_exists(HTML_MODULE):
        raise InputError(f"--html needs {HTML_MODULE}, which is not installed")

    if len(extractors) == 1:
        report = _evaluate(extractors[0], suites, retrieval, floors_path, floors, mins, old, report_dir, html)
        _show(report, max_mismatches)
        return _verdict(report)
    # several: each gets its own report folder and gate; the terminal shows the comparison
    reports, codes = {}, []
    for name in extractors:
        report = reports[name] = _evaluate(
            name, suites, retrieval, floors_path, floors, mins, None, report_dir / name, html
        )
        console.print(f"[bold]{escape(name)}[/]: reports in {escape(str(report_dir / name))}", highlight=False)
        codes.append(_verdict(report))
    _terminal().print(side_by_side_table(reports))
    return max(codes)


def _evaluate(
    extractor: str,
    suites: list[Suite],
    retrieval: bool,
    floors_path: Path,
    floors: dict[str, Any],
    mins: dict[str, float],
    old: dict[str, Any] | None,
    report_dir: Path,
    html: bool,
) -> dict[str, Any]:
    """Run one extractor over the suites, gate it, and write its reports."""
    report = run_eval(suites, extractor)
    if retrieval:
        from ..evaluation.retrieval import run_retrieval
        from ..pipeline import open_extractor

        report["retrieval"] = run_retrieval(open_extractor(extractor))
    rows = check(report, floors, mins)
    report["gate"] = {
        "file": str(floors_path), "min": mins, "rows": rows, "passed": all(r["ok"] for r in rows),
    }  # fmt: skip
    if old is not None:
        report["comparison"] = compare_reports(old, report)
    report["paths"] = [str(p) for p in write_reports(report, report_dir)]
    if html:
        report["paths"].append(str(_write_html(report, report_dir)))
    return report


def _terminal() -> Console:
    # CI logs are not terminals (rich would assume 80 columns); the field table needs ~115.
    return console if console.is_terminal else Console(width=max(console.width, 120))


def _show(report: dict[str, Any], max_mismatches: int) -> None:
    show(_terminal(), report, limit=max_mismatches)
    console.print("reports: " + "  ".join(escape(p) for p in report["paths"]), highlight=False)


def _verdict(report: dict[str, Any]) -> int:
    """Say whether the extractor met its floors: 0 met (or none), 1 missed."""
    rows, name = report["gate"]["rows"], report["extractor"]
    if not rows:
        console.print(f"[dim]no thresholds for extractor {escape(repr(name))}: not gated[/]")
    elif not report["gate"]["passed"]:
        missed = [f"{r['suite']}.{r['metric']}" for r in rows if not r["ok"]]
        console.print(f"[red bold]{escape(name)}: threshold missed:[/] {escape(', '.join(missed))}")
        return 1
    else:
        console.print(f"[green]{escape(name)}: all thresholds met[/]")
    return 0


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # the parent package is missing
        return False


def _write_html(report: dict[str, Any], out_dir: Path) -> Path:
    """Lazy: the HTML page is another module's job and optional for eval."""
    try:
        module = importlib.import_module(HTML_MODULE)
    except ImportError as exc:
        raise InputError(f"--html needs {HTML_MODULE} ({exc})") from None
    return module.write_eval_html(report, out_dir)
