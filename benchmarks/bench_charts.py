"""Chart rendering on the real history: the first render of each chart and the cached reply.

Reads the raw files (FRED, MoF, ECB, Cboe, CFTC, the risk assets: what a refreshed store holds),
computes once, then for every kind and window times the first render (matplotlib already
loaded; the process's very first chart, which loads it, is reported apart) and the cached
``/carry chart`` reply (dispatch with the PNG from the cache).

Run: python benchmarks/bench_charts.py [--raw DIR] [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from analytics.charts.frames import chart_frame  # noqa: E402
from analytics.ingest import rawfiles  # noqa: E402
from analytics.narrative.snapshot import build_snapshot  # noqa: E402
from analytics.signal import pipeline  # noqa: E402
from analytics.signal.panel import last_market_day  # noqa: E402
from analytics.storage.database import open_database  # noqa: E402
from commands.context import CommandContext  # noqa: E402
from commands.dispatch import dispatch  # noqa: E402
from commands.handlers.charts import make_chart  # noqa: E402
from commands.services import Services, SnapshotProvider  # noqa: E402
from commands.settings.store import SettingsStore  # noqa: E402

RAW = ROOT.parent / "shared" / "data" / "raw"
CHARTS = [
    ("gap", "3m"),
    ("gap", "1y"),
    ("gap", "5y"),
    ("gap", "max"),
    ("pressure", "3m"),
    ("pressure", "1y"),
    ("pressure", "5y"),
    ("pressure", "max"),
    ("markets", "3m"),
    ("markets", "1y"),
    ("markets", "5y"),
]


def ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=RAW)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    obs = rawfiles.read_directory(args.raw)
    today = date.today()
    computation = pipeline.compute(obs, end=last_market_day(obs, pd.Timestamp(today)))
    snapshot = build_snapshot(obs, today, computation=computation)
    started = time.perf_counter()
    frame = chart_frame(computation, obs)
    print(f"chart frame ({len(frame)} days, risk assets joined): {ms(started):.1f} ms")

    started = time.perf_counter()
    make_chart(frame, "gap", "1y")
    print(f"the process's first chart (loads matplotlib): {ms(started):.0f} ms")

    with tempfile.TemporaryDirectory() as workdir:
        engine = open_database(f"sqlite:///{Path(workdir) / 'bench.sqlite3'}")
        provider = SnapshotProvider(lambda: (snapshot, frame, computation), make_chart)
        services = Services(SettingsStore(engine), provider)
        ctx = CommandContext("console", "bench", "bench", "bench", True, now=datetime.now(UTC))
        for kind, window in CHARTS:
            first = provider.chart(kind, window)
            cached = []
            for _ in range(args.runs):
                started = time.perf_counter()
                reply = dispatch(f"/carry chart {kind} {window}", ctx, services)
                cached.append(ms(started))
            shown = "PNG" if reply.image is not None else "no image"
            print(
                f"chart {kind:<8} {window:<3}: first render {first.seconds * 1000:4.0f} ms, "
                f"cached reply p50 {statistics.median(cached):.2f} ms, "
                f"max {max(cached):.2f} ms ({shown}, {len(first.png) // 1024} KiB)"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
