"""Updates of one chat in the order they came, different chats concurrently.

python-telegram-bot runs concurrent updates in any order. A chat's own order matters: a group's
migration notice must be handled before the first command in the new supergroup, and replies
should not overtake each other. Each update waits for its chat's lock first and only then for one
of the ``running`` slots, so a busy chat queues behind itself without taking slots the other
chats need; the library's own limit (``in_hand``) only bounds how many updates wait in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """At most ``running`` handlers at once, one at a time per chat."""

    def __init__(self, running: int, in_hand: int = 4096) -> None:
        super().__init__(in_hand)
        self._running = asyncio.BoundedSemaphore(running)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._running:
                await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
