"""A fake Telegram Bot API server (aiohttp on 127.0.0.1) for end-to-end tests of the bot.

The real python-telegram-bot ``Application`` talks to it over HTTP through
``TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot``. It serves ``/bot<token>/<method>`` with
parameters in the query string, a form, a multipart body (uploads) or JSON, as the real server
accepts them, and records every call. ``getUpdates`` long-polls (held until an update is queued or
the timeout passes; ``offset`` confirms earlier updates). Faults are programmable per method and
chat: flood control (429 with ``parameters.retry_after``), a blocked bot (403), a migrated group
(400 with ``parameters.migrate_to_chat_id``), a garbled answer (any body and status). Replies are
checked the way Telegram checks them: HTML parse mode must parse, text ≤ 4,096 and captions
≤ 1,024 characters after entity parsing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Parameters that are strings on the wire even when they look like numbers or JSON.
_STRING_PARAMS = frozenset(
    {"text", "caption", "parse_mode", "url", "secret_token", "language_code", "photo", "title"}
)
# Tags Telegram's HTML parse mode knows (https://core.telegram.org/bots/api#html-style).
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
        "tg-time",
    }
)
_HTML_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_post_messages": True,
    "can_edit_messages": True,
    "can_pin_messages": True,
}


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    name: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Call:
    """One Bot API request the server received (``at`` is ``time.perf_counter()``)."""

    method: str
    params: dict[str, Any]
    files: dict[str, Upload]
    at: float
    status: int = 200

    def chat_id(self) -> str | None:
        """The call's ``chat_id`` as a string (the wire sends numbers or ``@username``)."""
        value = self.params.get("chat_id")
        return None if value is None else str(value)


@dataclass
class Fault:
    """A programmed error: the next ``times`` matching calls fail (``None`` = every call)."""

    method: str
    chat_id: str | None
    error_code: int
    description: str
    parameters: dict[str, Any] | None = None
    times: int | None = 1
    raw: str | None = None  # answer this body as is (a garbled answer), not an error object

    def matches(self, method: str, chat_id: str | None) -> bool:
        return self.method == method and (self.chat_id is None or self.chat_id == chat_id)


