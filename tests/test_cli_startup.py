"""`carrybot --help` and argument errors answer before anything heavy is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.sources import REFRESHED
from bot import cli

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "sqlalchemy", "matplotlib", "telegram", "discord", "alembic")

# Runs the CLI in a fresh interpreter and reports the exit code and which heavy packages got loaded.
PROBE = """
import contextlib, io, json, sys
from bot.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))
print(json.dumps({"code": code, "heavy": heavy, "out": out.getvalue(), "err": err.getvalue()}))
"""


def _probe(*argv: str) -> dict[str, object]:
    script = f"HEAVY = {HEAVY!r}\n{PROBE}"
    done = subprocess.run(
        [sys.executable, "-c", script, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["brief", "--help"],
        ["chat", "--help"],
        ["run", "--help"],
        ["backtest", "--help"],
        ["refresh", "--help"],
        ["deliveries", "--help"],
        ["seed", "build", "--help"],
    ],
)
def test_help_imports_nothing_heavy(argv: list[str]) -> None:
    result = _probe(*argv)
    assert result["code"] == 0
    assert "usage: carrybot" in str(result["out"])
    assert result["heavy"] == []


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["brief", "--date", "yesterday"],
        ["brief", "--lang", "fr"],
        ["refresh", "--source", "nowhere"],
        ["frobnicate"],
    ],
)
def test_argument_errors_import_nothing_heavy(argv: list[str]) -> None:
    result = _probe(*argv)
    assert result["code"] == 2
    assert "error:" in str(result["err"])
    assert result["heavy"] == []


def test_refresh_offers_exactly_the_sources_the_runner_knows() -> None:
    refresh = next(
        action.choices
        for action in cli.parser()._subparsers._group_actions[0].choices["refresh"]._actions
        if action.dest == "source"
    )
    assert tuple(refresh) == REFRESHED


def test_help_lists_every_command() -> None:
    text = cli.parser().format_help()
    for command in ("brief", "chat", "run", "deliveries", "status", "refresh", "backtest", "seed"):
        assert command in text


def test_a_text_briefing_never_loads_matplotlib(tmp_path: Path) -> None:
    # Drawing libraries load only when a chart is drawn: a briefing without --chart is text.
    script = f"HEAVY = {HEAVY!r}\n{PROBE}"
    env = {**os.environ, "CARRYBOT_HOME": str(tmp_path / "home")}
    env.pop("CARRYBOT_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script, "brief", "--offline", "--date", "2024-08-05"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result["code"] == 0, result["err"]
    assert "Yen carry briefing, 5 Aug 2024" in result["out"]
    assert "matplotlib" not in result["heavy"]
