"""Where API keys come from: the environment, or the OS keyring if `keyring` is installed.

Why one function: keys must never be read from files in the repo, command-line flags
(they land in shell history and `ps`), or config the tool writes; and code that handles a
key should only ever pass it to the client, never format it. `mask` is what to show when
a key has to be mentioned at all.
"""

from __future__ import annotations

import os

#: Environment variables tried in order; IMR_ASSIST_API_KEY lets users keep a separate key.
ENV_NAMES = ("IMR_ASSIST_API_KEY", "OPENAI_API_KEY")
KEYRING_SERVICE = "imr-assist"


def get_api_key(env_names: tuple[str, ...] = ENV_NAMES) -> str | None:
    """The first key found in `env_names`, else the keyring entry ("imr-assist", "api_key")."""
    for name in env_names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    try:
        import keyring  # optional
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, "api_key") or None
    except Exception:  # no backend on a headless box: behave as "no key"
        return None


def mask(secret: str | None) -> str:
    """A key as it may appear in messages: its kind and length, never its characters."""
    if not secret:
        return "(none)"
    prefix = "sk-" if secret.startswith("sk-") else ""
    return f"{prefix}…({len(secret)} chars)"
