"""The one door to a language model: every model call in imr-assist goes through `Model.ask`.

    model = open_model(Settings.resolve(model="gpt-4o-mini"), ledger=Ledger())
    with model.session("CM16-0213037", letter=text, items=3):   # one cassette, ledger line, budget per letter
        answer = model.ask(messages, LLMItem, context={"text": letter, "window": (s, e)})
    answer.value, answer.usage

What `ask` does, in order:
1. redact: non-system messages are masked by the pluggable `Redactor` (on by default for
   any endpoint not on this machine), with what the session's letter says about itself;
   validators get `context["restore"]` to read quotes back in the original letter;
2. cache: a validated answer to the same masked question is reused (`model/cache.py`);
3. cassette: inside `session(name)`, requests are recorded to / replayed from
   `<cassettes>/<name>.yaml` (`model/cassettes.py`);
4. instructor: the answer is validated against `response_model` with `context`; a
   validation error goes back to the model (`max_retries` re-asks);
5. retries: 429, 5xx and timeouts are retried with exponential backoff and jitter inside a
   time budget (tenacity); a refused connection is tried twice, never under replay;
6. usage: every raw response's tokens are counted (re-asks included) through instructor's
   `completion:response` hook and booked into the caller's `Ledger`;
7. un-redact: the validated answer's strings get the original values back.

Every HTTP request (re-asks and retries included) passes `model/outbound.py` on its way
out: it spends one call of the letter's budget (`--max-calls`) and replaces any original
value of the question that a re-ask would carry by its placeholder.

Failures are typed (`errors.py`): classified by exception type and HTTP status code, never
by class names or message text. This module and its package are the only code that
imports openai, instructor, tenacity or vcrpy.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import (
    AnswerRejected,
    CallLimitReached,
    EndpointFailing,
    EndpointUnreachable,
    KeyRejected,
    ModelError,
    NoRecording,
    RequestRejected,
)
from ..logging_setup import redact_secrets
from ..settings import Settings
from .cache import DiskCache, cache_key
from .cassettes import cassette_path, missing_recording_errors, use_cassette
from .config import ModelConfig, resolve
from .outbound import CallBudget, Outbound, call_limit, hooked_client
from .redaction import Messages, Redactor, redactor_for
from .usage import Ledger, Usage, cost_usd

T = TypeVar("T", bound=BaseModel)

#: our mode names -> instructor's (`llamacpp` adds response_format with the schema: a grammar)
INSTRUCTOR_MODES = {
    "tools": "TOOLS",
    "json": "JSON",
    "json_schema": "JSON_SCHEMA",
    "md_json": "MD_JSON",
    "llamacpp": "JSON_SCHEMA",
}
DEFAULT_SESSION = "default"


@dataclass
class Answer(Generic[T]):
    """A validated answer (original values restored) and what it cost."""

    value: T
    usage: Usage
    cached: bool = False


def open_model(
    settings: Settings,
    ledger: Ledger | None = None,
    redactor: Redactor | None = None,
    http_client: Any = None,
) -> Model:
    """The model `settings` name, ready to ask. Raises `ConfigError`/`KeyMissing` when it
    cannot be configured; `http_client` is a test seam (an httpx MockTransport client)."""
    return Model(resolve(settings), ledger, redactor, http_client)


class Model:
    """One endpoint and model. Usage goes to the `ledger` the caller passed, if any."""

    def __init__(
        self,
        config: ModelConfig,
        ledger: Ledger | None = None,
        redactor: Redactor | None = None,
        http_client: Any = None,
    ) -> None:
        import instructor
        import openai

        # instructor logs every failed attempt at error level; we report one typed error.
        logging.getLogger("instructor").setLevel(logging.CRITICAL)
        self.config = config
        self.ledger = ledger
        self.redactor = redactor if redactor is not None else redactor_for(config.redact)
        self._outbound = Outbound()
        self._openai = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key,
            timeout=config.timeout,
            max_retries=0,  # tenacity does the backing off
            http_client=hooked_client(http_client, self._outbound),
        )
        mode = getattr(instructor.Mode, INSTRUCTOR_MODES[config.mode])
        self._client = instructor.from_openai(self._openai, mode=mode)
        self._client.on("completion:response", self._count)
        self._counting: Usage | None = None
        self._cache = DiskCache(config.cache_dir) if config.cache_dir is not None else None
        self._session = DEFAULT_SESSION
        self._letter: str | None = None

    @property
    def name(self) -> str:
        return self.config.model

    @property
    def source_tag(self) -> str:
        """How a value's provenance names this model."""
        return f"llm:{self.config.model}"

    @contextmanager
    def session(self, name: str, letter: str | None = None, items: int | None = None) -> Iterator[None]:
        """Questions asked inside are about one letter: recorded to / replayed from one
        cassette (`<cassettes>/<name>.yaml`), booked under `name` in the ledger, masked
        with what `letter` (its whole text) says about itself, and limited to the letter's
        call budget (`--max-calls`, default per item of its `items`)."""
        path = cassette_path(self.config.cassettes, name) if self.config.cassettes is not None else None
        previous = (self._session, self._letter, self._outbound.budget)
        self._session, self._letter = name, letter
        self._outbound.budget = CallBudget(call_limit(self.config.max_calls, items))
        try:
            with use_cassette(path, self.config.record_mode):
                yield
        finally:
            self._session, self._letter, self._outbound.budget = previous

    def ask(
        self,
        messages: Messages,
        response_model: type[T],
        context: Mapping[str, Any] | None = None,
        *,
        max_tokens: int = 300,
        temperature: float = 0.0,
    ) -> Answer[T]:
        """One validated answer; raises a `ModelError` subclass when there is none."""
        question = self.redactor.mask_messages(messages, self._letter)
        ctx = {**(context or {}), "restore": question.restore}
        params = {"max_tokens": max_tokens, "temperature": temperature, "max_retries": self.config.max_retries}
        key = None
        if self._cache is not None:
            key = cache_key(
                model=self.config.model, mode=self.config.mode, schema=response_model.model_json_schema(),
                messages=question.messages, params=params,
            )  # fmt: skip
            hit = self._cached(key, response_model, ctx)
            if hit is not None:
                usage = Usage(items=1, cached=1)
                self._book(usage)
                return Answer(restore_strings(hit, question.restore), usage, cached=True)
        usage = Usage(items=1)
        t0 = time.perf_counter()
        self._outbound.guard(question.masked)
        try:
            value = self._call(question.messages, response_model, ctx, max_tokens, temperature, usage)
        except ModelError as exc:
            self._finish(usage, t0)
            if isinstance(exc, AnswerRejected):
                exc.usage = usage
            raise
        finally:
            self._outbound.guard({})
        self._finish(usage, t0)
        if self._cache is not None and key is not None:
            self._cache.put(key, {"answer": value.model_dump(mode="json"), "usage": usage.as_dict()})
        return Answer(restore_strings(value, question.restore), usage)

    # -- the steps ------------------------------------------------------------------------
    def _cached(self, key: str, response_model: type[T], ctx: dict[str, Any]) -> T | None:
        assert self._cache is not None
        hit = self._cache.get(key)
        if hit is None or "answer" not in hit:
            return None
        try:
            return response_model.model_validate(hit["answer"], context=ctx)
        except ValidationError:
            return None  # the letter changed under the same key? ask again

    def _call(
        self, messages: Messages, response_model: type[T], ctx: dict[str, Any], max_tokens: int,
        temperature: float, usage: Usage,
    ) -> T:  # fmt: skip
        from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_after_delay
        from tenacity import wait_exponential_jitter as jitter

        connect_failures = 0

        def worth_retrying(exc: BaseException) -> bool:
            nonlocal connect_failures
            kind = classify(exc)
            if kind is EndpointUnreachable:
                connect_failures += 1
                return connect_failures < 2 and not self.config.replaying
            return kind is EndpointFailing

        self._counting = usage
        try:
            for attempt in Retrying(
                retry=retry_if_exception(worth_retrying),
                wait=jitter(initial=1, max=30),
                stop=stop_after_delay(self.config.time_budget) | stop_after_attempt(6),
                reraise=True,
            ):
                with attempt:
                    value: T = self._client.chat.completions.create(
                        model=self.config.model,
                        messages=messages,  # type: ignore[arg-type]
                        response_model=response_model,
                        max_retries=self.config.max_retries,
                        temperature=temperature,
                        max_tokens=max_tokens,
                        context=ctx,
                        **self._extra(response_model),
                    )
                    return value
        except Exception as exc:
            raise self._explain(exc) from None
        finally:
            self._counting = None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _extra(self, response_model: type[BaseModel]) -> dict[str, Any]:
        if self.config.mode == "llamacpp":
            schema = response_model.model_json_schema()
            return {"extra_body": {"response_format": {"type": "json_object", "schema": schema}}}
        return {}

    def _count(self, response: Any) -> None:
        usage = self._counting
        if usage is None:
            return
        usage.calls += 1
        u = getattr(response, "usage", None)
        if u is not None:
            usage.prompt_tokens += int(getattr(u, "prompt_tokens", 0) or 0)
            usage.completion_tokens += int(getattr(u, "completion_tokens", 0) or 0)

    def _finish(self, usage: Usage, t0: float) -> None:
        usage.seconds = round(time.perf_counter() - t0, 3)
        usage.retries = max(0, usage.calls - 1)
        usage.cost_usd = cost_usd(
            self.config.model, usage.prompt_tokens, usage.completion_tokens, self.config.free, self.config.prices
        )
        self._book(usage)

    def _book(self, usage: Usage) -> None:
        if self.ledger is not None:
            self.ledger.record(self._session, usage)

    def _explain(self, exc: BaseException) -> BaseException:
        """The typed error for `exc`, or `exc` itself when it is not a model failure (a bug)."""
        cfg = self.config
        kind = classify(exc)
        first = redact_secrets(_first_line(exc))
        if kind is CallLimitReached:
            return next(e for e in _chain(exc) if isinstance(e, CallLimitReached))
        if kind is NoRecording:
            return NoRecording(
                f"no recorded answer in {cfg.cassettes} for this request (model {cfg.model!r}; the prompt, "
                "schema or letter changed?): re-record with `python eval/record.py`"
            )
        if kind is EndpointUnreachable:
            return EndpointUnreachable(f"model endpoint {cfg.where} is unreachable ({first})")
        if kind is KeyRejected:
            return KeyRejected(f"model endpoint {cfg.where} refused the API key ({first})")
        if kind is EndpointFailing:
            return EndpointFailing(f"model endpoint {cfg.where} kept failing within {cfg.time_budget:.0f} s ({first})")
        if kind is RequestRejected:
            status = next((s for s in (_status(e) for e in _chain(exc)) if s is not None), None)
            return RequestRejected(f"model endpoint {cfg.where} rejected the request (HTTP {status}: {first})")
        if kind is AnswerRejected:
            attempts = _attempts(exc)
            why = _validation_reason(exc) or first
            prefix = f"after {attempts} attempts: " if attempts else ""
            return AnswerRejected(prefix + why, attempts)
        return exc


