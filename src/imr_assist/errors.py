"""Every error a user can act on, under one root. The CLI prints the message as one
`error:` line and exits 2 (one place: `cli/__init__.py`); library callers catch
`ImrAssistError` to handle them all.

    ImrAssistError
    ├── InputError                  the input cannot be used as an IMR letter or a file
    │   ├── NotAnIMRLetter          the text reads fine but is not an IMR letter
    │   └── LetterTimeout           one letter took longer than its time bound
    ├── ConfigError                 a setting is missing or wrong (model, mode, prices file...)
    ├── IndexStoreError             the decision index cannot be opened or used
    └── ModelError                  a model endpoint could not give a usable answer
        ├── EndpointUnreachable     connection refused / DNS / no route (after one more try)
        ├── EndpointFailing         429, 5xx or timeouts until the time budget ran out
        ├── KeyMissing              a remote endpoint and no API key anywhere
        ├── KeyRejected             HTTP 401/403
        ├── RequestRejected         another 4xx: unknown model, unsupported mode...
        ├── NoRecording             replaying cassettes and this request was never recorded
        ├── CallLimitReached        one letter needed more model requests than --max-calls
        └── AnswerRejected          the answers kept failing validation after every re-ask

Why a tree and not strings: callers decide by type (a batch stops early on
`EndpointUnreachable`, polish falls back on `AnswerRejected`), never by reading messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model.usage import Usage


class ImrAssistError(Exception):
    """The root: anything imr-assist raises on purpose, with a message for the user."""


class InputError(ImrAssistError):
    """The input cannot be read as an IMR letter (missing, empty, binary, no text layer…)."""


class NotAnIMRLetter(InputError):
    """The text reads fine but is not an IMR determination letter."""


class LetterTimeout(InputError):
    """One letter took longer than the allowed time; a batch carries on without it."""


class ConfigError(ImrAssistError):
    """A setting (argument or environment variable) is missing or not valid."""


class IndexStoreError(ImrAssistError):
    """The decision index cannot be opened, built or queried."""


class ModelError(ImrAssistError):
    """A model endpoint could not give a usable answer."""


class EndpointUnreachable(ModelError):
    """Nothing answers at the endpoint's address."""


class EndpointFailing(ModelError):
    """The endpoint answered with rate limits, server errors or timeouts until the budget ran out."""


class KeyMissing(ModelError):
    """The endpoint needs an API key and none was found."""


class KeyRejected(ModelError):
    """The endpoint refused the API key (HTTP 401/403)."""


class RequestRejected(ModelError):
    """The endpoint refused the request itself (another HTTP 4xx)."""


class NoRecording(ModelError):
    """Replaying recorded exchanges, and this request has no recording."""


class CallLimitReached(ModelError):
    """One letter used up its model-request budget (`--max-calls`)."""


class AnswerRejected(ModelError):
    """The model's answers kept failing validation after every re-ask."""

    def __init__(self, message: str, attempts: int, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.usage = usage
