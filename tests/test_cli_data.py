"""`carrybot status`, `refresh` and `seed build` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.ingest import seed
from analytics.sources import fred
from bot.cli import main
from tests.support.http_server import LocalServer
from tests.support.paths import RAW_DIR, raw_path


@pytest.fixture(autouse=True)
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CARRYBOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CARRYBOT_DATABASE_URL", raising=False)
    return tmp_path / "home"


def test_status_on_a_fresh_machine_prints_the_seed_with_dates(
    capsys: pytest.CaptureFixture[str], fresh_home: Path
) -> None:
    assert main(["status", "--date", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "OFFLINE DATA" in out
    assert (fresh_home / "carrybot.sqlite3").exists()
    lines = {
        line.split()[0]: line.split()
        for line in out.splitlines()
        if line.startswith(("jp.", "us.", "fx."))
    }
    assert lines["jp.10y"][1:4] == ["2026-04-30", "2.520", "seed/mof"]
    assert lines["fx.usdjpy.ecb"][1] == "2026-10-30"
    assert "vix" not in lines  # Cboe's terms keep VIX out of the seed


def test_refresh_reports_per_source_and_stores_new_rows(
    capsys: pytest.CaptureFixture[str], http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARRYBOT_FRED_URL", http_server.url)
    http_server.serve_bytes(
        fred.PATH,
        b"observation_date,DGS2\n2025-11-13,3.58\n2025-11-14,3.61\n",
        query={"id": "DGS2"},
    )
    code = main(["refresh", "--source", "fred"])
    out = capsys.readouterr().out
    assert code == 0  # DGS2 stored; the other series failed (404) but not every request did
    assert "[fred] DGS2: 2 rows, 1 new, 1 revised" in out
    assert "partial" in out
    main(["status", "--date", "2025-11-17"])
    status = capsys.readouterr().out
    assert any(
        line.split()[:4] == ["us.2y", "2025-11-14", "3.610", "fred"] for line in status.splitlines()
    )


def test_refresh_exits_non_zero_when_every_source_failed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("FRED", "MOF"):
        monkeypatch.setenv(f"CARRYBOT_{name}_URL", "http://127.0.0.1:9")
    assert main(["refresh", "--source", "fred", "--source", "mof"]) == 1
    assert "cannot connect" in capsys.readouterr().out


def test_committed_seed_is_reproduced_by_the_seed_command(tmp_path: Path) -> None:
    raw_path("SOURCES.md")  # skips without ../shared
    assert main(["seed", "build", "--raw", str(RAW_DIR), "--out", str(tmp_path)]) == 0
    assert (tmp_path / seed.SEED_NAME).read_bytes() == seed.seed_bytes()
    note = (tmp_path / seed.NOTE_NAME).read_text()
    assert "| jp.10y | mof | 1990-01-04 | 2026-04-30 |" in note
    assert "| jp.30y | mof | 1999-09-02 | 2026-04-30 |" in note
    assert "| jp.40y | mof | 2007-11-06 | 2026-04-30 |" in note
    assert "vix" not in note.split("| raw file |")[0]


def test_status_for_a_past_date_judges_freshness_on_that_date(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["status", "--date", "2024-08-02"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if "." in line[:8]}
    # What the store knew on that day, not its latest rows (us.2y reaches Nov 2025).
    assert lines["us.2y"][1:3] == ["2024-08-02", "3.880"] and lines["us.2y"][4] == "fresh"
    assert lines["us.fed.upper"][1] == "2024-01-31" and lines["us.fed.upper"][4] == "stale"
    assert lines["us.fed.target"][4] == "ended"  # discontinued in 2008, not stale
    assert "cftc.jpy.noncomm_long" not in lines  # its first report in the seed is from 2025


def test_status_before_any_data_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--date", "1985-01-01"]) == 0
    assert "(no series has data on or before 1985-01-01)" in capsys.readouterr().out
