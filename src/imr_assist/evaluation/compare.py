"""What got better or worse between an old report.json and this run.

Figures are compared per suite; mismatches are matched by (suite, letter, item, field,
kind), so a fixed field shows as "fixed" and a newly wrong one as "new".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError

#: Figures shown in a comparison, in this order (all higher-is-better rates).
COMPARED_METRICS: tuple[str, ...] = (
    "item_precision", "item_recall", "item_f1", "decision_accuracy", "field_accuracy",
    "header_accuracy", "list_f1", "credential_f1", "category_accuracy", "denial_reasons_f1",
    "upheld_with_reason", "findings_precision", "findings_recall", "findings_f1", "finding_span_exact", "grounding",
)  # fmt: skip


def load_report(path: Path) -> dict[str, Any]:
    """Read an earlier report.json (a folder holding one is accepted too)."""
    if path.is_dir():
        path = path / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such report") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"{path}: not a report.json (invalid JSON)") from None
    if not isinstance(data, dict) or not isinstance(data.get("suites"), dict):
        raise InputError(f"{path}: not a report.json from `imr-assist eval`")
    return data


def _keys(suite_name: str, suite: dict[str, Any]) -> dict[tuple, dict[str, Any]]:
    out = {}
    for letter in suite.get("letters", []):
        for m in letter.get("mismatches", []):
            key = (suite_name, m.get("letter"), m.get("item"), m.get("field"), m.get("kind"))
            out[key] = m
    return out


def compare_reports(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Metric deltas and fixed/new mismatches for suites present in both reports."""
    metrics: list[dict[str, Any]] = []
    fixed: list[dict[str, Any]] = []
    broke: list[dict[str, Any]] = []
    for name, suite in new["suites"].items():
        before = old["suites"].get(name)
        if before is None:
            continue
        for metric in COMPARED_METRICS:
            a = before.get("metrics", {}).get(metric)
            b = suite["metrics"].get(metric)
            if a is None and b is None:
                continue
            delta = None if a is None or b is None else b - a
            metrics.append({"suite": name, "metric": metric, "old": a, "new": b, "delta": delta})
        old_keys, new_keys = _keys(name, before), _keys(name, suite)
        fixed += [{"suite": name, **old_keys[k]} for k in old_keys if k not in new_keys]
        broke += [{"suite": name, **new_keys[k]} for k in new_keys if k not in old_keys]
    return {
        "old_created": old.get("created"),
        "old_extractor": old.get("extractor"),
        "metrics": metrics,
        "fixed": fixed,
        "new": broke,
    }
