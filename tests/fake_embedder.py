"""A stand-in embedder for the index tests (imported by them, not collected)."""

from __future__ import annotations

import numpy as np


class HashEmbedder:
    """Deterministic bag-of-words hashing vectors: tests the vector plumbing, not a model.
    Words hash by their characters' sum, not `hash()`, so vectors are the same in every run."""

    name = "fake-hash-64"
    dim = 64

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, sum(map(ord, w)) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)
