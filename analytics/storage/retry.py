"""Database operations that ride out a lost connection: a fresh connection, bounded retries.

The pool pings a connection before handing it out (``pool_pre_ping``) and drops every
connection older than one that failed, so a retry runs on a fresh connection. Only faults that
can heal within seconds are retried (a terminated connection, a restarting or failing-over
server, a locked SQLite file); a read-only database or a SQLite file that is gone is reported at
once. Each outcome goes to the engine's ``StoreHealth``.

An operation may be retried after its transaction was in fact committed (the answer to COMMIT
was lost with the connection): ``fn`` is given the attempt number so it can check, on a retry,
whether its change is already there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine

from analytics.storage.health import UNREACHABLE, classify, health_of

log = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 5
FIRST_WAIT = 0.1  # seconds before the second attempt; doubles, up to MAX_WAIT
MAX_WAIT = 2.0


def retrying(
    engine: Engine,
    operation: str,
    fn: Callable[[int], T],
    *,
    writes: bool = True,
    attempts: int = ATTEMPTS,
    first_wait: float = FIRST_WAIT,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``fn(attempt)`` (attempt 1, 2, …), again after a fault that may heal, at most
    ``attempts`` times with doubling waits; raises the last error."""
    health = health_of(engine)
    wait = first_wait
    for attempt in range(1, attempts + 1):
        started = health.now()
        try:
            result = fn(attempt)
        except Exception as exc:
            if classify(exc) != UNREACHABLE or attempt == attempts:
                health.failed(exc, operation)
                raise
            log.debug("%s: %s; attempt %d of %d in %.1f s", operation, exc, attempt + 1,
                      attempts, wait)  # fmt: skip
            sleep(wait)
            wait = min(MAX_WAIT, wait * 2)
            continue
        health.succeeded(writes, started)
        return result
    raise AssertionError("unreachable")  # the loop returns or raises
