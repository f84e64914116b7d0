"""A burst of ``/carry`` from many groups at once against the flood-limited fake Bot API.

The real Telegram adapter (long polling, as ``carrybot run`` starts it) answers; the fake server
(``LimitedBotAPI``: 30 messages in any second, 429 with ``retry_after`` beyond) runs in a thread
of its own. Used by ``tests/test_telegram_burst.py`` and ``benchmarks/bench_replies.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.sending.budget import make_pacer
from bot.sending.pacing import Pacer
from bot.telegram.adapter import TelegramAdapter
from commands.services import Services
from tests.support import telegram_updates as tu
from tests.support.delivery_fakes import LimitedBotAPI, ServerThread
from tests.support.fanout import group_ids
from tests.support.telegram_harness import TOKEN, environment


@dataclass(frozen=True)
class Burst:
    """What the groups saw."""

    groups: int
    answers: Counter[str]  # accepted replies per group
    floods: int  # sends answered 429
    lookups: int  # getChatMember calls
    accepted: list[float]  # when the server accepted each reply (perf_counter)
    latencies: list[float]  # command sent → reply accepted, per answered group
    busiest_second: int  # most replies accepted in any one second
    lost: int  # replies the adapter reported as not posted

    @property
    def answered(self) -> int:
        return len(self.answers)

    def steady_rate(self, trim: float = 0.1) -> float:
        """Replies a second over the middle of the run (the first and last ``trim`` left out:
        start-up and the tail are not the steady rate)."""
        times = sorted(self.accepted)
        low, high = int(len(times) * trim), int(len(times) * (1 - trim)) - 1
        if high <= low:
            return 0.0
        return (high - low) / (times[high] - times[low])


def busiest(times: list[float], window: float = 1.0) -> int:
    """Most events in any ``window`` seconds."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def burst(
    services: Services,
    groups: int = 300,
    *,
    limit: int = 30,
    timeout: float = 60.0,
    shared: bool = False,
) -> Burst:
    """``groups`` groups each send ``/carry`` within the same second; wait for every answer
    (or ``timeout``). With ``shared`` the replies take their slots from the token's budget in
    the database (``bot.sending.budget``: PostgreSQL), as ``carrybot run`` does there."""
    ids = [int(chat) for chat in group_ids(groups, start=500_000)]
    server = ServerThread(LimitedBotAPI(token=TOKEN, username="carrybot_test_bot", limit=limit))
    with server as api:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url}
        pacer = make_pacer(services.settings.engine, {"telegram": TOKEN}) if shared else Pacer()
        with environment(env):
            adapter = TelegramAdapter.from_env(services, pacer=pacer)
        assert adapter is not None
        await asyncio.wait_for(adapter.start(), 15)
        try:
            sent_at: dict[int, float] = {}
            updates: list[dict[str, Any]] = []
            for n, chat_id in enumerate(ids):
                chat = tu.group(chat_id, f"Desk {n}")
                updates.append(tu.group_command("/carry", chat, tu.user(9000 + n, f"Member {n}")))

            async def push_all() -> None:
                for update in updates:
                    await api.push(update)
                    sent_at[update["message"]["message_id"]] = time.perf_counter()

            # The updates are queued on the server's own loop, all within the same moment.
            await asyncio.get_running_loop().run_in_executor(None, server.run, push_all())
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and len(_answered(api)) < groups:
                await asyncio.sleep(0.1)
        finally:
            await asyncio.wait_for(adapter.stop(), 15)
            pacer.close()
        replies = api.sent()
        latencies = [
            call.at - sent_at[call.params["reply_parameters"]["message_id"]]
            for call in replies
            if (call.params.get("reply_parameters") or {}).get("message_id") in sent_at
        ]
        accepted = [call.at for call in replies]
        return Burst(
            groups=groups,
            answers=Counter(str(call.chat_id()) for call in replies),
            floods=len(api.floods()),
            lookups=len(api.calls_to("getChatMember")),
            accepted=accepted,
            latencies=latencies,
            busiest_second=busiest(api.admitted),
            lost=adapter.replies_lost,
        )


def _answered(api: LimitedBotAPI) -> set[str | None]:
    return {call.chat_id() for call in api.sent()}
