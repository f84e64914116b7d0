"""The intraday watch in ``carrybot run``: poll when due, alert at once on new USD/JPY bars.

Each turn asks the poller (``analytics.ingest.intraday``) in a daemon thread; on PostgreSQL only
one process polls at a time and the others find the poll done. When the poll stored new USD/JPY
bars the intraday alert step runs right away (it also runs every scheduler tick), so an alert
follows its bar within seconds. Between turns the loop sleeps until the next poll is due (at
most a minute, so a process that did not hold the lock looks again soon).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from datetime import datetime

from analytics.ingest.intraday import IntradayPoller, PollResult
from analytics.ingest.intraday_clock import WatchClock
from bot.runtime.refresh_loop import in_daemon_thread

log = logging.getLogger(__name__)

MAX_SLEEP = 60.0  # clock seconds between two looks at the poll schedule
MIN_SLEEP = 1.0


async def intraday_loop(
    poller: IntradayPoller,
    clock: WatchClock,
    stop: asyncio.Event,
    alert: Callable[[datetime], int] | None = None,
) -> None:
    """Poll and alert until ``stop``."""
    while not stop.is_set():
        result: PollResult | None = None
        try:
            result = await in_daemon_thread(functools.partial(poller.poll, clock.now()))
        except Exception:
            log.exception("the intraday poll failed")
        if result is not None and result.new_fx_bars and alert is not None:
            try:
                await in_daemon_thread(functools.partial(alert, clock.now()))
            except Exception:
                log.exception("the intraday alert step failed")
        wait = MAX_SLEEP
        if result is not None and result.next_at is not None:
            wait = (result.next_at - clock.now()).total_seconds()
        wait = min(MAX_SLEEP, max(MIN_SLEEP, wait))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), clock.real_seconds(wait))
