"""Policy passages are embedded once: later runs read them from the on-disk cache."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from bot.config import DEFAULT_MODEL, Settings
from bot.embedding import cached_encode
from bot.errors import PolicyBotError
from tests.fakes import HashingEmbedder


def test_passages_are_embedded_once_then_read_from_the_cache(tmp_path):
    embedder = HashingEmbedder()
    first = cached_encode(embedder, ["share a petition", "swearing"], tmp_path)
    again = cached_encode(embedder, ["share a petition", "swearing"], tmp_path)
    assert embedder.calls == 1
    assert np.array_equal(first, again)
    assert len(list((tmp_path / "embeddings").glob("*.npy"))) == 1


def test_changed_text_is_embedded_afresh(tmp_path):
    embedder = HashingEmbedder()
    cached_encode(embedder, ["share a petition"], tmp_path)
    cached_encode(embedder, ["share a petition", "a new phrasing"], tmp_path)
    assert embedder.calls == 2


def test_an_unwritable_cache_is_only_a_warning(tmp_path, caplog):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    vectors = cached_encode(HashingEmbedder(), ["swearing"], blocker)
    assert vectors.shape[0] == 1
    assert "could not write the embeddings cache" in caplog.text


# The model under ONNX Runtime must give the vectors sentence-transformers gives: the caches and
# every threshold were set with those.

TEXTS = [
    "can I share this petition?",
    "r we allowed 2 swear on twitter 🤬",
    "Someone has been really rude about us under our post. Can I just hide it, or do I need to "
    "keep a copy first?",
    "ok",
    "word " * 400,  # longer than the model's 256 word-pieces: both cut it at the same place
]


@pytest.fixture(scope="module")
def reference():
    from bot.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(DEFAULT_MODEL, threads=1)


@pytest.mark.model
def test_onnx_runtime_gives_the_vectors_sentence_transformers_gives(embedder, reference):
    assert embedder.name == reference.name  # so they share the embedding cache
    ours, theirs = embedder.encode(TEXTS), reference.encode(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.9999


@pytest.mark.model
def test_one_at_a_time_and_in_a_batch_agree(embedder):
    batch = embedder.encode(TEXTS)
    alone = np.stack([embedder.encode([t])[0] for t in TEXTS])
    assert (batch * alone).sum(axis=1).min() > 0.9999


@pytest.mark.model
def test_a_model_that_is_not_plain_mean_pooling_runs_under_sentence_transformers(
    tmp_path, caplog, reference
):
    from bot.embedding import SentenceTransformerEmbedder, load_embedder

    copy = tmp_path / "model"
    shutil.copytree(reference.path, copy)
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))
    with caplog.at_level(logging.WARNING):
        chosen = load_embedder(str(copy), tmp_path / "cache")
    assert isinstance(chosen, SentenceTransformerEmbedder)
    assert "not a plain mean-pooling model" in caplog.text
    assert not (tmp_path / "cache" / "onnx").exists()


def test_the_runtime_setting_accepts_only_onnx_or_torch():
    assert Settings.from_env({}).runtime == "onnx"
    assert Settings.from_env({"POLICYBOT_RUNTIME": "Torch"}).runtime == "torch"
    with pytest.raises(PolicyBotError, match="POLICYBOT_RUNTIME"):
        Settings.from_env({"POLICYBOT_RUNTIME": "gpu"})


@pytest.mark.model
def test_a_damaged_exported_model_is_exported_again(tmp_path, embedder, caplog):
    from bot.embedding import OnnxEmbedder, onnx_path

    damaged = onnx_path(embedder.name, tmp_path)
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"half a file")
    with caplog.at_level(logging.WARNING):
        again = OnnxEmbedder(DEFAULT_MODEL, tmp_path)
    assert "exporting it again" in caplog.text
    assert damaged.stat().st_size > 10_000_000
    assert (again.encode(TEXTS[:2]) * embedder.encode(TEXTS[:2])).sum(axis=1).min() > 0.9999
