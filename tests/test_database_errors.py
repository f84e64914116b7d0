"""Every way opening the database can fail ends in one `error: …` line, exit 2, no traceback."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.ingest import seed
from analytics.storage import engine as storage_engine
from analytics.storage.database import open_database
from analytics.storage.engine import parse_url
from analytics.storage.errors import DatabaseError
from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CARRYBOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CARRYBOT_DATABASE_URL", raising=False)
    return tmp_path / "home"


def one_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI and return its one error line (it must exit 2 and print no traceback)."""
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the URL ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url at all", "CARRYBOT_DATABASE_URL is not a database URL: use sqlite:///PATH"),
        ("mysql://me@db.example/carry", "names a mysql database; carrybot runs on SQLite or"),
        ("postgresql+psycopg2://me@db/carry", "asks for the psycopg2 driver"),
    ],
)
def test_a_malformed_or_unsupported_url_is_named(
    url: str, says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARRYBOT_DATABASE_URL", url)
    for command in (["brief"], ["status"], ["db", "current"], ["deliveries"]):
        assert says in one_error(capsys, *command)


def test_plain_postgresql_urls_mean_the_psycopg_driver() -> None:
    for text in ("postgresql://me@db/carry", "postgres://me@db/carry"):
        assert parse_url(text).drivername == "postgresql+psycopg"


def test_a_postgresql_server_that_is_down_fails_at_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(
        "CARRYBOT_DATABASE_URL", f"postgresql+psycopg://carry:secret@127.0.0.1:{port}/x"
    )
    started = time.monotonic()
    line = one_error(capsys, "brief")
    assert time.monotonic() - started < 5
    assert line.startswith(
        f"error: cannot reach the database postgresql+psycopg://carry:***@127.0.0.1:{port}/x"
    )
    assert "secret" not in line
    assert "check that PostgreSQL runs there" in line


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a wrong host behind a firewall)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_a_postgresql_host_that_never_answers_fails_within_the_connect_timeout(
    silent_server: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(storage_engine, "CONNECT_TIMEOUT", 2)
    monkeypatch.setenv(
        "CARRYBOT_DATABASE_URL", f"postgresql+psycopg://carry@127.0.0.1:{silent_server}/x"
    )
    started = time.monotonic()
    line = one_error(capsys, "status")
    assert time.monotonic() - started < 10
    assert line.startswith("error: cannot reach the database")


@pytest.mark.postgres
def test_a_missing_postgresql_database_says_how_to_create_it(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = postgres_url.rsplit("/", 1)[0] + "/carrybot_does_not_exist"
    monkeypatch.setenv("CARRYBOT_DATABASE_URL", missing)
    assert "createdb carrybot_does_not_exist" in one_error(capsys, "status")


# --- the data directory ----------------------------------------------------------------------


def test_a_home_that_is_a_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a folder")
    monkeypatch.setenv("CARRYBOT_HOME", str(home))
    for command in (["brief"], ["chat"], ["status"], ["db", "upgrade"]):
        line = one_error(capsys, *command)
        assert line == (
            f"error: CARRYBOT_HOME={home} is a file, not a directory: set CARRYBOT_HOME to a "
            "folder you can write to (it is created if missing)"
        )
    assert home.read_text() == "not a folder"


def test_a_read_only_home_is_named(tmp_path: Path) -> None:
    """Root writes through permission bits, so as root the home is a read-only bind mount in a
    private mount namespace; as anyone else it is a folder without write permission."""
    home = tmp_path / "home"
    home.mkdir()
    command = [sys.executable, "-m", "bot.cli", "brief"]
    if os.geteuid() == 0:
        remount = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
        command = ["unshare", "-m", "sh", "-c", remount, str(home), *command]
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: cannot make a read-only folder")
    else:
        home.chmod(0o555)
    env = dict(os.environ, CARRYBOT_HOME=str(home))
    env.pop("CARRYBOT_DATABASE_URL", None)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if "mount:" in done.stderr:
        pytest.skip(f"no private mount namespace here: {done.stderr.strip()}")
    assert done.returncode == 2, done.stderr
    assert re.fullmatch(
        rf"error: CARRYBOT_HOME={re.escape(str(home))} is not writable "
        r"\((Read-only file system|Permission denied)\): set CARRYBOT_HOME to a folder you can "
        r"write to \(it is created if missing\)",
        done.stderr.strip(),
    ), done.stderr
    home.chmod(0o755)
    assert list(home.iterdir()) == []


# --- the SQLite file -------------------------------------------------------------------------


def test_a_file_that_is_not_a_database_is_left_untouched(
    fresh_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_home.mkdir()
    db = fresh_home / "carrybot.sqlite3"
    db.write_bytes(b"these are my notes, not a database\n" * 200)
    before = digest(db)
    for command in (["brief"], ["chat"], ["status"], ["db", "upgrade"], ["db", "current"]):
        line = one_error(capsys, *command)
        assert line == (
            f"error: the SQLite database {db} is corrupted (it is not a SQLite database); it was "
            "left untouched: move it aside (carrybot then starts a new one from the bundled "
            "seed) or restore a backup"
        )
    assert digest(db) == before
    assert sorted(p.name for p in fresh_home.iterdir()) == ["carrybot.sqlite3"]


def test_a_database_with_damaged_pages_is_detected_and_left_untouched(
    fresh_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 0  # a real database: the seed's observations
    capsys.readouterr()
    db = fresh_home / "carrybot.sqlite3"
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64 * 1024] = bytes(range(256)) * 256  # a disk that wrote garbage
    db.write_bytes(bytes(data))
    before = digest(db)
    line = one_error(capsys, "brief", "--date", "2024-08-02")
    assert line.startswith(f"error: the SQLite database {db} is corrupted (")
    assert "it was left untouched" in line
    assert digest(db) == before


def test_a_fresh_database_is_made_where_none_was(fresh_home: Path) -> None:
    engine = open_database()
    engine.dispose()
    assert (fresh_home / "carrybot.sqlite3").stat().st_size > 0
    with pytest.raises(DatabaseError, match="folder of the SQLite database"):
        open_database(f"sqlite:///{fresh_home / 'missing' / 'x.sqlite3'}")


# --- the bundled seed ------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_the_seed_is_not_needed_once_the_store_has_data(
    damage: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["status"]) == 0  # the store is filled from the seed
    capsys.readouterr()
    broken = tmp_path / "seed.csv.gz"
    if damage == "corrupt":
        broken.write_bytes(b"\x1f\x8b not really gzip")
    monkeypatch.setattr(seed, "seed_file", lambda: broken)
    with caplog.at_level(logging.WARNING, logger="analytics.ingest.seed"):
        assert main(["brief", "--date", "2024-08-02"]) == 0
    assert "USD/JPY" in capsys.readouterr().out
    assert f"the bundled seed {broken} is missing or unreadable" in caplog.text
    assert "going on with the" in caplog.text
    assert main(["status"]) == 0


def test_a_missing_seed_with_an_empty_store_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(seed, "seed_file", lambda: tmp_path / "nowhere" / "seed.csv.gz")
    line = one_error(capsys, "brief")
    assert "the bundled seed" in line and "is missing or unreadable (no such file)" in line
    assert "the data store is empty: reinstall carrybot" in line


def test_verbose_logs_the_traceback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("CARRYBOT_DATABASE_URL", "not a url at all")
    assert main(["-v", "status"]) == 2
    assert any(record.exc_info for record in caplog.records)
    assert capsys.readouterr().err.strip() == (
        "error: CARRYBOT_DATABASE_URL is not a database URL: use sqlite:///PATH or "
        "postgresql+psycopg://USER@HOST:PORT/DATABASE"
    )
