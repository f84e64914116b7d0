"""Benchmarks of the issue-11 analytics blocks on a warm frame (observations and computation in hand).

Each block runs on the real history as the briefing would: the long end, the markets block, the
day's moves, the measured carry size, a what-if, the level to watch and the hike event study.
Target: a few milliseconds each (the level to watch and the event study, tens at most).

Run: python benchmarks/bench_picture.py [--raw DIR] [--date YYYY-MM-DD] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from analytics.ingest import rawfiles  # noqa: E402
from analytics.picture import carry_size, daymoves, hikes, levels, longend, markets, whatif  # noqa: E402
from analytics.signal import pipeline  # noqa: E402

RAW = ROOT.parent / "shared" / "data" / "raw"


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best and median wall time of ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=RAW)
    parser.add_argument("--date", type=date.fromisoformat, default=date(2026, 4, 30))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    day = args.date

    obs = rawfiles.read_directory(args.raw)
    started = time.perf_counter()
    computation = pipeline.compute(obs, end=pd.Timestamp(day))
    print(
        f"full recompute to {day} (not part of the blocks): {time.perf_counter() - started:.2f} s"
    )
    fx = markets.observed_usdjpy(computation.panel)
    blocks: dict[str, Callable[[], object]] = {
        "observed USD/JPY from the panel": lambda: markets.observed_usdjpy(computation.panel),
        "long end": lambda: longend.block(obs, day),
        "markets block": lambda: markets.block(obs, day, fx),
        "day's moves": lambda: daymoves.day_moves(obs, computation, day),
        "measured carry size (CFTC)": lambda: carry_size.measured(obs, day, fx),
        "what-if BoJ +25 bp": lambda: whatif.what_if(computation, boj_bp=25),
        "level to watch": lambda: levels.elevated_level(computation),
        "hike event study": lambda: hikes.study(obs, day, fx),
    }
    for name, block in blocks.items():
        block()  # warm
        best, median = timed(block, args.repeat)
        print(f"{name:<34} best {best:6.1f} ms, median {median:6.1f} ms")


if __name__ == "__main__":
    main()
