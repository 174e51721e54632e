"""Start-up: missing settings fail with one clear line; Socket Mode when an app token is set."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.errors import PolicyBotError
from bot.slack.server import check_settings


def test_missing_settings_are_named_in_one_line():
    with pytest.raises(PolicyBotError) as info:
        check_settings(Settings())
    message = str(info.value)
    assert "\n" not in message
    for name in ("SLACK_BOT_TOKEN", "TOWN_MANAGER_SLACK_ID", "SLACK_SIGNING_SECRET"):
        assert name in message


def test_socket_mode_needs_no_signing_secret_but_an_app_token():
    check_settings(
        Settings(slack_bot_token="xoxb-1", town_manager_slack_id="U1", slack_app_token="xapp-1")
    )
    with pytest.raises(PolicyBotError, match="xapp-"):
        check_settings(
            Settings(
                slack_bot_token="xoxb-1", town_manager_slack_id="U1", slack_app_token="xoxb-wrong"
            )
        )


def test_socket_mode_handler_uses_the_apps_web_api_address(tmp_path):
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack import build_app

    settings = Settings(
        slack_bot_token="xoxb-1",
        slack_app_token="xapp-1",
        town_manager_slack_id="U1",
        slack_api_url="http://127.0.0.1:9/api/",
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
    )
    app = build_app(settings, service=object(), store=None)
    handler = SocketModeHandler(app, settings.slack_app_token, web_client=app.runtime.client)
    assert handler.client.web_client.base_url == "http://127.0.0.1:9/api/"
    app.runtime.work.shutdown()
    app.runtime.notices.shutdown()


def test_settings_read_from_the_environment():
    settings = Settings.from_env(
        {
            "POLICYBOT_RETRY_DELAYS": "0.5, 3",
            "POLICYBOT_QUEUE_LIMIT": "7",
            "SLACK_API_URL": "http://127.0.0.1:1/api/",
        }
    )
    assert settings.delivery_retry_delays == (0.5, 3.0)
    assert settings.queue_limit == 7
    with pytest.raises(PolicyBotError, match="POLICYBOT_RETRY_DELAYS"):
        Settings.from_env({"POLICYBOT_RETRY_DELAYS": "soon"})
