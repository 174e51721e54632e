"""The database: processed events, the delivery outbox, escalations, questions and feedback.

SQLAlchemy Core, so the same code runs on the default SQLite file and on PostgreSQL by URL.
Every failure surfaces as StoreError, so callers can fall back rather than lose a request.
Unique keys do the de-duplication (an event id, a delivery key, an escalation key): a retried
request or a double click meets the key and does nothing twice.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.errors import StoreError

log = logging.getLogger(__name__)

metadata = MetaData()

events = Table(
    "processed_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),  # processing | done | failed
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("payload", Text, nullable=True),  # cleared once sent: the words need not stay here
    Column("status", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

escalations = Table(
    "escalations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # question | draft
    Column("status", String(16), nullable=False),  # open | acknowledged | resolved
    Column("requester", String(64), nullable=False),
    Column("channel", String(64), nullable=True),
    Column("permalink", Text, nullable=True),
    Column("text", Text, nullable=False),
    Column("reply_summary", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("acknowledged_by", String(64), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("resolved_by", String(64), nullable=True),
)

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("asked_at", DateTime(timezone=True), nullable=False),
    Column("asker", String(64), nullable=True),
    Column("status", String(16), nullable=False),  # answered | not_covered
    Column("section", String(32), nullable=True),
    Column("text", Text, nullable=True),  # kept only when not covered: a gap in the policy
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("given_at", DateTime(timezone=True), nullable=False),
    Column("giver", String(64), nullable=True),
    Column("helpful", Boolean, nullable=False),
    Column("status", String(16), nullable=True),
    Column("section", String(32), nullable=True),
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Store:
    def __init__(self, url: str, now: Callable[[], datetime] = utcnow):
        self.url = url
        self.now = now
        self.engine = _make_engine(url)
        self._folder = _sqlite_folder(url)
        self._ready = False
        self._ready_lock = threading.Lock()

    def open(self) -> Store:
        """Create the tables if needed. Raises StoreError; a later call (or any use) retries."""
        with self._ready_lock:
            if self._ready:
                return self
            try:
                if self._folder is not None:
                    self._folder.mkdir(parents=True, exist_ok=True)
                metadata.create_all(self.engine)
            except OSError as exc:
                raise StoreError(
                    f"The database folder {self._folder} cannot be created ({exc.strerror})."
                ) from exc
            except SQLAlchemyError as exc:
                raise StoreError(
                    f"The database at {_safe_url(self.url)} could not be opened ({_why(exc)})."
                ) from exc
            self._ready = True
        return self

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        self.open()
        try:
            with self.engine.begin() as conn:
                yield conn
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"The database could not be used ({_why(exc)}).") from exc

    def close(self) -> None:
        self.engine.dispose()

    # Events -----------------------------------------------------------------------------------

    def claim_event(self, event_id: str, stale_after: timedelta = timedelta(minutes=10)) -> bool:
        """True if this delivery of the event should be processed now.

        A new event id is claimed. A known one is claimed again only when its processing failed
        or was left unfinished for longer than ``stale_after`` (the process died): that is a
        retry worth answering. Otherwise it is a duplicate.
        """
        now = self.now()
        try:
            with self._begin() as conn:
                conn.execute(
                    insert(events).values(
                        event_id=event_id, status="processing", received_at=now, updated_at=now
                    )
                )
            return True
        except IntegrityError:
            pass
        with self._begin() as conn:
            row = conn.execute(select(events).where(events.c.event_id == event_id)).one_or_none()
            if row is None:
                return False
            stale = row.status == "processing" and _aware(row.updated_at) < now - stale_after
            if row.status != "failed" and not stale:
                return False
            claimed = conn.execute(
                update(events)
                .where(events.c.event_id == event_id, events.c.status == row.status)
                .where(events.c.updated_at == row.updated_at)
                .values(status="processing", updated_at=now)
            )
            return claimed.rowcount == 1

    def finish_event(self, event_id: str, ok: bool) -> None:
        with self._begin() as conn:
            conn.execute(
                update(events)
                .where(events.c.event_id == event_id)
                .values(status="done" if ok else "failed", updated_at=self.now())
            )

    def event_status(self, event_id: str) -> str | None:
        with self._begin() as conn:
            return conn.execute(
                select(events.c.status).where(events.c.event_id == event_id)
            ).scalar_one_or_none()

    # Deliveries (the outbox) --------------------------------------------------------------------

    def add_delivery(self, key: str, payload: dict) -> tuple[int, str, int]:
        """Record a delivery before it is attempted: (id, status, attempts), existing or new."""
        now = self.now()
        try:
            with self._begin() as conn:
                result = conn.execute(
                    insert(deliveries).values(
                        key=key,
                        payload=json.dumps(payload, ensure_ascii=False),
                        status="pending",
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
                return int(result.inserted_primary_key[0]), "pending", 0
        except IntegrityError:
            with self._begin() as conn:
                row = conn.execute(select(deliveries).where(deliveries.c.key == key)).one()
                return row.id, row.status, row.attempts

    def delivery_sent(self, delivery_id: int, attempts: int) -> None:
        with self._begin() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id)
                .values(
                    status="sent",
                    attempts=attempts,
                    payload=None,
                    last_error=None,
                    updated_at=self.now(),
                )
            )

    def delivery_failed(self, delivery_id: int, attempts: int, error: str, final: bool) -> None:
        with self._begin() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id)
                .values(
                    status="failed" if final else "pending",
                    attempts=attempts,
                    last_error=error[:500],
                    updated_at=self.now(),
                )
            )

    def pending_deliveries(self, older_than: timedelta = timedelta(0)) -> list[dict]:
        """Deliveries still pending (e.g. the process stopped before they went): to resume."""
        cutoff = self.now() - older_than
        with self._begin() as conn:
            rows = conn.execute(
                select(deliveries)
                .where(deliveries.c.status == "pending", deliveries.c.updated_at <= cutoff)
                .order_by(deliveries.c.id)
            ).all()
        return [
            {
                "id": r.id,
                "key": r.key,
                "attempts": r.attempts,
                "payload": json.loads(r.payload or "{}"),
            }
            for r in rows
        ]

    def delivery(self, key: str) -> dict | None:
        with self._begin() as conn:
            row = conn.execute(select(deliveries).where(deliveries.c.key == key)).one_or_none()
        return dict(row._mapping) if row else None

    # Escalations --------------------------------------------------------------------------------

    def add_escalation(self, values: dict) -> tuple[dict, bool]:
        """Insert an escalation unless its key exists: (row, created)."""
        try:
            with self._begin() as conn:
                result = conn.execute(insert(escalations).values(**values))
                new_id = int(result.inserted_primary_key[0])
            return self.escalation(new_id), True  # type: ignore[return-value]
        except IntegrityError:
            with self._begin() as conn:
                row = conn.execute(
                    select(escalations).where(escalations.c.key == values["key"])
                ).one()
            return _row(row), False

    def escalation(self, escalation_id: int) -> dict | None:
        with self._begin() as conn:
            row = conn.execute(
                select(escalations).where(escalations.c.id == escalation_id)
            ).one_or_none()
        return _row(row) if row else None

    def update_escalation(
        self, escalation_id: int, from_statuses: tuple[str, ...], values: dict
    ) -> bool:
        """Move an escalation on, only from the given statuses: False if it had moved already."""
        with self._begin() as conn:
            result = conn.execute(
                update(escalations)
                .where(escalations.c.id == escalation_id, escalations.c.status.in_(from_statuses))
                .values(**values)
            )
            return result.rowcount == 1

    def escalations_with_status(self, statuses: tuple[str, ...], limit: int = 20) -> list[dict]:
        with self._begin() as conn:
            rows = conn.execute(
                select(escalations)
                .where(escalations.c.status.in_(statuses))
                .order_by(escalations.c.created_at.desc())
                .limit(limit)
            ).all()
        return [_row(r) for r in rows]

    # Questions and feedback -------------------------------------------------------------------

    def record_question(
        self, asker: str | None, status: str, section: str | None, text: str
    ) -> None:
        """Log a question; its words are kept only when the policy did not cover it (a gap)."""
        with self._begin() as conn:
            conn.execute(
                insert(questions).values(
                    asked_at=self.now(),
                    asker=asker,
                    status=status,
                    section=section,
                    text=text if status == "not_covered" else None,
                )
            )

    def recent_gaps(self, limit: int = 10) -> list[dict]:
        """The latest questions the policy did not cover, newest first."""
        with self._begin() as conn:
            rows = conn.execute(
                select(questions.c.asked_at, questions.c.text)
                .where(questions.c.status == "not_covered", questions.c.text.is_not(None))
                .order_by(questions.c.asked_at.desc(), questions.c.id.desc())
                .limit(limit)
            ).all()
        return [{"asked_at": _aware(r.asked_at), "text": r.text} for r in rows]

    def record_feedback(
        self, giver: str | None, helpful: bool, status: str | None, section: str | None
    ) -> None:
        with self._begin() as conn:
            conn.execute(
                insert(feedback).values(
                    given_at=self.now(),
                    giver=giver,
                    helpful=helpful,
                    status=status,
                    section=section,
                )
            )

    def feedback_counts(self) -> dict[str, int]:
        with self._begin() as conn:
            rows = conn.execute(select(feedback.c.helpful)).all()
        helpful = sum(1 for r in rows if r.helpful)
        return {"helpful": helpful, "not_helpful": len(rows) - helpful}


def _row(row) -> dict:
    data = dict(row._mapping)
    for name in ("created_at", "acknowledged_at", "resolved_at"):
        data[name] = _aware(data.get(name))
    return data


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"DATABASE_URL is not a database address: {_safe_url(url)}.") from exc
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
        except Exception as exc:  # e.g. the PostgreSQL driver is not installed
            raise StoreError(
                f"The database at {_safe_url(url)} cannot be used ({_why(exc)}). For PostgreSQL, "
                "install the driver with: pip install 'policybot[postgres]'."
            ) from exc
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    return engine


def _sqlite_folder(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().parent


def _safe_url(url: str) -> str:
    """The URL with any password hidden, fit for a log line or an error message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable address)"


def _why(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return (
        f"{original.__class__.__name__}: {str(original).splitlines()[0][:200]}"
        if str(original)
        else original.__class__.__name__
    )
