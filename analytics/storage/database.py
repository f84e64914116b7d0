"""Opening the database: the one place that resolves, checks, connects and migrates it.

Every failure on the way ends in one ``DatabaseError`` that names the problem and the fix: a
malformed or unsupported URL, a data directory that is a file or read-only, a SQLite file that
is not a database or is corrupted (detected on a read-only connection and left untouched), a
PostgreSQL server that does not answer within ``CONNECT_TIMEOUT`` seconds, refuses the login
or lacks the database, and a database written by a newer release.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import URL, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from analytics.storage.engine import CONNECT_TIMEOUT, make_engine, parse_url, sqlite_path
from analytics.storage.errors import DatabaseError
from analytics.storage.location import URL_ENV, database_url, redact_url
from analytics.storage.migrate import SchemaState, Upgrade, ensure_current, schema_state

SQLITE_HEADER = b"SQLite format 3\x00"
MARKER_SUFFIX = ".created"


def open_database(url: str | None = None) -> Engine:
    """An engine on the configured database (or ``url``), checked and brought to this
    release's schema revision."""
    engine, _ = open_and_upgrade(url)
    return engine


def open_and_upgrade(url: str | None = None) -> tuple[Engine, Upgrade]:
    """``open_database`` that also says what the upgrade did."""
    parsed = parse_url(url or database_url())
    path = sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    new_file = path is not None and not path.exists()
    if parsed.get_backend_name() == "sqlite":
        check_sqlite_file(parsed)
    engine = make_engine(parsed)
    try:
        done = ensure_current(engine)
    except DatabaseError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(describe(exc, parsed)) from exc
    if path is not None and new_file:
        _leave_marker(path)
    return engine, done


def inspect_database(url: str | None = None) -> tuple[str, SchemaState | None]:
    """The (redacted) URL and the schema state, read without writing anything; the state is
    None when the SQLite file does not exist yet."""
    parsed = parse_url(url or database_url())
    shown = redact_url(parsed.render_as_string(hide_password=False))
    path = sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    if path is not None:
        _refuse_vanished(path)
        if not path.exists():
            return shown, None
        check_sqlite_file(parsed, for_writing=False)
        engine = _read_only_sqlite(path)
    else:
        engine = make_engine(parsed)
    try:
        with engine.connect() as conn:
            return shown, schema_state(conn)
    except SQLAlchemyError as exc:
        raise DatabaseError(describe(exc, parsed)) from exc
    finally:
        engine.dispose()


def _read_only_sqlite(path: Path) -> Engine:
    from sqlalchemy import create_engine

    uri = f"{path.resolve().as_uri()}?mode=ro"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))


def check_sqlite_file(url: URL, *, for_writing: bool = True) -> None:
    """Refuse a SQLite file that cannot be used, without writing to it: its folder missing or
    (``for_writing``) read-only, the file read-only, not a SQLite database, or failing SQLite's
    quick check."""
    path = sqlite_path(url)
    if path is None:
        return
    _refuse_vanished(path)
    folder = path.parent
    if not folder.is_dir():
        raise DatabaseError(
            f"the folder of the SQLite database {path} does not exist: create it, or fix {URL_ENV}"
        )
    if not path.exists():
        _check_writable_folder(folder, path)
        return
    if not path.is_file():
        raise DatabaseError(f"{path} is not a file: point {URL_ENV} at a SQLite database file")
    try:
        # Opened for writing when it will be written, but nothing is written here.
        with path.open("r+b" if for_writing else "rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(
            f"cannot open the SQLite database {path} for writing ({exc.strerror}): "
            "make it writable, or point CARRYBOT_HOME / CARRYBOT_DATABASE_URL elsewhere"
        ) from None
    if for_writing:
        _check_writable_folder(folder, path)
    if not head:
        return  # an empty file: SQLite makes it a new database
    if head != SQLITE_HEADER:
        raise _corrupted(path, "it is not a SQLite database")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            verdict = [row[0] for row in conn.execute("PRAGMA quick_check")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _corrupted(path, str(exc)) from None
    if verdict != ["ok"]:
        raise _corrupted(path, _first_problem(verdict))


def marker_path(path: Path) -> Path:
    """The file left beside a SQLite database carrybot created, so that its disappearance is
    noticed instead of silently starting an empty one."""
    return path.with_name(path.name + MARKER_SUFFIX)


def _leave_marker(path: Path) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"carrybot created the database {path.name} in this folder on {stamp}.\n"
        f"If {path.name} is missing while this file is here, it was deleted or moved: carrybot "
        "then refuses to start a new, empty one. Restore it from a backup, or delete this file "
        "to start afresh.\n"
    )
    with contextlib.suppress(OSError):  # a read-only folder was refused before this point
        marker_path(path).write_text(text, encoding="utf-8")


