"""The data commands: ``status``, ``refresh``, ``db upgrade``/``db current`` and ``seed build``.

Each imports what it needs (pandas, SQLAlchemy) only when it runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from typing import TYPE_CHECKING, Any

from analytics.sources import REFRESHED

if TYPE_CHECKING:
    from analytics.ingest.refresh import SourceResult


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
    _print_intraday(store.engine)
    return 0


def _print_intraday(engine: Any) -> None:
    """The intraday watch: on or off (and how to turn it on), its last bars and its quota."""
    from datetime import UTC, datetime

    from analytics.ingest.intraday import FX_PROVIDER, WatchConfig, watch_status
    from analytics.ingest.intraday_store import IntradayStore

    print(watch_status().line())
    store = IntradayStore(engine)
    today = datetime.now(UTC).date()
    for instrument in ("usdjpy", "btcusd"):
        last = store.last_start(instrument)
        if last is not None:
            print(f"  last {instrument} bar: {last:%Y-%m-%d %H:%M} UTC")
    config = WatchConfig.from_env()
    if config is not None:
        used = store.requests_on(FX_PROVIDER, today)
        print(f"  Twelve Data requests today (UTC): {used} of {config.pace.daily_cap} allowed")
        state = store.state(FX_PROVIDER)
        if state.failures:
            print(f"  last problem: {state.last_error}")


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
