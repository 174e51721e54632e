"""A durable outbox: every reply is recorded before it is attempted, retried, and reported if it
finally fails. No Slack in here: a ``Sender`` does the sending.

A reply to a member of staff is the last step of work that was acknowledged long ago, so a
failure here would otherwise be silent. The outbox keeps the message in the database until it is
sent (a restart resumes what was pending), retries with growing pauses, and on final failure logs
it and sends the ``fallback`` message (a plain "sorry, please try again" to the user) instead.
If the database itself is down the message is still sent, from memory, and the failure logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.errors import StoreError
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One thing to send: ``target`` says how (the sender knows), ``body`` what."""

    target: str  # e.g. "api:chat.postMessage" or "url"
    body: dict
    url: str | None = None  # for targets that post to an address (Slack's response_url)
    fallback: Message | None = None  # sent once if this one finally fails

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "body": self.body,
            "url": self.url,
            "fallback": self.fallback.to_dict() if self.fallback else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Message:
        fallback = data.get("fallback")
        return cls(
            target=data["target"],
            body=data["body"],
            url=data.get("url"),
            fallback=cls.from_dict(fallback) if fallback else None,
        )


class Sender(Protocol):
    def send(self, message: Message) -> dict:
        """Send it, or raise. Returns what the far end answered."""


class Schedule(Protocol):
    def __call__(self, delay: float, job: Callable[[], Any]) -> None: ...


def timer_schedule(delay: float, job: Callable[[], Any]) -> None:
    timer = threading.Timer(delay, job)
    timer.daemon = True
    timer.start()


@dataclass
class Outcome:
    sent: bool
    response: dict = field(default_factory=dict)
    duplicate: bool = False


class Outbox:
    def __init__(
        self,
        store: Store | None,
        sender: Sender,
        retry_delays: tuple[float, ...] = (2.0, 15.0, 60.0),
        schedule: Schedule = timer_schedule,
    ):
        self.store = store
        self.sender = sender
        self.retry_delays = retry_delays
        self.schedule = schedule
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def send(self, key: str, message: Message) -> Outcome:
        """Record, then attempt once now; later attempts run on the schedule.

        A key that was sent already is not sent again (a retried event, a double click).
        """
        with self._lock:
            if key in self._in_flight:
                return Outcome(sent=False, duplicate=True)
            self._in_flight.add(key)
        delivery_id, attempts = None, 0
        if self.store is not None:
            try:
                delivery_id, status, attempts = self.store.add_delivery(key, message.to_dict())
            except StoreError:
                log.exception("could not record delivery %s; sending it without a record", key)
            else:
                if status != "pending":
                    self._release(key)
                    return Outcome(sent=status == "sent", duplicate=True)
        return self._attempt(key, message, delivery_id, attempts)

    def resume_pending(self) -> int:
        """Send what a previous run recorded but did not send. Returns how many were resumed."""
        if self.store is None:
            return 0
        try:
            rows = self.store.pending_deliveries()
        except StoreError:
            log.exception("could not read pending deliveries")
            return 0
        for row in rows:
            with self._lock:
                if row["key"] in self._in_flight:
                    continue
                self._in_flight.add(row["key"])
            message = Message.from_dict(row["payload"])
            self._attempt(row["key"], message, row["id"], row["attempts"])
        return len(rows)

    def _attempt(
        self, key: str, message: Message, delivery_id: int | None, attempts: int
    ) -> Outcome:
        attempts += 1
        try:
            response = self.sender.send(message)
        except Exception as exc:  # any failure to send is retried, then reported
            final = attempts > len(self.retry_delays)
            error = f"{exc.__class__.__name__}: {_short(exc)}"
            self._note(
                lambda: self.store.delivery_failed(delivery_id, attempts, error, final), delivery_id
            )
            if final:
                log.error("delivery %s failed after %d attempts: %s", key, attempts, error)
                self._release(key)
                self._send_fallback(key, message)
            else:
                log.warning("delivery %s attempt %d failed (%s); retrying", key, attempts, error)
                delay = self.retry_delays[attempts - 1]
                self.schedule(delay, lambda: self._attempt(key, message, delivery_id, attempts))
            return Outcome(sent=False)
        self._note(lambda: self.store.delivery_sent(delivery_id, attempts), delivery_id)
        self._release(key)
        return Outcome(sent=True, response=response or {})

    def _send_fallback(self, key: str, message: Message) -> None:
        if message.fallback is None:
            return
        try:
            self.sender.send(message.fallback)
        except Exception:
            log.exception("could not tell the user that delivery %s failed", key)

    def _note(self, write: Callable[[], None], delivery_id: int | None) -> None:
        if delivery_id is None or self.store is None:
            return
        try:
            write()
        except StoreError:
            log.exception("could not update delivery %s in the database", delivery_id)

    def _release(self, key: str) -> None:
        with self._lock:
            self._in_flight.discard(key)


def _short(exc: BaseException) -> str:
    """The first line of an error, without the body Slack echoed back (it may hold user text)."""
    return str(exc).splitlines()[0][:200] if str(exc) else ""
