"""Figures over a labelled question set: top-1, top-3 and abstention.

A question counts as right when the expected phrase (verbatim from the clause, whitespace and
case aside) is inside the quote. Misses are kept so a person can see what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.datafiles import load_yaml, require_keys
from bot.errors import InputError, KnowledgeError
from bot.knowledge import normalise_phrase
from bot.models import Answer


@dataclass
class LabelledQuestion:
    question: str
    expect: list[str]  # empty: out of scope


@dataclass
class QuestionFigures:
    in_scope: int = 0
    out_of_scope: int = 0
    top1: int = 0
    top3: int = 0
    abstained_in_scope: int = 0
    not_covered_out_of_scope: int = 0
    misses: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        def rate(n: int, d: int) -> float:
            return round(n / d, 4) if d else 0.0

        return {
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "top1": rate(self.top1, self.in_scope),
            "top3": rate(self.top3, self.in_scope),
            "abstain_in_scope": rate(self.abstained_in_scope, self.in_scope),
            "not_covered_out_of_scope": rate(self.not_covered_out_of_scope, self.out_of_scope),
        }


def load_question_set(path: Path) -> list[LabelledQuestion]:
    data = require_keys(path, "the file", load_yaml(path) or {}, {"in_scope"}, {"out_of_scope"})
    items: list[LabelledQuestion] = []
    for n, entry in enumerate(data["in_scope"] or [], start=1):
        require_keys(path, f"in_scope entry {n}", entry, {"q", "expect"}, {"also", "note"})
        items.append(
            LabelledQuestion(str(entry["q"]), [entry["expect"], *(entry.get("also") or [])])
        )
    for entry in data.get("out_of_scope") or []:
        if not isinstance(entry, str):
            raise KnowledgeError(f"{path}: out_of_scope entries must be questions (text).")
        items.append(LabelledQuestion(entry, []))
    return items


def _matches(answer: Answer, expect: list[str], depth: int) -> bool:
    wanted = [normalise_phrase(e) for e in expect]
    return any(w in normalise_phrase(quote.text) for quote in answer.quotes[:depth] for w in wanted)


def score_answers(
    items: list[LabelledQuestion], answers: list[Answer | InputError]
) -> QuestionFigures:
    figures = QuestionFigures()
    for item, answer in zip(items, answers, strict=True):
        covered = isinstance(answer, Answer) and answer.status == "answered"
        if not item.expect:
            figures.out_of_scope += 1
            if not covered:
                figures.not_covered_out_of_scope += 1
            else:
                figures.misses.append(
                    {
                        "question": item.question,
                        "why": "answered an out-of-scope question",
                        "got": answer.quotes[0].text[:80],
                    }
                )
            continue
        figures.in_scope += 1
        if not covered:
            figures.abstained_in_scope += 1
            figures.misses.append(
                {"question": item.question, "why": "said not covered", "expected": item.expect[0]}
            )
            continue
        if _matches(answer, item.expect, 1):
            figures.top1 += 1
        else:
            figures.misses.append(
                {
                    "question": item.question,
                    "why": "wrong first clause",
                    "expected": item.expect[0],
                    "got": answer.quotes[0].text[:80],
                }
            )
        if _matches(answer, item.expect, 3):
            figures.top3 += 1
    return figures
