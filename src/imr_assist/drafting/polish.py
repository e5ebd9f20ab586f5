"""Optional LLM polish of a deterministic draft (`draft --model`).

Not built yet: it depends on the shared `imr_assist.llm` client and cassette helpers.
Until they exist the command refuses `--model` with one clear line instead of pretending.
"""

from __future__ import annotations


def polish_available() -> bool:
    try:
        from .. import llm  # noqa: F401
    except ImportError:
        return False
    return False