# -- classification: by type and status code ----------------------------------------------
def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def _status(exc: BaseException) -> int | None:
    import openai

    return exc.status_code if isinstance(exc, openai.APIStatusError) else None


def classify(exc: BaseException) -> type[ModelError] | None:
    """Which `ModelError` an exception raised under `ask` is, or None (not a model failure)."""
    import openai
    from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException

    if any(isinstance(e, CallLimitReached) for e in _chain(exc)):
        return CallLimitReached
    missing = missing_recording_errors()
    if missing and any(isinstance(e, missing) for e in _chain(exc)):
        return NoRecording
    for e in _chain(exc):
        status = _status(e)
        if status is not None:
            if status in (401, 403):
                return KeyRejected
            if status in (408, 409, 429) or status >= 500:
                return EndpointFailing
            return RequestRejected
        if isinstance(e, openai.APITimeoutError):  # before its parent, APIConnectionError
            return EndpointFailing
        if isinstance(e, openai.APIConnectionError):
            return EndpointUnreachable
        if isinstance(e, ValidationError | json.JSONDecodeError | IncompleteOutputException):
            return AnswerRejected
    if isinstance(exc, InstructorRetryException):
        return AnswerRejected
    return None


def _attempts(exc: BaseException) -> int:
    from instructor.core.exceptions import InstructorRetryException

    for e in _chain(exc):
        if isinstance(e, InstructorRetryException):
            return int(e.n_attempts or 0)
    return 0


