"""Fakes at the seams, for tests that need ranking logic but not the real model."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class HashingEmbedder:
    """Deterministic bag-of-words vectors: texts sharing words point the same way."""

    name = "hashing-fake"

    def __init__(self, dimensions: int = 256):
        self.dimensions = dimensions
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimensions
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out
