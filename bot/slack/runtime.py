"""What every listener shares: the service, the store, the outbox and the work pool.

Listeners acknowledge at once and hand their work to ``Runtime.later``. The helpers here make
sure that nothing is lost silently: an event is de-duplicated on its ``event_id`` (durably, in
the database, falling back to memory when the database is down), a failure is logged with its
traceback and the user is told in plain words, and a full pool still gets a "busy" reply.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.config import Settings
from bot.delivery import Message, Outbox
from bot.errors import StoreError
from bot.escalation import EscalationBook
from bot.slack.blocks import BUSY, SORRY
from bot.slack.sender import api, to_url
from bot.slack.work import WorkPool
from bot.store import Store

log = logging.getLogger(__name__)


class RecentKeys:
    """A bounded in-memory set, for de-duplication while the database is unavailable."""

    def __init__(self, size: int = 5000):
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str) -> bool:
        """True if the key is new."""
        with self._lock:
            if key in self._keys:
                return False
            self._keys[key] = None
            while len(self._keys) > self.size:
                self._keys.popitem(last=False)
            return True

    def discard(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)


@dataclass
class Runtime:
    settings: Settings
    service: object  # PolicyService, or a fake with ask() and check()
    store: Store | None
    client: WebClient
    outbox: Outbox
    work: WorkPool
    notices: WorkPool  # a small pool of its own for "busy" replies, so they are not refused too
    recent_events: RecentKeys = field(default_factory=RecentKeys)
    accepted_events: RecentKeys = field(default_factory=RecentKeys)

    @property
    def escalations(self) -> EscalationBook | None:
        return EscalationBook(self.store) if self.store is not None else None

    # Running work after the acknowledgement ---------------------------------------------------

    def later(
        self, name: str, job: Callable[[], None], busy: Callable[[], None] | None = None
    ) -> bool:
        """Queue ``job``; if the pool is full, queue ``busy`` (a reply) on the notices pool."""
        if self.work.submit(job, name) is not None:
            return True
        if busy is not None and self.notices.submit(busy, f"{name} busy reply") is None:
            log.error("%s refused and the busy reply could not be queued either", name)
        return False

    def event(
        self,
        body: dict,
        name: str,
        job: Callable[[], object],
        busy: Callable[[], None] | None = None,
    ) -> bool:
        """Queue an Events API event's job, run at most once per ``event_id``.

        A retry of an event that is being processed, or was, is skipped; one whose processing
        failed, or whose first delivery never arrived, is processed.
        """
        event_id = body.get("event_id") or ""
        # A retry of an event this process already has in hand is dropped at once, so that it
        # does not take a place in the queue; the database check below covers restarts.
        if event_id and not self.accepted_events.add(event_id):
            log.info("skipped duplicate event %s on arrival", event_id)
            return True

        def run() -> None:
            if event_id and not self.claim_event(event_id):
                log.info("skipped duplicate event %s", event_id)
                return
            ok = False
            try:
                ok = job() is not False  # a guarded job returns False when it failed
            finally:
                if event_id:
                    self.finish_event(event_id, ok)
                    if not ok:  # let Slack's retry of it through
                        self.accepted_events.discard(event_id)

        queued = self.later(name, run, busy)
        if not queued and event_id:
            self.accepted_events.discard(event_id)
        return queued

    def claim_event(self, event_id: str) -> bool:
        if self.store is not None:
            try:
                claimed = self.store.claim_event(event_id)
                self.recent_events.add(event_id)
                return claimed
            except StoreError:
                log.exception("could not record event %s; de-duplicating in memory", event_id)
        return self.recent_events.add(event_id)

    def finish_event(self, event_id: str, ok: bool) -> None:
        if self.store is None:
            return
        try:
            self.store.finish_event(event_id, ok)
        except StoreError:
            log.exception("could not mark event %s finished", event_id)

    def guarded(self, name: str, job: Callable[[], None], sorry: Callable[[str], None]) -> bool:
        """Run ``job``; on failure log the traceback, tell the user ``SORRY`` and return False."""
        try:
            job()
            return True
        except Exception:
            log.exception("%s failed", name)
            try:
                sorry(SORRY)
            except Exception:
                log.exception("%s: could not tell the user it failed", name)
            return False

    # Replies ----------------------------------------------------------------------------------

    def send(self, key: str, message: Message):
        return self.outbox.send(key, message)

    def tell_user(self, key: str, body: dict, text: str, blocks: list | None = None) -> None:
        """A private reply to whoever sent this interaction: its response_url, else ephemeral."""
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        channel = _channel_of(body)
        content = {"text": text} | ({"blocks": blocks} if blocks else {})
        dm = api("chat.postMessage", {"channel": user} | content) if user else None
        if body.get("response_url"):
            message = to_url(
                body["response_url"],
                {"response_type": "ephemeral", "replace_original": False} | content,
                dm,
            )
        elif channel and user and not channel.startswith("D"):
            message = api("chat.postEphemeral", {"channel": channel, "user": user} | content, dm)
        elif dm is not None:
            message = dm
        else:
            log.error("no way to reply for %s", key)
            return
        self.send(key, message)

    def busy_reply(self, key: str, body: dict) -> Callable[[], None]:
        return lambda: self.tell_user(key, body, BUSY)

    def record_question(
        self, asker: str | None, status: str, section: str | None, text: str
    ) -> None:
        if self.store is None:
            return
        try:
            self.store.record_question(asker, status, section, text)
        except StoreError:
            log.exception("could not record a question")


def _channel_of(body: dict) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict):
        return channel.get("id")
    return channel or body.get("channel_id") or (body.get("container") or {}).get("channel_id")
