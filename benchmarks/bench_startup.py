"""Start-up: `carrybot --help`, an argument error, `carrybot brief` and `carrybot chat`.

`--help` and argument errors must import nothing heavy (target ≤ 0.2 s). `brief` is timed to
its exit with a warm store; `chat` from launch to its first answer (`/carry help` piped in).
Each figure is the median of N runs in fresh processes; memory is each run's peak RSS.

Run: python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The console script a user runs (python -m bot.cli where it is not installed).
_SCRIPT = Path(sys.executable).parent / "carrybot"
CARRYBOT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]


def timed(env: dict[str, str], *args: str) -> tuple[float, float]:
    """Wall seconds and peak MB of ``carrybot ARGS`` run to its exit."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [*CARRYBOT, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS, in kB
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024


def first_chat_answer(env: dict[str, str]) -> float:
    """Seconds from launching `carrybot chat` to the end of its answer to `/carry help`."""
    started = time.perf_counter()
    chat = subprocess.Popen(
        [*CARRYBOT, "chat"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert chat.stdin is not None and chat.stdout is not None
    chat.stdin.write("/carry help\n")
    chat.stdin.flush()
    for number, line in enumerate(chat.stdout):  # the answer ends with a blank line
        if number and not line.strip():
            break
    seconds = time.perf_counter() - started
    chat.stdin.close()
    chat.wait(timeout=60)
    return seconds


def report(label: str, runs: list[tuple[float, float]], target: str = "") -> None:
    wall = [r[0] for r in runs]
    peak = max(r[1] for r in runs)
    print(
        f"{label:<36} median {statistics.median(wall):.3f} s, max {max(wall):.3f} s, "
        f"peak {peak:.0f} MB{'  ' + target if target else ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    n = options.runs
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, CARRYBOT_HOME=home)
        env.pop("CARRYBOT_DATABASE_URL", None)
        report("carrybot --help", [timed(env, "--help") for _ in range(n)], "(target ≤ 0.2 s)")
        errors = [timed(env, "brief", "--date", "someday") for _ in range(n)]
        report("carrybot brief --date someday (error)", errors, "(target ≤ 0.2 s)")
        cold = timed(env, "status")  # creates the database and loads the seed
        print(f"{'first run (schema + seed + status)':<36} {cold[0]:.3f} s, peak {cold[1]:.0f} MB")
        briefs = [timed(env, "brief", "--date", "2024-08-02") for _ in range(n)]
        report("carrybot brief --date 2024-08-02", briefs)
        chats = [first_chat_answer(env) for _ in range(n)]
        print(
            f"{'carrybot chat → first answer':<36} median {statistics.median(chats):.3f} s, "
            f"max {max(chats):.3f} s"
        )


if __name__ == "__main__":
    main()
