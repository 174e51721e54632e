"""The outbox: recorded before it is tried, retried, reported when it finally fails."""

from __future__ import annotations

import pytest

from bot.delivery import Message, Outbox
from bot.errors import StoreError
from bot.store import Store


class FlakySender:
    def __init__(self, failures: int = 0):
        self.failures = failures
        self.sent: list[Message] = []

    def send(self, message: Message) -> dict:
        self.sent.append(message)
        if message.target != "fallback" and self.failures > 0:
            self.failures -= 1
            raise RuntimeError("HTTP 500\nbody with private words")
        return {"ok": True}


def now_schedule(delay, job):
    job()


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'o.db'}").open()
    yield store
    store.close()


def message() -> Message:
    return Message(
        "api:chat.postMessage", {"text": "hi"}, fallback=Message("fallback", {"text": "sorry"})
    )


def test_sent_once_per_key(store):
    sender = FlakySender()
    outbox = Outbox(store, sender, schedule=now_schedule)
    assert outbox.send("k", message()).sent
    assert outbox.send("k", message()).duplicate
    assert len(sender.sent) == 1
    assert store.delivery("k")["status"] == "sent"


def test_retried_until_it_goes(store):
    sender = FlakySender(failures=2)
    Outbox(store, sender, retry_delays=(0, 0), schedule=now_schedule).send("k", message())
    assert len(sender.sent) == 3
    row = store.delivery("k")
    assert row["status"] == "sent" and row["attempts"] == 3


def test_final_failure_is_recorded_logged_and_the_fallback_sent(store, caplog):
    sender = FlakySender(failures=10)
    Outbox(store, sender, retry_delays=(0,), schedule=now_schedule).send("k", message())
    assert [m.target for m in sender.sent] == ["api:chat.postMessage"] * 2 + ["fallback"]
    row = store.delivery("k")
    assert row["status"] == "failed" and "private words" not in row["last_error"]
    assert any("failed after 2 attempts" in r.getMessage() for r in caplog.records)


def test_pending_deliveries_are_resumed_after_a_restart(store):
    store.add_delivery("left-over", message().to_dict())
    sender = FlakySender()
    assert Outbox(store, sender, schedule=now_schedule).resume_pending() == 1
    assert sender.sent[0].body == {"text": "hi"}
    assert store.delivery("left-over")["status"] == "sent"


class BrokenStore:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StoreError("database down")

        return fail


def test_with_the_database_down_it_still_sends():
    sender = FlakySender()
    assert Outbox(BrokenStore(), sender, schedule=now_schedule).send("k", message()).sent
    assert len(sender.sent) == 1
