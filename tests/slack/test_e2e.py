"""End to end over loopback HTTP, as Slack drives it: `policybot serve --port N` in a subprocess,
its Web API pointed at a stand-in that records what the app sends.

The server is started once for the module (it loads its own copy of the model).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request

import pytest

from bot.embedding import share_cache
from tests.conftest import SHARED_CACHE
from tests.slack.serving import ServerDidNotStart, serving
from tests.slack.signing import (
    SECRET,
    block_action,
    command_body,
    event_body,
    find_button,
    interaction_body,
    signed_headers,
)

pytestmark = pytest.mark.e2e

MANAGER = "UMANAGER"
QUESTION = "<@UBOT> can I share a petition on the council's facebook page?"


@pytest.fixture(scope="module")
def server(standin, tmp_path_factory):
    home = tmp_path_factory.mktemp("serve")
    share_cache(SHARED_CACHE, home / "cache")  # the model artefacts, not the log or database
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")} | {
        "SLACK_BOT_TOKEN": "xoxb-e2e-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "TOWN_MANAGER_SLACK_ID": MANAGER,
        "DATABASE_URL": f"sqlite:///{home / 'policybot.db'}",
        "POLICYBOT_CACHE_DIR": str(home / "cache"),
        "POLICYBOT_RETRY_DELAYS": "0.2,0.5",
    }
    try:
        with serving(env, home / "stdout.txt") as (base, process):
            yield {"url": base + "/slack/events", "home": home, "process": process}
    except ServerDidNotStart as exc:
        pytest.fail(f"policybot serve did not start: {exc}")


def post(
    url: str, body: str, content_type: str, headers: dict | None = None
) -> tuple[int, str, float]:
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": content_type} | (headers or {}),
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), time.monotonic() - started


def post_signed(url: str, body: str, content_type: str, extra: dict | None = None):
    return post(url, body, content_type, signed_headers(body) | (extra or {}))


def quoted(text: str) -> list[str]:
    return re.findall(r"“(.+?)”", text, flags=re.S)


def test_url_verification_answers_the_challenge(server):
    body = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    status, text, _ = post_signed(server["url"], body, "application/json")
    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text


def test_unsigned_and_stale_requests_are_refused_and_not_logged(server):
    body = event_body(
        {
            "type": "app_mention",
            "user": "U1",
            "text": "<@UBOT> secret-words-xyz",
            "channel": "C1",
            "ts": "1700000001.000100",
        },
        event_id="EvUnsigned",
    )
    status, _, _ = post(server["url"], body, "application/json")
    assert status == 401
    stale = signed_headers(body, timestamp=int(time.time()) - 600)
    status, _, _ = post(server["url"], body, "application/json", stale)
    assert status == 401
    wrong = signed_headers(body, secret="not-the-secret")
    status, _, _ = post(server["url"], body, "application/json", wrong)
    assert status == 401
    logs = (server["home"] / "stdout.txt").read_text() + _log_file(server)
    assert "secret-words-xyz" not in logs
    assert "xoxb-e2e-token" not in logs


def _log_file(server) -> str:
    path = server["home"] / "cache" / "policybot.log"
    return path.read_text() if path.exists() else ""


def test_mention_is_answered_once_in_its_thread_with_the_verbatim_clause(server, standin, policy):
    ts = "1700000002.000200"
    body = event_body(
        {"type": "app_mention", "user": "U1", "text": QUESTION, "channel": "C1", "ts": ts},
        event_id="EvMention1",
    )
    status, _, took = post_signed(server["url"], body, "application/json")
    assert status == 200
    assert took < 3
    answers = standin.wait_for(
        lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts
    )
    assert len(answers) == 1
    posted = answers[0].body
    assert posted["channel"] == "C1"
    clauses = {c.text for c in policy.clauses}
    assert any(q in clauses for q in quoted(posted["text"])), posted["text"]
    # Slack retries the same event (the first was delivered): it is not answered twice.
    status, _, _ = post_signed(
        server["url"],
        body,
        "application/json",
        {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert status == 200
    time.sleep(1.5)
    assert (
        len(
            standin.matching(
                lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts
            )
        )
        == 1
    )


def test_a_retry_whose_first_delivery_never_arrived_is_answered(server, standin):
    ts = "1700000003.000300"
    body = event_body(
        {"type": "app_mention", "user": "U1", "text": QUESTION, "channel": "C2", "ts": ts},
        event_id="EvNeverArrived",
    )
    status, _, _ = post_signed(server["url"], body, "application/json", {"X-Slack-Retry-Num": "2"})
    assert status == 200
    assert standin.wait_for(
        lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts
    )


def test_checkpost_report_reaches_response_url_and_escalates_to_the_town_manager(server, standin):
    draft = "You are an idiot and the council will not listen to you"
    url = standin.response_url("checkpost-1")
    status, text, took = post_signed(
        server["url"],
        command_body("/checkpost", draft, url, trigger_id="trig-e2e"),
        "application/x-www-form-urlencoded",
    )
    assert status == 200 and took < 3
    reports = standin.wait_for(lambda c: c.method == "respond" and c.path.endswith("checkpost-1"))
    assert reports, "no report reached the response_url"
    report = reports[-1].body
    assert report.get("response_type") == "ephemeral"
    assert quoted(report["text"]) or "> " in json.dumps(report["blocks"])
    button = find_button(report["blocks"], "ask_town_manager")
    assert button is not None
    click = interaction_body(
        block_action(
            {
                "action_id": button["action_id"],
                "block_id": "b",
                "value": button["value"],
                "type": "button",
            },
            response_url=standin.response_url("click-1"),
        )
    )
    for _ in range(2):  # a double click
        status, _, _ = post_signed(server["url"], click, "application/x-www-form-urlencoded")
        assert status == 200
    to_manager = standin.wait_for(
        lambda c: c.method == "chat.postMessage" and c.body.get("channel") == MANAGER
    )
    assert to_manager
    assert "idiot" in to_manager[0].text()
    assert standin.wait_for(
        lambda c: (
            c.method == "respond"
            and c.path.endswith("click-1")
            and "sent this to the Town Manager" in c.text()
        )
    )
    time.sleep(1)
    assert (
        len(
            standin.matching(
                lambda c: c.method == "chat.postMessage" and c.body.get("channel") == MANAGER
            )
        )
        == 1
    )


def wait_count(standin, predicate, count: int, timeout: float = 15.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        found = standin.matching(predicate)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_web_api_500_then_200_still_delivers_the_answer_once(server, standin):
    ts = "1700000004.000400"
    standin.fail("chat.postMessage", 500, times=1)
    body = event_body(
        {"type": "app_mention", "user": "U1", "text": QUESTION, "channel": "C3", "ts": ts},
        event_id="EvFault500",
    )
    assert post_signed(server["url"], body, "application/json")[0] == 200

    def answer(c):
        return c.method == "chat.postMessage" and c.body.get("thread_ts") == ts

    assert len(wait_count(standin, answer, 2)) == 2  # the failed attempt, then the retry
    time.sleep(1)
    assert len(standin.matching(answer)) == 2  # and no more: delivered once


def test_web_api_429_is_retried_after_retry_after(server, standin):
    ts = "1700000005.000500"
    standin.fail("chat.postMessage", 429, times=1, headers={"Retry-After": "1"})
    body = event_body(
        {"type": "app_mention", "user": "U1", "text": QUESTION, "channel": "C4", "ts": ts},
        event_id="EvFault429",
    )
    assert post_signed(server["url"], body, "application/json")[0] == 200

    def answer(c):
        return c.method == "chat.postMessage" and c.body.get("thread_ts") == ts

    attempts = wait_count(standin, answer, 2)
    assert len(attempts) == 2
    assert attempts[1].at - attempts[0].at >= 0.9  # Slack's Retry-After was honoured


def test_server_still_serving_after_faults(server, standin):
    status, _, _ = post_signed(
        server["url"],
        json.dumps({"type": "url_verification", "challenge": "again"}),
        "application/json",
    )
    assert status == 200
    assert server["process"].poll() is None
