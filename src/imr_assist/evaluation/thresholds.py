"""The CI gate: floors per extractor and suite from eval/thresholds.toml.

Sections are `[<extractor>.<suite>]` with `metric = floor` lines, metric names being the
suite metrics in report.json (item_f1, decision_accuracy, field_accuracy, grounding, ...).
A missing section means no gate. A metric that could not be measured (e.g. grounding when
the extractor gave no spans) fails its floor: an unmeasured figure is not a passing one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def load_thresholds(path: Path) -> dict[str, dict[str, dict[str, float]]]:
    """extractor -> suite -> metric -> floor. Malformed files are a one-line InputError."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: thresholds file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML ({str(exc).splitlines()[0]})") from None
    out: dict[str, dict[str, dict[str, float]]] = {}
    for extractor, suites in data.items():
        if not isinstance(suites, dict):
            raise InputError(f"{path}: [{extractor}] must hold [{extractor}.<suite>] tables")
        for suite, floors in suites.items():
            if not isinstance(floors, dict):
                raise InputError(f"{path}: {extractor}.{suite} must be a table of metric floors")
            for metric, floor in floors.items():
                if isinstance(floor, bool) or not isinstance(floor, int | float):
                    raise InputError(f"{path}: {extractor}.{suite}.{metric} must be a number")
            out.setdefault(extractor, {})[suite] = {m: float(v) for m, v in floors.items()}
    return out


def check(
    report: dict[str, Any],
    thresholds: dict[str, dict[str, dict[str, float]]],
) -> list[dict[str, Any]]:
    """One row per floor that applies to this report's extractor and suites."""
    rows: list[dict[str, Any]] = []
    for suite_name, floors in thresholds.get(report["extractor"], {}).items():
        suite = report["suites"].get(suite_name) or report.get("retrieval" if suite_name == "retrieval" else "")
        if suite is None:
            continue
        metrics = suite["metrics"]
        for metric, floor in floors.items():
            if metric not in metrics:
                known = ", ".join(k for k, v in metrics.items() if isinstance(v, float))
                raise InputError(f"thresholds: unknown metric {metric!r} (known: {known})")
            value = metrics[metric]
            ok = value is not None and value >= floor - 1e-12
            rows.append(
                {"suite": suite_name, "metric": metric, "floor": floor, "value": value, "ok": ok}
            )
    return rows
