"""Sentence embeddings: the packaged all-MiniLM-L6-v2 model, loaded once, offline.

The embedder is a small protocol so tests of ranking logic can use a deterministic fake while a
separate set of tests runs the real model. Embeddings of policy text are cached on disk, keyed
by the model and a hash of the texts, so only the question is embedded per request.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.errors import ModelError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


def resolve_model_path(model: str) -> str:
    """A setting names a directory, or a Python package that ships a model (``get_model_path``)."""
    if Path(model).expanduser().is_dir():
        return str(Path(model).expanduser().resolve())
    module_name = model.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return model  # a model name; with HF_HUB_OFFLINE it must already be in the local cache
    if hasattr(module, "get_model_path"):
        return str(module.get_model_path())
    raise ModelError(f"The package {model!r} does not ship a sentence-transformers model.")


class SentenceTransformerEmbedder:
    """The real model. One intra-op thread keeps latency steady when the other core is busy."""

    def __init__(self, model: str, threads: int = 1):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TQDM_DISABLE", "1")
        self.path = resolve_model_path(model)
        try:
            import torch

            torch.set_num_threads(threads)
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self.path, device="cpu")
        except Exception as exc:  # many loader errors; all mean "no usable model"
            log.exception("could not load the embedding model from %s", self.path)
            raise ModelError(
                f"Could not load the language model from {self.path!r} ({exc.__class__.__name__}). "
                "Check POLICYBOT_MODEL, or re-run the set-up command."
            ) from exc
        self.name = f"{Path(model).name or model}:{_model_fingerprint(Path(self.path))}"
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        # torch's own thread pool is not ours to share; one encode at a time per model.
        with self._lock, torch.inference_mode():
            vectors = self._model.encode(
                list(texts),
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


CACHED_ARTEFACTS = ("embeddings", "static")  # keyed by content and model: safe to share


def share_cache(source: Path, target: Path) -> None:
    """Let a new cache folder use the model artefacts already built in ``source`` (links, not
    copies), so a second process on the same machine need not rebuild them."""
    target.mkdir(parents=True, exist_ok=True)
    for name in CACHED_ARTEFACTS:
        (source / name).mkdir(parents=True, exist_ok=True)
        link = target / name
        if not link.exists():
            link.symlink_to((source / name).resolve(), target_is_directory=True)


def _model_fingerprint(path: Path) -> str:
    if not path.is_dir():
        return hashlib.sha256(str(path).encode()).hexdigest()[:12]
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        if item.is_file():
            digest.update(f"{item.relative_to(path)}:{item.stat().st_size}".encode())
    return digest.hexdigest()[:12]


def cached_encode(embedder: Embedder, texts: list[str], cache_dir: Path | None) -> np.ndarray:
    """Embed policy texts, reusing the on-disk copy when the model and texts are unchanged."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    digest = hashlib.sha256(embedder.name.encode())
    for text in texts:
        digest.update(b"\x1e" + text.encode("utf-8"))
    path = (cache_dir / "embeddings" / f"{digest.hexdigest()}.npy") if cache_dir else None
    if path and path.exists():
        try:
            vectors = np.load(path, allow_pickle=False)
            if vectors.shape[0] == len(texts):
                return vectors
        except (OSError, ValueError):
            log.warning("ignoring an unreadable embedding cache file %s", path)
    vectors = embedder.encode(texts)
    if path:
        store_in_cache(path, lambda tmp: np.save(tmp, vectors, allow_pickle=False), "embeddings")
    return vectors


def store_in_cache(path: Path, save: Callable[[Path], None], what: str) -> None:
    """Write a cache file whole or not at all (a temporary file, then a rename), so a process
    reading it never sees half a file; a cache that cannot be written is only a warning."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp{path.suffix}")
        save(tmp)
        tmp.replace(path)
    except OSError:
        log.warning("could not write the %s cache at %s", what, path, exc_info=True)
