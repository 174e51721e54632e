"""Quality figures over the labelled question sets must not regress."""

from __future__ import annotations

import pytest

from bot.evaluation import load_question_set, score_answers
from tests.conftest import DATA

pytestmark = pytest.mark.model

# Measured figures, less a small margin; raise them as quality improves.
DEV_FLOOR = {"top1": 0.85, "top3": 0.95, "not_covered_out_of_scope": 0.85}
DEV_ABSTAIN_CEILING = 0.06


def test_labelled_sets_quote_phrases_that_exist_in_the_policy(knowledge):
    for name in ("questions.yml", "questions-holdout.yml"):
        for item in load_question_set(DATA / name):
            for phrase in item.expect:
                assert knowledge.find_clause(phrase), f"{name}: {phrase!r} is in no clause"


def test_development_set_figures_do_not_regress(service):
    items = load_question_set(DATA / "questions.yml")
    assert sum(1 for i in items if i.expect) >= 60
    assert sum(1 for i in items if not i.expect) >= 20
    figures = score_answers(items, service.ask_many([i.question for i in items])).as_dict()
    for name, floor in DEV_FLOOR.items():
        assert figures[name] >= floor, (name, figures)
    assert figures["abstain_in_scope"] <= DEV_ABSTAIN_CEILING, figures
