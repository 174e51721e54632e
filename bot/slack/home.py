"""App Home: how to use the bot; for the Town Manager, open escalations and knowledge gaps."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.errors import StoreError
from bot.slack import blocks as kit
from bot.slack.runtime import Runtime

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime) -> None:
    @app.event("app_home_opened")
    def on_home_opened(body, event):
        if event.get("tab", "home") != "home":
            return
        rt.event(body, "app_home_opened", lambda: publish_home(rt, event["user"]))


def publish_home(rt: Runtime, user: str) -> None:
    is_manager = user == rt.settings.town_manager_slack_id
    open_escalations, gaps, unavailable = [], [], False
    if is_manager:
        try:
            if rt.escalations is None or rt.store is None:
                raise StoreError("no database")
            open_escalations = rt.escalations.open_ones()
            gaps = rt.store.recent_gaps()
        except StoreError:
            log.exception("could not load the Town Manager's lists for App Home")
            unavailable = True
    try:
        rt.client.views_publish(
            user_id=user, view=kit.home_view(is_manager, open_escalations, gaps, unavailable)
        )
    except Exception:
        log.exception("could not publish App Home")
