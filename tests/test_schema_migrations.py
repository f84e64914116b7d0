"""One schema, migrated: new databases, the previous release's databases and newer ones."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData, select, text

from analytics.ingest import seed
from analytics.ingest.store import ObservationStore
from analytics.storage import migrate
from analytics.storage.database import open_database
from analytics.storage.engine import make_engine
from analytics.storage.schema import metadata
from bot.chat_registry import ChatRegistry, digest
from bot.cli import main
from bot.delivery.queue import DeliveryQueue
from commands.settings.model import ChatKey
from commands.settings.store import SettingsStore

ROOT = Path(__file__).resolve().parents[1]
WRITER = ROOT / "tests" / "support" / "legacy" / "write_previous_release.py"
# The last commit before migrations: its code created the tables itself, with no version table.
PREVIOUS_RELEASE = "f4463634d363ffde27d064f06ad34be30fc0e5b6"
# Tables later revisions added: that release never wrote them.
LATER_TABLES = frozenset(
    {
        "send_budgets",
        "policy_decisions",
        "intraday_bars",
        "intraday_requests",
        "intraday_sources",
        "intraday_alert_state",
    }
)
# Columns later revisions added to that release's tables, with the value its rows get.
LATER_COLUMNS = {
    "deliveries": {"reason": ""},
    "chat_settings": {"move_threshold": 2.0, "intraday_alerts": True},
}


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The previous release's code, checked out of this repository's history."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", PREVIOUS_RELEASE, "analytics", "commands", "bot"],
            capture_output=True,
            check=True,
            timeout=60,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"the previous release ({PREVIOUS_RELEASE[:7]}) is not in git history: {exc}")
    target = tmp_path_factory.mktemp("previous-release")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def _dump(
    engine: Engine, later: dict[str, dict[str, Any]] | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order; ``later`` columns are checked to hold
    their value and left out."""
    reflected = MetaData()
    reflected.reflect(engine)
    rows = {}
    with engine.connect() as conn:
        for name, table in reflected.tables.items():
            if name == migrate.VERSION_TABLE:
                continue
            added = (later or {}).get(name, {})
            for column, value in added.items():
                assert set(conn.execute(select(table.c[column])).scalars()) <= {value}
            kept = [c for c in table.columns if c.name not in added]
            order = list(table.primary_key.columns) or kept
            rows[name] = [tuple(r) for r in conn.execute(select(*kept).order_by(*order))]
    return rows


def _later_values(engine: Engine) -> dict[str, set[tuple[Any, ...]]]:
    """The distinct values of the columns later revisions added, per table."""
    reflected = MetaData()
    reflected.reflect(engine)
    found = {}
    with engine.connect() as conn:
        for name, columns in LATER_COLUMNS.items():
            table = reflected.tables[name]
            picked = [table.c[column] for column in columns]
            found[name] = {tuple(r) for r in conn.execute(select(*picked))}
    return found


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def test_head_constant_is_the_newest_migration() -> None:
    assert migrate.head_revision() == migrate.HEAD


