"""Show an eval report in the terminal with rich: scores, gate, comparison, mismatches."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from .report import cell, delta, pct


def _rate_style(value: Any) -> str:
    if value is None:
        return "dim"
    return "green" if value >= 0.999 else "yellow" if value >= 0.9 else "red"


def _rate(value: Any) -> str:
    return f"[{_rate_style(value)}]{pct(value)}[/]"


def summary_table(report: dict[str, Any]) -> Table:
    t = Table(title=f"imr-assist eval — extractor {report['extractor']}", title_justify="left")
    for col in (
        "suite",
        "letters",
        "items g/p/ok",
        "item P",
        "item R",
        "item F1",
        "decision",
        "fields",
        "header",
        "lists F1",
        "denial F1",
        "grounding",
        "mismatches",
        "time",
    ):
        t.add_column(col, justify="left" if col == "suite" else "right")
    for name, s in report["suites"].items():
        m = s["metrics"]
        errors = f" ([red]{m['errors']} err[/])" if m["errors"] else ""
        t.add_row(
            name,
            f"{m['letters']}{errors}",
            f"{m['items_gold']}/{m['items_predicted']}/{m['items_matched']}",
            _rate(m["item_precision"]),
            _rate(m["item_recall"]),
            _rate(m["item_f1"]),
            _rate(m["decision_accuracy"]),
            _rate(m["field_accuracy"]),
            _rate(m["header_accuracy"]),
            _rate(m["list_f1"]),
            _rate(m["denial_reasons_f1"]),
            _rate(m["grounding"]),
            str(m["mismatches"]),
            f"{s['seconds']:.1f}s",
        )
    return t


def field_table(report: dict[str, Any]) -> Table:
    """Per-field accuracy with one column per suite (lists also show micro F1)."""
    suites = report["suites"]
    t = Table(title="per field: accuracy (lists: accuracy · F1)", title_justify="left")
    t.add_column("field")
    for name in suites:
        t.add_column(name, justify="right")
    names: list[str] = []
    for s in suites.values():
        names += [f for f in s["fields"] if f not in names]
    for f in names:
        row = [f]
        for s in suites.values():
            info = s["fields"].get(f)
            if info is None:
                row.append("[dim]–[/]")
                continue
            text = f"{_rate(info['accuracy'])} [dim]{info['correct']}/{info['total']}[/]"
            if info["kind"] == "list":
                text += f" · {_rate(info['f1'])}"
            row.append(text)
        t.add_row(*row)
    return t


def gate_table(gate: dict[str, Any]) -> Table:
    t = Table(title=f"gate ({gate['file']})", title_justify="left")
    for col in ("suite", "metric", "floor", "value", ""):
        t.add_column(col)
    for r in gate["rows"]:
        t.add_row(
            r["suite"],
            r["metric"],
            pct(r["floor"]),
            _rate(r["value"]),
            "[green]ok[/]" if r["ok"] else "[red bold]MISS[/]",
        )
    return t


def comparison_table(comp: dict[str, Any]) -> Table:
    t = Table(
        title=f"compared with {comp.get('old_created')}: "
        f"{len(comp['fixed'])} mismatches fixed, {len(comp['new'])} new",
        title_justify="left",
    )
    for col in ("suite", "metric", "old", "new", "change"):
        t.add_column(col)
    for r in comp["metrics"]:
        d = r["delta"]
        style = "dim" if d is None or abs(d) < 1e-9 else "green" if d > 0 else "red"
        t.add_row(r["suite"], r["metric"], pct(r["old"]), pct(r["new"]), f"[{style}]{delta(d)}[/]")
    return t


def mismatch_table(name: str, rows: list[dict[str, Any]], limit: int) -> Table:
    shown = rows if limit <= 0 else rows[:limit]
    more = len(rows) - len(shown)
    title = f"mismatches in {name}: {len(rows)}" + (f" (first {len(shown)} shown)" if more else "")
    t = Table(title=title, title_justify="left")
    for col in ("letter", "item", "field", "gold", "predicted"):
        t.add_column(col, overflow="fold")
    for m in shown:
        field = m["field"] if m["kind"] == "value" else f"{m['field']} ({m['kind']})"
        pred = m.get("error") if m["kind"] == "error" else m["predicted"]
        t.add_row(m["letter"], cell(m["item"], 50), field, cell(m["gold"], 50), cell(pred, 50))
    return t


def show(console: Console, report: dict[str, Any], limit: int = 40) -> None:
    """Print everything a person needs; the full lists are in report.md / report.json."""
    for name, s in report["suites"].items():
        rows = [m for letter in s["letters"] for m in letter["mismatches"]]
        if rows:
            console.print(mismatch_table(name, rows, limit))
        ungrounded = sum(len(letter["ungrounded"]) for letter in s["letters"])
        if ungrounded:
            console.print(
                f"[yellow]{name}: {ungrounded} predicted span(s) do not support "
                "their value (listed in report.md)[/]"
            )
        for w in s["warnings"]:
            console.print(f"[yellow]{name}: {w}[/]")
    console.print(field_table(report))
    console.print(summary_table(report))
    if report.get("comparison"):
        console.print(comparison_table(report["comparison"]))
    if report.get("gate"):
        console.print(gate_table(report["gate"]))
