"""Telegram webhook endpoint (aiohttp): checks the secret token on every request.

Telegram sends each update as a POST with the ``X-Telegram-Bot-Api-Secret-Token`` header given
to ``setWebhook``; anything else is answered 403 and dropped. The socket is opened with
``SO_REUSEPORT`` so several worker processes can serve the same port behind one URL; they agree
on the secret because it comes from ``TELEGRAM_WEBHOOK_SECRET`` or is derived from the token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


def derived_secret(token: str) -> str:
    """A webhook secret every worker of the same bot computes alike (1-256 chars of A-Za-z0-9_-)."""
    return hmac.new(token.encode(), b"carrybot webhook secret", hashlib.sha256).hexdigest()


def webhook_path(url: str) -> str:
    """The path part of the public webhook URL (``/`` when it has none)."""
    return urlsplit(url).path or "/"


class WebhookServer:
    """Receives updates on ``listen:port`` + the webhook URL's path and queues them."""

    def __init__(
        self, application: Application, *, secret: str, listen: str, port: int, path: str
    ) -> None:
        self.application = application
        self.secret = secret
        self.listen = listen
        self.port = port
        self.path = path
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            self.listen,
            self.port,
            reuse_port=sys.platform != "win32",
        )
        await site.start()
        server: Any = site._server
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        log.info("webhook listening on %s:%s%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request with a wrong secret token from %s", request.remote)
            return web.Response(status=403, text="wrong secret token")
        try:
            payload = json.loads(await request.read())
            update = Update.de_json(payload, self.application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not an update")
        await self.application.update_queue.put(update)
        return web.Response(status=200)
