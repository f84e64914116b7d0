"""The ``carrybot`` command line: brief, chat, run, worker, deliveries, status, refresh, backtest, db, seed.

The parser is built from the standard library alone, so ``carrybot --help`` and a mistyped
option answer at once; each command imports what it needs (pandas, SQLAlchemy, the chat
platforms) only when it runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.ingest.refresh import SourceResult
    from analytics.ingest.store import ObservationStore
    from commands.reply import Reply
    from commands.services import Services

from analytics.sources import REFRESHED
from bot.cli.args import (
    Parser,
    add_refresh_arguments,
    describe_subcommands,
    iso_date,
    output_file,
    past_date,
    raw_folder,
    seconds,
    unexpected,
    unwritable_folder,
    write_output,
)

log = logging.getLogger("carrybot")

DEFAULT_SEED_DIR = Path(__file__).resolve().parents[2] / "analytics" / "data"
DEFAULT_REFRESH_MINUTES = 60.0
REFRESH_BUDGET = 600.0  # a first refresh downloads decades of history
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

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from analytics.errors import CarrybotError
    from analytics.storage.errors import DatabaseError

    try:
        return int(args.handler(args))
    except (CarrybotError, DatabaseError) as exc:
        if args.verbose:
            log.exception("carrybot %s failed", args.command)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last resort: one line, the traceback only with -v
        log.info("%s failed", args.command, exc_info=True)
        print(f"error: {unexpected(exc, args.verbose)}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    """Every command and option of ``carrybot``."""
    top = Parser(prog="carrybot", description=DESCRIPTION, epilog=EPILOG)
    top.add_argument(
        "-v", "--verbose", action="store_true", help="log progress details (and tracebacks)"
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    brief = sub.add_parser(
        "brief", help="refresh stale sources, then print the day's briefing (the main job)"
    )
    brief.add_argument(
        "--date",
        type=past_date,
        metavar="YYYY-MM-DD",
        help="the briefing as it read on this day, from stored data only (default: today)",
    )
    brief.add_argument(
        "--lang",
        choices=("en", "ja", "zh"),
        default="en",
        help="language: English, Japanese or Simplified Chinese (default en)",
    )
    brief.add_argument(
        "--chart", type=output_file, metavar="PATH", help="also write the gap chart (PNG) here"
    )
    add_refresh_arguments(brief)
    brief.set_defaults(handler=cmd_brief)

    chat = sub.add_parser("chat", help="a local console chat: type /carry commands")
    chat.add_argument(
        "--chart-dir",
        type=Path,
        default=Path.cwd(),
        metavar="DIR",
        help="where chart PNGs are written (default: the current folder)",
    )
    chat.set_defaults(handler=cmd_chat)

    run = sub.add_parser("run", help="answer /carry on every platform whose token is set")
    _run_arguments(run)
    _health_arguments(run)
    run.set_defaults(handler=cmd_run)

    worker = sub.add_parser(
        "worker",
        help="send briefings and alerts only (scaling out: no updates received, no refresh)",
    )
    _health_arguments(worker)
    worker.set_defaults(handler=cmd_worker)

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
    deliveries.set_defaults(handler=cmd_deliveries)

    status = sub.add_parser("status", help="each series' last date, value, source and freshness")
    status.add_argument(
        "--date",
        type=past_date,
        metavar="YYYY-MM-DD",
        help="judge freshness as of this day, counting only data up to it (default: today)",
    )
    status.set_defaults(handler=cmd_status)

    refresh_cmd = sub.add_parser("refresh", help="fetch what is newer from the public sources")
    refresh_cmd.add_argument(
        "--source", action="append", choices=REFRESHED, help="only this source (repeatable)"
    )
    refresh_cmd.add_argument(
        "--offline", action="store_true", help="no network: only make sure the seed is loaded"
    )
    refresh_cmd.add_argument(
        "--budget",
        type=seconds,
        default=REFRESH_BUDGET,
        metavar="SECONDS",
        help="time allowed for all sources together, which are asked side by side "
        f"(default {REFRESH_BUDGET:.0f})",
    )
    refresh_cmd.set_defaults(handler=cmd_refresh)

    backtest = sub.add_parser("backtest", help="replay the signal over history, day by day")
    backtest.add_argument(
        "--start",
        type=past_date,
        default=date(1995, 1, 1),
        metavar="YYYY-MM-DD",
        help="first day replayed (default 1995-01-01; the five years before warm it up)",
    )
    backtest.add_argument(
        "--end",
        type=past_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="last day replayed (default: today, or the last close in the data)",
    )
    backtest.add_argument(
        "--csv", type=output_file, metavar="PATH", help="write one row per business day here"
    )
    backtest.add_argument(
        "--chart",
        type=output_file,
        metavar="PATH",
        help="write the pressure/regime chart (PNG) here",
    )
    backtest.add_argument(
        "--raw",
        type=raw_folder,
        metavar="DIR",
        help="read a folder of raw public files (e.g. ../shared/data/raw, VIX included) "
        "instead of the store",
    )
    backtest.set_defaults(handler=cmd_backtest)

    db = sub.add_parser("db", help="the database's schema revision, and upgrading it")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser(
        "upgrade", help="bring the database to this release's schema, every row kept"
    ).set_defaults(handler=cmd_db_upgrade)
    db_sub.add_parser(
        "current", help="which schema revision the database is at (writes nothing)"
    ).set_defaults(handler=cmd_db_current)

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
    seed_build.set_defaults(handler=cmd_seed_build)
    describe_subcommands(top)
    return top


def _run_arguments(run: argparse.ArgumentParser) -> None:
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
        help="fetch the public sources every N minutes (default 60)",
    )
    run.add_argument(
        "--no-refresh",
        action="store_true",
        help="do not fetch data in this process (another process or cron does)",
    )


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


# --- the commands: each imports what it needs when it runs ------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    """Print one line per stored series."""
    from analytics.ingest.seed import is_seed_source, open_seeded_store
    from analytics.storage.location import database_url, redact_url

    store = open_seeded_store()
    today = args.date or date.today()
    rows = store.status(today)
    print(f"carrybot data store: {redact_url(database_url())} — freshness as of {today}")
    if any(is_seed_source(row.source) for row in rows):
        print(
            "OFFLINE DATA: rows marked 'seed' come from the bundled history, not a live fetch;"
            " run `carrybot refresh` online for current values."
        )
    header = (
        f"{'series':<24} {'last date':<10} {'value':>10}  {'source':<11} {'status':<14} {'rows':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        freshness = "ended" if row.ended else f"stale ({row.age_days}d)" if row.stale else "fresh"
        print(
            f"{row.series:<24} {row.last_date:%Y-%m-%d} {_value(row.series, row.last_value):>10}  "
            f"{row.source:<11} {freshness:<14} {row.rows:>6}"
        )
    if not rows and args.date:
        print(f"(no series has data on or before {today})")
    elif not rows:
        print("(no data yet: run `carrybot refresh`)")
    return 0


def _value(series_id: str, value: float) -> str:
    from analytics.catalogue.series import CATALOGUE

    unit = CATALOGUE[series_id].unit if series_id in CATALOGUE else ""
    return f"{value:,.0f}" if unit == "contracts" else f"{value:.3f}"


def cmd_refresh(args: argparse.Namespace) -> int:
    """Fetch each source, then print a summary table; non-zero only if every source failed."""
    from analytics.ingest.refresh import refresh
    from analytics.ingest.seed import open_seeded_store
    from bot.cli.brief_refresh import progress_printer

    store = open_seeded_store(need_seed=args.offline)
    if args.offline:
        print(
            f"offline: store holds {store.count()} observations (bundled seed plus earlier fetches)"
        )
        return 0
    names = args.source or list(REFRESHED)
    results = refresh(
        store,
        names,
        progress=progress_printer(sys.stdout),
        deadline=time.monotonic() + args.budget,
        parallel=True,
    )
    print(_summary(results))
    return 1 if all(result.failed for result in results) else 0


def _summary(results: list[SourceResult]) -> str:
    lines = ["", f"{'source':<10} {'result':<8} {'requests':>8} {'new':>7} {'revised':>7}  problem"]
    for r in results:
        outcome = "ok" if r.ok else ("failed" if r.failed else "partial")
        problem = r.errors[0] if r.errors else ""
        lines.append(
            f"{r.source:<10} {outcome:<8} {r.succeeded:>3}/{r.requests:<4} {r.inserted:>7} "
            f"{r.revised:>7}  {problem}"
        )
        lines.extend(f"{'':<45}{more}" for more in r.errors[1:3])
    return "\n".join(lines)


def cmd_brief(args: argparse.Namespace) -> int:
    """Render the briefing as plain text in the terminal."""
    from analytics.ingest.seed import open_seeded_store
    from commands.dispatch import make_services
    from commands.presentation.render import render_text
    from commands.services import NoData

    store = open_seeded_store()
    today = date.today()
    day = args.date or today
    if day == today and not args.offline:
        from bot.cli.brief_refresh import refresh_before_brief

        note = refresh_before_brief(store, today, args.budget, args.lang)
        if note is not None:
            print(render_text(note) + "\n")
    services = make_services(store, today=lambda: day)
    print(render_text(brief_reply(store, services, day, args.lang, cached=not args.chart)))
    if args.chart:
        try:
            chart = services.snapshots.chart("gap", "1y")
        except NoData:
            print("error: no data to chart yet; run `carrybot refresh`", file=sys.stderr)
            return 1
        write_output(args.chart, chart.png)
        print(f"\nChart written to {args.chart}")
    return 0


def brief_reply(
    store: ObservationStore, services: Services, day: date, language: str, cached: bool
) -> Reply:
    """The briefing of ``day``: from the snapshot cache when the data, the day and the analytics
    code are those of an earlier run (``bot/snapshot_cache.py``), else computed (and kept)."""
    from analytics.storage.location import cache_dir
    from bot.cli.snapshot_cache import SnapshotCache, cache_key
    from commands.dispatch import store_fingerprint
    from commands.handlers.snapshot import briefing, briefing_of

    if not cached:
        return briefing(services, language)
    cache = SnapshotCache(cache_dir())
    key = cache_key(store_fingerprint(store, lambda: day)(), day)
    snapshot = cache.load(key)
    if snapshot is not None:
        return briefing_of(snapshot, language)
    reply = briefing(services, language)
    if reply.ok:  # computed: the provider holds the snapshot
        cache.save(key, services.snapshots.current().snapshot)
    return reply


def cmd_chat(args: argparse.Namespace) -> int:
    """Route /carry lines from the terminal or standard input through the command layer."""
    from analytics.ingest.seed import open_seeded_store
    from bot.cli.console import run_chat
    from commands.dispatch import make_services

    problem = unwritable_folder(args.chart_dir)
    if problem:
        print(f"warning: charts cannot be saved: {problem}; use --chart-dir", file=sys.stderr)
    services = make_services(open_seeded_store())
    return run_chat(sys.stdin, sys.stdout, services, args.chart_dir)


def cmd_run(args: argparse.Namespace) -> int:
    """Serve every platform whose token is set until SIGINT/SIGTERM."""
    from bot.runtime.supervisor import main_run

    return main_run(args)


def cmd_worker(args: argparse.Namespace) -> int:
    """Tick and send deliveries until SIGINT/SIGTERM, with no chat adapters."""
    from bot.runtime.supervisor import main_worker

    return main_worker(args)


def cmd_deliveries(args: argparse.Namespace) -> int:
    """Print counts by state and each failed or ambiguous delivery with its reason."""
    from bot.delivery.report import main_deliveries

    return main_deliveries(args)


def cmd_backtest(args: argparse.Namespace) -> int:
    """Print the regime timeline, episodes, false alarms and changes per quarter."""
    import pandas as pd

    from analytics.charts import figures as charts
    from analytics.errors import CarrybotError
    from analytics.ingest.rawfiles import read_directory
    from analytics.ingest.seed import is_seed_source, open_seeded_store
    from analytics.signal import backtest
    from analytics.signal.coverage import require_span
    from analytics.signal.panel import last_market_day
    from analytics.storage.location import database_url, redact_url

    end = args.end or date.today()
    if args.start >= end:
        print("error: --start must be before --end", file=sys.stderr)
        return 2
    if args.raw:
        obs = read_directory(args.raw)
        origin = f"raw files in {args.raw}"
    else:
        store = open_seeded_store()
        obs = store.load()
        origin = f"the data store ({redact_url(database_url())})"
        if (obs["source"].map(is_seed_source)).any():
            origin += " — includes the bundled seed, which has no VIX (Cboe's terms)"
    require_span(obs, args.start, end)
    last_close = last_market_day(obs, pd.Timestamp(end)).date()
    if last_close < end:
        print(f"Data ends on {last_close:%Y-%m-%d}: the backtest stops there.")
        end = last_close
    result = backtest.run_backtest(obs, args.start, end)
    print(f"Data: {origin}")
    print(backtest.format_report(result))
    if args.csv:
        try:
            backtest.write_csv(result, args.csv)
        except OSError as exc:
            raise CarrybotError(f"cannot write {args.csv}: {exc.strerror or exc}") from exc
        print(f"CSV written to {args.csv} ({len(result.daily)} rows)")
    if args.chart:
        write_output(args.chart, charts.pressure_chart(result.daily))
        print(f"Chart written to {args.chart}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Migrate the database to this release's revision (``run``, ``brief`` … do it on their own)."""
    from analytics.storage.database import open_and_upgrade
    from analytics.storage.location import database_url, redact_url

    engine, done = open_and_upgrade()
    engine.dispose()
    where = redact_url(database_url())
    if not done.changed:
        print(f"{where}: already at schema revision {done.revision} (this release's)")
    elif done.before.empty:
        print(f"{where}: new database created at schema revision {done.revision}")
    elif done.before.before_migrations:
        print(
            f"{where}: a database of the release before migrations (no version table) was "
            f"brought to schema revision {done.revision} in place; every row kept"
        )
    else:
        print(f"{where}: upgraded from schema revision {done.before.revision} to {done.revision}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    """Print the database's schema revision and whether it needs ``carrybot db upgrade``."""
    from analytics.storage.database import inspect_database
    from analytics.storage.migrate import HEAD, known_revisions

    where, state = inspect_database()
    if state is None or state.empty:
        verdict = "no database yet (created on first use)" if state is None else "empty database"
        print(f"{where}: {verdict}; this release's schema revision is {HEAD}")
        return 0
    if state.current:
        print(f"{where}: schema revision {state.revision} (this release's; up to date)")
        return 0
    if state.before_migrations:
        print(
            f"{where}: no schema revision: written by the release before migrations; "
            f"`carrybot db upgrade` (or any command that opens it) brings it to {HEAD}"
        )
        return 0
    if state.revision not in known_revisions():
        print(
            f"{where}: schema revision {state.revision}, written by a newer carrybot "
            f"(this release knows up to {HEAD}): upgrade carrybot to use it"
        )
        return 1
    print(f"{where}: schema revision {state.revision}; `carrybot db upgrade` brings it to {HEAD}")
    return 0


def cmd_seed_build(args: argparse.Namespace) -> int:
    """Write the seed and its provenance note."""
    from analytics.ingest.seed import build as build_seed

    args.out.mkdir(parents=True, exist_ok=True)
    obs = build_seed(args.raw, args.out)
    print(
        f"seed: {len(obs)} observations of {obs['series'].nunique()} series written to {args.out}"
    )
    return 0
