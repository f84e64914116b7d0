"""Store benchmarks: build from the seed, a refresh with nothing new, peak memory of `carrybot status`.

Run: python benchmarks/bench_store.py [--postgres URL]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.ingest.refresh import refresh  # noqa: E402
from analytics.ingest.seed import ensure_loaded  # noqa: E402
from analytics.ingest.store import ObservationStore  # noqa: E402
from analytics.sources import ecb, fred, mof  # noqa: E402
from analytics.sources.http import RetryPolicy  # noqa: E402
from analytics.storage.database import open_database  # noqa: E402
from tests.support.http_server import LocalServer  # noqa: E402

RAW = ROOT.parent / "shared" / "data" / "raw"
FRED_FILES = {
    "DGS2": "DGS2_1990-2025.csv",
    "DGS10": "DGS10_1962-2026.csv",
    "DEXJPUS": "DEXJPUS_2015-2025.csv",
}


def bench_seed_build(url: str) -> ObservationStore:
    store = ObservationStore(open_database(url))
    started = time.perf_counter()
    info = ensure_loaded(store)
    print(f"  build store from seed: {time.perf_counter() - started:.2f} s ({info.rows} rows)")
    return store


def bench_refresh_nothing_new(store: ObservationStore) -> None:
    with LocalServer() as server:
        for name in ("FRED", "MOF", "ECB"):
            os.environ[f"CARRYBOT_{name}_URL"] = server.url
        for code, name in FRED_FILES.items():
            server.serve_file(fred.PATH, RAW / name, query={"id": code})
        server.serve_file(mof.HISTORY_PATH, RAW / "jgbcme_all.csv")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(RAW / "eurofxref-hist.csv", "eurofxref-hist.csv")
        server.serve_bytes(ecb.HISTORY_PATH, buffer.getvalue())
        policy = RetryPolicy(attempts=1)
        today = date(2026, 11, 24)
        refresh(store, ["fred", "mof", "ecb"], today=today, policy=policy)  # replaces seed labels
        started = time.perf_counter()
        results = refresh(store, ["fred", "mof", "ecb"], today=today, policy=policy)
        elapsed = time.perf_counter() - started
    changed = sum(r.inserted + r.revised for r in results)
    requests = sum(r.requests for r in results)
    print(
        f"  refresh with nothing new: {elapsed:.2f} s ({requests} requests, {changed} rows changed)"
    )


def bench_status_memory(url: str) -> None:
    env = dict(os.environ, CARRYBOT_DATABASE_URL=url)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "status"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  carrybot status: {elapsed:.2f} s wall, peak RSS {peak_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="also run on this PostgreSQL URL (an empty database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        targets = [("SQLite", f"sqlite:///{home}/bench.sqlite3")]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        for label, url in targets:
            print(label)
            store = bench_seed_build(url)
            bench_refresh_nothing_new(store)
            bench_status_memory(url)


if __name__ == "__main__":
    main()
