"""Policy passages are embedded once: later runs read them from the on-disk cache."""

from __future__ import annotations

import numpy as np

from bot.embedding import cached_encode
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