def test_a_new_database_gets_every_table_of_the_schema(database_url: str) -> None:
    engine = open_database(database_url)
    try:
        with engine.connect() as conn:
            state = migrate.schema_state(conn)
        assert state.revision == migrate.HEAD
        assert state.tables == frozenset(metadata.tables)
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_a_database_of_the_previous_release_is_upgraded_in_place_with_every_row(
    previous_release: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    subprocess.run(
        [sys.executable, str(WRITER), str(previous_release), database_url],
        check=True,
        timeout=600,
        cwd=previous_release,
    )
    engine = make_engine(database_url)  # no checks, no migration: look at it as it was left
    try:
        with engine.connect() as conn:
            assert migrate.schema_state(conn).before_migrations
        before = _dump(engine)
        assert {name for name, rows in before.items() if rows} == set(
            metadata.tables
        ) - LATER_TABLES

        monkeypatch.setenv("CARRYBOT_DATABASE_URL", database_url)
        assert main(["db", "current"]) == 0
        assert "written by the release before migrations" in capsys.readouterr().out
        assert main(["db", "upgrade"]) == 0
        out = capsys.readouterr().out
        assert f"brought to schema revision {migrate.HEAD} in place; every row kept" in out

        after = _dump(engine, LATER_COLUMNS)
        later = {name: after.pop(name) for name in LATER_TABLES}
        assert later == {name: [] for name in LATER_TABLES}
        assert after == before
        # Old rows get the new columns' defaults.
        assert _later_values(engine) == {
            name: {tuple(values.values())} for name, values in LATER_COLUMNS.items()
        }
        with engine.connect() as conn:
            assert migrate.schema_state(conn).revision == migrate.HEAD
        assert _differences(engine) == []

        # The new code reads what the old one wrote.
        settings = SettingsStore(engine)
        group = settings.get(ChatKey("telegram", "-1001234"))
        assert (group.language, group.timezone, group.pressure_threshold) == (
            "ja",
            "Europe/Berlin",
            55,
        )
        change = settings.last_change(ChatKey("telegram", "-1001234"))
        assert change is not None and (change.field, change.user_name) == (
            "pressure_threshold",
            "Aiko",
        )
        registry = ChatRegistry(engine)
        assert registry.is_disabled("telegram", "555")
        assert registry.file_id("telegram", digest(b"chart png")) == "AgACAgQAAx0-file-id"
        states = {row.key: (row.state, row.message_id) for row in DeliveryQueue(engine).rows()}
        assert states["2026-05-31"] == ("sent", "101,102")
        assert states["2026-05-31#1"][0] == "failed"
        assert states["2026-05-30"][0] == "skipped"
        store = ObservationStore(engine)
        assert store.count() == len(before["observations"])
        # The seed mark the old release wrote is kept: the bundled seed loads again only if it
        # changed since that release (and loading it loses no row).
        old_mark = store.get_meta(seed.SEED_MARK)
        assert old_mark is not None
        changed = hashlib.sha256(seed.seed_bytes()).hexdigest() != old_mark
        assert seed.ensure_loaded(store).loaded is changed
        assert store.count() >= len(before["observations"])

        assert main(["db", "upgrade"]) == 0
        assert f"already at schema revision {migrate.HEAD}" in capsys.readouterr().out
    finally:
        engine.dispose()


def test_a_database_written_by_a_newer_release_is_refused_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'newer.sqlite3'}"
    open_database(url).dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0042'"))
    before = _dump(engine)
    monkeypatch.setenv("CARRYBOT_DATABASE_URL", url)
    for command in (["brief"], ["chat"], ["db", "upgrade"], ["status"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: the database is at schema revision 0042, newer than")
        assert "Upgrade carrybot" in err and len(err.strip().splitlines()) == 1
    assert main(["db", "current"]) == 1
    assert "written by a newer carrybot" in capsys.readouterr().out
    assert _dump(engine) == before
    engine.dispose()


def test_db_current_writes_nothing_where_there_is_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARRYBOT_HOME", str(tmp_path))
    monkeypatch.delenv("CARRYBOT_DATABASE_URL", raising=False)
    assert main(["db", "current"]) == 0
    assert "no database yet" in capsys.readouterr().out
    assert not (tmp_path / "carrybot.sqlite3").exists()
    assert main(["db", "upgrade"]) == 0
    assert f"new database created at schema revision {migrate.HEAD}" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert f"schema revision {migrate.HEAD} (this release's; up to date)" in capsys.readouterr().out


def test_every_migration_file_is_package_data() -> None:
    """A normal (non-editable) install must carry the migrations: pyproject lists them."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["analytics"]
    package = ROOT / "analytics"
    files = [
        path.relative_to(package).as_posix()
        for path in (package / "storage" / "migrations").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert "storage/migrations/versions/0001_baseline.py" in files
    assert [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []


@pytest.mark.postgres
def test_processes_starting_together_upgrade_a_new_database_once(postgres_url: str) -> None:
    """Several `carrybot run` processes on one new PostgreSQL database: one creates the schema,
    the others wait for it (an advisory lock) and find it current."""
    from concurrent.futures import ThreadPoolExecutor

    from analytics.storage.database import open_and_upgrade

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: open_and_upgrade(postgres_url), range(4)))
    for engine, _ in results:
        engine.dispose()
    assert sorted(done.changed for _, done in results) == [False, False, False, True]
