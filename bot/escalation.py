"""What an escalation to the Town Manager is, and how it is recorded. No Slack in here.

An escalation is a question or a draft post that a member of staff sends on to the Town Manager,
with the bot's own reply attached so they see what the bot said. Each is recorded once under a
key made from who sent what, from where: a double click or a retried request finds the same key
and does not ping the Town Manager twice. Its status only moves forward:
open -> acknowledged -> resolved (or straight from open to resolved).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from bot.models import Answer
from bot.store import Store

KINDS = ("question", "draft")
OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
_MOVES_FROM = {ACKNOWLEDGED: (OPEN,), RESOLVED: (OPEN, ACKNOWLEDGED)}


@dataclass(frozen=True)
class EscalationRequest:
    """What a member of staff asked to send on; ``source`` names where it came from."""

    kind: str  # question | draft
    requester: str
    text: str
    channel: str | None = None
    source: str = ""  # e.g. the message timestamp or the command's trigger: part of the key
    permalink: str | None = None
    reply_summary: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")

    @property
    def key(self) -> str:
        parts = [self.kind, self.requester, self.channel or "", self.source, self.text]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Escalation:
    id: int
    key: str
    kind: str
    status: str
    requester: str
    channel: str | None
    permalink: str | None
    text: str
    reply_summary: str
    created_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> Escalation:
        return cls(**{name: row.get(name) for name in cls.__dataclass_fields__})


@dataclass
class Recorded:
    escalation: Escalation
    created: bool  # False: it had been sent already (a double click or a retry)
    notes: list[str] = field(default_factory=list)


class EscalationBook:
    """Records escalations and their status in the store."""

    def __init__(self, store: Store):
        self.store = store

    def record(self, request: EscalationRequest) -> Recorded:
        row, created = self.store.add_escalation(
            {
                "key": request.key,
                "kind": request.kind,
                "status": OPEN,
                "requester": request.requester,
                "channel": request.channel,
                "permalink": request.permalink,
                "text": request.text,
                "reply_summary": request.reply_summary,
                "created_at": self.store.now(),
            }
        )
        return Recorded(Escalation.from_row(row), created)

    def get(self, escalation_id: int) -> Escalation | None:
        row = self.store.escalation(escalation_id)
        return Escalation.from_row(row) if row else None

    def move(self, escalation_id: int, status: str, by: str) -> tuple[Escalation | None, bool]:
        """Move to ``status``: (escalation, moved). Not moved if it was there or beyond already."""
        if status not in _MOVES_FROM:
            raise ValueError(f"cannot move an escalation to {status!r}")
        stamp = "acknowledged" if status == ACKNOWLEDGED else "resolved"
        values = {"status": status, f"{stamp}_at": self.store.now(), f"{stamp}_by": by}
        if status == RESOLVED:
            # Resolving an open one acknowledges it too.
            current = self.get(escalation_id)
            if current and current.acknowledged_at is None:
                values |= {"acknowledged_at": values["resolved_at"], "acknowledged_by": by}
        moved = self.store.update_escalation(escalation_id, _MOVES_FROM[status], values)
        return self.get(escalation_id), moved

    def open_ones(self, limit: int = 20) -> list[Escalation]:
        rows = self.store.escalations_with_status((OPEN, ACKNOWLEDGED), limit)
        return [Escalation.from_row(r) for r in rows]


def summarise_answer(answer: Answer) -> str:
    """The bot's reply in a few plain lines, quotes verbatim, for the Town Manager."""
    if answer.status != "answered" or not answer.quotes:
        return "The bot found nothing in the policy that covers this."
    lines = [answer.lead]
    for quote in answer.quotes:
        lines.append(f"{quote.place}: “{quote.text}”")
    return "\n".join(lines)


def summarise_report(report) -> str:
    """A /checkpost report in plain lines: the verdict and each finding with its clause."""
    verdict = {
        "ok": "no problems found",
        "review": "needs a second look",
        "block": "should not be posted",
    }
    lines = [f"The bot's check: {verdict.get(report.verdict, report.verdict)}."]
    for finding in report.findings:
        line = f"• {finding.message}"
        clause = getattr(finding, "clause", None)
        if clause is not None:
            line += f" (section {clause.section}: “{clause.text}”)"
        lines.append(line)
    return "\n".join(lines)
