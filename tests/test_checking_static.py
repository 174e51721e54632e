"""Static word-piece vectors distilled from the real model: built once, cached, and good
enough to screen sentences before the transformer sees them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.checking import Checker
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.rules import load_rulebook
from bot.semantic import SemanticDetector, split_units
from bot.static_embedding import load_or_build_table, static_embedder, table_path


@pytest.fixture(scope="module")
def static(embedder, cache_dir):
    return static_embedder(embedder, cache_dir)


def test_the_static_table_is_built_once_and_then_read_from_the_cache(static, embedder, cache_dir):
    path = table_path(embedder.name, cache_dir)
    assert path.exists()
    written = path.stat().st_mtime_ns
    table = load_or_build_table(Path(embedder.path), embedder.name, cache_dir)
    assert path.stat().st_mtime_ns == written
    assert np.array_equal(table, static.table)
    assert static.name.startswith("static256:") and embedder.name in static.name


def test_similar_sentences_score_higher_than_unrelated_ones(static):
    anchor, similar, unrelated = static.encode([
        "The bin collection is moved to Wednesday this week.",
        "Refuse collection will be a day late this week.",
        "Those people bring crime wherever they go.",
    ])
    assert anchor @ similar > anchor @ unrelated + 0.1


def test_static_vectors_are_unit_length(static):
    texts = [f"Road closure on Station Road from {n} May for resurfacing." for n in range(200)]
    vectors = static.encode(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_only_screened_sentences_reach_the_transformer(knowledge, embedder, cache_dir):
    checker = Checker(knowledge, load_rulebook(DEFAULT_KNOWLEDGE_DIR), embedder=embedder,
                      cache_dir=cache_dir)
    checker.check("Bin day is Tuesday. The library opens at 9am. Parking is free on Sundays.")
    seen, passed = checker.screened
    assert seen and passed < seen


def test_every_rules_own_trigger_examples_get_past_the_quick_first_pass(
    knowledge, embedder, cache_dir
):
    checker = Checker(knowledge, load_rulebook(DEFAULT_KNOWLEDGE_DIR), embedder=embedder,
                      cache_dir=cache_dir)
    for detector in checker.detectors:
        if not isinstance(detector, SemanticDetector) or not detector.rule.trigger_examples:
            continue
        for example in detector.rule.trigger_examples:
            units = [example[a:b] for a, b in split_units(example)]
            _, lead = detector.scores(checker.screen.encode(units), static=True)
            assert lead.max() >= detector.screen_lead, (detector.rule.id, example)
