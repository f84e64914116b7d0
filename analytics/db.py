"""Database engine and the shared SQLAlchemy metadata (SQLite embedded, PostgreSQL for many processes)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite

from analytics.config import database_url

metadata = MetaData()
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default CARRYBOT_DATABASE_URL or the embedded SQLite file)."""
    resolved = url or database_url()
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(resolved, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (status, chat replies) run while a refresh writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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
