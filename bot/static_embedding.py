"""Static sentence embeddings distilled from the packaged transformer (the Model2Vec recipe).

Running the transformer on every sentence of every post manages about 25 posts a second here;
checking must do 100. So each word-piece of the model's vocabulary is run through the real
model once ([CLS] piece [SEP], mean-pooled), the table is reduced by PCA and each row weighted
so frequent pieces count less (SIF weights from the Zipf rank of the vocabulary order). A
sentence is then the normalised mean of its pieces' rows: microseconds, not milliseconds.

The table is built once (about a minute on one core), deterministically, and cached on disk
keyed by the model's fingerprint; ``policybot validate`` builds it so the first check is fast.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from bot.embedding import file_safe, store_in_cache

log = logging.getLogger(__name__)

DIMS = 256
SIF = 1e-4  # Model2Vec's SIF coefficient: weight = SIF / (SIF + zipf probability of the rank)
BATCH = 512
MAX_PIECES = 128  # a unit is at most 300 characters; this bounds the cost of a pathological one
_build_lock = threading.Lock()


class StaticEmbedder:
    """Embeds a sentence as the weighted mean of its word-pieces' distilled vectors."""

    def __init__(self, table: np.ndarray, tokenizer, base_name: str):
        self.table = table
        self.tokenizer = tokenizer
        self.name = f"static{table.shape[1]}:{base_name}"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.table.shape[1]), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        ids = [e.ids[:MAX_PIECES] or [self.unknown] for e in encodings]
        starts = np.cumsum([0] + [len(i) for i in ids[:-1]])
        sums = np.add.reduceat(self.table[np.concatenate(ids)], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return (sums / np.maximum(norms, 1e-9)).astype(np.float32)

    @property
    def unknown(self) -> int:
        return self.tokenizer.token_to_id("[UNK]") or 0


def static_embedder(embedder, cache_dir: Path | None):
    """The static embedder distilled from ``embedder`` (built, or read from the cache). An
    embedder that is not a packaged model (a test fake) is already cheap, so it is used as is."""
    path = getattr(embedder, "path", None)
    if not path or not (Path(path) / "tokenizer.json").exists():
        return embedder
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    table = load_or_build_table(Path(path), embedder.name, cache_dir)
    return StaticEmbedder(table, tokenizer, embedder.name)


def table_path(base_name: str, cache_dir: Path) -> Path:
    return cache_dir / "static" / f"{file_safe(base_name)}-{DIMS}.npy"


def load_or_build_table(model_path: Path, base_name: str, cache_dir: Path | None) -> np.ndarray:
    """The distilled table from the cache, else built now (and written to the cache)."""
    path = table_path(base_name, cache_dir) if cache_dir else None
    with _build_lock:
        if path and path.exists():
            try:
                return np.load(path, allow_pickle=False)
            except (OSError, ValueError):
                log.warning("ignoring an unreadable static embedding table %s", path)
        log.info("distilling static word-piece vectors from %s (once; about a minute)", model_path)
        table = build_table(model_path)
        if path:
            store_in_cache(
                path, lambda tmp: np.save(tmp, table, allow_pickle=False), "static table"
            )
        return table


def build_table(model_path: Path) -> np.ndarray:
    """One row per word-piece: the model's output for it, PCA-reduced and SIF-weighted."""
    return weight_rows(reduce_dims(piece_outputs(model_path), DIMS))


def piece_outputs(model_path: Path) -> np.ndarray:
    """Mean-pooled output of [CLS] piece [SEP] for every piece of the vocabulary."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    model = AutoModel.from_pretrained(str(model_path)).eval()
    size = len(tokenizer)
    rows = []
    with torch.inference_mode():
        for start in range(0, size, BATCH):
            ids = torch.arange(start, min(size, start + BATCH)).unsqueeze(1)
            n = len(ids)
            inputs = torch.cat([torch.full((n, 1), tokenizer.cls_token_id), ids,
                                torch.full((n, 1), tokenizer.sep_token_id)], dim=1)
            hidden = model(input_ids=inputs, attention_mask=torch.ones_like(inputs))
            rows.append(hidden.last_hidden_state.mean(dim=1).numpy())
    return np.concatenate(rows).astype(np.float64)


def reduce_dims(vectors: np.ndarray, dims: int) -> np.ndarray:
    """PCA by SVD, with the sign of each component fixed so the result is deterministic."""
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:dims]
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    return centred @ (components * signs[:, None]).T


def weight_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row by its SIF weight, taking the vocabulary order as the frequency rank."""
    inverse_rank = 1 / np.arange(2, len(vectors) + 2)
    probability = inverse_rank / inverse_rank.sum()
    return (vectors * (SIF / (SIF + probability))[:, None]).astype(np.float32)
