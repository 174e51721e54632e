"""Shared fixtures. The real model is loaded once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
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
def embedder(cache_dir):
    """The model as the product runs it (ONNX Runtime, exported into the shared cache)."""
    from bot.embedding import OnnxEmbedder

    return OnnxEmbedder(DEFAULT_MODEL, cache_dir, threads=1)


@pytest.fixture(scope="session")
def service(settings, knowledge, embedder):
    from bot.service import PolicyService

    return PolicyService(settings, knowledge, embedder)


@pytest.fixture
def run(service):
    """Invoke the command line in-process with the session's service (no model reload)."""
    from click.testing import CliRunner

    from bot.cli import _Context, cli

    def invoke(*args, stdin=None):
        return CliRunner().invoke(cli, list(args), input=stdin, obj=_Context(service=service))

    return invoke


def run_policybot(*args, env_extra=None, stdin=None) -> subprocess.CompletedProcess:
    """Run `python -m bot ...` as a fresh process, as a person at a terminal would."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=dict(os.environ) | (env_extra or {}),
        timeout=180,
    )
