"""A data store that goes away under a running bot: a SQLite file deleted or replaced, a
PostgreSQL database turned read-only. No "Done" is ever given for a change a restart would
lose; users are told the bot cannot save settings now (en/ja/zh); a home whose database
vanished is refused instead of silently starting an empty one."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analytics.storage.database import open_database
from analytics.storage.errors import DatabaseError, StoreUnavailable
from analytics.storage.health import GONE, OK, READ_ONLY, health_of, probe
from bot.cli import main
from bot.delivery.queue import DeliveryQueue, NewDelivery
from commands.dispatch import dispatch
from commands.presentation.render import render_text
from commands.settings.model import ChatKey
from commands.settings.store import SettingsStore
from tests.support.chat import MakeContext, make_services
from tests.support.pgfaults import set_read_only

KEY = ChatKey("telegram", "-1001")
NOW = datetime(2026, 6, 12, 8, 0, tzinfo=UTC)
SAVE_EN = "The bot cannot save settings right now: its data store is unavailable."
SAVE = {
    "en": SAVE_EN,
    "ja": "いまは設定を保存できません",
    "zh": "机器人现在无法保存设置",
}


def remove_database(path: Path) -> None:
    """What an operator's `rm` (or a volume lost under a container) does: the file, its WAL and
    shared-memory files gone."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def replace_database(path: Path) -> None:
    """A backup copied over the live file (another inode at the same path)."""
    shutil.copy(path, f"{path}.copy")
    os.replace(f"{path}.copy", path)


@pytest.mark.parametrize("fault", [remove_database, replace_database])
def test_a_sqlite_file_gone_under_the_bot_refuses_changes_and_says_so(
    tmp_path: Path, context: MakeContext, caplog: pytest.LogCaptureFixture, fault: object
) -> None:
    path = tmp_path / "carrybot.sqlite3"
    services = make_services(f"sqlite:///{path}")
    assert dispatch("/carry subscribe 23:59 UTC", context(), services).ok
    fault(path)  # type: ignore[operator]

    with caplog.at_level(logging.INFO):
        replies = [dispatch(f"/carry lang {lang}", context(), services) for lang in ("ja", "zh")]
        unsubscribed = dispatch("/carry unsubscribe", context(), services)
    for reply in (*replies, unsubscribed):
        assert not reply.ok and reply.template == "store_unavailable"
        assert SAVE_EN in render_text(reply)
    assert "Done" not in render_text(unsubscribed)
    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 1 and "the data store is unavailable" in critical[0].getMessage()
    assert "restart" in critical[0].getMessage().lower()
    assert probe(services.settings.engine).state == GONE
    # Read-only commands still answer from the snapshot in memory.
    assert dispatch("/carry", context(), services).ok
    services.settings.engine.dispose()


def test_a_change_refused_is_not_there_after_a_restart(
    tmp_path: Path, context: MakeContext
) -> None:
    """The operator puts the backup back and restarts: what the bot refused was never
    confirmed, and what it confirmed before is there."""
    path = tmp_path / "carrybot.sqlite3"
    services = make_services(f"sqlite:///{path}")
    assert dispatch("/carry subscribe 07:30 UTC", context(), services).ok
    services.settings.engine.dispose()
    shutil.copy(path, tmp_path / "backup.sqlite3")
    services = make_services(f"sqlite:///{path}")
    remove_database(path)
    assert not dispatch("/carry subscribe 09:00 Asia/Tokyo", context(), services).ok
    services.settings.engine.dispose()

    shutil.copy(tmp_path / "backup.sqlite3", path)
    restarted = SettingsStore(open_database(f"sqlite:///{path}"))
    kept = restarted.get(KEY)
    assert (kept.briefing, kept.briefing_time, kept.timezone) == (True, "07:30", "UTC")
    restarted.engine.dispose()


@pytest.mark.parametrize("lang", ["en", "ja", "zh"])
def test_the_user_is_told_in_the_chats_language(
    tmp_path: Path, context: MakeContext, lang: str
) -> None:
    path = tmp_path / "carrybot.sqlite3"
    services = make_services(f"sqlite:///{path}")
    dispatch(f"/carry lang {lang}", context(), services)
    remove_database(path)
    reply = dispatch("/carry threshold pressure 50", context(), services)
    assert SAVE[lang] in render_text(reply)
    services.settings.engine.dispose()


@pytest.mark.postgres
def test_a_read_only_postgresql_says_the_bot_cannot_save_settings(
    postgres_url: str, context: MakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    services = make_services(postgres_url)
    engine = services.settings.engine
    try:
        set_read_only(postgres_url, True)
        with caplog.at_level(logging.INFO):
            reply = dispatch("/carry alerts on", context(), services)
            again = dispatch("/carry alerts on", context(), services)
        assert reply.template == again.template == "store_unavailable"
        assert "Sorry, something went wrong" not in render_text(reply)
        assert health_of(engine).state == READ_ONLY
        refused = [r for r in caplog.records if "refuses changes" in r.getMessage()]
        assert len(refused) == 1 and refused[0].levelno == logging.ERROR
        # Reading still works: the settings are shown.
        assert dispatch("/carry settings", context(), services).ok
    finally:
        set_read_only(postgres_url, False)
    with caplog.at_level(logging.INFO):
        assert dispatch("/carry alerts on", context(), services).ok
    assert health_of(engine).state == OK
    assert "the database is writable again" in caplog.text
    engine.dispose()


def test_a_home_whose_database_vanished_is_refused_not_started_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARRYBOT_HOME", str(tmp_path))
    monkeypatch.delenv("CARRYBOT_DATABASE_URL", raising=False)
    path = tmp_path / "carrybot.sqlite3"
    engine = open_database()
    DeliveryQueue(engine).enqueue(
        [NewDelivery("telegram", "-1", "", "briefing", "2026-06-12", NOW.date(), "en", NOW)]
    )
    engine.dispose()
    assert main(["deliveries"]) == 0 and "queued" in capsys.readouterr().out
    remove_database(path)

    for command in (["deliveries"], ["status"], ["db", "current"]):
        assert main(command) == 2, command  # like every database error
        err = capsys.readouterr().err
        assert err.startswith("error: the data store is unavailable"), err
        assert "is missing" in err and "Restore it from a backup" in err
        assert "none" not in err
    assert not path.exists(), "no empty database was started in its place"
    with pytest.raises(DatabaseError, match=r"delete .*carrybot\.sqlite3\.created"):
        open_database()
    (tmp_path / "carrybot.sqlite3.created").unlink()  # the operator chooses to start afresh
    open_database().dispose()
    assert path.exists()


def test_the_guard_refuses_the_commit_itself(tmp_path: Path) -> None:
    """Below the settings store: any write of the process (deliveries too) is refused."""
    path = tmp_path / "carrybot.sqlite3"
    engine = open_database(f"sqlite:///{path}")
    queue = DeliveryQueue(engine)
    remove_database(path)
    with pytest.raises(StoreUnavailable, match="was deleted while carrybot was running"):
        queue.enqueue([NewDelivery("telegram", "-1", "", "briefing", "k", NOW.date(), "en", NOW)])
    engine.dispose()
