"""Decision days in ``carrybot run``: live moves recorded after a refresh with new data, the feeds'
watch polled once a minute and a recorded decision recomputing the snapshot."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from analytics.ingest.refresh import SourceResult
from analytics.ingest.store import ObservationStore
from analytics.policy.records import DecisionStore
from analytics.policy.sync import HORIZON
from analytics.sources import boj
from analytics.storage.database import open_database
from bot.runtime import refresh_loop
from bot.runtime.decision_watch import decision_loop, record_live_moves
from tests.support.policy_data import BOJ_2024_2026, boj_call_body
from tests.test_telegram_runtime import StubSnapshots


def test_a_refresh_with_new_data_runs_the_hook_before_the_snapshot_is_rebuilt() -> None:
    snapshots = StubSnapshots()
    services: Any = type("S", (), {"snapshots": snapshots})()
    order: list[str] = []

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def fetch(store: object, names: object, **_: Any) -> list[SourceResult]:
            order.append("refresh")
            if order.count("refresh") == 2:
                loop.call_soon_threadsafe(stop.set)
            return [SourceResult("boj", 1, 1, inserted=order.count("refresh") - 1)]

        def hook(store: object) -> None:
            order.append(f"hook, snapshot invalidated {snapshots.invalidated} times")

        await asyncio.wait_for(
            refresh_loop.refresh_loop(
                object(), services, 0.05, stop, threading.Event(), fetch, after_new_data=hook
            ),
            5,
        )

    asyncio.run(main())
    # nothing new the first time: no hook; then the hook runs before the snapshot is recomputed
    assert order == ["refresh", "refresh", "hook, snapshot invalidated 0 times"]
    assert snapshots.invalidated == 1


def test_record_live_moves_stores_a_move_the_live_rate_shows(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    store = ObservationStore(engine)
    today = datetime.now(UTC).date()
    start = date(2026, 11, 2)
    segments = (*BOJ_2024_2026, (start.isoformat(), today.isoformat(), 1.477))
    store.upsert(boj.parse(boj_call_body(segments)), source="boj")
    if today - start > HORIZON:
        pytest.skip("the move is older than the horizon of moves recorded")
    assert record_live_moves(store) == ["boj 2026-10-30: a live move recorded (1.5-1.5%)"]
    stored = DecisionStore(engine).get("boj", date(2026, 10, 30))
    assert stored is not None and (stored.status, stored.source) == ("live", "jp.call")
    assert record_live_moves(store) == []  # once
    engine.dispose()


class FakeWatch:
    def __init__(self, rounds: list[list[str]]) -> None:
        self.rounds = rounds

    def poll(self) -> list[str]:
        return self.rounds.pop(0) if self.rounds else []


def test_the_watch_loop_recomputes_the_snapshot_when_a_decision_is_recorded() -> None:
    snapshots = StubSnapshots()
    services: Any = type("S", (), {"snapshots": snapshots})()
    watch = FakeWatch(
        [
            ["fed 2026-09-16: not listed yet"],
            ["fed 2026-09-16: recorded 3.75-4.00% from 2026-09-17 (new)"],
        ]
    )

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(decision_loop(object(), services, stop, watch, every=0.05))  # type: ignore[arg-type]
        while watch.rounds:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    assert (snapshots.invalidated, snapshots.computed) == (1, 1)
