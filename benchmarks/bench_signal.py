"""Signal benchmarks on the real history: full recompute and a one-day incremental update.

Full recompute: long observations (every series, 1985 warm-up to today) → point-in-time panel →
components and pillars → regime machine → snapshot. Incremental: ``pipeline.advance`` by one
business day from the previous day's computation. Targets: ≤ 0.5 s and ≤ 20 ms.

Run: python benchmarks/bench_signal.py [--raw DIR] [--repeat N]
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
from analytics.narrative import snapshot  # noqa: E402
from analytics.signal import panel, pipeline  # noqa: E402

RAW = ROOT.parent / "shared" / "data" / "raw"


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Best and median wall time of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=RAW)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    today = date.today()

    started = time.perf_counter()
    obs = rawfiles.read_directory(args.raw)
    print(
        f"parse raw files (not part of a recompute): {time.perf_counter() - started:.2f} s, "
        f"{len(obs):,} observations, {obs['series'].nunique()} series"
    )

    end = pd.Timestamp(today)
    pipeline.compute(obs, end=end)  # warm caches (anchor and policy tables)
    best, median, run = timed(lambda: pipeline.compute(obs, end=end), args.repeat)
    assert isinstance(run, pipeline.Computation)
    print(
        f"full recompute {run.panel.index[0]:%Y-%m-%d}..{run.day:%Y-%m-%d} "
        f"({len(run.panel.index):,} business days): best {best * 1000:.0f} ms, "
        f"median {median * 1000:.0f} ms (target ≤ 500 ms)"
    )
    best, median, _ = timed(lambda: snapshot.build_snapshot(obs, today), args.repeat)
    print(f"full recompute + snapshot: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms")

    avail = panel.availability(obs)
    days = pd.bdate_range("2024-07-01", "2024-09-30")
    start = days[0] - pd.offsets.BDay(1)
    state = pipeline.compute(obs[avail <= start], end=start)
    steps = []
    for day in days:
        new = obs[(avail > state.day) & (avail <= day)]
        began = time.perf_counter()
        state = pipeline.advance(state, new, day)
        steps.append(time.perf_counter() - began)
    print(
        f"incremental one-day update over {len(days)} days ({days[0]:%Y-%m-%d}.."
        f"{days[-1]:%Y-%m-%d}): median {statistics.median(steps) * 1000:.1f} ms, "
        f"max {max(steps) * 1000:.1f} ms (target ≤ 20 ms)"
    )


if __name__ == "__main__":
    main()
