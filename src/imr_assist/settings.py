"""Every setting imr-assist reads from the environment, in one place: argument > environment > default.

Why one module: a variable read in seven modules is seven chances to disagree (two cache
roots, a key variable documented but never read). Nothing else in the package reads
`IMR_ASSIST_*` (or `OPENAI_*`) variables; everything else asks `Settings.resolve()`.
`VARIABLES` is the list the README's table repeats (a test checks they agree).

The one cache root (`IMR_ASSIST_CACHE`, else `$XDG_CACHE_HOME/imr-assist`, else
`~/.cache/imr-assist`) holds the model-answer cache (`llm/`) and the demo index.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

#: name -> what it sets. The README's "Environment" table lists exactly these.
VARIABLES: dict[str, str] = {
    "IMR_ASSIST_MODEL": "model name for `--extractor llm|hybrid` and `draft --model` (same as `--model`)",
    "OPENAI_BASE_URL": "OpenAI-compatible endpoint (same as `--base-url`; default: OpenAI's)",
    "IMR_ASSIST_LLM_MODE": "structured-output mode: tools, json, json_schema, md_json or llamacpp (same as `--mode`)",
    "IMR_ASSIST_API_KEY": "API key, tried before the endpoint's own variable",
    "OPENAI_API_KEY": "the OpenAI endpoint's own key variable (also used by custom remote endpoints)",
    "IMR_ASSIST_CASSETTES": "folder of recorded model exchanges: record to / replay from `<folder>/<letter>.yaml`",
    "IMR_ASSIST_RECORD_MODE": "none (replay only, the default with cassettes), once, new_episodes or all",
    "IMR_ASSIST_NO_CACHE": "1: ask the model again instead of reusing cached answers (same as `--no-cache`)",
    "IMR_ASSIST_CACHE": "cache root (default `~/.cache/imr-assist`): model answers in `llm/`, the demo index",
    "IMR_ASSIST_PRICES": "JSON file `{model: [usd per 1M input, usd per 1M output]}` for `--stats`",
    "IMR_ASSIST_DB": "decision index for index, similar, stats and draft (same as `--db`)",
    "IMR_ASSIST_EMBED": "none: never load the sentence-embedding model",
}

RECORD_MODES = ("none", "once", "new_episodes", "all")
_TRUE = {"1", "true", "yes", "on"}


def default_cache_root(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "imr-assist"


@dataclass(frozen=True)
class Settings:
    """What a run is configured with. Build it with `Settings.resolve(**arguments)`."""

    model: str | None = None
    base_url: str | None = None
    mode: str | None = None
    api_key: str | None = field(default=None, repr=False)
    cassettes: Path | None = None
    record_mode: str | None = None  # None: "none" with cassettes
    use_cache: bool = True
    cache_root: Path = field(default_factory=lambda: default_cache_root(os.environ))
    prices: Path | None = None
    db: str | None = None
    embed: str = "auto"
    #: None: redact for any endpoint not on this machine (`model.endpoints.is_local`)
    redact: bool | None = None
    max_retries: int = 2  # validation re-asks
    #: model requests per letter (None: `model.outbound.CALLS_PER_ITEM` per item)
    max_calls: int | None = None
    #: send a key over plain http to a host that is not this machine (`--allow-insecure`)
    allow_insecure: bool = False
    time_budget: float = 300.0  # seconds of transport retries for one call
    timeout: float = 180.0  # one HTTP request

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None, **arguments: Any) -> Settings:
        """Arguments that are not None win, then the environment (`env`, default
        `os.environ`), then the defaults above."""
        env = os.environ if env is None else env
        known = {f.name for f in fields(cls)}
        unknown = set(arguments) - known
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        args = {k: v for k, v in arguments.items() if v is not None}

        def pick(name: str, var: str) -> str | None:
            if name in args:
                return args[name]
            value = env.get(var, "").strip()
            return value or None

        cassettes = pick("cassettes", "IMR_ASSIST_CASSETTES")
        cache_root = pick("cache_root", "IMR_ASSIST_CACHE")
        prices = pick("prices", "IMR_ASSIST_PRICES")
        no_cache = env.get("IMR_ASSIST_NO_CACHE", "").strip().lower() in _TRUE
        values: dict[str, Any] = {
            **args,
            "model": pick("model", "IMR_ASSIST_MODEL"),
            "base_url": pick("base_url", "OPENAI_BASE_URL"),
            "mode": pick("mode", "IMR_ASSIST_LLM_MODE"),
            "api_key": pick("api_key", "IMR_ASSIST_API_KEY"),
            "cassettes": Path(cassettes) if cassettes else None,
            "record_mode": pick("record_mode", "IMR_ASSIST_RECORD_MODE"),
            "use_cache": args.get("use_cache", not no_cache),
            "cache_root": Path(cache_root) if cache_root else default_cache_root(env),
            "prices": Path(prices) if prices else None,
            "db": pick("db", "IMR_ASSIST_DB"),
            "embed": pick("embed", "IMR_ASSIST_EMBED") or "auto",
        }
        return cls(**values)

    @property
    def answer_cache_dir(self) -> Path:
        """Where validated model answers are kept (under the one cache root)."""
        return self.cache_root / "llm"

    def replace(self, **changes: Any) -> Settings:
        from dataclasses import replace

        return replace(self, **changes)
