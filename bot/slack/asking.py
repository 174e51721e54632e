"""Asking: an @mention or a DM answered in its thread; /policy answered privately; feedback."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.errors import InputError
from bot.slack import blocks as kit
from bot.slack.mrkdwn import escape, strip_bot_mention
from bot.slack.runtime import Runtime
from bot.slack.sender import api, to_url

log = logging.getLogger(__name__)

# The message events this feature subscribes to (manifest.yml): direct messages only.
MESSAGE_EVENTS = ("message.im",)
POLICY_USAGE = "Type your question after /policy, for example: /policy can I share this petition?"


def register(app: App, rt: Runtime) -> None:
    @app.event("app_mention")
    def on_mention(body, event):
        rt.event(
            body, "app_mention", lambda: answer_in_thread(rt, event), busy=_thread_busy(rt, event)
        )

    @app.event("message")
    def on_direct_message(body, event):
        if f"message.{event.get('channel_type')}" not in MESSAGE_EVENTS:
            return
        if event.get("bot_id") or event.get("subtype"):
            return  # edits, joins and the bot's own messages are not questions
        rt.event(
            body,
            "direct_message",
            lambda: answer_in_thread(rt, event),
            busy=_thread_busy(rt, event),
        )

    @app.command("/policy")
    def on_policy(ack, command):
        if not (command.get("text") or "").strip():
            ack(POLICY_USAGE)
            return
        queued = rt.later("/policy", lambda: answer_privately(rt, command))
        ack() if queued else ack(kit.BUSY)

    @app.action(kit.ACTION_SHARE)
    def on_share(ack, body, action):
        ack()
        rt.later("share", lambda: share_answer(rt, body, action), rt.busy_reply("share", body))

    @app.action(kit.ACTION_HELPFUL)
    def on_helpful(ack, body, action):
        ack()
        rt.later("feedback", lambda: record_feedback(rt, body, action, helpful=True))

    @app.action(kit.ACTION_NOT_HELPFUL)
    def on_not_helpful(ack, body, action):
        ack()
        rt.later(
            "feedback",
            lambda: record_feedback(rt, body, action, helpful=False),
            rt.busy_reply("feedback", body),
        )


def _thread_busy(rt: Runtime, event: dict):
    def reply() -> None:
        rt.send(f"busy:{event.get('channel')}:{event.get('ts')}", _in_thread(event, kit.BUSY))

    return reply


def _in_thread(event: dict, text: str, blocks: list | None = None, fallback=None):
    body = {
        "channel": event["channel"],
        "thread_ts": event.get("thread_ts") or event["ts"],
        "text": text,
        "unfurl_links": False,
        "unfurl_media": False,
    }
    return api("chat.postMessage", body | ({"blocks": blocks} if blocks else {}), fallback)


def answer_in_thread(rt: Runtime, event: dict) -> bool:
    channel, ts = event["channel"], event["ts"]

    def sorry(text: str) -> None:
        rt.send(f"sorry:{channel}:{ts}", _in_thread(event, text))

    def work() -> None:
        question = strip_bot_mention(event.get("text") or "")
        try:
            answer = rt.service.ask(question)
        except InputError as exc:
            rt.send(f"answer:{channel}:{ts}", _in_thread(event, escape(str(exc))))
            return
        _record(rt, event.get("user"), answer)
        value = {"t": answer.question, "c": channel, "ts": ts}
        fallback = api(
            "chat.postEphemeral", {"channel": channel, "user": event.get("user"), "text": kit.SORRY}
        )
        message = _in_thread(
            event, kit.answer_text(answer), kit.answer_blocks(answer, value), fallback
        )
        rt.send(f"answer:{channel}:{ts}", message)

    return rt.guarded("answer in thread", work, sorry)


def answer_privately(rt: Runtime, command: dict) -> None:
    url, trigger = command.get("response_url"), command.get("trigger_id", "")

    def sorry(text: str) -> None:
        rt.send(f"sorry:{trigger}", to_url(url, {"response_type": "ephemeral", "text": text}))

    def work() -> None:
        try:
            answer = rt.service.ask(command.get("text") or "")
        except InputError as exc:
            rt.send(
                f"policy:{trigger}",
                to_url(url, {"response_type": "ephemeral", "text": escape(str(exc))}),
            )
            return
        _record(rt, command.get("user_id"), answer)
        value = {"t": answer.question, "c": command.get("channel_id")}
        body = {
            "response_type": "ephemeral",
            "text": kit.answer_text(answer),
            "blocks": kit.answer_blocks(answer, value, share=True, show_question=True),
        }
        rt.send(f"policy:{trigger}", to_url(url, body))

    rt.guarded("/policy", work, sorry)


def share_answer(rt: Runtime, body: dict, action: dict) -> None:
    value = kit.decode_value(action.get("value"))
    user = body["user"]["id"]
    key = f"share:{body.get('container', {}).get('message_ts', '')}:{action.get('action_ts', '')}"

    def work() -> None:
        answer = rt.service.ask(value.get("t", ""))
        blocks = kit.answer_blocks(answer, value, shared_by=user)
        rt.send(
            key,
            to_url(
                body["response_url"],
                {
                    "response_type": "in_channel",
                    "replace_original": False,
                    "text": kit.answer_text(answer),
                    "blocks": blocks,
                },
            ),
        )

    rt.guarded("share", work, lambda text: rt.tell_user(f"sorry:{key}", body, text))


def record_feedback(rt: Runtime, body: dict, action: dict, helpful: bool) -> None:
    value = kit.decode_value(action.get("value"))
    if rt.store is not None:
        try:
            rt.store.record_feedback(body["user"]["id"], helpful, value.get("s"), value.get("sec"))
        except Exception:
            log.exception("could not record feedback")
    key = f"feedback:{body['user']['id']}:{action.get('action_ts', '')}"
    if helpful:
        rt.tell_user(key, body, "Thank you for the feedback.")
    else:
        question = {k: value[k] for k in ("t", "c", "ts") if k in value}
        rt.tell_user(key, body, "Thank you for telling me.", kit.not_helpful_blocks(question))


def _record(rt: Runtime, asker: str | None, answer) -> None:
    section = answer.quotes[0].section if answer.quotes else None
    rt.record_question(asker, answer.status, section, answer.question)
