"""Block Kit builders: pure functions from core results to Slack blocks, tested with plain asserts.

Quotes from the policy appear as block quotes, word for word; anything a user typed is escaped
before it is echoed back. Each message also gets a plain ``text`` that carries the clause
verbatim, for notifications and screen readers.
"""

from __future__ import annotations

import json

from bot.escalation import Escalation
from bot.models import ACCOUNTS as MODEL_ACCOUNTS
from bot.models import Answer
from bot.slack.mrkdwn import block_quote, clip, escape

# The ids the listeners register: manifest.yml and a test keep to these.
ACTION_HELPFUL = "feedback_helpful"
ACTION_NOT_HELPFUL = "feedback_not_helpful"
ACTION_SHARE = "share_answer"
ACTION_ESCALATE = "ask_town_manager"
ACTION_ACKNOWLEDGE = "escalation_acknowledge"
ACTION_RESOLVE = "escalation_resolve"
MODAL_CHECKPOST = "checkpost_modal"
SHORTCUT_CHECK = "check_message"
BLOCK_DRAFT, INPUT_DRAFT = "draft", "draft_text"
BLOCK_ACCOUNT, INPUT_ACCOUNT = "account", "account_type"

ACCOUNT_LABELS = {
    "council": "The council's own account",
    "personal": "My own personal account",
}
ACCOUNTS = {key: ACCOUNT_LABELS.get(key, key.capitalize()) for key in MODEL_ACCOUNTS}

VALUE_LIMIT = 2000  # Slack's limit for a button's value
TEXT_LIMIT = 2900  # a section's text may be 3000 characters

SORRY = (
    "Sorry, something went wrong on my side and I could not finish that. Please try again in a "
    "few minutes. If it keeps happening, please ask the Town Manager directly."
)
BUSY = "I am busy with other requests just now. Please try again in a minute."
VERDICTS = {
    "ok": ":white_check_mark: *Nothing in this draft goes against the policy.*",
    "review": ":warning: *Have a second look before posting this.*",
    "block": ":no_entry: *Please do not post this as it is.*",
}


def encode_value(data: dict) -> str:
    """A button value: compact JSON, its text ``t`` shortened if needed to fit Slack's limit."""
    value = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(value) <= VALUE_LIMIT or "t" not in data:
        return value
    spare = VALUE_LIMIT - (len(value) - len(json.dumps(data["t"], ensure_ascii=False))) - 40
    return encode_value(data | {"t": clip(data["t"], max(spare, 100))})


def decode_value(value: str | None) -> dict:
    try:
        data = json.loads(value or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, TEXT_LIMIT)}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, TEXT_LIMIT)}]}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _actions(*buttons: dict) -> dict:
    return {"type": "actions", "elements": list(buttons)}


def escalate_button(value: dict, primary: bool = False) -> dict:
    return _button(
        "Ask the Town Manager", ACTION_ESCALATE, encode_value(value), "primary" if primary else None
    )


# Answers --------------------------------------------------------------------------------------


def answer_text(answer: Answer) -> str:
    """Plain fallback text: the lead and the first clause verbatim, in quotation marks."""
    if answer.status != "answered" or not answer.quotes:
        return escape(answer.lead)
    first = answer.quotes[0]
    return escape(f"{answer.lead} “{first.text}” ({answer.policy.title}, {first.place})")


def answer_blocks(
    answer: Answer,
    value: dict,
    *,
    share: bool = False,
    shared_by: str | None = None,
    show_question: bool = False,
) -> list[dict]:
    """An answer with its quotes, notices and buttons. ``value`` identifies the question."""
    blocks: list[dict] = []
    if shared_by:
        blocks.append(_context(f"<@{shared_by}> shared this answer from the policy bot."))
    if show_question or shared_by:
        blocks.append(_section(f"*Question:* {escape(answer.question)}"))
    blocks.append(_section(f"*{escape(answer.lead)}*"))
    for n, quote in enumerate(answer.quotes):
        if n == 1:
            blocks.append(_section("*Also relevant:*"))
        if n >= 1:
            blocks.append(_section(f"{escape(quote.place)}:"))
        blocks.append(_section(block_quote(quote.text)))
        blocks.append(
            _context(
                f"{escape(answer.policy.title)}, {escape(quote.place)}"
            )
        )
    for notice in answer.notices:
        blocks.append(_context(f":information_source: {escape(notice)}"))
    if shared_by:
        return blocks
    feedback = encode_value(
        value | {"s": answer.status, "sec": answer.quotes[0].section if answer.quotes else None}
    )
    buttons = [
        _button("Helpful", ACTION_HELPFUL, feedback),
        _button("Not helpful", ACTION_NOT_HELPFUL, feedback),
    ]
    if answer.status != "answered" or answer.escalate:
        buttons.insert(0, escalate_button(value | {"k": "question"}, primary=True))
    if share:
        buttons.append(_button("Share in channel", ACTION_SHARE, encode_value(value)))
    blocks.append(_actions(*buttons))
    return blocks


