"""Show an eval report in the terminal with rich: scores, gate, comparison, mismatches."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .report import cell, delta, pct


def _rate_style(value: Any) -> str:
    if value is None:
        return "dim"
    return "green" if value >= 0.999 else "yellow" if value >= 0.9 else "red"


def _rate(value: Any) -> str:
    return f"[{_rate_style(value)}]{pct(value)}[/]"


def _n(value: Any) -> str:
    """A rate as a bare percentage number (the column title says it is a percentage)."""
    return "—" if value is None else f"{100 * float(value):.1f}"


def _rate_n(value: Any) -> str:
    return f"[{_rate_style(value)}]{_n(value)}[/]"


#: (label, metric) rows of the scores table; a None metric marks a special row.
_SUMMARY_ROWS: tuple[tuple[str, str], ...] = (
    ("item precision %", "item_precision"),
    ("item recall %", "item_recall"),
    ("item F1 %", "item_f1"),
    ("decision accuracy %", "decision_accuracy"),
    ("field accuracy %", "field_accuracy"),
    ("header accuracy %", "header_accuracy"),
    ("list F1 %", "list_f1"),
    ("credential F1 %", "credential_f1"),
    ("category accuracy %", "category_accuracy"),
    ("denial reasons F1 %", "denial_reasons_f1"),
    ("upheld with a reason %", "upheld_with_reason"),
    ("findings P %", "findings_precision"),
    ("findings R %", "findings_recall"),
    ("findings F1 %", "findings_f1"),
    ("finding spans exact %", "finding_span_exact"),
    ("grounding %", "grounding"),
)


def summary_table(report: dict[str, Any]) -> Table:
    """Scores with one column per suite (narrow enough for an 80-column log)."""
    suites = report["suites"]
    t = Table(
        title=f"imr-assist eval — extractor {report['extractor']} ({report['seconds']:.1f}s)",
        title_justify="left",
    )
    t.add_column("")
    for name in suites:
        t.add_column(name, justify="right")

    def row(label: str, fn: Any) -> None:
        t.add_row(label, *[fn(s) for s in suites.values()])

    row(
        "letters",
        lambda s: (
            str(s["metrics"]["letters"])
            + (f" [red]({s['metrics']['errors']} failed)[/]" if s["metrics"]["errors"] else "")
        ),
    )
    row(
        "items gold/predicted/paired",
        lambda s: "{items_gold}/{items_predicted}/{items_matched}".format(**s["metrics"]),
    )
    for label, metric in _SUMMARY_ROWS:
        row(label, lambda s, m=metric: _rate_n(s["metrics"][m]))
    row(
        "spans supported/checked",
        lambda s: f"{s['metrics']['spans_supported']}/{s['metrics']['spans_checked']}",
    )
    row("mismatches", lambda s: str(s["metrics"]["mismatches"]))
    row("time", lambda s: f"{s['seconds']:.1f}s")
    return t


def field_table(report: dict[str, Any]) -> Table:
    """Per-field accuracy with one column per suite (lists also show micro F1)."""
    suites = report["suites"]
    t = Table(title="per field: accuracy % (right/scored); lists also micro F1 %", title_justify="left")
    t.add_column("field", no_wrap=True)
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
            text = f"{_rate_n(info['accuracy'])} [dim]({info['correct']}/{info['total']})[/]"
            if info["kind"] == "list":
                text += f" F1 {_rate_n(info['f1'])}"
            row.append(text)
        t.add_row(*row)
    return t


def gate_table(gate: dict[str, Any]) -> Table:
    t = Table(title=f"gate ({escape(str(gate['file']))})", title_justify="left")
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
        title=f"compared with {comp.get('old_created')}: {len(comp['fixed'])} mismatches fixed, {len(comp['new'])} new",
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
        t.add_row(  # letter text and gold: never markup
            escape(m["letter"]),
            escape(cell(m["item"], 50)) if m["item"] is not None else "(letter)",
            escape(field),
            escape(cell(m["gold"], 50)),
            escape(cell(pred, 50)),
        )
    return t


def retrieval_table(r: dict[str, Any]) -> Table:
    """The retrieval suite: each system's item and free-text figures, and the margin over BM25."""
    m = r["metrics"]
    t = Table(
        title=f"retrieval — {r['queries']['item']} item and {r['queries']['text']} text queries over "
        f"{r['indexed']} decisions ({r['seconds']:.1f}s); nDCG@10 margin over BM25 "
        f"{m['ndcg10_margin_over_bm25']:+.3f} (95% {m['ndcg10_margin_low95']:+.3f}..{m['ndcg10_margin_high95']:+.3f})",
        title_justify="left",
    )
    for col in ("system", "item P@5 %", "of attainable %", "item nDCG@10 %", "item MRR %", "text P@5 %",
                "text nDCG@10 %"):  # fmt: skip
        t.add_column(col, justify="left" if col == "system" else "right")
    for name, s in r["systems"].items():
        i, x = s["item"], s["text"]
        t.add_row(name, _n(i["p5"]), _n(i["p5_of_attainable"]), _n(i["ndcg10"]), _n(i["mrr"]), _n(x["p5"]),
                  _n(x["ndcg10"]))  # fmt: skip
    return t


def side_by_side_table(reports: dict[str, dict[str, Any]]) -> Table:
    """One row per suite and score, one column per extractor: how the extractors compare
    on the same letters (`eval -e rules,llm,hybrid`)."""
    t = Table(title="extractors side by side (%)", title_justify="left")
    t.add_column("suite")
    t.add_column("score")
    for name in reports:
        t.add_column(escape(name), justify="right")
    suites = dict.fromkeys(s for r in reports.values() for s in r["suites"])
    for suite in suites:
        for label, metric in _SUMMARY_ROWS:
            values = [r["suites"].get(suite, {}).get("metrics", {}).get(metric) for r in reports.values()]
            if any(v is not None for v in values):
                t.add_row(escape(suite), label.removesuffix(" %"), *(_rate_n(v) for v in values))
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
                f"[yellow]{name}: {ungrounded} predicted span(s) do not support their value (listed in report.md)[/]"
            )
        for w in s["warnings"]:
            console.print(f"[yellow]{escape(name)}: {escape(w)}[/]")
    if report["suites"]:
        console.print(field_table(report))
        console.print(summary_table(report))
    if report.get("retrieval"):
        console.print(retrieval_table(report["retrieval"]))
    if report.get("comparison"):
        console.print(comparison_table(report["comparison"]))
    if report.get("gate") and report["gate"]["rows"]:
        console.print(gate_table(report["gate"]))
