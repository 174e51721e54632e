"""Shared fixtures. The real model is loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_KNOWLEDGE_DIR, DEFAULT_MODEL, Settings
from bot.knowledge import load_knowledge

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEED_POLICY = DEFAULT_KNOWLEDGE_DIR / "policies" / "acceptable-use-of-it-policy.txt"


# Embeddings, the classifier and the model's distilled table are keyed by content and model, so
# the tests share them with set-up's `policybot validate` (the table takes a minute to build).
SHARED_CACHE = Settings.from_env().cache_dir


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """A fresh cache folder whose model artefacts are linked to the shared ones."""
    from bot.embedding import share_cache

    folder = tmp_path_factory.mktemp("cache")
    share_cache(SHARED_CACHE, folder)
    return folder


@pytest.fixture(scope="session")
def settings(cache_dir) -> Settings:
    return Settings(cache_dir=cache_dir, database_url=f"sqlite:///{cache_dir / 'test.db'}")


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge(DEFAULT_KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def policy(knowledge):
    return next(p for p in knowledge.policies if p.source == SEED_POLICY.name)


@pytest.fixture(scope="session")
def embedder():
    from bot.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(DEFAULT_MODEL, threads=1)


@pytest.fixture(scope="session")
def service(settings, knowledge, embedder):
    from bot.service import PolicyService

    return PolicyService(settings, knowledge, embedder)
