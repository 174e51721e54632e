"""Keep staff messages, tokens and secrets out of the logs.

Bolt logs the whole body of a request with a bad signature at INFO, and some of its warnings
carry parts of a payload; slack_sdk can log request bodies at DEBUG. Their loggers are held at
WARNING, and a filter on our handlers cuts what they log at the first bracket and hides anything
that looks like a Slack token, from any logger.
"""

from __future__ import annotations

import logging
import re

TOKEN = re.compile(r"\b(xox[abposr]|xapp|xoxe(\.xox[bp])?)-[A-Za-z0-9-]+")
SIGNATURE = re.compile(r"v0=[0-9a-f]{16,}")
QUIET = ("slack_bolt", "slack_sdk", "waitress", "urllib3")
WITHHELD = " [details withheld from the log]"


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name.startswith(("slack_bolt", "slack_sdk")) or ":" in record.name.split(".")[0]:
            cut = min((i for i in (message.find("("), message.find("{")) if i >= 0), default=-1)
            if cut >= 0:
                message = message[:cut].rstrip() + WITHHELD
        message = SIGNATURE.sub("v0=[signature]", TOKEN.sub("[token]", message))
        record.msg, record.args = message, None
        return True


def quieten_slack_loggers(handlers: list[logging.Handler]) -> logging.Logger:
    """Hold the Slack libraries' loggers at WARNING and filter every handler.

    Returns the logger to give Bolt's ``App(logger=...)``: Bolt copies its level to its own
    loggers, so the bad-signature body at INFO is never even formatted.
    """
    redact = RedactingFilter()
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redact)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    bolt = logging.getLogger("slack_bolt.App")
    bolt.setLevel(logging.WARNING)
    return bolt
