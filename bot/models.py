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
    # Quotable lines of the cover page (approval and review dates): answers, never rules.
    facts: list[Clause] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    """A clause found for a query, with the evidence from each retriever."""

    clause: Clause
    score: float
    dense: float = 0.0
    lexical: float = 0.0
    # How strongly the semantic side backs this clause, on the same scale as Ranking.off_topic:
    # the classifier's probability, or the dense score where no classifier is trained.
    support: float = 0.0
    matched: str = ""  # the text (clause or curated phrasing) that matched best


@dataclass(frozen=True)
class Ranking:
    """What a search found: the best clauses, and how strongly the question points to a topic
    the policy is known not to cover (same scale as ``Hit.support``)."""

    hits: list[Hit]
    off_topic: float = 0.0
    off_topic_match: str = ""


@dataclass(frozen=True)
class ClauseRef:
    """A clause quoted verbatim: ``text == source_text[start:end]``."""

    text: str
    start: int
    end: int
    source: str
    section: str
    heading: str

    @classmethod
    def from_clause(cls, clause: Clause) -> ClauseRef:
        return cls(
            clause.text, clause.start, clause.end, clause.source, clause.section, clause.heading
        )

    @property
    def place(self) -> str:
        """Where a reader finds it: "Section 3, General Obligations", or "Cover page"."""
        return f"Section {self.section}, {self.heading}" if self.section else self.heading

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Quote(ClauseRef):
    """A clause quoted in an answer: also its obligation and how well it matched."""

    obligation: str | None
    score: float

    @classmethod
    def from_clause(cls, clause: Clause, score: float = 0.0) -> Quote:
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


# -- checking draft posts -----------------------------------------------------------------------

SEVERITIES = ("ok", "review", "block")  # in order: a report's verdict is its worst finding
ACCOUNTS = ("council", "personal")


def worse(a: str, b: str) -> str:
    return a if SEVERITIES.index(a) >= SEVERITIES.index(b) else b


@dataclass(frozen=True)
class Rule:
    """One check from knowledge/rules/*.yml: a kind of check, its payload, and what to say."""

    id: str
    title: str
    kind: str  # one of bot.rules.KINDS
    severity: str  # "review" | "block"
    clause: str  # anchor: a phrase from the policy (or wording close to a clause)
    message: str
    advice: str
    escalate: bool
    accounts: tuple[str, ...]
    params: dict
    trigger_examples: tuple[str, ...] = ()
    pass_examples: tuple[str, ...] = ()
    file: str = ""
    # other clauses the same breach falls under (personal data: confidentiality and data
    # protection); each gives a finding of its own, quoting that clause
    also_clauses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """The words in the post that set a rule off: ``text == post[start:end]``."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    severity: str
    message: str
    advice: str
    escalate: bool
    evidence: Evidence
    clause: ClauseRef | None  # None only when no clause of the loaded policy backs the rule

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity,
            "message": self.message,
            "advice": self.advice,
            "escalate": self.escalate,
            "evidence": self.evidence.to_dict(),
            "clause": self.clause.to_dict() if self.clause else None,
            "unbacked": self.clause is None,
        }


@dataclass(frozen=True)
class ChecklistItem:
    """A policy duty no rule can check: the person posting must judge it themself."""

    note: str
    clause: ClauseRef

    def to_dict(self) -> dict:
        return {"note": self.note, "clause": self.clause.to_dict()}


@dataclass
class Report:
    post: str
    account: str
    verdict: str  # "ok" | "review" | "block"
    findings: list[Finding]
    checklist: list[ChecklistItem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    policy: PolicyMeta | None = None

    @property
    def escalate(self) -> bool:
        return any(f.escalate for f in self.findings)

    def grouped_findings(self) -> list[tuple[Finding, list[ClauseRef]]]:
        """Each breach once, with the further clauses it falls under: a rule's also_clauses
        give findings of their own, one after another, with the same rule and evidence."""
        groups: list[tuple[Finding, list[ClauseRef]]] = []
        for finding in self.findings:
            last = groups[-1][0] if groups else None
            same = last is not None and (finding.rule, finding.evidence) == (last.rule,
                                                                              last.evidence)
            if same and finding.clause is not None:
                groups[-1][1].append(finding.clause)
            else:
                groups.append((finding, []))
        return groups

    def to_dict(self) -> dict:
        return {
            "post": self.post,
            "account": self.account,
            "verdict": self.verdict,
            "escalate": self.escalate,
            "findings": [f.to_dict() for f in self.findings],
            "checklist": [c.to_dict() for c in self.checklist],
            "notices": list(self.notices),
            "policy": self.policy.to_dict() if self.policy else None,
        }
