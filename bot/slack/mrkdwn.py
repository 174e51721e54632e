"""Slack mrkdwn escaping for anything a user typed, and verbatim block quotes.

Escaping is rendering, not rewording: ``&``, ``<`` and ``>`` become entities (Slack shows the
original characters), and ``@channel``, ``@here`` and ``@everyone`` get an invisible break so
that echoing a user's words back can never ping a whole channel. Mentions written in Slack's own
syntax (``<!channel>``, ``<@U123>``) are made inert by the ``<``/``>`` escaping.
"""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_LEADING_MENTIONS = re.compile(r"^(\s*<@[A-Z0-9]+(\|[^>]*)?>[\s,:]*)+")


def escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), text)


def block_quote(text: str) -> str:
    """The text as a mrkdwn block quote, every line of it, words unchanged."""
    return "\n".join("> " + line for line in escape(text).split("\n"))


def strip_bot_mention(text: str) -> str:
    """The question without the ``<@BOT>`` that addressed it."""
    return _LEADING_MENTIONS.sub("", text or "").strip()


def clip(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters for a Block Kit field, saying that it was shortened."""
    if len(text) <= limit:
        return text
    return text[: limit - 14].rstrip() + " … (shortened)"
