"""Token usage and cost, per call, per letter and per batch (`--stats`).

Prices are USD per million tokens (input, output). Models on this machine or on a
self-hosted server cost nothing; an unknown remote model is reported with its tokens and
cost `None` rather than a guessed price. `IMR_ASSIST_PRICES` (`Settings.prices`) may name a
JSON file {"model": [input, output]} that overrides or extends the table.

There is no process-wide ledger: whoever wants per-letter totals (the `extract` command)
makes a `Ledger` and hands it to `open_model`, which books every answer into it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
}


def price_table(prices: Path | None = None) -> dict[str, tuple[float, float]]:
    """The built-in prices, overridden or extended by the JSON file `prices`."""
    table = dict(PRICES)
    if prices:
        try:
            extra = json.loads(Path(prices).read_text(encoding="utf-8"))
            table.update({k: (float(v[0]), float(v[1])) for k, v in extra.items()})
        except (OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
            raise ConfigError(f"IMR_ASSIST_PRICES={prices}: expected {{model: [input, output]}} ({exc})") from None
    return table


def cost_usd(
    model: str, prompt_tokens: int, completion_tokens: int, free: bool, prices: Path | None = None
) -> float | None:
    """USD for these tokens; 0 when `free` (this machine or a self-hosted server)."""
    if free:
        return 0.0
    table = price_table(prices)
    price = table.get(model)
    if price is None:  # dated snapshots ("gpt-4o-mini-2024-07-18") use the base model's price
        longest_first = sorted(table.items(), key=lambda kv: -len(kv[0]))
        price = next((p for name, p in longest_first if model.startswith(name)), None)
    if price is None:
        return None
    return round(prompt_tokens / 1e6 * price[0] + completion_tokens / 1e6 * price[1], 6)


@dataclass
class Usage:
    calls: int = 0  # HTTP requests that reached the model (validation re-asks included)
    items: int = 0
    cached: int = 0  # items answered from the disk cache
    retries: int = 0  # validation re-asks
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cost_usd: float | None = 0.0

    def add(self, other: Usage) -> None:
        for name in ("calls", "items", "cached", "retries", "prompt_tokens", "completion_tokens"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds = round(self.seconds + other.seconds, 3)
        if self.cost_usd is None or other.cost_usd is None:
            self.cost_usd = None
        else:
            self.cost_usd = round(self.cost_usd + other.cost_usd, 6)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        cost = "cost unknown" if self.cost_usd is None else f"${self.cost_usd:.4f}"
        return (
            f"{self.items} items, {self.calls} calls ({self.retries} re-asks, {self.cached} cached), "
            f"{self.prompt_tokens} prompt + {self.completion_tokens} completion tokens, {cost}, {self.seconds:.1f} s"
        )


@dataclass
class Ledger:
    """Usage per letter (or per draft) and the batch total; owned by the caller."""

    letters: dict[str, Usage] = field(default_factory=dict)

    def record(self, letter: str, usage: Usage) -> None:
        self.letters.setdefault(letter, Usage()).add(usage)

    def total(self) -> Usage:
        t = Usage()
        for u in self.letters.values():
            t.add(u)
        return t

    def clear(self) -> None:
        self.letters.clear()

    def lines(self) -> list[str]:
        """Per-letter lines and the batch total, for `--stats`."""
        out = [f"{name}: {u.line()}" for name, u in self.letters.items()]
        if self.letters:
            out.append(f"total ({len(self.letters)} letters): {self.total().line()}")
        return out
