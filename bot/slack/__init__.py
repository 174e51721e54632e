"""The Slack adapter: ``build_app(settings, service, store)`` and listeners grouped by feature."""

from bot.slack.app import build_app

__all__ = ["build_app"]
