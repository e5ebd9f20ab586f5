"""One client path for every OpenAI-compatible endpoint: openai SDK + instructor.

- instructor validates each answer against `LLMItem` (vocabularies, quotes found in the
  letter) and re-asks with the validation error up to `max_retries` times;
- tenacity retries transport failures (429, 5xx, timeouts) with exponential backoff and
  jitter inside a total time budget; a refused connection is tried twice, then reported
  as one clear line (`EndpointError`);
- under a cassette the SDK's own retries are off, so a request with no recording fails at
  once with a message that says so;
- every raw response's token usage is counted through instructor's `completion:response`
  hook, so re-asks are paid for in the numbers too.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .cassettes import is_missing_recording
from .config import LLMConfig
from .costs import Usage, cost_usd
from .item_model import LLMItem

# instructor logs every exhausted retry at error level on the root handler; the extractor
# reports failed items itself (provenance + warnings), so keep the terminal quiet.
logging.getLogger("instructor").setLevel(logging.CRITICAL)


class EndpointError(InputError):
    """The model endpoint cannot be used (unreachable, refused, no recording, auth)."""


class ModelAnswerError(Exception):
    """The model's answers kept failing validation after every re-ask."""

    def __init__(self, message: str, attempts: int, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.usage = usage


_TRANSIENT = {"RateLimitError", "InternalServerError", "APITimeoutError", "ServiceUnavailableError"}
_CONNECT = {"APIConnectionError", "ConnectError", "ConnectionRefusedError", "ConnectionError"}


def _chain(exc: BaseException):
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def classify(exc: BaseException) -> str:
    """'missing' (no recording), 'transient' (retry), 'connect', 'auth' or 'other'."""
    if is_missing_recording(exc):
        return "missing"
    for e in _chain(exc):
        names = {c.__name__ for c in type(e).__mro__}
        status = getattr(e, "status_code", None)
        if names & _TRANSIENT or (isinstance(status, int) and (status == 429 or status >= 500)):
            return "transient"
        if isinstance(status, int) and status in (401, 403):
            return "auth"
        if names & _CONNECT:
            return "connect"
    return "other"


_MODES = {
    "tools": "TOOLS",
    "json": "JSON",
    "json_schema": "JSON_SCHEMA",
    "md_json": "MD_JSON",
    "llamacpp": "JSON_SCHEMA",  # + response_format json_object with the schema (grammar)
}


@dataclass
class Answer:
    item: LLMItem
    usage: Usage


class ModelClient:
    def __init__(self, config: LLMConfig) -> None:
        import instructor
        import openai

        self.config = config
        replaying = config.cassette_dir is not None
        self._openai = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.key(),
            timeout=config.timeout,
            max_retries=0 if replaying else 1,  # tenacity does the backing off
        )
        self._client = instructor.from_openai(self._openai, mode=getattr(instructor.Mode, _MODES[config.mode]))
        self._usage: Usage | None = None
        self._client.on("completion:response", self._count)

    def _count(self, response: Any) -> None:
        if self._usage is None:
            return
        self._usage.calls += 1
        u = getattr(response, "usage", None)
        if u is not None:
            self._usage.prompt_tokens += int(getattr(u, "prompt_tokens", 0) or 0)
            self._usage.completion_tokens += int(getattr(u, "completion_tokens", 0) or 0)

    def _extra(self) -> dict[str, Any]:
        if self.config.mode == "llamacpp":
            schema = LLMItem.model_json_schema()
            return {"extra_body": {"response_format": {"type": "json_object", "schema": schema}}}
        return {}

    def extract_item(self, messages: list[dict[str, str]], context: dict[str, Any]) -> Answer:
        """One validated item; raises EndpointError or ModelAnswerError."""
        from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_after_delay
        from tenacity import wait_exponential_jitter as jitter

        cfg = self.config
        usage = Usage(items=1)
        self._usage = usage
        t0 = time.perf_counter()
        connect_failures = 0

        def should_retry(exc: BaseException) -> bool:
            nonlocal connect_failures
            kind = classify(exc)
            if kind == "connect":
                connect_failures += 1
                return connect_failures < 2 and cfg.cassette_dir is None
            return kind == "transient"

        try:
            for attempt in Retrying(
                retry=retry_if_exception(should_retry),
                wait=jitter(initial=1, max=30),
                stop=stop_after_delay(cfg.time_budget) | stop_after_attempt(6),
                reraise=True,
            ):
                with attempt:
                    item = self._client.chat.completions.create(
                        model=cfg.model,
                        messages=messages,
                        response_model=LLMItem,
                        max_retries=cfg.max_retries,
                        temperature=cfg.temperature,
                        max_tokens=cfg.max_tokens,
                        context=context,
                        **self._extra(),
                    )
        except Exception as exc:
            self._close(usage, t0)
            err = self._explain(exc)
            if isinstance(err, ModelAnswerError):
                err.usage = usage
            raise err from None
        self._close(usage, t0)
        return Answer(item=item, usage=usage)

    def _close(self, usage: Usage, t0: float) -> None:
        self._usage = None
        usage.seconds = round(time.perf_counter() - t0, 3)
        usage.retries = max(0, usage.calls - 1)
        usage.cost_usd = cost_usd(self.config.model or "", usage.prompt_tokens, usage.completion_tokens, self.local)

    @property
    def local(self) -> bool:
        from ..privacy.redact import is_local_endpoint

        return self.config.base_url is not None and is_local_endpoint(self.config.base_url)

    def _explain(self, exc: Exception) -> Exception:
        cfg = self.config
        where = cfg.base_url or "the OpenAI API"
        kind = classify(exc)
        first = next((str(e).strip().splitlines()[0] for e in _chain(exc) if str(e).strip()), type(exc).__name__)
        if kind == "missing":
            return EndpointError(
                f"no recorded answer in {cfg.cassette_dir} for this request (model {cfg.model!r}; the prompt, "
                "schema or letter changed?): re-record with `python eval/record.py`"
            )
        if kind == "connect":
            return EndpointError(f"model endpoint {where} is unreachable ({first})")
        if kind == "auth":
            return EndpointError(f"model endpoint {where} refused the API key ({first})")
        if kind == "transient":
            return EndpointError(f"model endpoint {where} kept failing within {cfg.time_budget:.0f} s ({first})")
        if type(exc).__name__ in {"InstructorRetryException", "IncompleteOutputException"} or "ValidationError" in {
            type(e).__name__ for e in _chain(exc)
        }:
            why = next((str(e) for e in _chain(exc) if "validation error" in str(e)), first)
            why = " ".join(why.split())[:300]
            return ModelAnswerError(why, int(getattr(exc, "n_attempts", 0) or 0))
        status = getattr(exc, "status_code", None)
        if status is not None:  # 400/404: bad model name, unsupported mode...
            return EndpointError(f"model endpoint {where} rejected the request (HTTP {status}: {first})")
        return exc
