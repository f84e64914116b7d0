"""One chat flooded: how much it delays the others (target: no other chat more than 1 s).

Twenty briefings (``--chats``) are due at once; one worker sends them through the real
python-telegram-bot ``Bot`` to the fake Bot API at Telegram's 30 messages a second. In the
flooded run the first chat answers 429 with ``retry_after`` 40 once (``--retry-after``), as a busy
group does. Each other chat's briefing time is compared with the same chat's in a run without
the flood; the flooded chat's own wait is printed too. A reply to another chat during the pause
is timed as well (replies and deliveries share the pacer).

Run: python benchmarks/bench_flood.py [--chats 20] [--retry-after 40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.storage.database import open_database  # noqa: E402
from bot.sending.pacing import Pacer  # noqa: E402
from commands.services import Services  # noqa: E402
from commands.settings.store import SettingsStore  # noqa: E402
from tests.support.delivery_fakes import LimitedBotAPI, ServerThread  # noqa: E402
from tests.support.fanout import (  # noqa: E402
    TOKEN,
    group_ids,
    run_telegram_worker,
    scheduler_for,
    subscribe,
)
from tests.support.snapshots import provider  # noqa: E402

DUE = datetime(2026, 6, 11, 23, 0, 1, tzinfo=UTC)  # 08:00:01 in Tokyo


def fan_out(chats: int, flood: float | None) -> tuple[dict[str, float], float]:
    """Each chat's accepted briefing, seconds after the first send of the run; and the flooded
    chat's wait between its 429 and its briefing (0 without a flood)."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        services = Services(SettingsStore(engine), provider("stressed"))
        services.snapshots.current()
        ids = group_ids(chats)
        subscribe(engine, ids, timezone="Asia/Tokyo", languages=("en",))
        scheduler_for(engine, services).tick(DUE)
        with ServerThread(LimitedBotAPI(token=TOKEN, limit=30, window=1.0)) as api:
            api.add_chats(ids)
            if flood is not None:
                api.flood(ids[0], retry_after=int(flood))
            asyncio.run(run_telegram_worker(engine, services, api.base_url, rate=30.0))
            calls = [c for c in api.calls if c.method == "sendMessage"]
            sent = {c.chat_id(): c.at for c in api.sent()}
        engine.dispose()
    start = min(c.at for c in calls)
    wait = 0.0
    floods = [c for c in calls if c.status == 429]
    if floods:
        wait = sent[ids[0]] - floods[0].at
    return {chat: at - start for chat, at in sent.items()}, wait


def reply_during_a_chat_pause(seconds: float) -> float:
    """Seconds a reply to another chat waits for its slot while one chat is paused."""
    pacer = Pacer()

    async def main() -> float:
        pacer.flooded("telegram", "-100busy", seconds)
        started = time.perf_counter()
        await pacer.reply_pacing("telegram", "-100other").next_request()
        return time.perf_counter() - started

    return asyncio.run(main())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--retry-after", type=float, default=40.0)
    args = parser.parse_args()
    base, _ = fan_out(args.chats, None)
    flooded, wait = fan_out(args.chats, args.retry_after)
    busy = group_ids(args.chats)[0]
    delays = [flooded[chat] - base[chat] for chat in base if chat != busy]
    print(
        f"{args.chats} briefings due, chat {busy} answers 429 retry_after {args.retry_after:g} once"
    )
    print(f"other chats delayed by the flood: max {max(delays):+.2f} s, "
          f"median {statistics.median(delays):+.2f} s (target: none over 1 s)")  # fmt: skip
    print(f"other chats all posted {max(flooded[c] for c in flooded if c != busy):.2f} s after "
          f"the first send (without the flood: {max(base.values()):.2f} s)")  # fmt: skip
    print(f"the flooded chat waited {wait:.1f} s (asked: {args.retry_after:g} s)")
    print(f"a reply to another chat during the pause waited {reply_during_a_chat_pause(40):.3f} s")
    return 0 if max(delays) <= 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
