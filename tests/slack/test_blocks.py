"""The Block Kit builders and mrkdwn escaping, with plain asserts (no Slack, no model)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime

from bot.escalation import Escalation
from bot.models import Answer, PolicyMeta, Quote
from bot.slack import blocks as kit
from bot.slack.logs import RedactingFilter
from bot.slack.mrkdwn import block_quote, escape, strip_bot_mention

META = PolicyMeta("Acceptable Use of IT Policy", date(2023, 3, 2), date(2025, 3, 2))
CLAUSE = (
    "Use offensive language or post any comments or material that\n"
    "could bring the Town Council into disrepute."
)


def answer(status="answered") -> Answer:
    quotes = [
        Quote(CLAUSE, 10, 10 + len(CLAUSE), "p.txt", "3", "General Obligations", "MUST NOT", 0.8)
    ]
    return Answer(
        "can I swear?",
        status,
        0.9,
        status != "answered",
        quotes if status == "answered" else [],
        META,
        lead="Section 3, General Obligations: you MUST NOT:",
    )


def test_escape_makes_mentions_and_broadcasts_inert_without_changing_words():
    text = escape("Tell <!channel> & <@U123> @here and @everyone > now")
    assert "<" not in text and ">" not in text
    assert (
        text.replace("\u200b", "")
        == "Tell &lt;!channel&gt; &amp; &lt;@U123&gt; @here and @everyone &gt; now"
    )
    assert "@here" not in text


def test_block_quote_quotes_every_line_verbatim():
    quoted = block_quote(CLAUSE)
    assert quoted.split("\n") == ["> " + line for line in CLAUSE.split("\n")]


def test_strip_bot_mention():
    assert strip_bot_mention("<@UBOT> can I share this?") == "can I share this?"
    assert strip_bot_mention("<@UBOT|policybot>, hello") == "hello"


def test_answer_blocks_quote_the_clause_and_offer_feedback():
    blocks = kit.answer_blocks(answer(), {"t": "can I swear?"})
    texts = json.dumps(blocks)
    assert json.dumps(block_quote(CLAUSE))[1:-1] in texts
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["feedback_helpful", "feedback_not_helpful"]
    assert CLAUSE in kit.answer_text(answer())


def test_not_covered_answer_puts_the_town_manager_first_and_share_last():
    blocks = kit.answer_blocks(answer("not_covered"), {"t": "q"}, share=True)
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["ask_town_manager", "feedback_helpful", "feedback_not_helpful", "share_answer"]


def test_button_values_fit_slacks_limit_even_for_long_drafts():
    value = kit.encode_value({"t": "é" * 5000, "c": "C1", "k": "draft"})
    assert len(value) <= kit.VALUE_LIMIT
    assert json.loads(value)["t"].endswith("(shortened)")


def test_escalation_blocks_follow_the_status():
    base = dict(
        id=7,
        key="k",
        kind="draft",
        requester="U1",
        channel="C1",
        permalink=None,
        text="hello <!channel>",
        reply_summary="fine",
        created_at=datetime.now(UTC),
    )
    open_ = kit.escalation_blocks(Escalation(status="open", **base))
    assert [e["action_id"] for e in open_[-1]["elements"]] == [
        "escalation_acknowledge",
        "escalation_resolve",
    ]
    assert "<!channel>" not in json.dumps(open_)
    done = kit.escalation_blocks(Escalation(status="resolved", resolved_by="UM", **base))
    assert all(b["type"] != "actions" for b in done)


def test_home_view_for_staff_has_no_manager_lists():
    view = kit.home_view(False, [], [{"text": "secret gap"}])
    assert "secret gap" not in json.dumps(view)


def test_redacting_filter_hides_bolt_bodies_and_tokens():
    record = logging.LogRecord(
        "slack_bolt.RequestVerification",
        logging.INFO,
        "f",
        1,
        "Invalid request signature detected (signature: v0=abc, body: %s)",
        ("my private words",),
        None,
    )
    RedactingFilter().filter(record)
    assert "my private words" not in record.getMessage()
    record = logging.LogRecord(
        "bot", logging.ERROR, "f", 1, "token xoxb-123-456-abc leaked", None, None
    )
    RedactingFilter().filter(record)
    assert "xoxb-123" not in record.getMessage()


def test_a_breach_under_two_clauses_shows_its_message_once_and_both_quotes():
    from bot.models import ClauseRef, Evidence, Finding, Report

    evidence = Evidence("07700 900123", 8, 20)
    first = ClauseRef("Disclose any confidential information", 1, 38, "p.txt", "3", "General")
    second = ClauseRef("data protection which apply equally", 50, 85, "p.txt", "3", "General")
    findings = [
        Finding("contact-details", "Personal data", "block", "A private number.", "Take it out.",
                False, evidence, clause)
        for clause in (first, second)
    ]
    report = Report("Text Phil 07700 900123", "council", "block", findings, policy=META)
    text = json.dumps(kit.report_blocks(report, {"d": "x"}))
    assert text.count("A private number.") == 1
    assert "It also falls under" in text
    assert "Disclose any confidential information" in text and "data protection which" in text
