"""`carrybot brief`: warm store wall time and peak memory (targets ≤ 1.5 s, ≤ 250 MB), and the
briefing with its refresh against a local server serving the real files, with nothing new, and
the briefing of 5 Aug 2024 on the store that refresh filled (risk assets, VIX, full FRED history).

Run: python benchmarks/bench_brief.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.http_server import LocalServer  # noqa: E402
from tests.support.paths import RAW_DIR  # noqa: E402
from tests.support.raw_server import serve_real_files, source_environment  # noqa: E402


def run(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Wall time of one ``carrybot`` run and its stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started, done.stderr.decode()


def refresh_seconds(stderr: str) -> float:
    match = re.search(r"refresh done in ([\d.]+) s", stderr)
    return float(match.group(1)) if match else float("nan")


def first_and_again(label: str, runs: list[float]) -> str:
    """The first run on this data computes the snapshot; the runs after it read it back."""
    again = runs[1:] or runs
    return (
        f"{label}: computed {runs[0]:.2f} s; again on the same data (snapshot cached) "
        f"median {statistics.median(again):.2f} s, max {max(again):.2f} s (target ≤ 1.5 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=6)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, CARRYBOT_HOME=home)
        env.pop("CARRYBOT_DATABASE_URL", None)
        cold, _ = run(env, "status")  # fills the store from the seed: the store is warm afterwards
        past = [run(env, "brief", "--date", "2024-08-02")[0] for _ in range(options.runs)]
        offline = [run(env, "brief", "--offline")[0] for _ in range(options.runs)]
        with LocalServer() as server:
            serve_real_files(server, RAW_DIR)
            served = dict(env, **source_environment(server))
            first, _ = run(served, "brief")  # stores what the server has (VIX, newer H.10 days)
            hits = len(server.hits())
            again = [run(served, "brief") for _ in range(options.runs)]
            per_run = (len(server.hits()) - hits) / options.runs
        # The store now holds what a live bot has: risk assets, VIX and the full FRED history.
        live = [run(env, "brief", "--date", "2024-08-05")[0] for _ in range(options.runs)]
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"first run (seed load + status): {cold:.2f} s")
    print(first_and_again("carrybot brief --date 2024-08-02, warm store", past))
    print(first_and_again("carrybot brief --offline (today), warm store", offline))
    print(f"carrybot brief, first refresh from the local server of real files: {first:.2f} s")
    totals = [seconds for seconds, _ in again]
    refreshes = [refresh_seconds(stderr) for _, stderr in again]
    print(
        f"carrybot brief with a refresh that finds nothing new ({per_run:.0f} requests): "
        f"median {statistics.median(totals):.2f} s, of which refresh "
        f"{statistics.median(refreshes):.2f} s"
    )
    print(first_and_again("carrybot brief --date 2024-08-05 on the refreshed store", live))
    print(f"peak RSS of any run: {peak_mb:.0f} MB (target ≤ 250 MB)")


if __name__ == "__main__":
    main()
