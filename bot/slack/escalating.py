"""Escalations: "Ask the Town Manager", and the Town Manager's "Acknowledge" and "Resolved"."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_bolt import App

from bot.errors import StoreError
from bot.escalation import (
    ACKNOWLEDGED,
    RESOLVED,
    Escalation,
    EscalationRequest,
    summarise_answer,
    summarise_report,
)
from bot.slack import blocks as kit
from bot.slack.runtime import Runtime, _channel_of
from bot.slack.sender import api, to_url

log = logging.getLogger(__name__)

NOT_MANAGER = "Only the Town Manager can do this."
UNTRACKED = (
    "This was sent while the bot's database was unavailable, so its status cannot be tracked here."
)


def register(app: App, rt: Runtime) -> None:
    @app.action(kit.ACTION_ESCALATE)
    def on_escalate(ack, body, action):
        ack()
        rt.later(
            "escalate", lambda: escalate(rt, body, action), rt.busy_reply("busy:escalate", body)
        )

    @app.action(kit.ACTION_ACKNOWLEDGE)
    def on_acknowledge(ack, body, action):
        ack()
        rt.later(
            "acknowledge",
            lambda: move(rt, body, action, ACKNOWLEDGED),
            rt.busy_reply("busy:acknowledge", body),
        )

    @app.action(kit.ACTION_RESOLVE)
    def on_resolve(ack, body, action):
        ack()
        rt.later(
            "resolve", lambda: move(rt, body, action, RESOLVED), rt.busy_reply("busy:resolve", body)
        )


def _summary(rt: Runtime, kind: str, text: str, account: str) -> str:
    if kind == "question":
        return summarise_answer(rt.service.ask(text))
    return summarise_report(rt.service.check(text, account))


def _permalink(rt: Runtime, channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts or "." not in ts:  # only messages have permalinks
        return None
    try:
        return rt.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except Exception:
        log.warning("could not get a permalink for an escalation", exc_info=True)
        return None


def escalate(rt: Runtime, body: dict, action: dict) -> bool:
    value = kit.decode_value(action.get("value"))
    requester = body["user"]["id"]
    kind = "draft" if value.get("k") == "draft" else "question"
    key = f"{requester}:{action.get('action_ts', '')}"

    def work() -> None:
        text = value.get("t") or ""
        channel = value.get("c") or _channel_of(body)
        request = EscalationRequest(
            kind=kind,
            requester=requester,
            text=text,
            channel=channel,
            source=str(value.get("ts") or ""),
            permalink=_permalink(rt, channel, value.get("ts")),
            reply_summary=_summary(rt, kind, text, value.get("a") or "council"),
        )
        escalation, created = _record(rt, request)
        if not created:
            rt.tell_user(f"escalate-again:{key}", body, kit.ALREADY_SENT)
            return
        tell_requester = api("chat.postMessage", {"channel": requester, "text": kit.NO_MANAGER})
        outcome = rt.send(
            f"escalation:{escalation.key}:manager",
            api(
                "chat.postMessage",
                {
                    "channel": rt.settings.town_manager_slack_id,
                    "text": kit.escalation_text(escalation),
                    "blocks": kit.escalation_blocks(escalation),
                    "unfurl_links": False,
                },
                fallback=tell_requester,
            ),
        )
        text = (
            kit.SENT_TO_MANAGER
            if outcome.sent
            else (
                "I am having trouble reaching the Town Manager. I will keep trying, and tell you "
                "if I cannot get through."
            )
        )
        rt.tell_user(f"escalated:{escalation.key}", body, text)

    return rt.guarded("escalate", work, lambda text: rt.tell_user(f"sorry:{key}", body, text))


def _record(rt: Runtime, request: EscalationRequest) -> tuple[Escalation, bool]:
    """Record it; with the database down, send it anyway, de-duplicated in memory only."""
    book = rt.escalations
    if book is not None:
        try:
            recorded = book.record(request)
            return recorded.escalation, recorded.created
        except StoreError:
            log.exception("could not record an escalation; sending it untracked")
    created = rt.recent_events.add("escalation:" + request.key)
    escalation = Escalation(
        id=0,
        key=request.key,
        kind=request.kind,
        status="untracked",
        requester=request.requester,
        channel=request.channel,
        permalink=request.permalink,
        text=request.text,
        reply_summary=request.reply_summary,
        created_at=datetime.now(UTC),
    )
    return escalation, created


def move(rt: Runtime, body: dict, action: dict, status: str) -> bool:
    user = body["user"]["id"]
    key = f"{status}:{user}:{action.get('action_ts', '')}"

    def work() -> None:
        if user != rt.settings.town_manager_slack_id:
            rt.tell_user(key, body, NOT_MANAGER)
            return
        escalation_id = int(action.get("value") or 0)
        book = rt.escalations
        if not escalation_id or book is None:
            rt.tell_user(key, body, UNTRACKED)
            return
        escalation, moved = book.move(escalation_id, status, by=user)
        if escalation is None:
            rt.tell_user(key, body, "I cannot find that request any more.")
            return
        if body.get("response_url"):
            rt.send(
                f"{key}:update",
                to_url(
                    body["response_url"],
                    {
                        "replace_original": True,
                        "text": kit.escalation_text(escalation),
                        "blocks": kit.escalation_blocks(escalation),
                    },
                ),
            )
        if moved:
            note = (
                kit.acknowledged_text(escalation)
                if status == ACKNOWLEDGED
                else kit.resolved_text(escalation)
            )
            rt.send(
                f"escalation:{escalation.key}:{status}:requester",
                api("chat.postMessage", {"channel": escalation.requester, "text": note}),
            )

    return rt.guarded(status, work, lambda text: rt.tell_user(f"sorry:{key}", body, text))
