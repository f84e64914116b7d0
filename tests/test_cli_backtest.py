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