def _refuse_vanished(path: Path) -> None:
    """Refuse a SQLite database that is missing where carrybot created one (its marker is
    there): it was deleted or moved, and every chat's settings and deliveries with it."""
    marker = marker_path(path)
    if path.exists() or not marker.exists():
        return
    created = ""
    with contextlib.suppress(OSError):
        first = marker.read_text(encoding="utf-8").splitlines()[0]
        created = first.rsplit(" on ", 1)[1].rstrip(".") if " on " in first else ""
    when = f" on {created}" if created else ""
    raise DatabaseError(
        f"the data store is unavailable: the SQLite database {path} is missing, though carrybot "
        f"created it there{when}; it was deleted or moved, and every chat's settings, "
        f"subscriptions and deliveries are in it. Restore it from a backup and start carrybot "
        f"again; to start a new, empty database instead, delete {marker}"
    )


def _first_problem(verdict: list[str]) -> str:
    """SQLite's quick-check findings as one line: the first problem and how many more."""
    problems = [
        line.strip()
        for row in verdict
        for line in str(row).splitlines()
        if line.strip() and not line.strip().startswith("***")
    ]
    if not problems:
        return "no answer from its quick check"
    more = f" and {len(problems) - 1} more problems" if len(problems) > 1 else ""
    return problems[0] + more


def _check_writable_folder(folder: Path, path: Path) -> None:
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise DatabaseError(
            f"the folder {folder} of the SQLite database {path.name} is not writable "
            f"({exc.strerror}): make it writable, or set CARRYBOT_HOME to a folder you can "
            "write to"
        ) from None


def _corrupted(path: Path, detail: str) -> DatabaseError:
    return DatabaseError(
        f"the SQLite database {path} is corrupted ({detail}); it was left untouched: move it "
        "aside (carrybot then starts a new one from the bundled seed) or restore a backup"
    )


def describe(exc: SQLAlchemyError, url: URL) -> str:
    """One line for a failure to reach or use the database."""
    shown = redact_url(url.render_as_string(hide_password=False))
    detail = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    first = (
        " ".join(detail.strip().splitlines()[0].split()) if detail.strip() else type(exc).__name__
    )
    lowered = detail.lower()
    if url.get_backend_name() == "sqlite":
        return f"cannot use the SQLite database {shown}: {first}"
    if "does not exist" in lowered and "database" in lowered:
        fix = f"create it (createdb {url.database}) or fix the database name in {URL_ENV}"
    elif "authentication" in lowered or "password" in lowered or "role" in lowered:
        fix = f"fix the user and password in {URL_ENV}"
    elif "timeout" in lowered or "timed out" in lowered:
        fix = (
            f"no answer within {CONNECT_TIMEOUT} s: check the host and port in {URL_ENV} "
            "and that PostgreSQL runs there"
        )
    else:
        fix = f"check that PostgreSQL runs there and the host and port in {URL_ENV}"
    return f"cannot reach the database {shown}: {first}; {fix}"
