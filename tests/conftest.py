"""Every test starts from a clean environment: no `IMR_ASSIST_*` or `OPENAI_*` variable a
user exported (a model, a key, a database, a cassette folder) can change an outcome, and
caches live in a temporary folder, never in the user's home.

Tests that need a variable set it themselves with `monkeypatch.setenv`. The demo index is
built once per test session into a shared temporary cache (it takes a few seconds), so
the per-test cache root is only for model answers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CLEARED_PREFIXES = ("IMR_ASSIST_", "OPENAI_")


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("imr-assist-cache")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, _session_cache: Path) -> None:
    for name in list(os.environ):
        if name.startswith(CLEARED_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("IMR_ASSIST_CACHE", str(_session_cache))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_session_cache / "xdg"))
