"""The ``carrybot`` argument parser: one function per command, standard library only.

Each command's handler lives in a module that imports nothing heavy until it runs, so
``carrybot --help`` and a mistyped option answer at once.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from analytics.sources import REFRESHED
from bot.cli import backtest, brief, data, decisions, serve
from bot.cli.args import (
    Parser,
    add_refresh_arguments,
    describe_subcommands,
    iso_date,
    output_file,
    past_date,
    raw_folder,
    seconds,
)
from bot.runtime.defaults import DEFAULT_REFRESH_MINUTES, REFRESH_BUDGET
from commands import languages

DEFAULT_SEED_DIR = Path(__file__).resolve().parents[2] / "analytics" / "data"
DESCRIPTION = (
    "carrybot follows the yen carry trade: it fetches public data (FRED, Japan's MoF, US "
    "Treasury, ECB, Bank of Japan, CFTC), computes the Japan-US rate gaps and a carry-unwind "
    "signal, and answers /carry on Telegram and Discord."
)
EPILOG = (
    "Configuration comes from the environment: CARRYBOT_DATABASE_URL (default: a SQLite file "
    "under CARRYBOT_HOME), CARRYBOT_<SOURCE>_URL, TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN; "
    "see the README. `carrybot COMMAND --help` describes each command."
)


def parser() -> argparse.ArgumentParser:
    """Every command and option of ``carrybot``."""
    top = Parser(prog="carrybot", description=DESCRIPTION, epilog=EPILOG)
    top.add_argument(
        "-v", "--verbose", action="store_true", help="log progress details (and tracebacks)"
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        add_brief,
        add_chat,
        add_run,
        add_worker,
        add_deliveries,
        add_decisions,
        add_status,
        add_refresh,
        add_backtest,
        add_db,
        add_seed,
    ):
        add(sub)
    describe_subcommands(top)
    return top


Commands = argparse._SubParsersAction  # the object add_subparsers returns


def add_brief(sub: Commands) -> None:
    brief_cmd = sub.add_parser(
        "brief", help="refresh stale sources, then print the day's briefing (the main job)"
    )
    brief_cmd.add_argument(
        "--date",
        type=past_date,
        metavar="YYYY-MM-DD",
        help="the briefing as it read on this day, from stored data only (default: today)",
    )
    spoken = ", ".join(f"{row.code} ({row.english_name})" for row in languages.LANGUAGES)
    brief_cmd.add_argument(
        "--lang",
        choices=languages.codes(),
        default=languages.ENGLISH.code,
        help=f"language: {spoken}; default {languages.ENGLISH.code}",
    )
    brief_cmd.add_argument(
        "--chart", type=output_file, metavar="PATH", help="also write the gap chart (PNG) here"
    )
    add_refresh_arguments(brief_cmd)
    brief_cmd.set_defaults(handler=brief.cmd_brief)


def add_chat(sub: Commands) -> None:
    chat = sub.add_parser("chat", help="a local console chat: type /carry commands")
    chat.add_argument(
        "--chart-dir",
        type=Path,
        default=Path.cwd(),
        metavar="DIR",
        help="where chart PNGs are written (default: the current folder)",
    )
    chat.set_defaults(handler=serve.cmd_chat)


def add_run(sub: Commands) -> None:
    run = sub.add_parser("run", help="answer /carry on every platform whose token is set")
    run.add_argument(
        "--telegram-webhook",
        metavar="URL",
        help="receive Telegram updates by webhook at this public HTTPS URL instead of polling",
    )
    run.add_argument(
        "--webhook-listen",
        metavar="HOST",
        default="127.0.0.1",
        help="address the webhook server binds (default 127.0.0.1, behind a reverse proxy)",
    )
    run.add_argument(
        "--webhook-port", metavar="N", type=int, default=8080, help="webhook port (default 8080)"
    )
    run.add_argument(
        "--refresh-minutes",
        metavar="N",
        type=float,
        default=DEFAULT_REFRESH_MINUTES,
        help=f"fetch the public sources every N minutes (default {DEFAULT_REFRESH_MINUTES:.0f})",
    )
    run.add_argument(
        "--no-refresh",
        action="store_true",
        help="do not fetch data in this process (another process or cron does)",
    )
    _health_arguments(run)
    run.set_defaults(handler=serve.cmd_run)


def add_worker(sub: Commands) -> None:
    worker = sub.add_parser(
        "worker",
        help="send briefings and alerts only (scaling out: no updates received, no refresh)",
    )
    _health_arguments(worker)
    worker.set_defaults(handler=serve.cmd_worker)


def _health_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--health-port",
        metavar="N",
        type=int,
        help="serve /healthz and /metrics (Prometheus) on this port",
    )
    command.add_argument(
        "--health-listen",
        metavar="HOST",
        default="127.0.0.1",
        help="address the health port binds (default 127.0.0.1; 0.0.0.0 in a container)",
    )


def add_deliveries(sub: Commands) -> None:
    deliveries = sub.add_parser(
        "deliveries", help="briefings and alerts by state; each failure with its reason"
    )
    deliveries.add_argument(
        "--date",
        type=iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="only deliveries for this local date (YYYY-MM-DD); default every day",
    )
    deliveries.set_defaults(handler=serve.cmd_deliveries)


def add_decisions(sub: Commands) -> None:
    cmd = sub.add_parser(
        "decisions",
        help="the Fed and BoJ decisions known (tables, feeds, live rates); add or remove one",
    )
    _decision_filters(cmd)
    cmd.set_defaults(handler=decisions.cmd_list)
    actions = cmd.add_subparsers(dest="decisions_command", metavar="ACTION")
    listing = actions.add_parser(
        "list", help="each decision with its rate, effective day, status and source"
    )
    _decision_filters(listing)
    listing.set_defaults(handler=decisions.cmd_list)
    add = actions.add_parser(
        "add", help="record a decision by hand (a correction replaces the one of that day)"
    )
    add.add_argument("bank", type=decisions.bank, metavar="BANK", help="fed or boj")
    add.add_argument(
        "date",
        type=decisions.decision_day,
        metavar="YYYY-MM-DD",
        help="the day the decision was announced (the meeting's last day)",
    )
    add.add_argument(
        "rate", metavar="RATE", help="the new rate: 1.25 for the BoJ, a range 3.75-4.00 for the Fed"
    )
    add.add_argument(
        "--effective",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="the day the rate takes effect (default: the next day for the Fed, the day itself "
        "for the BoJ)",
    )
    add.add_argument("--source", metavar="URL", help="the bank's statement or document (required)")
    add.add_argument(
        "--between-meetings",
        action="store_true",
        help="an unscheduled decision, taken between meetings",
    )
    add.set_defaults(handler=decisions.cmd_add)
    remove = actions.add_parser("remove", help="delete a decision stored by hand or from a feed")
    remove.add_argument("bank", type=decisions.bank, metavar="BANK", help="fed or boj")
    remove.add_argument("date", type=iso_date, metavar="YYYY-MM-DD", help="its decision day")
    remove.set_defaults(handler=decisions.cmd_remove)


def _decision_filters(command: argparse.ArgumentParser) -> None:
    command.add_argument("--bank", type=decisions.bank, help="only this bank: fed or boj")
    command.add_argument(
        "--since",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="decisions taken on or after this day (default: the last twelve months)",
    )


def add_status(sub: Commands) -> None:
    status = sub.add_parser("status", help="each series' last date, value, source and freshness")
    status.add_argument(
        "--date",
        type=past_date,
        metavar="YYYY-MM-DD",
        help="judge freshness as of this day, counting only data up to it (default: today)",
    )
    status.set_defaults(handler=data.cmd_status)


def add_refresh(sub: Commands) -> None:
    refresh = sub.add_parser("refresh", help="fetch what is newer from the public sources")
    refresh.add_argument(
        "--source", action="append", choices=REFRESHED, help="only this source (repeatable)"
    )
    refresh.add_argument(
        "--offline", action="store_true", help="no network: only make sure the seed is loaded"
    )
    refresh.add_argument(
        "--budget",
        type=seconds,
        default=REFRESH_BUDGET,
        metavar="SECONDS",
        help="time allowed for all sources together, which are asked side by side "
        f"(default {REFRESH_BUDGET:.0f})",
    )
    refresh.set_defaults(handler=data.cmd_refresh)


def add_backtest(sub: Commands) -> None:
    backtest_cmd = sub.add_parser("backtest", help="replay the signal over history, day by day")
    backtest_cmd.add_argument(
        "--start",
        type=past_date,
        default=date(1995, 1, 1),
        metavar="YYYY-MM-DD",
        help="first day replayed (default 1995-01-01; the five years before warm it up)",
    )
    backtest_cmd.add_argument(
        "--end",
        type=past_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="last day replayed (default: today, or the last close in the data)",
    )
    backtest_cmd.add_argument(
        "--csv", type=output_file, metavar="PATH", help="write one row per business day here"
    )
    backtest_cmd.add_argument(
        "--chart",
        type=output_file,
        metavar="PATH",
        help="write the pressure/regime chart (PNG) here",
    )
    backtest_cmd.add_argument(
        "--raw",
        type=raw_folder,
        metavar="DIR",
        help="read a folder of raw public files (e.g. ../shared/data/raw, VIX included) "
        "instead of the store",
    )
    backtest_cmd.set_defaults(handler=backtest.cmd_backtest)


def add_db(sub: Commands) -> None:
    db = sub.add_parser("db", help="the database's schema revision, and upgrading it")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser(
        "upgrade", help="bring the database to this release's schema, every row kept"
    ).set_defaults(handler=data.cmd_db_upgrade)
    db_sub.add_parser(
        "current", help="which schema revision the database is at (writes nothing)"
    ).set_defaults(handler=data.cmd_db_current)


def add_seed(sub: Commands) -> None:
    seed = sub.add_parser("seed", help="build the offline seed from a folder of raw public files")
    seed_sub = seed.add_subparsers(dest="seed_command", required=True)
    seed_build = seed_sub.add_parser("build", help="parse the raw files and write the seed")
    seed_build.add_argument(
        "--raw",
        type=raw_folder,
        required=True,
        metavar="DIR",
        help="folder of raw public files (e.g. ../shared/data/raw)",
    )
    seed_build.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_SEED_DIR,
        metavar="DIR",
        help="where to write seed.csv.gz and SEED.md (default: the package's analytics/data)",
    )
    seed_build.set_defaults(handler=data.cmd_seed_build)
