"""Dataclasses shared by the core and every adapter.

A clause or quote is a span ``(start, end)`` of a source document's text; its ``text`` is always
``source_text[start:end]``. Nothing here holds paraphrased policy wording.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

OBLIGATIONS = ("MUST AT ALL TIMES", "MUST NOT AT ANY TIME", "MUST ALWAYS", "MUST NOT", "MUST")


@dataclass(frozen=True)
class PolicyMeta:
    title: str
    approved: date | None = None
    review_due: date | None = None

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "approved": self.approved.isoformat() if self.approved else None,
            "review_due": self.review_due.isoformat() if self.review_due else None,
        }


@dataclass(frozen=True)
class Section:
    source: str
    number: str
    heading: str
    start: int
    end: int


@dataclass(frozen=True)
class Clause:
    """One bullet or paragraph of a policy, as an exact span of its source text."""

    id: str
    source: str
    section: str
    heading: str
    obligation: str | None
    start: int
    end: int
    text: str
    kind: str = "paragraph"  # "bullet" or "paragraph"


@dataclass
class PolicyDocument:
    source: str  # file name, e.g. "acceptable-use-of-it-policy.txt"
    text: str  # the decoded text every offset indexes
    meta: PolicyMeta
    sections: list[Section]
    clauses: list[Clause]


@dataclass(frozen=True)
class Hit:
    """A clause found for a query, with the evidence from each retriever."""

    clause: Clause
    score: float
    dense: float = 0.0
    lexical: float = 0.0
    matched: str = ""  # the text (clause or curated phrasing) that matched best


@dataclass(frozen=True)
class Quote:
    text: str
    start: int
    end: int
    source: str
    section: str
    heading: str
    obligation: str | None
    score: float

    @classmethod
    def from_clause(cls, clause: Clause, score: float) -> Quote:
        return cls(
            text=clause.text,
            start=clause.start,
            end=clause.end,
            source=clause.source,
            section=clause.section,
            heading=clause.heading,
            obligation=clause.obligation,
            score=round(float(score), 4),
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    status: str  # "answered" | "not_covered"
    confidence: float
    escalate: bool
    quotes: list[Quote]
    policy: PolicyMeta
    lead: str = ""  # built from structure only, never a paraphrase
    notices: list[str] = field(default_factory=list)  # e.g. policy past its review date

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "status": self.status,
            "confidence": round(float(self.confidence), 4),
            "escalate": self.escalate,
            "lead": self.lead,
            "notices": list(self.notices),
            "quotes": [q.to_dict() for q in self.quotes],
            "policy": self.policy.to_dict(),
        }
