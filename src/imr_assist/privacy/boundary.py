"""The boundary between letter text and a model endpoint: what may cross, and how.

The LLM extractor calls `prepare_for_model(text, base_url, redact)` just before building
a request and sends only `.text` of the result; values and quotes that come back go
through `.restore` / `.to_original`. When redaction is off (a local endpoint, or the user
said `--no-redact`), the result is an identity `Redaction`, so the calling code is the
same either way and cannot forget the step for one path.
"""

from __future__ import annotations

import importlib
import inspect

from .redact import Redaction, is_local_endpoint, redact_text, should_redact


def prepare_for_model(text: str, base_url: str | None, redact: bool | None = None) -> Redaction:
    """The text to send to the model at `base_url`, masked when policy says so."""
    if should_redact(base_url, redact):
        return redact_text(text)
    return Redaction(original=text, text=text)


def describe(base_url: str | None, redact: bool | None) -> str:
    """One line for the user and the output: is redaction on, and why."""
    where = "local endpoint" if is_local_endpoint(base_url) else "remote endpoint"
    on = should_redact(base_url, redact)
    how = "by --redact/--no-redact" if redact is not None else "by default for a " + where
    return f"redaction {'on' if on else 'off'} ({how})"


def extractor_accepts_redact(target: str) -> bool:
    """Whether the extractor class at "module:Class" takes a `redact` keyword.

    Why: the CLI must not send unmasked text to a remote model through an extractor that
    would silently ignore the setting; it refuses instead (see cli/extract.py)."""
    module_name, cls_name = target.split(":")
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError):
        return False
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False
    return "redact" in params  # an explicit parameter: **kwargs might swallow it silently
