"""The bundled demo index: the package's 64 DWC letters, extracted with the rules extractor
and indexed into the cache root on first use, so `similar`, `stats` and `draft` work with
no `--db`.

Why here and not in `index/`: building it runs the extraction pipeline, and storage must
not call up into extraction; this module sits above both.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import __version__
from .assets import demo_corpus_dir
from .extractors.rules import RulesExtractor
from .index import DecisionIndexBase, index_records, open_index
from .pipeline import Pipeline
from .settings import Settings


def demo_letters() -> list[Path]:
    return sorted((demo_corpus_dir() / "txt").glob("*.txt"))


def demo_index_path(settings: Settings | None = None, build: bool = True) -> Path:
    """The demo index in the cache root (`IMR_ASSIST_CACHE`), built the first time; its name
    changes with the package version, the index schema and the bundled letters, so an
    upgrade rebuilds it."""
    settings = settings or Settings.resolve()
    letters = demo_letters()
    from .index.sqlite import SCHEMA_VERSION

    h = hashlib.sha1(f"{__version__}:{SCHEMA_VERSION}".encode())  # a new store schema (findings) rebuilds it
    for p in letters:
        h.update(f"{p.name}:{p.stat().st_size}".encode())
    path = settings.cache_root / f"demo-{h.hexdigest()[:12]}.db"
    if build and not path.exists():
        build_demo_index(path, letters)
    return path


def build_demo_index(path: Path, letters: list[Path] | None = None, quiet: bool = False) -> Path:
    """Extract the demo letters with the rules extractor into a fresh index at `path`
    (written to a temp file and renamed, so concurrent first uses do not clash)."""
    letters = letters if letters is not None else demo_letters()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".demo-", suffix=".db", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    if not quiet:
        print(f"building the demo index from {len(letters)} bundled letters into {path} (once)…",
              file=sys.stderr, flush=True)  # fmt: skip
    try:
        ix = open_index(tmp, embedder="auto", create=True)
        try:
            records = Pipeline(RulesExtractor()).records(letters, on_error=lambda result: None)
            index_records(ix, records)
        finally:
            ix.close()
        for suffix in ("-wal", "-shm"):
            Path(tmp + suffix).unlink(missing_ok=True)
        side = Path(tmp + ".side")
        os.replace(tmp, path)
        if side.exists():
            target = Path(str(path) + ".side")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(side, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def open_decision_index(db: str | None, embedder: str = "auto") -> DecisionIndexBase:
    """`db` (a SQLite file or postgresql:// URL), or the demo index when None. The caller
    closes it (it is a context manager)."""
    return open_index(db if db is not None else demo_index_path(), embedder=embedder)
