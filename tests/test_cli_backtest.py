"""`carrybot backtest` on the real files: report sections, the CSV and the chart."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.cli import main
from tests.support.paths import RAW_DIR, raw_path

REQUIRED_COLUMNS = (
    "date,regime,unwind_pressure,carry_fuel,carry_incentive,crowding,usdjpy,gap_2y_bp,gap_policy_bp"
)


def test_backtest_prints_timeline_episodes_and_writes_csv_and_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw_path("SOURCES.md")
    out_csv, out_png = tmp_path / "bt.csv", tmp_path / "bt.png"
    code = main(
        [
            "backtest",
            "--start",
            "2024-01-01",
            "--end",
            "2024-12-31",
            "--raw",
            str(RAW_DIR),
            "--csv",
            str(out_csv),
            "--chart",
            str(out_png),
        ]
    )
    report = capsys.readouterr().out
    assert code == 0
    assert "Regime timeline (periods)" in report
    assert "Jul–Aug 2024" in report
    assert "False alarms per year" in report and "Regime changes per quarter" in report
    with out_csv.open() as handle:
        rows = list(csv.reader(handle))
    assert ",".join(rows[0]).startswith(REQUIRED_COLUMNS)
    assert rows[1][0] == "2024-01-01" and rows[-1][0] == "2024-12-31"
    regimes = {row[1] for row in rows[1:]}
    assert "UNWINDING" in regimes
    assert regimes <= {"UNWINDING", "UNWINDING_GRADUAL", "ELEVATED", "BUILDING", "RESET", "STABLE"}
    assert out_png.read_bytes().startswith(b"\x89PNG")


def test_backtest_rejects_an_empty_window(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["backtest", "--start", "2024-01-01", "--end", "2023-01-01", "--raw", str(RAW_DIR)])
        == 2
    )
    assert "--start must be before --end" in capsys.readouterr().err


def test_backtest_raw_reads_every_file_of_a_series_so_vix_reaches_2026(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw_path("VIX_cboe_daily.csv")
    out_csv = tmp_path / "bt.csv"
    args = ["backtest", "--start", "2026-01-05", "--end", "2026-07-23", "--raw", str(RAW_DIR)]
    assert main([*args, "--csv", str(out_csv)]) == 0
    report = capsys.readouterr().out
    assert "C4 (the VIX) was unavailable" not in report
    with out_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[-1]["date"] == "2026-07-23"
    assert all(row["C4_score"] for row in rows)  # VIX on every day of 2026 in the window
    assert "UNWINDING_GRADUAL entries:" in report


def test_later_files_of_a_series_win_and_unknown_files_are_ignored(tmp_path: Path) -> None:
    from analytics.ingest import rawfiles

    (tmp_path / "VIXCLS.csv").write_text(
        "DATE,VIXCLS\n2026-01-02,20.00\n2026-01-05,21.00\n", encoding="ascii"
    )
    (tmp_path / "VIXCLS_2026.csv").write_text(
        "observation_date,VIXCLS\n2026-01-05,21.50\n2026-01-06,22.00\n", encoding="ascii"
    )
    (tmp_path / "VIX_cboe_daily.csv").write_text(
        "DATE,OPEN,HIGH,LOW,CLOSE\n01/06/2026,1,1,1,23.000000\n01/07/2026,1,1,1,24.000000\r\n",
        encoding="ascii",
    )
    (tmp_path / "GOLDAMGBD228NLBM.csv").write_text("observation_date,GOLD\n", encoding="ascii")
    obs = rawfiles.read_directory(tmp_path)
    days = obs["date"].dt.strftime("%Y-%m-%d")
    vix = dict(zip(days, zip(obs["value"], obs["source"], strict=True), strict=True))
    assert vix == {
        "2026-01-02": (20.0, "fred"),
        "2026-01-05": (21.5, "fred"),  # the file reaching further wins
        "2026-01-06": (23.0, "cboe"),
        "2026-01-07": (24.0, "cboe"),
    }


def test_backtest_on_a_seeded_store_with_fetched_vix_says_it_has_vix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The seed has no VIX, but a store that also holds fetched closes does: the data line says
    which, instead of claiming there is no VIX."""
    from analytics.ingest import rawfiles
    from analytics.ingest.seed import open_seeded_store

    monkeypatch.setenv("CARRYBOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CARRYBOT_DATABASE_URL", raising=False)
    store = open_seeded_store()
    vix = rawfiles.read_directory(raw_path("VIXCLS_1990-2026.csv").parent)
    vix = vix[(vix["series"] == "vix") & (vix["date"] >= "2023-01-01")]
    store.upsert(vix[["series", "date", "value", "released"]], source="fred")
    store.engine.dispose()
    assert main(["backtest", "--start", "2024-01-01", "--end", "2024-12-31"]) == 0
    data = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("Data:"))
    first, last = vix["date"].min(), vix["date"].max()
    assert "includes the bundled seed (which has no VIX)" in data
    assert f"VIX from {first:%Y-%m-%d} to {last:%Y-%m-%d} ({len(vix)} closes)" in data
    assert "which has no VIX (Cboe's terms)" not in data
