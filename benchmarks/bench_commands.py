"""The command layer with a warm snapshot: ``/carry`` as plain text, and chart replies.

Builds a store from the bundled seed (or reuses ``--db``), computes the snapshot once, then
times ``dispatch("/carry") + render(text)`` over many runs (settings read from SQLite each
time, as live); ``/carry markets``, ``size``, ``hikes`` and ``whatif`` (recomputed per request).
Charts: the first render of a (kind, window) and the cached answer after it.

Run: python benchmarks/bench_commands.py [--runs 2000] [--db sqlite:///path]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.ingest.seed import open_seeded_store  # noqa: E402
from commands.context import CommandContext  # noqa: E402
from commands.dispatch import dispatch, make_services  # noqa: E402
from commands.presentation.render import render  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def timed_ms(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file from the seed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = args.db or f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
        started = time.perf_counter()
        store = open_seeded_store(url)
        print(f"store ready ({store.count()} observations): {time.perf_counter() - started:.2f} s")
        services = make_services(store)
        ctx = CommandContext("console", "bench", "bench", "bench", True, now=datetime.now(UTC))
        build_ms = timed_ms(lambda: services.snapshots.current())
        print(f"snapshot computed (cold): {build_ms:.0f} ms")

        def carry_text() -> None:
            render(dispatch("/carry", ctx, services), "text")

        for _ in range(50):  # warm the templates, Babel and the connection pool
            carry_text()
        samples = [timed_ms(carry_text) for _ in range(args.runs)]
        print(
            f"/carry text, warm snapshot, {args.runs} runs: "
            f"p50 {percentile(samples, 0.50):.2f} ms, p99 {percentile(samples, 0.99):.2f} ms, "
            f"mean {statistics.fmean(samples):.2f} ms"
        )
        for fmt in ("telegram_html", "discord"):
            other = [
                timed_ms(lambda f=fmt: render(dispatch("/carry", ctx, services), f))
                for _ in range(args.runs // 4)
            ]
            print(
                f"/carry {fmt}: p50 {percentile(other, 0.5):.2f} ms, "
                f"p99 {percentile(other, 0.99):.2f} ms"
            )

        for command in ("/carry markets", "/carry size", "/carry hikes", "/carry whatif boj +25"):
            times = [
                timed_ms(lambda c=command: render(dispatch(c, ctx, services), "telegram_html"))
                for _ in range(max(args.runs // 20, 20))
            ]
            print(
                f"{command} (Telegram HTML): p50 {percentile(times, 0.5):.2f} ms, "
                f"p99 {percentile(times, 0.99):.2f} ms"
            )

        for kind, window in (("gap", "1y"), ("pressure", "5y")):
            first = timed_ms(
                lambda k=kind, w=window: dispatch(f"/carry chart {k} {w}", ctx, services)
            )
            cached = [
                timed_ms(lambda k=kind, w=window: dispatch(f"/carry chart {k} {w}", ctx, services))
                for _ in range(200)
            ]
            print(
                f"/carry chart {kind} {window}: first render {first:.0f} ms, "
                f"cached p50 {percentile(cached, 0.5):.2f} ms, "
                f"p99 {percentile(cached, 0.99):.2f} ms"
            )
        store.engine.dispose()
        services.settings.engine.dispose()


if __name__ == "__main__":
    main()
