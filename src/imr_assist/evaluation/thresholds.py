"""The CI gate: floors per extractor and suite from `data/thresholds.toml` (in the package,
so eval gates from any folder) or the user's `--thresholds` file, plus `--min` floors.

Sections are `[<extractor>.<suite>]` with `metric = floor` lines, metric names being the
suite metrics in report.json (item_f1, decision_accuracy, field_accuracy, grounding, ...).
An extraction suite with no section of its own uses `[<extractor>.default]`: a user's own
gold must be gated too, or a run where 40% of the decisions are wrong would pass. A
`--min METRIC=VALUE` floor applies to every suite that reports the metric and wins over the
file. A metric that could not be measured (e.g. grounding when the extractor gave no spans)
fails its floor: an unmeasured figure is not a passing one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..assets import package_dir
from ..errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


#: the section an extraction suite without one of its own falls back to
DEFAULT_SECTION = "default"


def default_thresholds_path() -> Path:
    """The floors shipped with the package (the project's CI floors and the defaults)."""
    return package_dir("data") / "thresholds.toml"


def parse_min(specs: list[str]) -> dict[str, float]:
    """`--min METRIC=VALUE` options -> {metric: floor}; a malformed one is a one-line InputError."""
    out: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        metric = name.strip()
        if not sep or not metric:
            raise InputError(f"--min {spec}: use METRIC=VALUE, e.g. --min decision_accuracy=0.95")
        try:
            out[metric] = float(value)
        except ValueError:
            raise InputError(f"--min {spec}: {value.strip()!r} is not a number") from None
    return out


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
    mins: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    """One row per floor that applies to this report's extractor and suites: each suite's
    own section, else the extractor's default section (extraction suites only), then the
    `mins` for every metric a suite reports."""
    by_suite = thresholds.get(report["extractor"], {})
    suites: dict[str, dict[str, Any]] = dict(report["suites"])
    if report.get("retrieval"):
        suites["retrieval"] = report["retrieval"]
    rows: list[dict[str, Any]] = []
    for suite_name, suite in suites.items():
        own = by_suite.get(suite_name)
        fallback = suite_name != "retrieval" and own is None
        floors = dict(by_suite.get(DEFAULT_SECTION, {}) if fallback else own or {})
        metrics = suite["metrics"]
        floors.update({m: v for m, v in (mins or {}).items() if m in metrics})
        for metric, floor in floors.items():
            if metric not in metrics:
                known = ", ".join(k for k, v in metrics.items() if isinstance(v, float))
                raise InputError(f"thresholds: unknown metric {metric!r} (known: {known})")
            value = metrics[metric]
            ok = value is not None and value >= floor - 1e-12
            rows.append(
                {"suite": suite_name, "metric": metric, "floor": floor, "value": value, "ok": ok}
            )
    unknown = sorted(set(mins or {}) - {m for s in suites.values() for m in s["metrics"]})
    if unknown:
        names = sorted({k for s in suites.values() for k, v in s["metrics"].items() if isinstance(v, float)})
        raise InputError(f"--min: unknown metric {unknown[0]!r} (known: {', '.join(names)})")
    return rows
