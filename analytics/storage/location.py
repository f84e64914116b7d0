"""Where the database is: ``CARRYBOT_DATABASE_URL``, else a SQLite file in the data directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from analytics.storage.errors import DatabaseError

URL_ENV = "CARRYBOT_DATABASE_URL"
HOME_ENV = "CARRYBOT_HOME"
DATABASE_FILE = "carrybot.sqlite3"
CACHE_FOLDER = "cache"


def home_dir() -> Path:
    """The data directory (``CARRYBOT_HOME`` moves it), created if missing; it must be a
    directory carrybot can write to (SQLite writes its journal beside the database)."""
    configured = os.environ.get(HOME_ENV, "").strip()
    if configured:
        path = Path(configured).expanduser()
        name = f"{HOME_ENV}={configured}"
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("carrybot"))
        name = f"the data directory {path}"
    fix = f"set {HOME_ENV} to a folder you can write to (it is created if missing)"
    if path.exists() and not path.is_dir():
        raise DatabaseError(f"{name} is a file, not a directory: {fix}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot create {name} ({exc.strerror}): {fix}") from None
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise DatabaseError(f"{name} is not writable ({exc.strerror}): {fix}") from None
    return path


def cache_dir() -> Path:
    """Where carrybot keeps what it can compute again (compiled templates, snapshots):
    ``cache`` in ``CARRYBOT_HOME``, else the user cache directory. Not created or checked here:
    a cache that cannot be used is simply skipped."""
    configured = os.environ.get(HOME_ENV, "").strip()
    if configured:
        return Path(configured).expanduser() / CACHE_FOLDER
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("carrybot"))


def database_url() -> str:
    """SQLAlchemy URL: CARRYBOT_DATABASE_URL, else a SQLite file under the data directory."""
    configured = os.environ.get(URL_ENV, "").strip()
    if configured:
        return configured
    return f"sqlite:///{home_dir() / DATABASE_FILE}"


def redact_url(url: str) -> str:
    """A database URL with any password replaced, safe to print."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"