class ApiError(Exception):
    """Raised inside a method handler to answer ``{"ok": false, ...}``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class _Webhook:
    url: str = ""
    secret_token: str = ""
    allowed_updates: list[str] | None = None


@dataclass
class FakeBotAPI:
    """The server. ``async with FakeBotAPI() as api:`` starts it on a random port."""

    token: str = "123:TEST"
    username: str = "carrybot_test_bot"
    first_name: str = "Carry Test Bot"
    calls: list[Call] = field(default_factory=list)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)
    served_at: dict[int, float] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    members: dict[tuple[str, str], str] = field(default_factory=dict)
    webhook: _Webhook = field(default_factory=_Webhook)
    port: int = 0  # 0: any free port; a fixed one lets a test bring "Telegram" back after an outage

    def __post_init__(self) -> None:
        self.bot_id = int(self.token.split(":", 1)[0])
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = itertools.count(1)
        self._message_ids: dict[str, itertools.count[int]] = {}
        self._files: dict[str, dict[str, Any]] = {}  # file_id -> photo size dict
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeBotAPI:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.1
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """The value for ``TELEGRAM_API_BASE_URL``."""
        return f"{self.url}/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot as a ``User`` object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    # -- test controls -----------------------------------------------------------------------

    async def push(self, update: Mapping[str, Any]) -> int:
        """Queue an update for ``getUpdates``; returns its ``update_id``."""
        payload = dict(update)
        payload.setdefault("update_id", next(self._next_update_id))
        self._remember_chats(payload)
        self._updates.append(payload)
        await self._notify()
        return int(payload["update_id"])

    async def post_webhook(
        self, update: Mapping[str, Any], secret: str | None = None
    ) -> tuple[int, str]:
        """Deliver an update to the registered webhook as Telegram does; returns (status, body).

        ``secret`` overrides the ``X-Telegram-Bot-Api-Secret-Token`` header (None: the one
        given to ``setWebhook``)."""
        payload = dict(update)
        payload.setdefault("update_id", next(self._next_update_id))
        self._remember_chats(payload)
        headers = {"Content-Type": "application/json"}
        token = self.webhook.secret_token if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        self.served_at.setdefault(int(payload["update_id"]), time.perf_counter())
        async with (
            ClientSession(timeout=ClientTimeout(total=10)) as session,
            session.post(self.webhook.url, data=json.dumps(payload), headers=headers) as resp,
        ):
            return resp.status, await resp.text()

    def fail(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        error_code: int,
        description: str,
        parameters: dict[str, Any] | None = None,
        times: int | None = 1,
    ) -> None:
        """Make matching calls fail with a Bot API error."""
        key = None if chat_id is None else str(chat_id)
        self.faults.append(Fault(method, key, error_code, description, parameters, times))

    def garble(
        self,
        method: str,
        body: str,
        *,
        status: int = 200,
        chat_id: int | str | None = None,
        times: int | None = 1,
        content_type: str = "application/json",
    ) -> None:
        """Answer matching calls with ``body`` as is: what a broken proxy or a truncated
        response looks like (``{"ok": true}`` without a result, an HTML page, cut-off JSON)."""
        key = None if chat_id is None else str(chat_id)
        fault = Fault(method, key, status, content_type, None, times, raw=body)
        self.faults.append(fault)

    def flood(self, chat_id: int | str, retry_after: int = 1, method: str = "sendMessage") -> None:
        """The next ``method`` to ``chat_id`` hits flood control."""
        self.fail(
            method,
            chat_id=chat_id,
            error_code=429,
            description=f"Too Many Requests: retry after {retry_after}",
            parameters={"retry_after": retry_after},
        )

    def block(self, chat_id: int | str) -> None:
        """From now on every send to ``chat_id`` is refused: the user blocked the bot."""
        for method in ("sendMessage", "sendPhoto", "sendChatAction"):
            self.fail(
                method,
                chat_id=chat_id,
                error_code=403,
                description="Forbidden: bot was blocked by the user",
                times=None,
            )

    def migrate(self, chat_id: int | str, new_chat_id: int) -> None:
        """Sends to the old group id answer that it became the supergroup ``new_chat_id``."""
        old = self.chats.get(str(chat_id), {})
        self.chats.setdefault(
            str(new_chat_id),
            {"id": new_chat_id, "title": old.get("title", ""), "type": "supergroup"},
        )
        for method in ("sendMessage", "sendPhoto"):
            self.fail(
                method,
                chat_id=chat_id,
                error_code=400,
                description="Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": new_chat_id},
                times=None,
            )

    def set_member(self, chat_id: int | str, user_id: int | str, status: str) -> None:
        """What ``getChatMember`` answers for this user in this chat."""
        self.members[(str(chat_id), str(user_id))] = status

    def calls_to(self, method: str, chat_id: int | str | None = None) -> list[Call]:
        """Successful and failed calls of ``method`` (to ``chat_id`` if given), in order."""
        key = None if chat_id is None else str(chat_id)
        return [c for c in self.calls if c.method == method and (key is None or c.chat_id() == key)]

    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        """Messages and photos that were accepted (status 200), in order."""
        key = None if chat_id is None else str(chat_id)
        return [
            c
            for c in self.calls
            if c.method in ("sendMessage", "sendPhoto")
            and c.status == 200
            and (key is None or c.chat_id() == key)
        ]

    async def wait_for(
        self,
        predicate: Callable[[FakeBotAPI], Any],
        timeout: float = 5.0,
    ) -> Any:
        """Wait until ``predicate(self)`` is truthy; return its value."""
        assert self._changed is not None, "server not started"
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while True:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    methods = [c.method for c in self.calls]
                    raise TimeoutError(f"condition not met within {timeout}s; calls: {methods}")
                # woken by every call; polled too, for state the bot keeps in its database
                try:
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
                except TimeoutError:
                    continue

    async def wait_sent(
        self, chat_id: int | str, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """Wait until ``count`` messages or photos reached ``chat_id``; return them."""
        return await self.wait_for(
            lambda api: (got := api.sent(chat_id)) and len(got) >= count and got,
            timeout,
        )

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await _read_params(request)
        if request.match_info["token"] != self.token:
            return await self._record(method, params, files, _error(401, "Unauthorized"))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return await self._record(method, params, files, _error(404, "Not Found"))
        chat = None if params.get("chat_id") is None else str(params["chat_id"])
        fault = next((f for f in self.faults if f.matches(method, chat)), None)
        if fault is not None:
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            if fault.raw is not None:
                response = web.Response(
                    text=fault.raw, status=fault.error_code, content_type=fault.description
                )
            else:
                response = _error(fault.error_code, fault.description, fault.parameters)
            return await self._record(method, params, files, response)
        if method == "getUpdates":
            # Recorded before holding, so a test sees the poll arrive.
            await self._record(method, params, files, None)
        try:
            result = await handler(params, files)
        except ApiError as exc:
            return await self._record(
                method, params, files, _error(exc.code, exc.description, exc.parameters)
            )
        response = web.json_response({"ok": True, "result": result})
        if method == "getUpdates":
            return response
        return await self._record(method, params, files, response)

    async def _record(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, Upload],
        response: web.Response | None,
    ) -> web.Response:
        status = 200 if response is None else response.status
        self.calls.append(Call(method, params, files, time.perf_counter(), status))
        await self._notify()
        return response  # type: ignore[return-value]

    async def _notify(self) -> None:
        if self._changed is None:
            return
        async with self._changed:
            self._changed.notify_all()

    # -- methods -----------------------------------------------------------------------------

    async def _api_getMe(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if self.webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        assert self._changed is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._changed:
            while True:
                ready = [u for u in self._updates if _allowed(u, allowed)][:limit]
                remaining = deadline - loop.time()
                if ready or remaining <= 0 or self._closing:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        now = time.perf_counter()
        for update in ready:
            self.served_at.setdefault(int(update["update_id"]), now)
        return ready

    async def _api_deleteWebhook(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if _truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        self.webhook = _Webhook()
        return True

    async def _api_setWebhook(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        if _truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        self.webhook = _Webhook(
            url, str(params.get("secret_token") or ""), params.get("allowed_updates")
        )
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _api_setMyCommands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an array of at most 100 items")
        for command in commands:
            name, text = command.get("command", ""), command.get("description", "")
            if not (1 <= len(name) <= 32) or not (1 <= len(text) <= 256):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not all(c.islower() or c.isdigit() or c == "_" for c in name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        return True

    async def _api_deleteMyCommands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return True

    async def _api_getChat(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return {**self._chat(params), "accent_color_id": 0, "max_reaction_count": 11}

    async def _api_getChatMember(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        user_id = str(params.get("user_id"))
        if chat["type"] == "private":
            status = "member"
        else:
            status = self.members.get((str(chat["id"]), user_id), "member")
        if str(user_id) == str(self.bot_id):
            user = self.bot_user
        else:
            user = {"id": int(user_id), "is_bot": False, "first_name": f"User {user_id}"}
        return _member(user, status)

    async def _api_getChatAdministrators(
        self, params: dict[str, Any], files: dict[str, Upload]
    ) -> Any:
        chat = self._chat(params)
        admins = [
            _member({"id": int(user), "is_bot": False, "first_name": f"User {user}"}, status)
            for (chat_key, user), status in self.members.items()
            if chat_key == str(chat["id"]) and status in ("creator", "administrator")
        ]
        return admins

    async def _api_sendChatAction(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        self._chat(params)
        return True

    async def _api_sendMessage(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        text = str(params.get("text") or "")
        plain = _parse(text, params.get("parse_mode"))
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16(plain) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return {**self._message(chat, params), "text": plain}

    async def _api_sendPhoto(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        caption = str(params.get("caption") or "")
        plain = _parse(caption, params.get("parse_mode"))
        if _utf16(plain) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        upload = files.get("photo")
        if upload is not None:
            if not upload.data.startswith(b"\x89PNG") and not upload.data.startswith(b"\xff\xd8"):
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            size = self._store_photo(upload.data)
        else:
            file_id = str(params.get("photo") or "")
            if file_id not in self._files:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            size = self._files[file_id]
        message = self._message(chat, params)
        message["photo"] = [size]
        if plain:
            message["caption"] = plain
        return message

    # -- helpers -----------------------------------------------------------------------------

    def _chat(self, params: Mapping[str, Any]) -> dict[str, Any]:
        raw = params.get("chat_id")
        if raw is None or str(raw) == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        key = str(raw)
        if key not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return self.chats[key]

    def _message(self, chat: dict[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        counter = self._message_ids.setdefault(str(chat["id"]), itertools.count(1000))
        message: dict[str, Any] = {
            "message_id": next(counter),
            "date": int(time.time()),
            "chat": chat,
        }
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = self.bot_user
        return message

    def _store_photo(self, data: bytes) -> dict[str, Any]:
        file_id = "AgAC" + secrets.token_urlsafe(24)
        size = {
            "file_id": file_id,
            "file_unique_id": "AQAD" + secrets.token_urlsafe(8),
            "width": 1280,
            "height": 720,
            "file_size": len(data),
        }
        self._files[file_id] = size
        return size

    def _remember_chats(self, update: Mapping[str, Any]) -> None:
        for value in update.values():
            if isinstance(value, Mapping):
                for key in ("chat", "sender_chat"):
                    chat = value.get(key)
                    if isinstance(chat, Mapping):
                        self.chats.setdefault(str(chat["id"]), dict(chat))
                new_id = value.get("migrate_to_chat_id")
                chat = value.get("chat")
                if new_id and isinstance(chat, Mapping):
                    self.chats.setdefault(
                        str(new_id),
                        {"id": new_id, "title": chat.get("title", ""), "type": "supergroup"},
                    )

    def add_chat(self, chat: Mapping[str, Any]) -> None:
        """Make a chat known (chats in pushed updates are known automatically)."""
        self.chats[str(chat["id"])] = dict(chat)


# --- wire helpers ---------------------------------------------------------------------------


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.json()
            raw.update(body if isinstance(body, dict) else {})
            return raw, files
        if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = Upload(
                        name, value.filename, value.content_type, value.file.read()
                    )
                else:
                    raw[name] = value
    return {name: _decode(name, value) for name, value in raw.items()}, files


def _decode(name: str, value: Any) -> Any:
    """Form values arrive as strings; numbers, booleans and JSON objects are decoded."""
    if not isinstance(value, str) or name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _allowed(update: Mapping[str, Any], allowed: Any) -> bool:
    if not allowed:
        return True
    return any(key in allowed for key in update if key != "update_id")


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(_ADMIN_RIGHTS)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parse(text: str, parse_mode: Any) -> str:
    """The plain text Telegram would show; raises ``ApiError`` as Telegram does on bad HTML."""
    if str(parse_mode or "").upper() != "HTML":
        return text
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{parser.stack[-1]}"',
        )
    return "".join(parser.text)


class _TelegramHTML(HTMLParser):
    """Telegram's HTML subset: known tags, properly nested, four named entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _HTML_ENTITIES:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported HTML entity "&{name};"'
            )
        self.text.append(unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(unescape(f"&#{name};"))
