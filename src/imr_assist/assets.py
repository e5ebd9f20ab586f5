"""Files that ship inside the package: templates, wording and data tables, bundled letters.

Why one module: every asset is found through `importlib.resources`, relative to the
installed package, so a plain wheel install works from any folder (no repository, no
editable install, no environment variable pointing at a checkout). Folders:

- `prompts/`: Jinja templates (model prompts, drafts, review pages, eval report) and the
  wording data beside them (`reasons/reasons.toml`, `drafting.toml`);
- `data/`: the layout parser's tables (drugs, categories, denial reasons, endpoints);
- `bundled/letters` + `bundled/gold`: the 3 fully annotated example letters;
- `bundled/corpus`: the 64 DWC demo letters (`txt/`, `pdf/`, structural `gold/`).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

import jinja2

PACKAGE = "imr_assist"
PROMPTS = "prompts"


@cache
def package_dir(*parts: str) -> Path:
    """A folder inside the installed package, as a path (pip always installs unpacked)."""
    root = files(PACKAGE).joinpath(*parts)
    path = Path(str(root))
    if not path.is_dir():
        raise FileNotFoundError(f"{'/'.join(parts)}: not found in the installed imr_assist package")
    return path


def prompt_text(name: str) -> str:
    """One file of `prompts/` as text (a template or a wording table)."""
    return files(PACKAGE).joinpath(PROMPTS, *name.split("/")).read_text(encoding="utf-8")


def prompt_bytes(name: str) -> bytes:
    return files(PACKAGE).joinpath(PROMPTS, *name.split("/")).read_bytes()


def template_loader(subfolder: str = "") -> jinja2.BaseLoader:
    """A Jinja loader over `prompts/` (or a subfolder of it), read through the package."""
    return jinja2.PackageLoader(PACKAGE, f"{PROMPTS}/{subfolder}".rstrip("/"))


#: The layout parser's tables (`data/*.json`, `data/endpoints.toml`).
DATA_DIR = package_dir("data")


def bundled_dir(*parts: str) -> Path:
    """A folder of the bundled letters: `letters`, `gold`, `corpus`, `corpus/txt`..."""
    return package_dir("bundled", *parts)


def demo_corpus_dir() -> Path:
    """The 64 bundled DWC letters (text, PDF, structural gold)."""
    return bundled_dir("corpus")
