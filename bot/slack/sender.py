"""Sends outbox messages through Slack's Web API or a ``response_url``, with Slack's retries.

By default slack_sdk does not retry HTTP 429 or 5xx; here both are retried (429 after the
``Retry-After`` Slack gives), before the outbox's own, slower retries take over.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.config import Settings
from bot.delivery import Message

API_PREFIX = "api:"


def retry_handlers():
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_client(settings: Settings) -> WebClient:
    base_url = settings.slack_api_url
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=base_url,
        timeout=10,
        retry_handlers=retry_handlers(),
    )


class DeliveryError(Exception):
    """Slack refused or failed a delivery."""


class SlackSender:
    def __init__(self, client: WebClient):
        self.client = client

    def send(self, message: Message) -> dict:
        if message.target.startswith(API_PREFIX):
            method = message.target[len(API_PREFIX) :]
            try:
                response = self.client.api_call(method, json=message.body)
            except SlackApiError as exc:
                raise DeliveryError(f"{method}: {exc.response.get('error', 'failed')}") from None
            return dict(response.data) if isinstance(response.data, dict) else {}
        if message.target == "url":
            if not message.url:
                raise DeliveryError("no response_url to post to")
            webhook = WebhookClient(message.url, timeout=10, retry_handlers=retry_handlers())
            response = webhook.send_dict(message.body)
            if response.status_code >= 400:
                raise DeliveryError(f"response_url answered HTTP {response.status_code}")
            return {"ok": True}
        raise DeliveryError(f"unknown delivery target {message.target!r}")


def api(method: str, body: dict, fallback: Message | None = None) -> Message:
    return Message(target=API_PREFIX + method, body=body, fallback=fallback)


def to_url(url: str, body: dict, fallback: Message | None = None) -> Message:
    return Message(target="url", body=body, url=url, fallback=fallback)
