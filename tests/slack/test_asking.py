"""Asking, dispatched in process: a mention, a DM, /policy, sharing and feedback."""

from __future__ import annotations

import json

from tests.slack.conftest import dispatch, dispatch_json, drain
from tests.slack.signing import (
    block_action,
    command_body,
    event_body,
    find_button,
    interaction_body,
)

PETITION = "<@UBOT> can I share a petition on the council's facebook page?"


def posts(standin, **match):
    return [
        c.body
        for c in standin.calls
        if c.method == "chat.postMessage" and all(c.body.get(k) == v for k, v in match.items())
    ]


def test_mention_is_answered_in_its_thread_with_a_verbatim_quote(make_app, standin, policy):
    app = make_app()
    body = event_body(
        {"type": "app_mention", "user": "U1", "text": PETITION, "channel": "C1", "ts": "1.000100"},
        event_id="EvA1",
    )
    assert dispatch_json(app, body).status == 200
    drain(app)
    [reply] = posts(standin, channel="C1", thread_ts="1.000100")
    clauses = {c.text for c in policy.clauses}
    assert any(c in reply["text"] for c in clauses)
    assert find_button(reply["blocks"], "feedback_helpful")
    assert find_button(reply["blocks"], "feedback_not_helpful")


def test_the_same_event_twice_is_answered_once(make_app, standin, store):
    app = make_app()
    body = event_body(
        {"type": "app_mention", "user": "U1", "text": PETITION, "channel": "C1", "ts": "1.000200"},
        event_id="EvA2",
    )
    dispatch_json(app, body)
    dispatch_json(app, body, headers={"x-slack-retry-num": "1"})
    drain(app)
    assert len(posts(standin, thread_ts="1.000200")) == 1
    assert store.event_status("EvA2") == "done"


def test_direct_message_is_answered_in_its_thread(make_app, standin):
    app = make_app()
    body = event_body(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U1",
            "channel": "D1",
            "text": "what is the policy on passwords?",
            "ts": "1.000300",
        },
        event_id="EvA3",
    )
    assert dispatch_json(app, body).status == 200
    drain(app)
    assert len(posts(standin, channel="D1", thread_ts="1.000300")) == 1


def test_the_bots_own_messages_and_edits_are_ignored(make_app, standin):
    app = make_app()
    for n, extra in enumerate(({"bot_id": "BBOT"}, {"subtype": "message_changed"})):
        event = {
            "type": "message",
            "channel_type": "im",
            "user": "U1",
            "channel": "D1",
            "text": "hello",
            "ts": f"1.00040{n}",
        } | extra
        dispatch_json(app, event_body(event, event_id=f"EvA4{n}"))
    drain(app)
    assert posts(standin, channel="D1") == []


def test_not_covered_question_offers_the_town_manager_and_is_logged_as_a_gap(
    make_app, standin, store
):
    app = make_app()
    body = event_body(
        {
            "type": "app_mention",
            "user": "U1",
            "channel": "C1",
            "ts": "1.000500",
            "text": "<@UBOT> what time does the leisure centre swimming pool open?",
        },
        event_id="EvA5",
    )
    dispatch_json(app, body)
    drain(app)
    [reply] = posts(standin, thread_ts="1.000500")
    assert find_button(reply["blocks"], "ask_town_manager")
    assert [g["text"] for g in store.recent_gaps()] == [
        "what time does the leisure centre swimming pool open?"
    ]


def test_broadcast_mentions_in_a_question_are_not_echoed_live(make_app, standin):
    app = make_app()
    body = command_body(
        "/policy", "@channel <!here> can I share a petition?", standin.response_url("p-escape")
    )
    dispatch(app, body)
    drain(app)
    [reply] = [c.body for c in standin.calls if c.method == "respond"]
    shown = reply["text"] + json.dumps([b.get("text") for b in reply["blocks"]])
    assert "<!here>" not in shown and "@channel" not in shown
    assert "&lt;!here&gt;" in shown  # shown, as typed, but inert


def test_policy_command_answers_privately_with_a_share_button(make_app, standin):
    app = make_app()
    response = dispatch(
        app, command_body("/policy", "can I share a petition?", standin.response_url("p1"))
    )
    assert response.status == 200
    drain(app)
    [reply] = [c.body for c in standin.calls if c.method == "respond"]
    assert reply["response_type"] == "ephemeral"
    share = find_button(reply["blocks"], "share_answer")
    assert share
    app = make_app()
    click = block_action(
        {"action_id": "share_answer", "value": share["value"]},
        response_url=standin.response_url("share1"),
    )
    assert dispatch(app, interaction_body(click)).status == 200
    drain(app)
    [shared] = [c.body for c in standin.calls if c.path.endswith("share1")]
    assert shared["response_type"] == "in_channel"
    assert "<@U1> shared" in json.dumps(shared["blocks"])


def test_policy_command_without_a_question_explains_how(make_app, standin):
    response = dispatch(make_app(), command_body("/policy", "  ", standin.response_url("p2")))
    assert response.status == 200
    assert "Type your question" in response.body


def test_feedback_is_recorded_and_not_helpful_offers_the_town_manager(make_app, standin, store):
    app = make_app()
    value = json.dumps({"t": "can I share a petition?", "c": "C1", "s": "answered", "sec": "4"})
    for action_id in ("feedback_helpful", "feedback_not_helpful"):
        click = block_action(
            {"action_id": action_id, "value": value}, response_url=standin.response_url(action_id)
        )
        dispatch(app, interaction_body(click))
    drain(app)
    assert store.feedback_counts() == {"helpful": 1, "not_helpful": 1}
    [offer] = [c.body for c in standin.calls if c.path.endswith("feedback_not_helpful")]
    assert find_button(offer["blocks"], "ask_town_manager")


def test_a_retry_after_a_restart_is_caught_by_the_database(make_app, standin):
    body = event_body(
        {"type": "app_mention", "user": "U1", "text": PETITION, "channel": "C1", "ts": "1.000600"},
        event_id="EvRestart",
    )
    first = make_app()
    dispatch_json(first, body)
    drain(first)
    restarted = make_app()  # a new process: nothing in memory, the same database
    dispatch_json(restarted, body, headers={"x-slack-retry-num": "1"})
    drain(restarted)
    assert len(posts(standin, thread_ts="1.000600")) == 1
