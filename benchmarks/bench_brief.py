"""`carrybot brief` with a warm store: wall time and peak memory (targets ≤ 2 s, ≤ 250 MB).

Run: python benchmarks/bench_brief.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, CARRYBOT_HOME=home)
        env.pop("CARRYBOT_DATABASE_URL", None)
        cold = run(env, "status")  # fills the store from the seed: the store is warm afterwards
        times = [run(env, "brief", "--date", "2024-08-02") for _ in range(options.runs)]
        today = [run(env, "brief") for _ in range(options.runs)]
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"first run (seed load + status): {cold:.2f} s")
    print(
        f"carrybot brief --date 2024-08-02, warm store: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s (target ≤ 2 s)"
    )
    print(f"carrybot brief (today), warm store: median {statistics.median(today):.2f} s")
    print(f"peak RSS of any run: {peak_mb:.0f} MB (target ≤ 250 MB)")


if __name__ == "__main__":
    main()