def not_helpful_blocks(value: dict) -> list[dict]:
    return [
        _section(
            "Thank you for telling me. If you need a proper answer, the Town Manager can help."
        ),
        _actions(escalate_button(value | {"k": "question"}, primary=True)),
    ]


# Reports --------------------------------------------------------------------------------------


def report_text(report) -> str:
    verdict = VERDICTS.get(report.verdict, report.verdict).split("*")[1]
    parts = [verdict]
    for finding in report.findings:
        clause = getattr(finding, "clause", None)
        line = escape(finding.message)
        if clause is not None:
            line += escape(f" Section {clause.section}: “{clause.text}”")
        parts.append(line)
    return "\n".join(parts)


def report_blocks(report, value: dict) -> list[dict]:
    """A /checkpost report: the verdict, then each finding with its clause quoted and advice."""
    wants_escalation = any(getattr(f, "escalate", False) for f in report.findings)
    button = escalate_button(value | {"k": "draft"}, primary=wants_escalation)
    blocks = [_section(VERDICTS.get(report.verdict, escape(str(report.verdict))))]
    if wants_escalation:
        blocks.append(
            _section("The policy says this should go to the Town Manager before it is posted.")
        )
        blocks.append(_actions(button))
    for finding, also in report.grouped_findings():
        clause = getattr(finding, "clause", None)
        blocks.append({"type": "divider"})
        lines = [f"*{escape(finding.message)}*"]
        evidence = getattr(finding, "evidence", None)
        if evidence is not None and getattr(evidence, "text", ""):
            lines.append(f"In your draft: “{escape(evidence.text)}”")
        blocks.append(_section("\n".join(lines)))
        if clause is not None:
            blocks.append(_section(block_quote(clause.text)))
            blocks.append(
                _context(f"Policy section {escape(clause.section)}: {escape(clause.heading)}")
            )
        if getattr(finding, "advice", ""):
            blocks.append(_section(f"*What to do:* {escape(finding.advice)}"))
        for other in also:  # the same breach under another clause: quote that one too
            blocks.append(_section("It also falls under:\n" + block_quote(other.text)))
            blocks.append(
                _context(f"Policy section {escape(other.section)}: {escape(other.heading)}")
            )
    checklist = getattr(report, "checklist", None) or []
    if checklist:
        blocks.append({"type": "divider"})
        blocks.append(_section("*Also check for yourself:*"))
        for item in checklist[:10]:
            blocks.append(_section(f"• {escape(item.note)}\n{block_quote(item.clause.text)}"))
    for notice in getattr(report, "notices", None) or []:
        blocks.append(_context(f":information_source: {escape(notice)}"))
    if not wants_escalation:
        blocks.append({"type": "divider"})
        blocks.append(_actions(button))
    return blocks[:50]  # Slack's limit for one message


def checkpost_modal(private_metadata: str = "") -> dict:
    return {
        "type": "modal",
        "callback_id": MODAL_CHECKPOST,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Check a draft post"},
        "submit": {"type": "plain_text", "text": "Check"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": BLOCK_DRAFT,
                "label": {"type": "plain_text", "text": "Your draft post"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": INPUT_DRAFT,
                    "multiline": True,
                    "max_length": 3000,
                },
            },
            {
                "type": "input",
                "block_id": BLOCK_ACCOUNT,
                "label": {"type": "plain_text", "text": "Where will it be posted?"},
                "element": {
                    "type": "static_select",
                    "action_id": INPUT_ACCOUNT,
                    "initial_option": _option("council"),
                    "options": [_option(key) for key in ACCOUNTS],
                },
            },
        ],
    }


def _option(key: str) -> dict:
    return {"text": {"type": "plain_text", "text": ACCOUNTS[key]}, "value": key}


# Escalations ----------------------------------------------------------------------------------


