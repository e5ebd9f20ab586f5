"""The last check on every HTTP request the gateway sends: the per-letter call budget and
the identifiers of the current question.

Why at the HTTP level: instructor builds re-asks itself (the model's last answer plus the
validation error), after the gateway masked the question; a validator that quotes a
restored value in its error message would send it. So every outgoing body is checked for
the original values the redactor masked for this question, and any found is replaced by
its placeholder before the request leaves. And a letter cannot make the tool call the
model without end (a crafted letter made 516 requests): each request spends one call of
the letter's budget (`Model.session(..., items=n)`); past it, `CallLimitReached`.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any

from ..errors import CallLimitReached

#: model requests per item by default: two questions, each with up to two re-asks
CALLS_PER_ITEM = 6
#: the default never allows more than this per letter, however many items a letter claims
DEFAULT_CALL_CAP = 120


def call_limit(max_calls: int | None, items: int | None) -> int | None:
    """The budget for one letter: `--max-calls`, else `CALLS_PER_ITEM` per item (at most
    `DEFAULT_CALL_CAP`); None for calls outside a letter's session."""
    if max_calls is not None:
        return max_calls
    if items is None:
        return None
    return min(CALLS_PER_ITEM * max(items, 1), DEFAULT_CALL_CAP)


@dataclass
class CallBudget:
    limit: int | None
    used: int = 0

    def spend(self) -> None:
        self.used += 1
        if self.limit is not None and self.used > self.limit:
            raise CallLimitReached(
                f"stopped after {self.limit} model requests for one letter (--max-calls); nothing is written "
                "for this letter: raise --max-calls if it really needs more"
            )


class Outbound:
    """An httpx request hook: spends the budget, re-masks identifiers in the body."""

    def __init__(self) -> None:
        self.budget = CallBudget(None)
        self._values: re.Pattern[str] | None = None
        self._placeholders: dict[str, str] = {}

    def guard(self, values: dict[str, str]) -> None:
        """Original value -> placeholder for the question being asked (empty: nothing masked)."""
        usable = {v: p for v, p in values.items() if len(v.strip()) >= 2}
        self._placeholders = usable
        alternatives = "|".join(re.escape(v) for v in sorted(usable, key=len, reverse=True))
        self._values = re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)") if usable else None

    def __call__(self, request: Any) -> None:
        self.budget.spend()
        if self._values is None or request.method != "POST":
            return
        body = request.read()
        try:
            data = json.loads(body)
        except ValueError:
            return
        masked = self._mask(data)
        if masked != data:
            # the request's own httpx flavour (openai sends through httpx2, test clients through httpx)
            http = sys.modules[type(request).__module__.split(".")[0]]
            new = json.dumps(masked, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            request.stream = http.ByteStream(new)
            request._content = new
            request.headers["Content-Length"] = str(len(new))

    def _mask(self, value: Any) -> Any:
        if isinstance(value, str):
            assert self._values is not None
            return self._values.sub(lambda m: self._placeholders[m.group(0)], value)
        if isinstance(value, list):
            return [self._mask(v) for v in value]
        if isinstance(value, dict):
            return {k: self._mask(v) for k, v in value.items()}
        return value


def hooked_client(http_client: Any, hook: Outbound) -> Any:
    """`http_client` (or openai's default client) with `hook` run on every request."""
    if http_client is None:
        import openai

        return openai.DefaultHttpxClient(event_hooks={"request": [hook]})
    hooks = dict(http_client.event_hooks)
    hooks["request"] = [*hooks.get("request", []), hook]
    http_client.event_hooks = hooks
    return http_client
