"""A small classifier over the indexed passages: which clause (or "not covered") a question is
about, learned from the clauses, their curated phrasings and the out-of-scope topics.

Nearest-passage similarity alone is swayed by one stray phrasing; a logistic regression over the
same embeddings weighs all of a clause's phrasings against its neighbours'. It is trained when the
index is built (well under a second) and cached on disk beside the embeddings.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from bot.embedding import store_in_cache

log = logging.getLogger(__name__)


class PassageClassifier:
    def __init__(
        self,
        vectors: np.ndarray,
        labels: np.ndarray,
        classes: int,
        strength: float,
        cache_dir: Path | None = None,
    ):
        """``labels`` run 0..classes-1; the last class stands for "not covered" when present."""
        self.classes = classes
        key = hashlib.sha256(
            vectors.tobytes() + labels.tobytes() + f"{classes}:{strength}".encode()
        )
        path = cache_dir / "embeddings" / f"classifier-{key.hexdigest()}.npz" if cache_dir else None
        if path and path.exists():
            try:
                saved = np.load(path, allow_pickle=False)
                self.weights, self.bias = saved["weights"], saved["bias"]
                return
            except (OSError, ValueError, KeyError):
                log.warning("ignoring an unreadable classifier cache file %s", path)
        self.weights, self.bias = _fit(vectors, labels, classes, strength)
        if path:
            weights, bias = self.weights, self.bias
            store_in_cache(
                path, lambda tmp: np.savez(tmp, weights=weights, bias=bias), "classifier"
            )

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        logits = self.weights @ vector + self.bias
        logits = logits - logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()


def _fit(vectors: np.ndarray, labels: np.ndarray, classes: int, strength: float):
    from sklearn.linear_model import LogisticRegression

    present = np.unique(labels)
    model = LogisticRegression(C=strength, max_iter=3000)
    model.fit(vectors, labels)
    weights = np.zeros((classes, vectors.shape[1]), dtype=np.float32)
    bias = np.full(classes, -1e4, dtype=np.float32)  # a class with no passages is never chosen
    weights[present] = model.coef_ if len(present) > 2 else _binary(model.coef_)
    bias[present] = model.intercept_ if len(present) > 2 else _binary(model.intercept_)
    return weights, bias


def _binary(values: np.ndarray) -> np.ndarray:
    """scikit-learn returns one row for two classes; spread it into two opposed rows."""
    row = np.asarray(values).reshape(1, -1) if np.ndim(values) > 1 else np.asarray(values)
    return np.concatenate([-row / 2, row / 2])
