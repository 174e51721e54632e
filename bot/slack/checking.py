"""/checkpost, its modal, and the "Check against policy" message shortcut: a private report."""

from __future__ import annotations

import json
import logging

from slack_bolt import App

from bot.errors import InputError
from bot.slack import blocks as kit
from bot.slack.mrkdwn import escape
from bot.slack.runtime import Runtime
from bot.slack.sender import api, to_url

log = logging.getLogger(__name__)

CHECKING = "Checking your draft against the policy…"


def register(app: App, rt: Runtime) -> None:
    @app.command("/checkpost")
    def on_checkpost(ack, command):
        draft = (command.get("text") or "").strip()
        if draft:
            queued = rt.later("/checkpost", lambda: check_and_report(rt, command, draft, "council"))
            ack(CHECKING if queued else kit.BUSY)
            return
        # The modal must open within 3 seconds of the trigger, so it goes first in the queue.
        queued = rt.later("/checkpost modal", lambda: open_modal(rt, command))
        ack() if queued else ack(kit.BUSY)

    @app.view(kit.MODAL_CHECKPOST)
    def on_modal_submit(ack, body, view):
        values = view["state"]["values"]
        draft = (values[kit.BLOCK_DRAFT][kit.INPUT_DRAFT].get("value") or "").strip()
        if not draft:
            ack(response_action="errors", errors={kit.BLOCK_DRAFT: "Please paste your draft here."})
            return
        selected = (
            values.get(kit.BLOCK_ACCOUNT, {}).get(kit.INPUT_ACCOUNT, {}).get("selected_option")
        )
        account = (selected or {}).get("value") or "council"
        origin = _metadata(view.get("private_metadata"))
        request = {
            "user_id": body["user"]["id"],
            "channel_id": origin.get("channel_id"),
            "response_url": origin.get("response_url"),
            "trigger_id": view.get("id", ""),
        }
        ack()
        rt.later(
            "checkpost modal",
            lambda: check_and_report(rt, request, draft, account),
            rt.busy_reply(f"busy:{view.get('id')}", request),
        )

    @app.shortcut(kit.SHORTCUT_CHECK)
    def on_check_message(ack, shortcut):
        ack()
        message = shortcut.get("message") or {}
        request = {
            "user_id": shortcut["user"]["id"],
            "channel_id": (shortcut.get("channel") or {}).get("id"),
            "response_url": shortcut.get("response_url"),
            "trigger_id": shortcut.get("trigger_id", ""),
            "message_ts": message.get("ts"),
        }
        rt.later(
            "check message",
            lambda: check_and_report(rt, request, message.get("text") or "", "council"),
            rt.busy_reply(f"busy:{request['trigger_id']}", request),
        )


def _metadata(text: str | None) -> dict:
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def open_modal(rt: Runtime, command: dict) -> None:
    origin = json.dumps(
        {"channel_id": command.get("channel_id"), "response_url": command.get("response_url")}
    )
    try:
        rt.client.views_open(trigger_id=command["trigger_id"], view=kit.checkpost_modal(origin))
    except Exception:
        log.exception("could not open the /checkpost form")
        rt.tell_user(
            f"sorry:{command.get('trigger_id')}",
            command,
            "Sorry, I could not open the form. Type /checkpost followed by your draft instead.",
        )


def check_and_report(rt: Runtime, request: dict, draft: str, account: str) -> bool:
    """Check ``draft`` and send the report privately to whoever asked."""
    key = f"report:{request.get('trigger_id', '')}"

    def reply(text: str, blocks: list | None = None, key: str = key) -> None:
        content = {"text": text} | ({"blocks": blocks} if blocks else {})
        url, user, channel = (
            request.get("response_url"),
            request.get("user_id"),
            request.get("channel_id"),
        )
        dm = api("chat.postMessage", {"channel": user} | content)
        if url:
            rt.send(key, to_url(url, {"response_type": "ephemeral"} | content, fallback=dm))
        elif channel and not channel.startswith("D"):
            rt.send(
                key, api("chat.postEphemeral", {"channel": channel, "user": user} | content, dm)
            )
        else:
            rt.send(key, dm)

    def work() -> None:
        try:
            report = rt.service.check(draft, account)
        except InputError as exc:
            reply(escape(str(exc)))
            return
        value = {
            "t": draft,
            "c": request.get("channel_id"),
            "a": account,
            "ts": request.get("message_ts") or request.get("trigger_id", ""),
        }
        reply(kit.report_text(report), kit.report_blocks(report, value))

    return rt.guarded("/checkpost", work, lambda text: reply(text, key="sorry:" + key))
