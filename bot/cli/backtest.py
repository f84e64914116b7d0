"""``carrybot backtest``: replay the signal over history, day by day."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bot.cli.args import write_output


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
        # The seed never holds the VIX, but fetches into the same store may (``vix_origin``).
        origin = (
            f"the data store ({redact_url(database_url())}) — "
            f"{backtest.vix_origin(obs, is_seed_source)}"
        )
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
