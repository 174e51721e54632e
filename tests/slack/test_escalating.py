"""Escalations, App Home and faults, dispatched in process."""

from __future__ import annotations

import json
import logging

from bot.store import Store
from tests.slack.conftest import MANAGER, dispatch, dispatch_json, drain
from tests.slack.signing import block_action, event_body, find_button, interaction_body

QUESTION_VALUE = json.dumps(
    {
        "t": "can I use my own laptop for council email?",
        "c": "C1",
        "ts": "1700000000.000100",
        "k": "question",
    }
)


def manager_messages(standin):
    return [
        c.body
        for c in standin.calls
        if c.method == "chat.postMessage" and c.body["channel"] == MANAGER
    ]


def escalate_question(make_app, standin):
    app = make_app()
    click = block_action(
        {"action_id": "ask_town_manager", "value": QUESTION_VALUE},
        response_url=standin.response_url("esc"),
    )
    dispatch(app, interaction_body(click))
    drain(app)
    [message] = manager_messages(standin)
    return message


def test_question_escalation_tells_the_manager_who_where_what_and_the_bots_answer(
    make_app, standin
):
    message = escalate_question(make_app, standin)
    shown = json.dumps(message["blocks"])
    assert "<@U1>" in shown
    assert "https://council.slack.com/archives/C1/p1700000000000100" in shown  # the permalink
    assert "own laptop for council email" in shown
    assert "What the bot said" in shown
    assert find_button(message["blocks"], "escalation_acknowledge")
    assert find_button(message["blocks"], "escalation_resolve")


def test_acknowledge_then_resolve_tells_the_requester_each_once(make_app, standin, store):
    message = escalate_question(make_app, standin)
    ack_button = find_button(message["blocks"], "escalation_acknowledge")
    app = make_app()
    for _ in range(2):
        click = block_action(
            {"action_id": "escalation_acknowledge", "value": ack_button["value"]},
            user=MANAGER,
            channel="DMANAGER",
            response_url=standin.response_url("tm"),
        )
        dispatch(app, interaction_body(click))
    drain(app)
    escalation = store.escalation(int(ack_button["value"]))
    assert escalation["status"] == "acknowledged" and escalation["acknowledged_at"] is not None
    to_requester = [
        c.body
        for c in standin.calls
        if c.method == "chat.postMessage" and c.body["channel"] == "U1"
    ]
    assert len(to_requester) == 1 and "has seen your question" in to_requester[0]["text"]
    updated = [c.body for c in standin.calls if c.path.endswith("/tm")]
    assert updated and updated[-1]["replace_original"] is True
    app = make_app()
    click = block_action(
        {"action_id": "escalation_resolve", "value": ack_button["value"]},
        user=MANAGER,
        response_url=standin.response_url("tm2"),
    )
    dispatch(app, interaction_body(click))
    drain(app)
    assert store.escalation(int(ack_button["value"]))["status"] == "resolved"


def test_only_the_town_manager_can_acknowledge(make_app, standin, store):
    message = escalate_question(make_app, standin)
    button = find_button(message["blocks"], "escalation_acknowledge")
    app = make_app()
    click = block_action(
        {"action_id": "escalation_acknowledge", "value": button["value"]},
        user="U2",
        response_url=standin.response_url("not-tm"),
    )
    dispatch(app, interaction_body(click))
    drain(app)
    assert store.escalation(int(button["value"]))["status"] == "open"
    assert (
        "Only the Town Manager"
        in [c.body for c in standin.calls if c.path.endswith("not-tm")][0]["text"]
    )


def test_home_shows_the_manager_open_escalations_and_gaps(make_app, standin, store):
    escalate_question(make_app, standin)
    store.record_question("U3", "not_covered", None, "can I bring my dog to work?")
    app = make_app()
    for user, event_id in ((MANAGER, "EvH1"), ("U3", "EvH2")):
        dispatch_json(
            app,
            event_body(
                {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
                event_id=event_id,
            ),
        )
    drain(app)
    views = {
        c.body["user_id"]: json.dumps(c.body["view"])
        for c in standin.calls
        if c.method == "views.publish"
    }
    assert "own laptop for council email" in views[MANAGER]
    assert "bring my dog to work" in views[MANAGER]
    assert "How to use the policy bot" in views["U3"]
    assert "bring my dog" not in views["U3"]


def test_database_unavailable_the_user_still_gets_answers(make_app, standin, tmp_path):
    broken = Store(f"sqlite:///{tmp_path / 'missing' / 'deeper'}/x.db")
    (tmp_path / "missing").write_text("a file where a folder should be")
    app = make_app(store=broken)
    for n in range(2):
        body = event_body(
            {
                "type": "app_mention",
                "user": "U1",
                "channel": "C1",
                "ts": f"2.00000{n}",
                "text": "<@UBOT> can I share a petition?",
            },
            event_id="EvDB",
        )
        dispatch_json(app, body)  # the same event twice: de-duplicated in memory
    click = block_action(
        {"action_id": "ask_town_manager", "value": QUESTION_VALUE},
        response_url=standin.response_url("esc-nodb"),
    )
    dispatch(app, interaction_body(click))
    drain(app)
    answers = [
        c for c in standin.calls if c.method == "chat.postMessage" and c.body.get("thread_ts")
    ]
    assert len(answers) == 1
    assert manager_messages(standin)  # the escalation went, untracked
    assert [c for c in standin.calls if c.path.endswith("esc-nodb")]


def test_database_failing_mid_run_then_recovering(make_app, standin, store, tmp_path):
    app = make_app()
    store.engine.dispose()
    original = store.engine
    store.engine = Store(f"sqlite:///{tmp_path / 'gone'}/x.db").engine
    (tmp_path / "gone").write_text("not a folder")
    body = event_body(
        {
            "type": "app_mention",
            "user": "U1",
            "channel": "C1",
            "ts": "3.000001",
            "text": "<@UBOT> can I share a petition?",
        },
        event_id="EvMid",
    )
    dispatch_json(app, body)
    drain(app)
    assert len([c for c in standin.calls if c.body.get("thread_ts") == "3.000001"]) == 1
    store.engine = original
    app = make_app()
    body = event_body(
        {
            "type": "app_mention",
            "user": "U1",
            "channel": "C1",
            "ts": "3.000002",
            "text": "<@UBOT> can I share a petition?",
        },
        event_id="EvAfter",
    )
    dispatch_json(app, body)
    drain(app)
    assert store.event_status("EvAfter") == "done"


def test_web_api_failing_for_good_is_logged_and_the_user_told(make_app, standin, caplog):
    caplog.set_level(logging.WARNING)
    standin.fail("chat.postMessage", 500, times=30)
    app = make_app()
    body = event_body(
        {
            "type": "app_mention",
            "user": "U1",
            "channel": "C1",
            "ts": "4.000001",
            "text": "<@UBOT> can I share a petition?",
        },
        event_id="EvDown",
    )
    dispatch_json(app, body)
    drain(app)
    told = standin.wait_for(lambda c: c.method == "chat.postEphemeral", timeout=30)
    assert told and "Sorry" in told[0].body["text"]
    assert any("failed after" in r.getMessage() for r in caplog.records)
