"""Faults of a real PostgreSQL database for one test: its connections terminated, or the
database made read-only, as a failover, a pgbouncer restart or an idle-connection reaper does.

Only the test database's own connections are touched (``pg_stat_activity.datname``): other
tests and other agents on the same server are left alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.support.databases import PG_ADMIN_URL


def database_name(url: str) -> str:
    name = make_url(url).database
    assert name and name.startswith("carrybot_test_"), name
    return name


def admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def terminate(url: str, engine: Engine | None = None) -> int:
    """Terminate every connection to the test database; returns how many there were."""
    own = engine or admin()
    try:
        with own.connect() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": database_name(url)},
                ).all()
            )
    finally:
        if engine is None:
            own.dispose()


def set_read_only(url: str, on: bool) -> None:
    """Make the test database refuse writes (new sessions), and end the current ones."""
    with admin().connect() as conn:
        value = "on" if on else "off"
        conn.execute(
            text(
                f'ALTER DATABASE "{database_name(url)}" SET default_transaction_read_only = {value}'
            )
        )
    terminate(url)


class Terminator:
    """A thread that terminates the test database's connections whenever ``when()`` says so,
    up to ``times`` times, at least ``gap`` seconds apart."""

    def __init__(self, url: str, when: Callable[[], bool], times: int, gap: float = 0.6) -> None:
        self.url = url
        self.when = when
        self.times = times
        self.gap = gap
        self.done: list[tuple[float, int]] = []  # (time.monotonic(), connections ended)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-terminator", daemon=True)

    def _run(self) -> None:
        engine = admin()
        try:
            while not self._stop.is_set() and len(self.done) < self.times:
                if self.when():
                    self.done.append((time.monotonic(), terminate(self.url, engine)))
                    self._stop.wait(self.gap)
                else:
                    self._stop.wait(0.01)
        finally:
            engine.dispose()

    @contextmanager
    def running(self) -> Iterator[Terminator]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(10)
