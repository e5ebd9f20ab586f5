"""Where bundled, non-code assets live: prompts, data tables, the demo corpus.

The project is installed editable (`pip install -e .`), so the repository's top-level
`prompts/` and `eval/` folders are found next to `src/`. `IMR_ASSIST_HOME` overrides
the repository root for installs elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"


def repo_root() -> Path:
    env = os.environ.get("IMR_ASSIST_HOME")
    if env:
        return Path(env)
    return PACKAGE_DIR.parent.parent


def prompts_dir() -> Path:
    return repo_root() / "prompts"


def eval_dir() -> Path:
    return repo_root() / "eval"


def demo_corpus_dir() -> Path:
    """The 64 bundled DWC letters (text, PDF, structural gold)."""
    return eval_dir() / "corpus"
