"""Escalations: recorded once per key, status only moves forward, summaries quote verbatim."""

from __future__ import annotations

from datetime import date

import pytest

from bot.escalation import (
    EscalationBook,
    EscalationRequest,
    summarise_answer,
    summarise_report,
)
from bot.models import Answer, ClauseRef, Evidence, Finding, PolicyMeta, Quote, Report
from bot.store import Store


@pytest.fixture
def book(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'e.db'}").open()
    yield EscalationBook(store)
    store.close()


def request(**changes) -> EscalationRequest:
    values = dict(
        kind="question",
        requester="U1",
        text="can I use my own laptop?",
        channel="C1",
        source="1.1",
        reply_summary="The bot found nothing.",
    )
    return EscalationRequest(**(values | changes))


def test_the_same_request_twice_is_recorded_once(book):
    first = book.record(request())
    again = book.record(request())
    assert first.created and not again.created
    assert again.escalation.id == first.escalation.id
    assert first.escalation.status == "open" and first.escalation.created_at is not None


def test_different_sources_are_different_escalations(book):
    assert (
        book.record(request(source="1.1")).escalation.id
        != book.record(request(source="2.2")).escalation.id
    )


def test_status_moves_forward_only_and_times_are_kept(book):
    escalation = book.record(request()).escalation
    acknowledged, moved = book.move(escalation.id, "acknowledged", by="UM")
    assert moved and acknowledged.status == "acknowledged" and acknowledged.acknowledged_by == "UM"
    assert book.move(escalation.id, "acknowledged", by="UM")[1] is False
    resolved, moved = book.move(escalation.id, "resolved", by="UM")
    assert moved and resolved.resolved_at >= resolved.acknowledged_at
    assert book.move(escalation.id, "acknowledged", by="UM")[1] is False
    assert book.open_ones() == []


def test_resolving_an_open_one_acknowledges_it_too(book):
    escalation = book.record(request()).escalation
    resolved, _ = book.move(escalation.id, "resolved", by="UM")
    assert resolved.acknowledged_at is not None


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        request(kind="gossip")


def test_summaries_quote_clauses_verbatim():
    meta = PolicyMeta("Policy", date(2023, 1, 1), None)
    text = "Use offensive language"
    answer = Answer(
        "q",
        "answered",
        0.9,
        False,
        [Quote(text, 0, 22, "p", "3", "General", None, 0.9)],
        meta,
        lead="Section 3, General:",
    )
    assert f"“{text}”" in summarise_answer(answer)
    report = Report(
        "you idiot",
        "council",
        "block",
        [
            Finding(
                "insult",
                "Insult",
                "block",
                "This insults someone.",
                "Do not post.",
                True,
                Evidence("idiot", 4, 9),
                ClauseRef(text, 0, 22, "p", "3", "General"),
            )
        ],
    )
    summary = summarise_report(report)
    assert "should not be posted" in summary and f"“{text}”" in summary


def test_the_core_never_imports_slack():
    import ast
    from pathlib import Path

    for name in ("escalation.py", "store.py", "delivery.py", "service.py", "models.py"):
        tree = ast.parse((Path(__file__).resolve().parents[1] / "bot" / name).read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(m and m.split(".")[0] in ("slack_bolt", "slack_sdk") for m in imported), name
        assert not any(m and m.startswith("bot.slack") for m in imported), name
