"""Where an API key comes from, in one order: the explicit argument, `IMR_ASSIST_API_KEY`,
the endpoint's own variable (e.g. `OPENAI_API_KEY`), then the OS keyring if `keyring` is
installed (service "imr-assist", user "api_key").

Why one function: keys must never be read from files in the repo, command-line flags
(they land in shell history and `ps`), or config the tool writes; and code that handles a
key should only ever pass it to the client, never format it. `mask` is what to show when
a key has to be mentioned at all.
"""

from __future__ import annotations

import os

from ..scrub import register_secret

KEYRING_SERVICE = "imr-assist"
KEYRING_USER = "api_key"


def find_key(explicit: str | None, endpoint_env: str | None) -> str | None:
    """The first key found. `explicit` is the argument, else `IMR_ASSIST_API_KEY`, as
    `Settings.api_key` resolved them; `endpoint_env` names the endpoint's own variable.
    The key found is registered with the output scrubber: no channel can print it."""
    key = _first_key(explicit, endpoint_env)
    register_secret(key)
    return key


def _first_key(explicit: str | None, endpoint_env: str | None) -> str | None:
    if explicit and explicit.strip():
        return explicit.strip()
    if endpoint_env:
        value = os.environ.get(endpoint_env, "").strip()
        if value:
            return value
    return _keyring_key()


def _keyring_key() -> str | None:
    try:
        import keyring  # optional
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER) or None
    except Exception:  # no backend on a headless box: behave as "no key"
        return None


def mask(secret: str | None) -> str:
    """A key as it may appear in messages: its kind and length, never its characters."""
    if not secret:
        return "(none)"
    prefix = "sk-" if secret.startswith("sk-") else ""
    return f"{prefix}…({len(secret)} chars)"
