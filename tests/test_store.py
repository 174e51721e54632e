"""The database: de-duplication by unique keys, the outbox's records, escalations, gaps."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.store import Store
from tests.postgres import TemporaryPostgres, find_binaries


@pytest.fixture(scope="session")
def postgres_url():
    """POLICYBOT_TEST_POSTGRES_URL if set, else a throwaway server from the machine's binaries."""
    url = os.environ.get("POLICYBOT_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    pytest.importorskip("psycopg")
    if find_binaries() is None:
        pytest.skip("no PostgreSQL here: set POLICYBOT_TEST_POSTGRES_URL to test against one")
    # Not under pytest's own temporary folder: that is private to us, and the server runs as
    # the postgres user when we are root.
    server = TemporaryPostgres(Path(tempfile.mkdtemp(prefix="policybot-pg-")))
    try:
        url = server.start()
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"could not start a throwaway PostgreSQL ({exc})")
    yield url
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        store = Store(url).open()
        from bot.store import metadata

        metadata.drop_all(store.engine)
        metadata.create_all(store.engine)
    else:
        store = Store(f"sqlite:///{tmp_path / 'sub' / 'policybot.db'}").open()
    yield store
    store.close()


def test_an_event_is_claimed_once(store):
    assert store.claim_event("Ev1") is True
    assert store.claim_event("Ev1") is False
    store.finish_event("Ev1", ok=True)
    assert store.claim_event("Ev1") is False
    assert store.event_status("Ev1") == "done"


def test_an_event_whose_processing_failed_is_claimed_again_once(store):
    store.claim_event("Ev2")
    store.finish_event("Ev2", ok=False)
    assert store.claim_event("Ev2") is True
    assert store.claim_event("Ev2") is False


def test_an_event_left_processing_by_a_dead_process_is_claimed_again(store):
    store.claim_event("Ev3")
    later = datetime.now(UTC) + timedelta(minutes=11)
    store.now = lambda: later
    assert store.claim_event("Ev3") is True


def test_deliveries_are_recorded_once_and_their_words_cleared_when_sent(store):
    first = store.add_delivery("answer:C1:1", {"body": {"text": "hello"}})
    assert first[1:] == ("pending", 0)
    assert store.add_delivery("answer:C1:1", {"body": {}}) == first
    assert [d["key"] for d in store.pending_deliveries()] == ["answer:C1:1"]
    store.delivery_failed(first[0], 1, "HTTP 500", final=False)
    store.delivery_sent(first[0], 2)
    row = store.delivery("answer:C1:1")
    assert row["status"] == "sent" and row["attempts"] == 2 and row["payload"] is None
    assert store.pending_deliveries() == []


def test_a_delivery_that_finally_fails_keeps_its_error(store):
    delivery_id, _, _ = store.add_delivery("k", {})
    store.delivery_failed(delivery_id, 3, "ratelimited", final=True)
    assert store.delivery("k")["status"] == "failed"
    assert store.delivery("k")["last_error"] == "ratelimited"


def test_only_not_covered_questions_keep_their_words(store):
    store.record_question("U1", "answered", "3", "can I share a petition?")
    store.record_question("U2", "not_covered", None, "can I bring my dog?")
    assert [g["text"] for g in store.recent_gaps()] == ["can I bring my dog?"]


def test_feedback_counts(store):
    store.record_feedback("U1", True, "answered", "3")
    store.record_feedback("U2", False, "not_covered", None)
    assert store.feedback_counts() == {"helpful": 1, "not_helpful": 1}


def test_an_unreachable_database_raises_store_error_and_recovers_later(tmp_path):
    blocker = tmp_path / "db"
    blocker.write_text("a file where the folder should be")
    store = Store(f"sqlite:///{blocker / 'policybot.db'}")
    with pytest.raises(StoreError, match="cannot be created"):
        store.claim_event("Ev")
    blocker.unlink()
    assert store.claim_event("Ev") is True


def test_a_bad_url_is_one_clear_error():
    with pytest.raises(StoreError, match="not a database address"):
        Store("not a url")
    with pytest.raises(StoreError, match="password|policybot\\[postgres\\]|cannot be used") as info:
        Store("nosuchdb://user:hunter2@host/db")
    assert "hunter2" not in str(info.value)