def _where(escalation: Escalation) -> str:
    if escalation.permalink:
        return f"<{escalation.permalink}|this message>"
    if escalation.channel and escalation.channel.startswith("D"):
        return "a direct message with the bot"
    if escalation.channel:
        return f"<#{escalation.channel}>"
    return "Slack"


def escalation_blocks(escalation: Escalation) -> list[dict]:
    """The Town Manager's message, with buttons for the steps still to take."""
    what = "a question" if escalation.kind == "question" else "a draft post to check"
    label = "Their question" if escalation.kind == "question" else "Their draft"
    blocks = [
        _section(f"<@{escalation.requester}> has sent you {what}, from {_where(escalation)}."),
        _section(f"*{label}:*\n{block_quote(escalation.text)}"),
        _section(f"*What the bot said:*\n{escape(escalation.reply_summary)}"),
    ]
    value = str(escalation.id)
    if escalation.status == "open":
        blocks.append(
            _actions(
                _button("Acknowledge", ACTION_ACKNOWLEDGE, value, "primary"),
                _button("Resolved", ACTION_RESOLVE, value),
            )
        )
    elif escalation.status == "acknowledged":
        blocks.append(_context(f":eyes: Acknowledged by <@{escalation.acknowledged_by}>."))
        blocks.append(_actions(_button("Resolved", ACTION_RESOLVE, value, "primary")))
    else:
        blocks.append(_context(f":white_check_mark: Resolved by <@{escalation.resolved_by}>."))
    return blocks


def escalation_text(escalation: Escalation) -> str:
    what = "a question" if escalation.kind == "question" else "a draft post"
    return f"<@{escalation.requester}> has sent you {what}: “{clip(escape(escalation.text), 300)}”"


SENT_TO_MANAGER = "I have sent this to the Town Manager. I will tell you when they have seen it."
ALREADY_SENT = "You have already sent this to the Town Manager, so I have not sent it again."
NO_MANAGER = (
    "I could not send this to the Town Manager just now. Please contact them directly, "
    "and tell IT that the bot could not reach them."
)


def acknowledged_text(escalation: Escalation) -> str:
    what = "question" if escalation.kind == "question" else "draft post"
    return f"The Town Manager has seen your {what}: “{clip(escape(escalation.text), 200)}”"


def resolved_text(escalation: Escalation) -> str:
    what = "question" if escalation.kind == "question" else "draft post"
    return (
        f"The Town Manager has marked your {what} as resolved: "
        f"“{clip(escape(escalation.text), 200)}”"
    )


# App Home -------------------------------------------------------------------------------------

HOW_TO = (
    "*How to use the policy bot*\n"
    "• *Ask a question*: send me a direct message, or mention me in a channel, for example "
    "_@policybot can I share this petition?_ I reply in the thread with the exact words of the "
    "policy and its section.\n"
    "• *Ask privately*: type `/policy` and your question. Only you see the answer, and you "
    "can share it.\n"
    "• *Check a post before you publish it*: type `/checkpost` and paste your draft, or just "
    "`/checkpost` to open a form. On any message, use the menu ⋮ → *Check against policy*.\n"
    "• If the policy does not cover something, press *Ask the Town Manager*."
)


def home_view(
    is_manager: bool,
    open_escalations: list[Escalation],
    gaps: list[dict],
    unavailable: bool = False,
) -> dict:
    blocks = [_section(HOW_TO)]
    if is_manager:
        blocks.append({"type": "divider"})
        blocks.append(_section("*Waiting for you*"))
        if unavailable:
            blocks.append(
                _context("The list could not be loaded just now. Please try again later.")
            )
        elif not open_escalations:
            blocks.append(_context("Nothing is waiting for you."))
        for escalation in open_escalations[:15]:
            status = "new" if escalation.status == "open" else "acknowledged"
            blocks.append(
                _section(
                    f"<@{escalation.requester}> ({status}, {escalation.created_at:%d %b %H:%M}): "
                    f"{clip(escape(escalation.text), 200)}"
                )
            )
        blocks.append({"type": "divider"})
        blocks.append(_section("*Recent questions the policy did not cover*"))
        blocks.append(_context("Questions worth considering when the policy is next updated."))
        if not gaps and not unavailable:
            blocks.append(_context("None yet."))
        for gap in gaps[:15]:
            blocks.append(_section(f"• {clip(escape(gap['text']), 300)}"))
    return {"type": "home", "blocks": blocks}
