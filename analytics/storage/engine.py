"""Database URLs and engines (SQLite embedded, PostgreSQL for many processes).

Open the database with ``analytics.storage.database.open_database``, which checks and migrates it; an
engine made here directly has no such checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from analytics.storage import guard
from analytics.storage.errors import DatabaseError
from analytics.storage.location import URL_ENV, database_url

CONNECT_TIMEOUT = 5  # seconds to reach PostgreSQL before giving up (libpq's connect_timeout)
SQLITE_BUSY_TIMEOUT = 30  # seconds a writer waits for another process's write to finish
SUPPORTED = ("sqlite", "postgresql")
URL_FORMS = "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DATABASE"


def parse_url(text: str) -> URL:
    """A SQLAlchemy URL of a supported database; plain ``postgresql://`` and ``postgres://``
    mean the psycopg 3 driver carrybot installs. Raises ``DatabaseError`` naming the fix."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise DatabaseError(f"{URL_ENV} is not a database URL: use {URL_FORMS}") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if backend not in SUPPORTED:
        raise DatabaseError(
            f"{URL_ENV} names a {backend} database; carrybot runs on SQLite or PostgreSQL: "
            f"use {URL_FORMS}"
        )
    if backend == "postgresql" and driver not in ("", "psycopg"):
        raise DatabaseError(
            f"{URL_ENV} asks for the {driver} driver; carrybot uses psycopg 3: "
            "write postgresql+psycopg://…"
        )
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def make_engine(url: str | URL | None = None) -> Engine:
    """An engine for ``url`` (default CARRYBOT_DATABASE_URL or the embedded SQLite file)."""
    parsed = url if isinstance(url, URL) else parse_url(url or database_url())
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})
        event.listen(engine, "connect", _sqlite_pragmas)
        path = sqlite_path(parsed)
        if path is not None:
            guard.install(engine, path)
        return engine
    return create_engine(
        parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT}
    )


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database)."""
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).expanduser()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (status, chat replies) run while a refresh writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str, length: int) -> str:
    """Text every database accepts in a ``String(length)`` column: NUL removed (PostgreSQL
    refuses it in text, and a user's name may carry one), lone surrogates removed (no UTF-8
    encoder takes them) and cut to the column's length."""
    return _UNSTORABLE.sub("", value)[:length]


def insert(bind: Engine | Any, table: Table) -> Any:
    """An INSERT with ``on_conflict_do_*`` for the database behind ``bind`` (engine or connection)."""
    name = bind.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database {name}")


def upsert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` into ``table``; a row whose primary key exists replaces its other columns."""
    if not rows:
        return
    keys = [c.name for c in table.primary_key.columns]
    stmt = insert(conn, table)
    changing = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changing), list(rows))
