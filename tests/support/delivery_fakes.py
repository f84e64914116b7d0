"""The fake platforms as a fan-out meets them: flood limits, channel posts with nonces, a thread.

- ``LimitedBotAPI``: the fake Bot API (``tests.support.fake_telegram``) with Telegram's flood
  control: more than ``limit`` messages in any ``window`` seconds are answered 429 with
  ``retry_after`` (whole seconds, as Telegram sends it); optional latency, per chat too.
- ``ChannelDiscord``: the fake Discord (``tests.support.fake_discord``) plus
  ``POST /channels/{id}/messages``; with ``enforce_nonce`` a repeated nonce within
  ``nonce_window`` seconds returns the message already created, as Discord does.
- ``ServerThread``: runs either on its own event loop in a daemon thread, so it outlives a
  worker process the test kills and keeps answering while the test's loop is busy.
"""

from __future__ import annotations

import asyncio
import math
import re
import threading
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiohttp import web

from tests.support import discord_payloads as wire
from tests.support.discord_payloads import snowflake
from tests.support.fake_discord import Call as DiscordCall
from tests.support.fake_discord import FakeDiscord, _json
from tests.support.fake_telegram import Call, FakeBotAPI, _error, _read_params

SEND_METHODS = ("sendMessage", "sendPhoto")
S = TypeVar("S")
T = TypeVar("T")


@dataclass
class LimitedBotAPI(FakeBotAPI):
    """The fake Bot API with a strict flood limit on sends (``limit`` 0: none)."""

    limit: int = 30
    window: float = 1.0
    latency: float = 0.0
    chat_latency: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._accepted: deque[float] = deque()
        # When the limiter let each send through, on its own clock (a call's ``at`` comes later,
        # once its body is read, so a slow read would shift it off the instant that counted).
        self.admitted: list[float] = []

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method not in SEND_METHODS:
            return await super()._handle(request)
        now = time.perf_counter()
        if self.limit:
            while self._accepted and self._accepted[0] <= now - self.window:
                self._accepted.popleft()
            if len(self._accepted) >= self.limit:
                wait = max(1, math.ceil(self._accepted[0] + self.window - now))
                params, files = await _read_params(request)
                response = _error(
                    429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}
                )
                return await self._record(method, params, files, response)
            self._accepted.append(now)
            self.admitted.append(now)
        delay = self.latency
        if self.chat_latency:
            params, _ = await _read_params(request)
            delay += self.chat_latency.get(str(params.get("chat_id")), 0.0)
        if delay:
            await asyncio.sleep(delay)
        return await super()._handle(request)

    def add_chats(self, chat_ids: list[str], kind: str = "supergroup") -> None:
        """Make many group chats known at once."""
        for chat_id in chat_ids:
            self.add_chat({"id": int(chat_id), "title": f"Chat {chat_id}", "type": kind})

    def floods(self) -> list[Call]:
        """Sends answered with 429, in order."""
        return [c for c in self.calls if c.method in SEND_METHODS and c.status == 429]


class ChannelDiscord(FakeDiscord):
    """The fake Discord with channel messages, nonce de-duplication and forbidden channels."""

    def __init__(self, *args: Any, nonce_window: float = 240.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nonce_window = nonce_window
        self.created: list[dict[str, Any]] = []
        self.forbidden: set[str] = set()
        self._nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    async def _route(self, call: DiscordCall) -> web.Response:
        match = re.match(r"^/channels/(\d+)/messages$", call.path)
        if call.method == "POST" and match:
            return self._post_message(call, match.group(1))
        return await super()._route(call)

    def _post_message(self, call: DiscordCall, channel_id: str) -> web.Response:
        if not call.authorized:
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        if channel_id in self.forbidden:
            return _json({"message": "Missing Access", "code": 50001}, 403)
        body = call.body or {}
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce"):
            seen = self._nonces.get((channel_id, str(nonce)))
            if seen is not None and call.at - seen[0] <= self.nonce_window:
                return _json(seen[1])
        files = [
            (p.filename or "file", len(p.data), p.content_type or "application/octet-stream")
            for p in call.files
        ]
        message = wire.message(
            message_id=snowflake(),
            channel_id=channel_id,
            author=self.bot,
            body=body,
            files=files,
            interaction_type=False,
        )
        if nonce:
            message["nonce"] = str(nonce)
            self._nonces[(channel_id, str(nonce))] = (call.at, message)
        self.created.append(message)
        return _json(message)

    def messages_in(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages created in a channel (repeats answered from the nonce are not counted)."""
        return [m for m in self.created if m["channel_id"] == channel_id]


class ServerThread(Generic[S]):
    """``with ServerThread(LimitedBotAPI(...)) as api:`` serves from a background thread."""

    def __init__(self, server: S) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-platform", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.server.start())  # type: ignore[attr-defined]
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self.server.stop())  # type: ignore[attr-defined]
        self._loop.close()

    def __enter__(self) -> S:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self.server

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop (e.g. a server method that must run there)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)
