"""From `Settings` to everything one model endpoint needs, checked once.

Order for each value: the argument or environment (already merged by `Settings.resolve`),
then, when replaying cassettes, what the cassette manifest says they were recorded with
(so the requests match the recordings), then the endpoint table's default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError, KeyMissing
from ..settings import RECORD_MODES, Settings
from .endpoints import MODES, Endpoint, endpoint_for, is_local
from .keys import find_key

MANIFEST = "manifest.json"
#: what a replay sends as its key (never leaves the machine); local servers ignore keys
REPLAY_KEY = "sk-replay"
NO_KEY = "sk-no-key"


@dataclass(frozen=True)
class ModelConfig:
    """One endpoint and model, ready to open."""

    model: str
    base_url: str | None
    mode: str
    endpoint: Endpoint
    api_key: str = field(repr=False)
    local: bool
    redact: bool
    cassettes: Path | None
    record_mode: str
    cache_dir: Path | None
    prices: Path | None
    max_retries: int
    time_budget: float
    timeout: float
    max_calls: int | None = None
    allow_insecure: bool = False

    @property
    def replaying(self) -> bool:
        return self.cassettes is not None and self.record_mode == "none"

    @property
    def free(self) -> bool:
        """Tokens cost nothing: the server is on this machine or is one you run yourself."""
        return self.local or self.endpoint.self_hosted

    @property
    def where(self) -> str:
        return self.base_url or "the OpenAI API"

    @property
    def sends_key_in_clear(self) -> bool:
        """A real key would travel over plain http to a host that is not this machine."""
        return (
            _plain_http(self.base_url) and not self.local and not self.replaying
            and self.api_key not in (NO_KEY, REPLAY_KEY)
        )  # fmt: skip

    @property
    def transport_warning(self) -> str | None:
        """One line to print when the user allowed an insecure endpoint, else None."""
        if self.sends_key_in_clear:
            return f"the API key goes over plain http to {self.where} (--allow-insecure): anyone on the way can read it"
        return None

    def redaction_note(self, asked: bool | None) -> str:
        """One line for the user and the output: is redaction on, and why."""
        how = "by --redact/--no-redact" if asked is not None else (
            "by default for a " + ("local" if self.local else "remote") + " endpoint"
        )
        return f"redaction {'on' if self.redact else 'off'} ({how})"


def should_redact(base_url: str | None, asked: bool | None) -> bool:
    """An explicit `--redact/--no-redact` wins; otherwise redact for any endpoint that is not
    on this machine (including the provider's default when `base_url` is None)."""
    return asked if asked is not None else not is_local(base_url)


def resolve(settings: Settings) -> ModelConfig:
    """The checked configuration; a missing model, bad mode or missing key is one `ConfigError`."""
    model, mode, base_url = settings.model, settings.mode, settings.base_url
    record_mode = settings.record_mode or "none"
    use_cache = settings.use_cache
    if settings.cassettes is not None:
        if record_mode not in RECORD_MODES:
            raise ConfigError(f"record mode {record_mode!r}: choose from {', '.join(RECORD_MODES)}")
        if record_mode == "none":
            if not settings.cassettes.is_dir():
                raise ConfigError(f"{settings.cassettes}: no cassette folder to replay")
            manifest = _read_manifest(settings.cassettes)
            model = model or manifest.get("model")
            mode = mode or manifest.get("mode")
            base_url = base_url or manifest.get("base_url")
            use_cache = False  # the cassettes are the cache; never mask a mismatch
    if not model:
        raise ConfigError(
            "no model configured: pass --model or set IMR_ASSIST_MODEL "
            "(or IMR_ASSIST_CASSETTES=cassettes to replay the recorded exchanges)"
        )
    endpoint = endpoint_for(base_url)
    mode = (mode or endpoint.mode).lower()
    if mode not in MODES:
        raise ConfigError(f"mode {mode!r}: choose from {', '.join(MODES)}")
    replaying = settings.cassettes is not None and record_mode == "none"
    config = ModelConfig(
        model=model,
        base_url=base_url,
        mode=mode,
        endpoint=endpoint,
        api_key=_key(settings, endpoint, base_url, replaying),
        local=is_local(base_url),
        redact=should_redact(base_url, settings.redact),
        cassettes=settings.cassettes,
        record_mode=record_mode,
        cache_dir=settings.answer_cache_dir if use_cache else None,
        prices=settings.prices,
        max_retries=settings.max_retries,
        time_budget=settings.time_budget,
        timeout=settings.timeout,
        max_calls=settings.max_calls,
        allow_insecure=settings.allow_insecure,
    )
    if settings.max_calls is not None and settings.max_calls < 1:
        raise ConfigError(f"--max-calls {settings.max_calls}: give at least 1")
    if config.sends_key_in_clear and not settings.allow_insecure:
        raise ConfigError(
            f"refusing to send the API key over plain http to {base_url} (not this machine): "
            "use https, or pass --allow-insecure if the network path is yours"
        )
    return config


def _plain_http(base_url: str | None) -> bool:
    return bool(base_url) and urlsplit(base_url if "://" in (base_url or "") else f"http://{base_url}").scheme == "http"


def _key(settings: Settings, endpoint: Endpoint, base_url: str | None, replaying: bool) -> str:
    key = find_key(settings.api_key, endpoint.key_env)
    if key:
        return key
    if replaying:
        return REPLAY_KEY
    if endpoint.key_env and not endpoint.self_hosted and not is_local(base_url):
        raise KeyMissing(
            f"the {endpoint.name} endpoint needs an API key: set IMR_ASSIST_API_KEY or {endpoint.key_env}"
        )
    return NO_KEY


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable cassette manifest ({exc})") from None
    return data if isinstance(data, dict) else {}
