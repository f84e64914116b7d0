"""Every failure a new user can provoke ends in one ``error: …`` line, exit 1 or 2, no traceback."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import commands.dispatch
from bot.cli import main


@pytest.fixture(scope="module", autouse=True)
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store filled from the seed for the whole module (filling it takes seconds)."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CARRYBOT_HOME", str(home))
        patch.delenv("CARRYBOT_DATABASE_URL", raising=False)
        yield home


def run(argv: list[str]) -> int:
    """``carrybot ARGV``'s exit status, whether main returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def one_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    """Run, then check the shape every failure must have; returns (status, error line, stdout)."""
    status = run(argv)
    out, err = capsys.readouterr()
    assert status in (1, 2), (status, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.strip().splitlines()
    assert lines and lines[-1].startswith("error: "), err
    assert sum(line.startswith("error: ") for line in lines) == 1, err
    return status, lines[-1], out


CASES = {
    "before the data": (
        ["brief", "--date", "1984-12-31"],
        ["no market data on or before 1984-12-31", "starts on 1990-01-02"],
    ),
    "beyond pandas' calendar": (["brief", "--date", "2262-04-12"], ["in the future"]),
    "future": (["brief", "--date", "2030-01-01"], ["2030-01-01 is in the future"]),
    "not a date": (["brief", "--date", "2024-13-01"], ["'2024-13-01'", "YYYY-MM-DD"]),
    "chart folder missing": (
        ["brief", "--offline", "--chart", "/missing/dir/x.png"],
        ["cannot write /missing/dir/x.png", "/missing/dir does not exist"],
    ),
    "backtest before the data": (
        ["backtest", "--start", "1980-01-01", "--end", "1985-01-01"],
        ["no market data from 1980-01-01 to 1985-01-01", "starts on 1990-01-02", "--end"],
    ),
    "backtest over a weekend": (
        ["backtest", "--start", "2024-08-03", "--end", "2024-08-04"],
        ["no market day", "--start 2024-08-02 --end 2024-08-05"],
    ),
    "backtest raw folder missing": (
        ["backtest", "--raw", "/missing"],
        ["/missing does not exist", "folder of raw public files"],
    ),
    "backtest in the future": (["backtest", "--end", "2030-01-01"], ["in the future"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_failure_is_one_clear_line(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv, phrases = CASES[case]
    _, line, out = one_error(capsys, argv)
    for phrase in phrases:
        assert phrase in line
    assert "Yen carry briefing" not in out  # nothing invented, nothing half-printed


def test_a_folder_without_raw_files_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, line, _ = one_error(capsys, ["backtest", "--raw", str(tmp_path)])
    assert f"no known raw data file in {tmp_path}" in line


def test_an_unwritable_csv_path_is_refused_before_the_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    _, line, _ = one_error(capsys, ["backtest", "--csv", str(blocker / "out.csv")])
    assert f"{blocker} is not a folder" in line


def test_an_unforeseen_failure_is_one_line_and_verbose_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(commands.dispatch, "make_services", broken)
    status, line, _ = one_error(capsys, ["brief", "--offline"])
    assert status == 1
    assert line.startswith("error: unexpected RuntimeError: the disk caught fire")
    assert "run again with -v" in line
    root = logging.getLogger()
    handlers = list(root.handlers)
    try:
        for handler in handlers:
            root.removeHandler(handler)
        assert run(["-v", "brief", "--offline"]) == 1
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
    assert "Traceback" in capsys.readouterr().err


def test_chat_survives_an_unwritable_chart_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(sys, "stdin", io.StringIO("/carry chart\n/carry settings\n"))
    assert run(["chat", "--chart-dir", str(blocker / "charts")]) == 0
    out, err = capsys.readouterr()
    assert f"warning: charts cannot be saved: {blocker} is not a folder" in err
    assert f"error: cannot save the chart in {blocker / 'charts'}" in out
    assert "writable folder" in out
    assert "Settings of this chat" in out  # the next command was still answered


def test_chat_survives_a_command_that_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import bot.cli.console

    real = bot.cli.console.render
    calls = []

    def flaky(reply: object, fmt: str, locale: str | None = None) -> object:
        calls.append(reply)
        if len(calls) == 1:
            raise ValueError("layout exploded")
        return real(reply, fmt, locale)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.cli.console, "render", flaky)
    monkeypatch.setattr(sys, "stdin", io.StringIO("/carry help\n/carry settings\n"))
    assert run(["chat", "--chart-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "error: that command failed (ValueError: layout exploded)" in out
    assert "Settings of this chat" in out
