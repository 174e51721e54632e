"""Quality figures over the labelled question sets must not regress."""

from __future__ import annotations

import pytest

from bot.evaluation import load_question_set, score_answers
from tests.conftest import DATA

pytestmark = pytest.mark.model

# Measured figures less a small margin; raise them as quality improves.
# questions.yml is the development set; the others were written separately to measure
# generalisation. All but questions-fresh6.yml and questions-fresh7.yml have since been used to
# improve the phrasings; those two have only been measured.
FLOORS = {
    "questions.yml": {"top1": 0.90, "top3": 0.96, "not_covered_out_of_scope": 0.95},
    "questions-holdout.yml": {"top1": 0.91, "top3": 0.93, "not_covered_out_of_scope": 0.84},
    "questions-fresh.yml": {"top1": 0.90, "top3": 0.94, "not_covered_out_of_scope": 0.93},
    "questions-fresh2.yml": {"top1": 0.82, "top3": 0.93, "not_covered_out_of_scope": 0.94},
    "questions-fresh3.yml": {"top1": 0.93, "top3": 0.94, "not_covered_out_of_scope": 0.90},
    "questions-fresh4.yml": {"top1": 0.95, "top3": 0.96, "not_covered_out_of_scope": 0.94},
    "questions-fresh5.yml": {"top1": 0.82, "top3": 0.95, "not_covered_out_of_scope": 0.90},
    "questions-fresh6.yml": {"top1": 0.77, "top3": 0.87, "not_covered_out_of_scope": 0.80},
    "questions-fresh7.yml": {"top1": 0.85, "top3": 0.93, "not_covered_out_of_scope": 0.84},
}
ABSTAIN_CEILING = 0.05


def test_labelled_sets_quote_phrases_that_exist_in_the_policy(knowledge):
    for name in FLOORS:
        for item in load_question_set(DATA / name):
            for phrase in item.expect:
                assert knowledge.find_clause(phrase), f"{name}: {phrase!r} is in no clause"


def test_development_set_is_big_and_varied_enough():
    items = load_question_set(DATA / "questions.yml")
    assert sum(1 for i in items if i.expect) >= 60
    assert sum(1 for i in items if not i.expect) >= 20


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_figures_do_not_regress(service, name):
    items = load_question_set(DATA / name)
    figures = score_answers(items, service.ask_many([i.question for i in items])).as_dict()
    for figure, floor in FLOORS[name].items():
        assert figures[figure] >= floor, (figure, figures)
    assert figures["abstain_in_scope"] <= ABSTAIN_CEILING, figures
