"""Write report.json (everything, for tools and the HTML review) and report.md (for people).

report.json layout: `{version, created, extractor, seconds, suites: {name: {gold_dir,
letters_dir, seconds, warnings, metrics, fields, letters: [{letter_id, source, gold_path,
seconds, error, metrics, pairs, mismatches, ungrounded, gold, predicted}]}}, gate,
comparison}`; `pairs` are `[gold_index, pred_index, score]`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from ..assets import template_loader
from ..scrub import scrub_data

TEMPLATE = "eval_report.md.j2"


def pct(value: Any) -> str:
    """A rate as a percentage with one decimal; '—' when not measured."""
    if value is None:
        return "—"
    return f"{100 * float(value):.1f}%"


def delta(value: Any) -> str:
    if value is None:
        return "—"
    if abs(value) < 1e-9:
        return "="
    return f"{100 * value:+.1f} pts"


def cell(value: Any, limit: int = 120) -> str:
    """A value shown in one Markdown table cell: JSON for lists, pipes escaped, cut short."""
    if value is None:
        return "null"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _by_suite(report: dict[str, Any], key: str) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [m for letter in suite["letters"] for m in letter[key]]
        for name, suite in report["suites"].items()
    }


def render_markdown(report: dict[str, Any]) -> str:
    env = jinja2.Environment(
        loader=template_loader(),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    template = env.get_template(TEMPLATE)
    return template.render(
        report=report,
        gate=report.get("gate"),
        comparison=report.get("comparison"),
        mismatches=_by_suite(report, "mismatches"),
        ungrounded=_by_suite(report, "ungrounded"),
        pct=pct,
        delta=delta,
        cell=cell,
    )


def write_reports(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write report.json and report.md into `out_dir` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "report.json"
    md_path = out_dir / "report.md"
    tmp = json_path.with_suffix(".json.tmp")
    report = scrub_data(report)  # model error lines and records: never a key
    tmp.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(json_path)
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return json_path, md_path
