"""Requests signed the way Slack signs them, for the in-process and loopback tests."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret"


def signed_headers(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def event_body(event: dict, event_id: str = "Ev001", team: str = "T1") -> str:
    return json.dumps(
        {
            "token": "x",
            "team_id": team,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        }
    )


def command_body(
    command: str,
    text: str,
    response_url: str,
    user: str = "U1",
    channel: str = "C1",
    trigger_id: str = "trig-1",
) -> str:
    return urlencode(
        {
            "token": "x",
            "team_id": "T1",
            "command": command,
            "text": text,
            "user_id": user,
            "user_name": "sam",
            "channel_id": channel,
            "response_url": response_url,
            "trigger_id": trigger_id,
            "api_app_id": "A1",
        }
    )


def interaction_body(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_action(
    action: dict,
    user: str = "U1",
    channel: str = "C1",
    response_url: str | None = None,
    message: dict | None = None,
) -> dict:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user},
        "api_app_id": "A1",
        "trigger_id": "trig-action",
        "channel": {"id": channel},
        "container": {
            "type": "message",
            "channel_id": channel,
            "message_ts": "1700000000.000001",
            "is_ephemeral": message is None,
        },
        "actions": [action | {"action_ts": str(time.time())}],
    }
    if response_url:
        payload["response_url"] = response_url
    if message:
        payload["message"] = message
    return payload


def find_button(blocks: list[dict], action_id: str) -> dict | None:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element
    return None
