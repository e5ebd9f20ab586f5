"""Recorded model exchanges (vcrpy cassettes): record once against a real server, replay offline.

One cassette per letter: `<cassette_dir>/<letter id>.yaml`. Requests match on method, path
and body, so a changed prompt, schema or model name finds no recording and fails loudly
(record_mode "none") instead of replaying a stale answer. Authorization, API-key and
organisation headers, key query parameters and noisy response headers are dropped before
anything is written.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from ..errors import ConfigError

SECRET_HEADERS = [
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
]
SECRET_QUERY = ["api_key", "key", "api-key"]
SECRET_BODY_KEYS = {"api_key", "apikey", "organization", "user"}
KEEP_RESPONSE_HEADERS = {"content-type"}


def _scrub_request(request: Any) -> Any:
    body = request.body
    if body:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return request
        if isinstance(data, dict) and SECRET_BODY_KEYS & set(data):
            for k in SECRET_BODY_KEYS & set(data):
                data.pop(k)
            request.body = json.dumps(data).encode()
    # headers that identify the client machine/library build are noise, not evidence
    for name in list(request.headers):
        if name.lower().startswith("x-stainless") or name.lower() in {"user-agent", "cookie"}:
            del request.headers[name]
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {k: v for k, v in response.get("headers", {}).items() if k.lower() in KEEP_RESPONSE_HEADERS}
    return response


def cassette_path(folder: Path, letter_id: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in letter_id)
    return Path(folder) / f"{safe}.yaml"


def use_cassette(path: Path | None, record_mode: str = "none") -> AbstractContextManager[Any]:
    """A vcrpy cassette context for one letter, or a no-op when cassettes are off."""
    if path is None:
        return nullcontext()
    try:
        import vcr  # lazy: only needed when recording or replaying
    except ImportError:
        raise ConfigError("IMR_ASSIST_CASSETTES needs vcrpy: pip install vcrpy") from None

    recorder = vcr.VCR(
        record_mode=record_mode,
        match_on=("method", "path", "body"),
        filter_headers=SECRET_HEADERS,
        filter_query_parameters=SECRET_QUERY,
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    return recorder.use_cassette(str(path), allow_playback_repeats=True)


def missing_recording_errors() -> tuple[type[BaseException], ...]:
    """The exception vcrpy raises for a request it has no recording of (none without vcrpy)."""
    try:
        from vcr.errors import CannotOverwriteExistingCassetteException
    except ImportError:
        return ()
    return (CannotOverwriteExistingCassetteException,)
