"""Decision days in ``carrybot run``: the banks' feeds watched on meeting days, and live moves
recorded after each refresh.

``decision_loop`` asks ``analytics.policy.watch.DecisionWatch`` once a minute (it makes requests
only inside a meeting's announcement window); a decision it records is stored as *announced*,
the snapshot is recomputed, and the scheduler's next tick posts it. ``record_live_moves`` runs
after a refresh that brought new data: a move of the live rates nobody recorded is stored
(``analytics.policy.sync``), which the tick posts too. Runs wherever the data refresh runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from analytics.ingest.store import ObservationStore
from analytics.policy.records import DecisionStore
from analytics.policy.sync import sync_live
from analytics.policy.watch import DecisionWatch
from bot.runtime.refresh_loop import in_daemon_thread, warm
from commands.services import Services

log = logging.getLogger(__name__)

POLL_SECONDS = 60.0


async def decision_loop(
    store: ObservationStore,
    services: Services,
    stop: asyncio.Event,
    watch: DecisionWatch | None = None,
    every: float = POLL_SECONDS,
) -> None:
    """Poll the feeds of the banks meeting today until ``stop``."""
    watch = watch or DecisionWatch(DecisionStore(store.engine))
    while not stop.is_set():
        try:
            lines = await in_daemon_thread(watch.poll)
        except Exception:
            log.exception("watching the banks' feeds failed")
        else:
            for line in lines:
                log.info("decision watch: %s", line)
            if any(": recorded" in line for line in lines):
                services.snapshots.invalidate()
                await warm(services)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


def record_live_moves(store: ObservationStore) -> list[str]:
    """Store the live moves nobody recorded, confirm stored decisions the live rates show."""
    done = sync_live(DecisionStore(store.engine), store.load(), datetime.now(UTC).date())
    for line in done:
        log.info("decisions: %s", line)
    return done
