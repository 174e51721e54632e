"""Build the Bolt app: one place that wires settings, service and store to the listeners.

Bolt's own checks stay on (request signatures, stale timestamps, url_verification, ssl_check).
The bot token is given through ``authorize`` so that start-up and requests never wait on
``auth.test``; ``serve`` calls it once before accepting requests, to learn the bot's user id.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.config import Settings
from bot.delivery import Outbox
from bot.slack import asking, checking, escalating, home
from bot.slack.logs import quieten_slack_loggers
from bot.slack.runtime import Runtime
from bot.slack.sender import SlackSender, make_client
from bot.slack.work import WorkPool
from bot.store import Store

log = logging.getLogger(__name__)

FEATURES = (asking, checking, escalating, home)


def build_runtime(
    settings: Settings,
    service,
    store: Store | None,
    client: WebClient | None = None,
    outbox: Outbox | None = None,
) -> Runtime:
    client = client or make_client(settings)
    outbox = outbox or Outbox(
        store, SlackSender(client), retry_delays=settings.delivery_retry_delays
    )
    return Runtime(
        settings=settings,
        service=service,
        store=store,
        client=client,
        outbox=outbox,
        work=WorkPool(settings.workers, settings.queue_limit),
        notices=WorkPool(2, 200, name="policybot-notices"),
    )


def build_app(
    settings: Settings,
    service,
    store: Store | None,
    *,
    client: WebClient | None = None,
    outbox: Outbox | None = None,
    bot_user_id: str | None = None,
    runtime: Runtime | None = None,
) -> App:
    """The Bolt app, its listeners registered by feature. ``app.runtime`` holds what they share."""
    rt = runtime or build_runtime(settings, service, store, client, outbox)
    identity = {"bot_user_id": bot_user_id, "bot_id": None, "team_id": None}

    def authorize(enterprise_id=None, team_id=None, **_) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or identity["team_id"],
            bot_token=settings.slack_bot_token,
            bot_user_id=identity["bot_user_id"],
            bot_id=identity["bot_id"],
        )

    app = App(
        signing_secret=settings.slack_signing_secret,
        # Bolt makes each request's client from ``authorize``; this one only lends its settings.
        client=WebClient(
            base_url=rt.client.base_url,
            timeout=rt.client.timeout,
            retry_handlers=rt.client.retry_handlers,
        ),
        authorize=authorize,
        process_before_response=True,  # listeners only queue work, so this costs nothing
        logger=quieten_slack_loggers(logging.getLogger().handlers),
        name="policybot",
    )
    for feature in FEATURES:
        feature.register(app, rt)
    app.runtime = rt  # type: ignore[attr-defined]
    app.identity = identity  # type: ignore[attr-defined]
    return app
