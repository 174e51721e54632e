"""A bounded pool for the slow work, so Slack's acknowledgements never wait behind it.

Bolt runs listeners on a small shared pool; retrieval, the database and Web API calls done
there can hold up the acknowledgement of the next request past Slack's 3 seconds. Listeners
acknowledge at once and hand the work to this pool instead. When it is full, ``submit`` says
so straight away, so the listener can still acknowledge and tell the user to try again shortly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class WorkPool:
    def __init__(self, workers: int, queue_limit: int, name: str = "policybot-work"):
        self.workers = workers
        self.queue_limit = queue_limit
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(workers + queue_limit)

    def submit(self, job: Callable[[], Any], name: str = "job") -> Future | None:
        """Run ``job`` soon; None (at once) if the pool and its queue are full."""
        if not self._slots.acquire(blocking=False):
            log.warning("work pool full; refusing %s", name)
            return None

        def run() -> Any:
            try:
                return job()
            except Exception:
                log.exception("%s failed", name)
                raise
            finally:
                self._slots.release()

        try:
            return self._executor.submit(run)
        except RuntimeError:  # shutting down
            self._slots.release()
            return None

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
