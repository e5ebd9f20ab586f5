"""How to reach a model: endpoints as data, settings from arguments, then env, then defaults.

Every OpenAI-compatible server goes through one client path (`client.py`); what differs
between them is data in `ENDPOINTS`: the base URL, which env variable holds the key (none
for local servers), and the instructor mode that works best there. Users override any of it
with `--base-url`, `--mode` or the env variables below.

Environment:
  IMR_ASSIST_MODEL        model name (e.g. gpt-4o-mini, qwen2.5:1.5b, a llama.cpp alias)
  OPENAI_BASE_URL         endpoint (default: OpenAI's)
  OPENAI_API_KEY          key, only needed by remote endpoints
  IMR_ASSIST_LLM_MODE     tools | json | json_schema | md_json | llamacpp (override the guess)
  IMR_ASSIST_CASSETTES    folder of recorded exchanges; with it, each letter's calls are
                          recorded to / replayed from <folder>/<letter id>.yaml
  IMR_ASSIST_RECORD_MODE  vcrpy record mode: none (replay only, default with cassettes),
                          once, new_episodes, all
  IMR_ASSIST_CACHE_DIR    response cache (default ~/.cache/imr-assist/llm); IMR_ASSIST_NO_CACHE=1 off
  IMR_ASSIST_PRICES       a JSON file {model: [usd per 1M input, usd per 1M output]}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError

OPENAI_URL = "https://api.openai.com/v1"

#: name -> how to talk to it. `match` picks the entry from a base URL; `key_env` is None for
#: servers that need no key; `mode` is the instructor mode that works there.
ENDPOINTS: dict[str, dict[str, Any]] = {
    "openai": {"base_url": OPENAI_URL, "key_env": "OPENAI_API_KEY", "mode": "tools", "match": "api.openai.com"},
    "ollama": {"base_url": "http://localhost:11434/v1", "key_env": None, "mode": "json_schema", "match": ":11434"},
    "lmstudio": {"base_url": "http://localhost:1234/v1", "key_env": None, "mode": "json_schema", "match": ":1234"},
    "vllm": {"base_url": "http://localhost:8000/v1", "key_env": None, "mode": "json_schema", "match": ":8000"},
    # llama-cpp-python's server (and llama.cpp's llama-server): grammar-constrained output
    # from response_format {"type": "json_object", "schema": ...}.
    "llamacpp": {"base_url": "http://127.0.0.1:8080/v1", "key_env": None, "mode": "llamacpp", "match": ":8080"},
}

MODES = ("tools", "json", "json_schema", "md_json", "llamacpp")
RECORD_MODES = ("none", "once", "new_episodes", "all")
MANIFEST = "manifest.json"


def endpoint_for(base_url: str | None) -> str:
    """The ENDPOINTS entry a base URL looks like ('openai' when none is given)."""
    if not base_url:
        return "openai"
    for name, ep in ENDPOINTS.items():
        if ep["match"] in base_url:
            return name
    host = urlsplit(base_url).hostname or ""
    return "local" if host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"} else "remote"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class LLMConfig:
    model: str | None = None
    base_url: str | None = None
    mode: str | None = None
    api_key: str | None = field(default=None, repr=False)
    cassette_dir: Path | None = None
    record_mode: str = "none"
    use_cache: bool = True
    cache_dir: Path | None = None
    max_retries: int = 2  # validation re-asks (instructor)
    time_budget: float = 300.0  # seconds for transport retries of one call
    timeout: float = 180.0  # one HTTP request
    temperature: float = 0.0
    max_tokens: int = 300
    redact: bool | None = None

    @classmethod
    def resolve(cls, **options: Any) -> LLMConfig:
        """Arguments first, then env, then the cassette manifest, then defaults; validated."""
        opts = {k: v for k, v in options.items() if v is not None}
        env = os.environ
        cfg = cls(**{k: v for k, v in opts.items() if k in cls.__dataclass_fields__})
        cfg.model = cfg.model or env.get("IMR_ASSIST_MODEL") or None
        cfg.base_url = cfg.base_url or env.get("OPENAI_BASE_URL") or None
        cfg.mode = cfg.mode or env.get("IMR_ASSIST_LLM_MODE") or None
        cassettes = opts.get("cassette_dir") or env.get("IMR_ASSIST_CASSETTES")
        if cassettes:
            cfg.cassette_dir = Path(cassettes)
            cfg.record_mode = opts.get("record_mode") or env.get("IMR_ASSIST_RECORD_MODE") or "none"
            manifest = _read_manifest(cfg.cassette_dir)
            if cfg.record_mode == "none":
                # replay: the recorded model/mode, so the requests match the recordings
                cfg.model = cfg.model or manifest.get("model")
                cfg.mode = cfg.mode or manifest.get("mode")
                cfg.base_url = cfg.base_url or manifest.get("base_url")
                if "use_cache" not in opts:
                    cfg.use_cache = False  # the cassettes are the cache; never mask a mismatch
        if _env_flag("IMR_ASSIST_NO_CACHE"):
            cfg.use_cache = False
        if cfg.cache_dir is None:
            cfg.cache_dir = Path(env.get("IMR_ASSIST_CACHE_DIR") or Path.home() / ".cache" / "imr-assist" / "llm")
        if not cfg.model:
            raise InputError(
                "no model configured: pass --model or set IMR_ASSIST_MODEL "
                "(or IMR_ASSIST_CASSETTES=cassettes to replay the recorded exchanges)"
            )
        if cfg.record_mode not in RECORD_MODES:
            raise InputError(f"record mode {cfg.record_mode!r}: choose from {', '.join(RECORD_MODES)}")
        cfg.mode = (cfg.mode or ENDPOINTS.get(endpoint_for(cfg.base_url), {}).get("mode") or "json").lower()
        if cfg.mode not in MODES:
            raise InputError(f"mode {cfg.mode!r}: choose from {', '.join(MODES)}")
        if cfg.cassette_dir is not None and cfg.record_mode == "none" and not cfg.cassette_dir.is_dir():
            raise InputError(f"{cfg.cassette_dir}: no cassette folder to replay")
        return cfg

    @property
    def endpoint(self) -> str:
        return endpoint_for(self.base_url)

    def key(self) -> str:
        """The API key: argument, else the endpoint's env variable; a placeholder for local servers."""
        if self.api_key:
            return self.api_key
        key_env = ENDPOINTS.get(self.endpoint, {"key_env": "OPENAI_API_KEY"})["key_env"]
        if self.endpoint == "remote":
            key_env = "OPENAI_API_KEY"
        key = os.environ.get(key_env) if key_env else os.environ.get("OPENAI_API_KEY")
        if key:
            return key
        if self.cassette_dir is not None and self.record_mode == "none":
            return "sk-replay"  # replay never sends it anywhere
        if key_env and self.endpoint in {"openai", "remote"}:
            raise InputError(f"{self.endpoint} endpoint needs an API key: set {key_env}")
        return "sk-no-key"  # local servers ignore it

    def with_(self, **changes: Any) -> LLMConfig:
        return replace(self, **changes)


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable cassette manifest ({exc})") from None
