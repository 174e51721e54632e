"""/checkpost, its modal and the message shortcut, dispatched in process."""

from __future__ import annotations

import json

from tests.slack.conftest import MANAGER, dispatch, drain
from tests.slack.signing import command_body, find_button, interaction_body

INSULT = "You are an idiot, and @here knows it"


def responses(standin, name):
    return [c.body for c in standin.calls if c.method == "respond" and c.path.endswith(name)]


def test_checkpost_reports_privately_quoting_the_clause_with_the_manager_button_first(
    make_app, standin, policy
):
    app = make_app()
    response = dispatch(app, command_body("/checkpost", INSULT, standin.response_url("c1")))
    assert response.status == 200 and "Checking your draft" in response.body
    drain(app)
    [report] = responses(standin, "c1")
    assert report["response_type"] == "ephemeral"
    clause = next(c for c in policy.clauses if "offensive language" in c.text)
    assert clause.text in report["text"]
    actions = [b for b in report["blocks"] if b["type"] == "actions"]
    assert actions[0]["elements"][0]["action_id"] == "ask_town_manager"
    assert "In your draft: “idiot”" in json.dumps(report["blocks"], ensure_ascii=False)


def test_checkpost_without_text_opens_the_form(make_app, standin):
    app = make_app()
    response = dispatch(
        app, command_body("/checkpost", "", standin.response_url("c2"), trigger_id="trig-modal")
    )
    assert response.status == 200
    drain(app)
    [opened] = [c.body for c in standin.calls if c.method == "views.open"]
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert opened["trigger_id"] == "trig-modal"
    assert view["callback_id"] == "checkpost_modal"
    assert json.loads(view["private_metadata"])["response_url"].endswith("c2")


def modal_submission(draft: str, account: str, response_url: str) -> dict:
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "api_app_id": "A1",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "checkpost_modal",
            "private_metadata": json.dumps({"channel_id": "C1", "response_url": response_url}),
            "state": {
                "values": {
                    "draft": {"draft_text": {"type": "plain_text_input", "value": draft}},
                    "account": {
                        "account_type": {
                            "type": "static_select",
                            "selected_option": {"value": account},
                        }
                    },
                }
            },
        },
    }


def test_modal_submission_checks_the_draft_for_the_chosen_account(
    make_app, standin, checking_service
):
    app = make_app()
    body = interaction_body(
        modal_submission("Come to the summer fair!", "personal", standin.response_url("m1"))
    )
    assert dispatch(app, body).status == 200
    drain(app)
    assert checking_service.checked[-1] == ("Come to the summer fair!", "personal")
    [report] = responses(standin, "m1")
    assert "Nothing in this draft goes against the policy" in json.dumps(report["blocks"])


def test_empty_modal_submission_is_sent_back_with_a_message(make_app, standin):
    response = dispatch(make_app(), interaction_body(modal_submission("  ", "council", "x")))
    assert response.status == 200
    assert json.loads(response.body)["response_action"] == "errors"


def test_message_shortcut_checks_that_message(make_app, standin, checking_service):
    app = make_app()
    shortcut = {
        "type": "message_action",
        "callback_id": "check_message",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "channel": {"id": "C1"},
        "trigger_id": "trig-sc",
        "response_url": standin.response_url("sc1"),
        "message_ts": "1.5",
        "message": {"type": "message", "text": "what an idiot", "ts": "1.5", "user": "U2"},
    }
    assert dispatch(app, interaction_body(shortcut)).status == 200
    drain(app)
    assert checking_service.checked[-1] == ("what an idiot", "council")
    [report] = responses(standin, "sc1")
    assert find_button(report["blocks"], "ask_town_manager")


def test_a_broken_checker_still_gets_the_user_a_reply(make_app, standin, caplog):
    app = make_app()
    dispatch(app, command_body("/checkpost", "this will explode", standin.response_url("c3")))
    drain(app)
    [reply] = responses(standin, "c3")
    assert "Sorry, something went wrong" in reply["text"]
    assert any(r.exc_info for r in caplog.records if r.levelname == "ERROR")


def test_report_button_escalates_once_to_the_town_manager(make_app, standin):
    app = make_app()
    dispatch(app, command_body("/checkpost", INSULT, standin.response_url("c4")))
    drain(app)
    [report] = responses(standin, "c4")
    button = find_button(report["blocks"], "ask_town_manager")
    from tests.slack.signing import block_action

    app = make_app()
    for n in range(2):
        click = block_action(
            {"action_id": "ask_town_manager", "value": button["value"]},
            response_url=standin.response_url(f"click{n}"),
        )
        dispatch(app, interaction_body(click))
    drain(app)
    sent = [
        c.body
        for c in standin.calls
        if c.method == "chat.postMessage" and c.body["channel"] == MANAGER
    ]
    assert len(sent) == 1
    assert "idiot" in json.dumps(sent[0]["blocks"])
    told = [r["text"] for n in range(2) for r in responses(standin, f"click{n}")]
    assert sorted(told) == sorted(
        [
            "I have sent this to the Town Manager. I will tell you when they have seen it.",
            "You have already sent this to the Town Manager, so I have not sent it again.",
        ]
    )
