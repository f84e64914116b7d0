"""The database as this process last met it: ok, unreachable, read-only, or gone.

Every operation that must survive a database fault (the delivery path, settings changes, the
health probe) reports here how it went. A fault is logged once when it starts (ERROR; CRITICAL
when the SQLite file is gone or replaced, since no change can be saved until an operator acts)
and once when it clears (INFO), however many operations meet it meanwhile. ``/healthz`` and
``/metrics`` read the state. One ``StoreHealth`` per engine (``health_of``).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from analytics.storage.errors import StoreUnavailable
from analytics.storage.guard import file_guard

log = logging.getLogger(__name__)

OK, UNREACHABLE, READ_ONLY, GONE = "ok", "unreachable", "read_only", "gone"
STATES = (OK, UNREACHABLE, READ_ONLY, GONE)
_READ_ONLY_MARKERS = ("read-only", "readonly", "read only")
_HEALTH: weakref.WeakKeyDictionary[Engine, StoreHealth] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()

FIX = {
    UNREACHABLE: "deliveries and settings changes wait and are retried; check that the database "
    "server runs and CARRYBOT_DATABASE_URL",
    READ_ONLY: "nothing can be saved: make the database writable (on PostgreSQL, point "
    "CARRYBOT_DATABASE_URL at the primary, not a read-only replica)",
    GONE: "no change is saved until an operator acts",
}


def classify(exc: BaseException) -> str | None:
    """Which fault of the database ``exc`` shows (None: not a fault of the database itself,
    e.g. a constraint or a bug)."""
    if isinstance(exc, StoreUnavailable):
        return GONE
    if isinstance(exc, PoolTimeout):
        return UNREACHABLE
    if not isinstance(exc, DBAPIError):
        return None
    message = str(exc.orig if exc.orig is not None else exc).lower()
    if any(marker in message for marker in _READ_ONLY_MARKERS):
        return READ_ONLY
    if exc.connection_invalidated or type(exc).__name__ in ("OperationalError", "InterfaceError"):
        return UNREACHABLE
    return None


def describe(exc: BaseException) -> str:
    """One line for a database error (the driver's first line, without SQLAlchemy's footer)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        detail = str(exc.orig)
        name = type(exc.orig).__name__
    else:
        detail, name = str(exc), type(exc).__name__
    first = " ".join(detail.strip().splitlines()[0].split()) if detail.strip() else ""
    return f"{name}: {first}" if first and not isinstance(exc, StoreUnavailable) else first or name


@dataclass(frozen=True)
class Reading:
    """The state at one moment: ``state``, what the last fault said, since when (monotonic)."""

    state: str
    detail: str
    since: float

    @property
    def ok(self) -> bool:
        return self.state == OK


class StoreHealth:
    """One database's state in this process, with its once-per-fault log lines."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._reading = Reading(OK, "", clock())

    def reading(self) -> Reading:
        return self._reading

    @property
    def state(self) -> str:
        return self._reading.state

    def failed(self, exc: BaseException, operation: str = "") -> str | None:
        """An operation met ``exc``: record the fault it shows (the first of a kind is logged);
        returns its state, or None when ``exc`` is not a fault of the database."""
        state = classify(exc)
        if state is None:
            return None
        detail = describe(exc)
        with self._lock:
            before = self._reading
            if before.state == GONE or before.state == state:
                return state
            self._reading = Reading(state, detail, self._clock())
        doing = f" ({operation})" if operation else ""
        if state == GONE:
            log.critical("%s%s", detail, doing)
        elif state == READ_ONLY:
            log.error("the database refuses changes%s: %s; %s", doing, detail, FIX[state])
        else:
            log.error("the database cannot be reached%s: %s; %s", doing, detail, FIX[state])
        return state

    def now(self) -> float:
        """This health's clock (``succeeded`` compares an operation's start with it)."""
        return self._clock()

    def succeeded(self, wrote: bool, started: float | None = None) -> None:
        """An operation went through; a write clears any fault, a read only unreachability.
        One ``started`` before the fault was recorded says nothing about now (it may have
        reached the old server just before it went)."""
        before = self._reading
        if before.state == OK or before.state == GONE:
            return
        if before.state == READ_ONLY and not wrote:
            return
        if started is not None and started < before.since:
            return
        with self._lock:
            before = self._reading
            if before.state in (OK, GONE):
                return
            self._reading = Reading(OK, "", self._clock())
        took = self._clock() - before.since
        what = "reachable" if before.state == UNREACHABLE else "writable"
        log.info("the database is %s again (after %.0f s)", what, took)


def health_of(engine: Engine) -> StoreHealth:
    """The ``StoreHealth`` of ``engine`` (one per engine, made on first use)."""
    with _LOCK:
        found = _HEALTH.get(engine)
        if found is None:
            found = _HEALTH[engine] = StoreHealth()
        return found


def probe(engine: Engine) -> Reading:
    """Check the database now, the way the process will use it, and record the result: the
    SQLite file is still the one opened, a query answers, and it is writable (PostgreSQL: not
    a read-only server or session, e.g. a replica after a failover)."""
    health = health_of(engine)
    guard = file_guard(engine)
    started = health.now()
    try:
        if guard is not None:
            guard.check()
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                read_only = conn.execute(
                    text(
                        "SELECT pg_is_in_recovery() "
                        "OR current_setting('transaction_read_only') = 'on'"
                    )
                ).scalar()
                if read_only:
                    raise _ReadOnly()
            else:
                conn.execute(text("SELECT 1"))
    except _ReadOnly:
        health.failed(_read_only_error(), "health check")
    except (SQLAlchemyError, StoreUnavailable) as exc:
        health.failed(exc, "health check")
    else:
        # PostgreSQL said it takes writes; on SQLite only a real write clears a read-only fault.
        health.succeeded(engine.dialect.name == "postgresql", started)
    return health.reading()


class _ReadOnly(Exception):
    pass


class ReadOnlyServer(Exception):
    """PostgreSQL answered that it takes no writes."""


def _read_only_error() -> DBAPIError:
    reason = ReadOnlyServer("the server is read-only (a replica, or in read-only mode)")
    return DBAPIError("health check", None, reason)