def _validation_reason(exc: BaseException) -> str | None:
    """The last validation problem the model was told about, in one short line."""
    from instructor.core.exceptions import IncompleteOutputException

    for e in _chain(exc):
        if isinstance(e, IncompleteOutputException):
            return "the answer was cut off (max_tokens reached)"
        if isinstance(e, ValidationError):
            errors = e.errors()
            raised = [err["ctx"]["error"] for err in errors if isinstance(err.get("ctx", {}).get("error"), Exception)]
            if raised:
                return " ".join(str(raised[-1]).split())[:300]
            if errors:
                err = errors[-1]
                where = ".".join(str(p) for p in err["loc"])
                return f"{where}: {err['msg']}"[:300]
    return None


def _first_line(exc: BaseException) -> str:
    for e in _chain(exc):
        text = str(e).strip()
        if text:
            return text.splitlines()[0][:200]
    return type(exc).__name__


def restore_strings(value: T, restore: Callable[[str], str]) -> T:
    """Put original values back into every string of a validated answer, in place (private
    attributes such as aligned spans are kept)."""
    _restore_model(value, restore)
    return value


def _restore_model(model: BaseModel, restore: Callable[[str], str]) -> None:
    for name in type(model).model_fields:
        old = getattr(model, name)
        new = _restored(old, restore)
        if new is not old:
            model.__dict__[name] = new


def _restored(value: Any, restore: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        out = restore(value)
        return value if out == value else out
    if isinstance(value, BaseModel):
        _restore_model(value, restore)
        return value
    if isinstance(value, list):
        items = [_restored(v, restore) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        pairs = {k: _restored(v, restore) for k, v in value.items()}
        return value if all(pairs[k] is value[k] for k in value) else pairs
    return value
