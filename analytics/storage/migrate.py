"""Schema revisions: which one a database is at, and bringing it to this release's (Alembic).

A database carries its revision in Alembic's ``alembic_version`` table. One without it but with
carrybot's tables was written by the release before migrations existed: the baseline revision
recognises it (every table it expects, with its columns) and adopts it in place. A revision
this release does not know was written by a newer release, and is refused rather than guessed.

Checking costs one query; Alembic is imported only when there is something to upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from analytics.storage.errors import DatabaseError
from analytics.storage.schema import metadata

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = (
    "0004"  # the newest revision in analytics/storage/migrations/versions (a test keeps them equal)
)
VERSION_TABLE = "alembic_version"
CARRYBOT_TABLES = frozenset(metadata.tables)
UPGRADE_LOCK = 0x6361_7273  # PostgreSQL advisory lock: one process upgrades at a time


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (None: no version table) and carrybot's tables."""

    revision: str | None
    tables: frozenset[str]

    @property
    def empty(self) -> bool:
        """No carrybot table yet: a new database."""
        return self.revision is None and not self.tables

    @property
    def before_migrations(self) -> bool:
        """Written by the release before migrations (tables, no version table)."""
        return self.revision is None and bool(self.tables)

    @property
    def current(self) -> bool:
        return self.revision == HEAD


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade`` did: the state before and the revision after."""

    before: SchemaState
    revision: str

    @property
    def changed(self) -> bool:
        return self.before.revision != self.revision


def schema_state(conn: Connection) -> SchemaState:
    """The database's revision and which of carrybot's tables it has (read only)."""
    names = set(inspect(conn).get_table_names())
    revision = None
    if VERSION_TABLE in names:
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        revision = ",".join(sorted(rows)) or None
    return SchemaState(revision, frozenset(names & CARRYBOT_TABLES))


def ensure_current(engine: Engine) -> Upgrade:
    """Bring the database to this release's revision; refuse one a newer release wrote."""
    with engine.connect() as conn:
        state = schema_state(conn)
    if state.current:
        return Upgrade(state, HEAD)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # another process may be upgrading right now
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": UPGRADE_LOCK})
        state = schema_state(conn)
        refuse_unknown(state)
        from alembic import command

        command.upgrade(_config(conn), "head")
        after = schema_state(conn)
    return Upgrade(state, after.revision or "")


def refuse_unknown(state: SchemaState) -> None:
    """Raise when the database's revision is not one of this release's (a newer release)."""
    if state.revision is None or state.revision in known_revisions():
        return
    raise DatabaseError(
        f"the database is at schema revision {state.revision}, newer than this carrybot knows "
        f"(up to {HEAD}): a newer release wrote it. Upgrade carrybot (pip install -U carrybot), "
        "or point CARRYBOT_DATABASE_URL at another database"
    )


def known_revisions() -> set[str]:
    """Every revision in ``analytics/storage/migrations/versions``."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS))
    return {script.revision for script in scripts.walk_revisions()}


def head_revision() -> str:
    """The newest revision of the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def _config(conn: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config
