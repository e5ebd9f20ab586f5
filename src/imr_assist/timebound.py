"""A per-letter time bound, so one pathological input cannot hang a batch.

Why a signal and not a thread: the parser is pure Python plus `re`, and CPython checks
for pending signals between bytecodes and inside long regex matches, so a SIGALRM handler
can interrupt either; a thread cannot be stopped from outside. `setitimer` is Unix-only
and main-thread-only; elsewhere the bound is skipped (and `available()` says so).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import LetterTimeout


class _Expired(BaseException):
    """Raised by the alarm handler. A BaseException, so code in between that catches
    `Exception` (retry loops, parsers' fallbacks) cannot swallow it and carry on."""


def available() -> bool:
    """Whether a time bound can be enforced here (Unix, main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise `LetterTimeout` ("<what>: took longer than N s") if the block runs past `seconds`.

    `seconds <= 0` or an unsupported platform means no bound. The previous handler and
    timer are restored on exit, so nested use and other SIGALRM users are not disturbed.
    """
    if seconds <= 0 or not available():
        yield
        return

    def _expired(signum: int, frame: object) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise LetterTimeout(f"{what}: took longer than {seconds:g} s (raise --timeout or check the file)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
