"""Fixtures for the Slack tests: the stand-in Web API, a fake /checkpost, an in-process app."""

from __future__ import annotations

import json

import pytest
from slack_bolt.request import BoltRequest

from bot.models import ClauseRef, Evidence, Finding, Report
from bot.store import Store
from tests.slack.signing import SECRET, signed_headers
from tests.slack.standin import StandIn

MANAGER = "UMANAGER"


@pytest.fixture(scope="module")
def standin():
    server = StandIn().start()
    yield server
    server.stop()


class CheckingService:
    """The real ask(), and a small stand-in check() that keeps to the Report contract.

    Used until (and alongside) the real checker: it flags "idiot" as a reply needing the Town
    Manager, quoting the policy's clause on offensive language verbatim.
    """

    def __init__(self, service, policy):
        self.service = service
        self.policy = policy
        self.checked: list[tuple[str, str]] = []

    def ask(self, question):
        return self.service.ask(question)

    def check(self, draft: str, account: str = "council") -> Report:
        self.checked.append((draft, account))
        if "explode" in draft:
            raise RuntimeError("the checker broke")
        findings = []
        word = draft.lower().find("idiot")
        if word >= 0:
            clause = next(c for c in self.policy.clauses if "offensive language" in c.text)
            findings.append(
                Finding(
                    rule="insult",
                    title="Insulting words",
                    severity="block",
                    message="This reply insults someone.",
                    advice="Do not reply; pass it to the Town Manager.",
                    escalate=True,
                    evidence=Evidence(draft[word : word + 5], word, word + 5),
                    clause=ClauseRef.from_clause(clause),
                )
            )
        return Report(
            post=draft, account=account, verdict="block" if findings else "ok", findings=findings
        )


@pytest.fixture(scope="module")
def checking_service(service, policy):
    return CheckingService(service, policy)


@pytest.fixture
def slack_settings(settings, standin, tmp_path):
    standin.reset()
    return settings.with_overrides(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_api_url=standin.api_url,
        town_manager_slack_id=MANAGER,
        database_url=f"sqlite:///{tmp_path / 'slack.db'}",
        delivery_retry_delays=(0.05, 0.1),
    )


@pytest.fixture
def store(slack_settings):
    store = Store(slack_settings.effective_database_url).open()
    yield store
    store.close()


@pytest.fixture
def make_app(slack_settings, checking_service, store):
    from bot.slack import build_app

    apps = []

    def make(store=store, service=checking_service, settings=slack_settings):
        app = build_app(settings, service, store, bot_user_id="UBOT")
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.runtime.work.shutdown(wait=True)
        app.runtime.notices.shutdown(wait=True)


def dispatch(app, body: str, content_type: str = "application/x-www-form-urlencoded", headers=None):
    """Send a signed request through Bolt in process, as the WSGI adapter would."""
    all_headers = {"content-type": content_type} | signed_headers(body) | (headers or {})
    return app.dispatch(BoltRequest(body=body, headers=all_headers))


def dispatch_json(app, body: str, headers=None):
    return dispatch(app, body, "application/json", headers)


def drain(app) -> None:
    """Wait until the work queued so far has run (the pool is recreated per app)."""
    app.runtime.work.shutdown(wait=True)
    app.runtime.notices.shutdown(wait=True)


def bodies(calls) -> list[dict]:
    return [c.body for c in calls]


def dumps(calls) -> str:
    return json.dumps([c.body for c in calls], ensure_ascii=False)
