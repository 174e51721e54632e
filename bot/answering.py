"""Turn a question and its retrieved clauses into an Answer: verbatim quotes, or "not covered".

The lead line is built from the document's structure (section, heading, obligation), never a
paraphrase of the clause. When the best clause is not close enough, the answer says the policy
does not cover the question and recommends the Town Manager, rather than guessing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.errors import InputError
from bot.models import Answer, PolicyMeta, Quote, Ranking

MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class AnswerParams:
    # Below this fused score the policy is taken not to cover the question.
    covered_threshold: float = 0.2
    # Not covered when "out of scope" is more likely, by this margin, than the best clause. A
    # small margin stops slangy in-scope questions ("wat happens if i get caught breakin this")
    # being turned away on a near tie; measured over four labelled sets, it cost one of 129
    # out-of-scope questions and saved four of 351 in-scope ones.
    off_topic_margin: float = 0.05
    # Further quotes must score within this margin of the best one.
    quote_margin: float = 1.0
    max_quotes: int = 3


def clean_question(text: str) -> str:
    """The question as we will search it, or an InputError with a plain-language reason."""
    if text is None:
        raise InputError("Please type a question.")
    text = text.replace("\x00", "")
    if not text.strip():
        raise InputError("Please type a question.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(
            f"That is too long for a question ({len(text):,} characters). "
            "Please ask in a sentence or two."
        )
    printable = sum(1 for c in text if c.isprintable() or c in "\n\t")
    if printable / len(text) < 0.9 or "\ufffd" in text:
        raise InputError("That doesn't look like text. Please type your question in words.")
    if not any(c.isalpha() for c in text):
        raise InputError("I couldn't find any words in that. Please type your question in words.")
    return " ".join(text.split())


def is_mostly_other_script(text: str) -> bool:
    """True when most letters are not Latin script (we can only search an English policy)."""
    letters = [c for c in text if c.isalpha()]
    other = sum(1 for c in letters if not unicodedata.name(c, "").startswith("LATIN"))
    return bool(letters) and other / len(letters) > 0.5


def lead_line(section: str, heading: str, obligation: str | None) -> str:
    if not section:  # a line of the cover page
        return f"From the {heading.lower()}:"
    line = f"Section {section}, {heading}" if heading else f"Section {section}"
    if obligation:
        words = obligation.split()
        cut = 2 if obligation.startswith("MUST NOT") else 1
        line += ": you " + " ".join(words[:cut] + [w.lower() for w in words[cut:]])
    return line + ":"


def review_notice(meta: PolicyMeta, today: date) -> str | None:
    if meta.review_due and meta.review_due < today:
        when = f"{meta.review_due.day} {meta.review_due:%B %Y}"
        return (
            f"This policy was due for review on {when}, so check with the Town Manager "
            "that it is still current."
        )
    return None


def not_covered(question: str, meta: PolicyMeta, reason: str | None = None) -> Answer:
    notices = [reason] if reason else []
    return Answer(
        question=question,
        status="not_covered",
        confidence=0.0,
        escalate=True,
        quotes=[],
        policy=meta,
        lead="The policy does not cover this. Please ask the Town Manager.",
        notices=notices,
    )


def build_answer(
    question: str,
    ranking: Ranking,
    policies: dict[str, PolicyMeta],
    today: date,
    params: AnswerParams | None = None,
) -> Answer:
    params = params or AnswerParams()
    default_meta = next(iter(policies.values()))
    hits = ranking.hits
    off_topic = bool(hits) and ranking.off_topic > hits[0].support + params.off_topic_margin
    if not hits or hits[0].score < params.covered_threshold or off_topic:
        answer = not_covered(question, default_meta)
        if hits:
            answer.confidence = _confidence(hits[0].score, params)
        return answer
    best = hits[0]
    chosen = [
        h
        for h in hits[: params.max_quotes]
        if h is best or h.score >= best.score - params.quote_margin
    ]
    meta = policies[best.clause.source]
    notice = review_notice(meta, today)
    return Answer(
        question=question,
        status="answered",
        confidence=_confidence(best.score, params),
        escalate=False,
        quotes=[Quote.from_clause(h.clause, h.score) for h in chosen],
        policy=meta,
        lead=lead_line(best.clause.section, best.clause.heading, best.clause.obligation),
        notices=[notice] if notice else [],
    )


def _confidence(score: float, params: AnswerParams) -> float:
    """Map the fused score to 0..1, with the covered threshold at 0.5."""
    t = params.covered_threshold
    if score <= t:
        return max(0.0, 0.5 * score / t)
    return min(1.0, 0.5 + 0.5 * (score - t) / max(1e-6, 1.0 - t))
