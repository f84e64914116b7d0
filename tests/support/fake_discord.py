"""A local fake Discord: REST and the gateway websocket, enough for the real discord.py client.

It serves what a bot needs to log in (``/users/@me``, ``/oauth2/applications/@me``), find the
gateway (``/gateway/bot``), connect (HELLO → IDENTIFY → READY → GUILD_CREATE, heartbeats, zlib
stream compression when asked), sync its commands (validated the way Discord validates them)
and answer interactions (callback, follow-ups, edits of the original response, multipart
uploads). It keeps Discord's rules that matter to a bot: a callback later than three seconds
is an unknown interaction, a second callback is refused, a follow-up before the callback is an
unknown webhook, and REST answers are ``application/json`` with rate-limit headers.

Every REST call is recorded (method, path, query, JSON body, multipart parts); the token is
checked but never recorded. Faults are programmable: ``fail_once`` answers one call on a route
with a 429 (``retry_after`` body, ``Retry-After`` and ``X-RateLimit-*`` headers) or any status.

Runs on the test's own event loop::

    async with FakeDiscord(token=TOKEN) as fake:
        Route.BASE = fake.api_base        # what DISCORD_API_BASE_URL does in the adapter
        ...
        exchange = await fake.interact(fake.slash("threshold", user="mod", value=70))
        call = await exchange.callback()
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import secrets
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.support import discord_payloads as wire
from tests.support.discord_payloads import Guild, Member, User, snowflake

API = "/api/v10"
INTERACTION_DEADLINE = 3.0
NAME = re.compile(r"^[-_\w]{1,32}$")
SUBCOMMAND, GROUP, STRING, INTEGER, BOOLEAN, CHANNEL, NUMBER = 1, 2, 3, 4, 5, 7, 10


@dataclass(frozen=True)
class Part:
    """One part of a multipart body."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class Call:
    """One REST request the fake received, and what it answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    parts: list[Part]
    authorized: bool
    at: float
    status: int = 0

    @property
    def body(self) -> Any:
        """The JSON payload, whether sent as JSON or as ``payload_json`` in a multipart body."""
        if self.json is not None:
            return self.json
        for part in self.parts:
            if part.name == "payload_json":
                return part.json()
        return None

    @property
    def files(self) -> list[Part]:
        """The uploaded files of a multipart body."""
        return [p for p in self.parts if p.filename is not None]


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    retry_after: float
    times: int


@dataclass
class Exchange:
    """One interaction: when it was dispatched and every answer the bot posted for it."""

    id: str
    token: str
    payload: dict[str, Any]
    dispatched_at: float = 0.0
    acknowledged: Call | None = None
    responses: list[Call] = field(default_factory=list)
    _callback: asyncio.Future[Call] | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def callback(self, timeout: float = 5.0) -> Call:
        """The accepted interaction callback (waits for it)."""
        assert self._callback is not None
        return await asyncio.wait_for(asyncio.shield(self._callback), timeout)

    async def message(self, timeout: float = 5.0) -> Call:
        """The call that carried the visible answer: a type 4 callback, or after a deferral
        (type 5) the edit of the original response or the first follow-up."""

        def found() -> Call | None:
            for call in self.responses:
                if call.path.endswith("/callback") and call.body.get("type") == 4:
                    return call
                if "/webhooks/" in call.path and call.method in ("PATCH", "POST"):
                    return call
            return None

        async def wait() -> Call:
            async with self._changed:
                await self._changed.wait_for(lambda: found() is not None)
            result = found()
            assert result is not None
            return result

        return await asyncio.wait_for(wait(), timeout)

    async def _record(self, call: Call) -> None:
        self.responses.append(call)
        async with self._changed:
            self._changed.notify_all()


class _Session:
    """One gateway connection: its socket, compression and sequence number."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.seq = 0
        self.shard = [0, 1]
        self.compressor = zlib.compressobj() if compress else None
        self.lock = asyncio.Lock()

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        async with self.lock:
            frame: dict[str, Any] = {"op": op, "d": data, "s": None, "t": event}
            if op == 0:
                self.seq += 1
                frame["s"] = self.seq
            text = json.dumps(frame)
            if self.compressor is None:
                await self.ws.send_str(text)
            else:  # zlib-stream: one shared stream, each message ends with a sync flush
                chunk = self.compressor.compress(text.encode())
                chunk += self.compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(chunk)


class FakeDiscord:
    """The fake service; ``guild`` is the one community the bot is in."""

    def __init__(
        self,
        token: str = "fake-bot-token",
        *,
        heartbeat_interval: float = 0.25,
        interaction_deadline: float = INTERACTION_DEADLINE,
        port: int = 0,
    ) -> None:
        self._token = token
        self.port = port  # 0: any free port; a fixed one lets a test bring "Discord" back
        self.heartbeat_interval = heartbeat_interval
        self.interaction_deadline = interaction_deadline
        self.application_id = snowflake()
        self.bot = User(snowflake(), "carrybot", bot=True)
        self.guild: Guild = wire.default_guild(self.bot)
        self.owner = next(m.user for m in self.guild.members if m.user.id == self.guild.owner_id)
        self.calls: list[Call] = []
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.identified: list[dict[str, Any]] = []
        self.resumed = 0  # RESUMEs accepted (after the connection dropped)
        self._session_ids: set[str] = set()
        self.heartbeats = 0
        self.guild_created = asyncio.Event()
        self._faults: list[Fault] = []
        self._exchanges: dict[str, Exchange] = {}
        self._sessions: list[_Session] = []
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = False
        self._changed = asyncio.Condition()

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        """Serve (again, after ``stop``: sessions survive, so a client can resume)."""
        self._changed = asyncio.Condition()  # on the loop that serves now
        self.guild_created = asyncio.Event()
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self._site = site
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        self._closing = True  # a client reconnecting meanwhile is turned away
        server = getattr(getattr(self, "_site", None), "_server", None)
        if server is not None:
            server.close()  # stop listening first: "Discord" is gone, nothing reconnects
        for session in list(self._sessions):
            await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` (``DISCORD_API_BASE_URL``) should be."""
        return f"http://127.0.0.1:{self._port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    # --- faults and queries ---------------------------------------------------------------

    def fail_once(
        self,
        method: str,
        path: str,
        *,
        status: int = 429,
        retry_after: float = 0.25,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls matching ``method`` and the ``path`` regex (searched
        in the path after ``/api/v10``) with ``status``; a 429 carries Discord's headers."""
        self._faults.append(Fault(method.upper(), re.compile(path), status, retry_after, times))

    def calls_to(self, method: str, path: str) -> list[Call]:
        """Recorded calls with this method whose path matches the regex."""
        pattern = re.compile(path)
        return [c for c in self.calls if c.method == method.upper() and pattern.search(c.path)]

    async def wait_for_call(
        self, method: str, path: str, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """Wait until ``count`` calls matching method and path were answered."""

        async def wait() -> list[Call]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.calls_to(method, path)) >= count)
            return self.calls_to(method, path)

        return await asyncio.wait_for(wait(), timeout)

    def synced(self, guild_id: str | None = None) -> dict[str, Any] | None:
        """The registered ``carry`` command (guild commands when ``guild_id`` is given)."""
        return next((c for c in self.commands.get(guild_id, []) if c["name"] == "carry"), None)

    # --- interactions ---------------------------------------------------------------------

    def slash(
        self,
        subcommand: str,
        *,
        user: str = "member",
        channel: str = "general",
        locale: str = "en-US",
        command: str = "carry",
        **options: Any,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE for ``/carry <subcommand> option:value…`` as Discord builds it:
        options typed from the synced definition, the member's resolved permissions in the
        channel, and the bot's (``app_permissions``). Unknown options fail like the client would."""
        return self._interaction(2, command, subcommand, options, None, user, channel, locale)

    def autocomplete(
        self, subcommand: str, option: str, typed: str, *, user: str = "member", **options: Any
    ) -> dict[str, Any]:
        """An autocomplete interaction (type 4) with ``option`` focused and ``typed`` so far."""
        return self._interaction(
            4, "carry", subcommand, {**options, option: typed}, option, user, "general", "en-US"
        )

    async def interact(self, payload: dict[str, Any]) -> Exchange:
        """Dispatch an interaction to the connected bot; returns its exchange at once."""
        exchange = Exchange(payload["id"], payload["token"], payload)
        exchange._callback = asyncio.get_running_loop().create_future()
        self._exchanges[exchange.token] = exchange
        session = self._session()
        exchange.dispatched_at = time.perf_counter()
        await session.send(0, payload, "INTERACTION_CREATE")
        return exchange

    def _interaction(
        self,
        kind: int,
        name: str,
        subcommand: str,
        values: dict[str, Any],
        focused: str | None,
        username: str,
        channel_name: str,
        locale: str,
    ) -> dict[str, Any]:
        guild = self.guild
        definition = self.synced(guild.id)
        guild_command = definition is not None
        definition = definition or self.synced(None)
        if definition is None or definition["name"] != name:
            raise AssertionError(f"/{name} is not synced, so a member could not run it")
        sub = next((o for o in definition.get("options", []) if o["name"] == subcommand), None)
        if sub is None or sub["type"] != SUBCOMMAND:
            raise AssertionError(f"/{name} has no subcommand {subcommand!r}")
        member = guild.member(username)
        channel = guild.channel(channel_name)
        bot_member = next(m for m in guild.members if m.user.id == self.bot.id)
        options, resolved = self._options(sub, values, focused)
        permissions = guild.permissions_in(member, channel)
        data: dict[str, Any] = {
            "id": definition["id"],
            "name": name,
            "type": 1,
            "options": [{"name": subcommand, "type": SUBCOMMAND, "options": options}],
        }
        if guild_command:
            data["guild_id"] = guild.id
        if resolved:
            data["resolved"] = {"channels": resolved}
        return {
            "id": snowflake(),
            "application_id": self.application_id,
            "type": kind,
            "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
            "version": 1,
            "data": data,
            "guild_id": guild.id,
            "guild": {"id": guild.id, "locale": guild.locale, "features": []},
            "channel_id": channel.id,
            "channel": {**channel.payload(guild.id), "permissions": str(permissions)},
            "member": {**member.payload(), "permissions": str(permissions)},
            "app_permissions": str(guild.permissions_in(bot_member, channel)),
            "locale": locale,
            "guild_locale": guild.locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    def _options(
        self, sub: dict[str, Any], values: dict[str, Any], focused: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        defined = {o["name"]: o for o in sub.get("options", [])}
        unknown = set(values) - set(defined)
        if unknown:
            raise AssertionError(f"{sub['name']} has no option(s) {sorted(unknown)}")
        missing = [n for n, o in defined.items() if o.get("required") and n not in values]
        if missing and focused is None:
            raise AssertionError(f"{sub['name']} needs {missing}")
        options: list[dict[str, Any]] = []
        resolved: dict[str, Any] = {}
        for option_name, value in values.items():
            option = defined[option_name]
            kind = option["type"]
            if option_name == focused:
                options.append(
                    {"name": option_name, "type": kind, "value": str(value), "focused": True}
                )
                continue
            if option.get("choices") and value not in [c["value"] for c in option["choices"]]:
                raise AssertionError(f"{value!r} is not a choice of {option_name}")
            if kind == CHANNEL:
                channel = self.guild.channel(value)
                value = channel.id
                resolved[channel.id] = {
                    **channel.payload(self.guild.id),
                    "permissions": str(wire.ALL_PERMISSIONS),
                }
            options.append({"name": option_name, "type": kind, "value": value})
        return options, resolved

    def _session(self) -> _Session:
        if not self._sessions:
            raise AssertionError("no bot is connected to the gateway")
        return self._sessions[-1]

    # --- gateway --------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        if self._closing:
            await ws.close(code=1001, message=b"Going away")
            return ws
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"Decode error")
            return ws
        session = _Session(ws, request.query.get("compress") == "zlib-stream")
        self._sessions.append(session)
        try:
            await session.send(10, {"heartbeat_interval": int(self.heartbeat_interval * 1000)})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                await self._gateway_op(session, frame["op"], frame.get("d"))
        finally:
            self._sessions.remove(session)
        return ws

    async def _gateway_op(self, session: _Session, op: int, data: Any) -> None:
        if op == 1:
            self.heartbeats += 1
            await session.send(11, None)
        elif op == 2:
            if data.get("token") != self._token:
                await session.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.identified.append({k: v for k, v in data.items() if k != "token"})
            session.shard = list(data.get("shard") or [0, 1])
            await session.send(0, self._ready(session), "READY")
            await session.send(0, self.guild.payload(), "GUILD_CREATE")
            self.guild_created.set()
        elif op == 6:  # RESUME: a session this fake started resumes; others must IDENTIFY
            if (data or {}).get("session_id") in self._session_ids:
                self.resumed += 1
                session.seq = int((data or {}).get("seq") or 0)
                await session.send(0, {}, "RESUMED")
            else:
                await session.send(9, False)

    def _ready(self, session: _Session) -> dict[str, Any]:
        return {
            "v": 10,
            "user": {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": self.guild.id, "unavailable": True}],
            "session_id": self._new_session(),
            "resume_gateway_url": self.gateway_url,
            "shard": session.shard,
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
        }

    def _new_session(self) -> str:
        session_id = secrets.token_hex(16)
        self._session_ids.add(session_id)
        return session_id

    # --- REST -----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        at = time.perf_counter()
        path = "/" + request.match_info["tail"]
        body, parts = await self._read_body(request)
        call = Call(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            parts=parts,
            authorized=request.headers.get("Authorization") == f"Bot {self._token}",
            at=at,
        )
        response = self._fault(call) or await self._route(call)
        call.status = response.status
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()
        return response

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Part]]:
        if request.content_type.startswith("multipart/"):
            parts: list[Part] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # Discord's uploads are flat; nested multiparts are not used
                data = await part.read(decode=False)
                parts.append(
                    Part(str(part.name), part.filename, part.headers.get("Content-Type"), data)
                )
            return None, parts
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    def _fault(self, call: Call) -> web.Response | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method == call.method and fault.path.search(call.path):
                fault.times -= 1
                if fault.status == 429:
                    return _rate_limited(fault.retry_after)
                return _json({"message": f"{fault.status}: injected", "code": 0}, fault.status)
        return None

    async def _route(self, call: Call) -> web.Response:
        routes: Iterable[tuple[str, str, Callable[..., Any]]] = (
            ("GET", r"^/gateway/bot$", self._get_gateway_bot),
            ("GET", r"^/gateway$", lambda c: _json({"url": self.gateway_url})),
            ("GET", r"^/users/@me$", self._get_me),
            ("GET", r"^/oauth2/applications/@me$", self._get_application),
            ("PUT", r"^/applications/(\d+)/commands$", self._put_commands),
            ("PUT", r"^/applications/(\d+)/guilds/(\d+)/commands$", self._put_commands),
            ("GET", r"^/applications/(\d+)/commands$", self._get_commands),
            ("GET", r"^/applications/(\d+)/guilds/(\d+)/commands$", self._get_commands),
            ("POST", r"^/interactions/(\d+)/([^/]+)/callback$", self._callback),
            ("POST", r"^/webhooks/(\d+)/([^/]+)$", self._followup),
            ("PATCH", r"^/webhooks/(\d+)/([^/]+)/messages/@original$", self._edit_original),
            ("GET", r"^/webhooks/(\d+)/([^/]+)/messages/@original$", self._get_original),
            ("DELETE", r"^/webhooks/(\d+)/([^/]+)/messages/@original$", self._delete_original),
            ("GET", r"^/channels/(\d+)$", self._get_channel),
            ("POST", r"^/channels/(\d+)/messages$", self._post_message),
            ("GET", r"^/guilds/(\d+)$", self._get_guild),
            ("GET", r"^/guilds/(\d+)/members/(\d+)$", self._get_member),
        )
        for method, pattern, handler in routes:
            match = re.match(pattern, call.path)
            if method == call.method and match:
                webhook = "/webhooks/" in call.path or "/interactions/" in call.path
                if not webhook and not call.authorized:
                    return _json({"message": "401: Unauthorized", "code": 0}, 401)
                result = handler(call, *match.groups())
                return await result if asyncio.iscoroutine(result) else result
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _get_gateway_bot(self, call: Call) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    def _get_me(self, call: Call) -> web.Response:
        return _json(
            {
                **self.bot.payload(),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "locale": "en-US",
                "email": None,
            }
        )

    def _get_application(self, call: Call) -> web.Response:
        return _json(
            {
                "id": self.application_id,
                "name": "carrybot",
                "icon": None,
                "description": "Yen carry-trade commentary",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": self.bot.payload(),
                "owner": self.owner.payload(),
                "team": None,
                "summary": "",
                "verify_key": secrets.token_hex(32),
                "flags": 0,
                "interactions_endpoint_url": None,
                "tags": [],
            }
        )

    def _put_commands(self, call: Call, app_id: str, guild_id: str | None = None) -> web.Response:
        if app_id != self.application_id:
            return _json({"message": "Unknown Application", "code": 10002}, 404)
        if guild_id is not None and guild_id != self.guild.id:
            return _json({"message": "Missing Access", "code": 50001}, 403)
        payload = call.json
        errors = _validate_commands(payload)
        if errors:
            return _json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, 400)
        existing = {c["name"]: c["id"] for c in self.commands.get(guild_id, [])}
        registered = []
        for command in payload:
            entry = {
                "id": existing.get(command["name"]) or snowflake(),
                "application_id": self.application_id,
                "version": snowflake(),
                "type": command.get("type", 1),
                "name": command["name"],
                "description": command.get("description", ""),
                "name_localizations": command.get("name_localizations"),
                "description_localizations": command.get("description_localizations"),
                "options": command.get("options", []),
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types", [0]),
                "nsfw": command.get("nsfw", False),
            }
            if guild_id is not None:
                entry["guild_id"] = guild_id
            registered.append(entry)
        self.commands[guild_id] = registered
        return _json(registered)

    def _get_commands(self, call: Call, app_id: str, guild_id: str | None = None) -> web.Response:
        return _json(self.commands.get(guild_id, []))

    async def _callback(self, call: Call, interaction_id: str, token: str) -> web.Response:
        exchange = self._exchanges.get(token)
        if exchange is None or exchange.id != interaction_id:
            return _json({"message": "Unknown interaction", "code": 10062}, 404)
        if exchange.acknowledged is not None:
            return _json(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        if call.at - exchange.dispatched_at > self.interaction_deadline:
            return _json({"message": "Unknown interaction", "code": 10062}, 404)
        kind = int(call.body.get("type", 0))
        exchange.acknowledged = call
        await exchange._record(call)
        if exchange._callback is not None and not exchange._callback.done():
            exchange._callback.set_result(call)
        if call.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        data = call.body.get("data") or {}
        result: dict[str, Any] = {
            "interaction": {
                "id": exchange.id,
                "type": exchange.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
            }
        }
        if kind in (4, 5):
            message = self._message(exchange, data if kind == 4 else {}, call)
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"] = {"type": kind, "message": message}
        return _json(result)

    def _webhook_exchange(self, app_id: str, token: str) -> Exchange | None:
        exchange = self._exchanges.get(token)
        if app_id != self.application_id or exchange is None or exchange.acknowledged is None:
            return None
        return exchange

    async def _followup(self, call: Call, app_id: str, token: str) -> web.Response:
        exchange = self._webhook_exchange(app_id, token)
        if exchange is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        await exchange._record(call)
        message = self._message(exchange, call.body or {}, call)
        if call.query.get("wait") in ("1", "true", "True"):
            return _json(message)
        return web.Response(status=204)

    async def _edit_original(self, call: Call, app_id: str, token: str) -> web.Response:
        exchange = self._webhook_exchange(app_id, token)
        if exchange is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        await exchange._record(call)
        return _json(self._message(exchange, call.body or {}, call))

    def _get_original(self, call: Call, app_id: str, token: str) -> web.Response:
        exchange = self._webhook_exchange(app_id, token)
        if exchange is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        body = (exchange.acknowledged.body or {}).get("data") or {}  # type: ignore[union-attr]
        return _json(self._message(exchange, body, exchange.acknowledged))  # type: ignore[arg-type]

    async def _delete_original(self, call: Call, app_id: str, token: str) -> web.Response:
        exchange = self._webhook_exchange(app_id, token)
        if exchange is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        await exchange._record(call)
        return web.Response(status=204)

    def _get_channel(self, call: Call, channel_id: str) -> web.Response:
        channel = next((c for c in self.guild.channels if c.id == channel_id), None)
        if channel is None:
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        return _json(channel.payload(self.guild.id))

    def _post_message(self, call: Call, channel_id: str) -> web.Response:
        """A bot message posted to a channel over REST (deliveries): accepted, given an id."""
        if not any(c.id == channel_id for c in self.guild.channels):
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        return _json({"id": snowflake(), "channel_id": channel_id, "type": 0})

    def channel_messages(self, channel_id: str) -> list[Call]:
        """The messages the bot posted to ``channel_id`` over REST, in order."""
        return [
            c
            for c in self.calls
            if c.method == "POST" and c.path == f"/channels/{channel_id}/messages"
        ]

    def _get_guild(self, call: Call, guild_id: str) -> web.Response:
        if guild_id != self.guild.id:
            return _json({"message": "Unknown Guild", "code": 10004}, 404)
        payload = self.guild.payload()
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            payload.pop(key)
        return _json(payload)

    def _get_member(self, call: Call, guild_id: str, user_id: str) -> web.Response:
        member: Member | None = next((m for m in self.guild.members if m.user.id == user_id), None)
        if guild_id != self.guild.id or member is None:
            return _json({"message": "Unknown Member", "code": 10007}, 404)
        return _json(member.payload())

    def _message(self, exchange: Exchange, body: dict[str, Any], call: Call) -> dict[str, Any]:
        files = [
            (p.filename or "file", len(p.data), p.content_type or "application/octet-stream")
            for p in call.files
        ]
        return wire.message(
            message_id=snowflake(),
            channel_id=exchange.payload["channel_id"],
            author=self.bot,
            body=body,
            files=files,
            application_id=self.application_id,
        )


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly "application/json" (no charset).
    base = {
        "Content-Type": "application/json",
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Bucket": "fakebucket",
        "Via": "1.1 google",
    }
    return web.Response(
        body=json.dumps(payload).encode(), status=status, headers={**base, **(headers or {})}
    )


def _rate_limited(retry_after: float) -> web.Response:
    """Discord's 429: ``retry_after`` in seconds in the body, headers for the bucket."""
    return _json(
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
        429,
        {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Scope": "user",
        },
    )


# --- command validation (what Discord answers 400 Invalid Form Body for) -------------------


def _validate_commands(commands: Any) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if not isinstance(commands, list) or len(commands) > 100:
        return {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "at most 100 commands"}]}
    names = [c.get("name") for c in commands]
    if len(set(names)) != len(names):
        errors["_errors"] = [{"code": "APPLICATION_COMMANDS_DUPLICATE_NAME", "message": "dup"}]
    for index, command in enumerate(commands):
        problems = _validate_item(command, top=True)
        if _size(command) > 4000:
            problems.append("a command's names, descriptions and values exceed 4000 characters")
        if problems:
            errors[str(index)] = {"_errors": [{"code": "INVALID", "message": p} for p in problems]}
    return errors


def _validate_item(item: dict[str, Any], top: bool = False, kind: int = 0) -> list[str]:
    problems: list[str] = []
    name = item.get("name", "")
    if not NAME.match(name) or name != name.lower():
        problems.append(f"invalid name {name!r}")
    description = item.get("description", "")
    if not 1 <= len(description) <= 100:
        problems.append(f"{name}: description must be 1-100 characters")
    problems.extend(_localization_problems(name, item))
    permissions = item.get("default_member_permissions") if top else None
    if permissions is not None and not str(permissions).isdigit():
        problems.append(f"{name}: default_member_permissions must be a string of digits")
    options = item.get("options") or []
    if len(options) > 25:
        problems.append(f"{name}: more than 25 options")
    kinds = {o.get("type") for o in options}
    if kinds & {SUBCOMMAND, GROUP} and kinds - {SUBCOMMAND, GROUP}:
        problems.append(f"{name}: subcommands cannot sit beside plain options")
    if len({o.get("name") for o in options}) != len(options):
        problems.append(f"{name}: duplicate option names")
    seen_optional = False
    for option in options:
        option_kind = option.get("type")
        if option_kind in (SUBCOMMAND, GROUP):
            allowed = top or (option_kind == SUBCOMMAND and kind == GROUP)
            if not allowed:
                problems.append(f"{name}: subcommands nested too deep")
            problems.extend(_validate_item(option, kind=option_kind))
            continue
        problems.extend(_validate_item({**option, "options": []}, kind=option_kind))
        if option.get("required"):
            if seen_optional:
                problems.append(f"{name}: required option {option.get('name')} after optional")
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > 25:
            problems.append(f"{option.get('name')}: more than 25 choices")
        if choices and option.get("autocomplete"):
            problems.append(f"{option.get('name')}: autocomplete and choices exclude each other")
        for choice in choices:
            if not 1 <= len(str(choice.get("name", ""))) <= 100:
                problems.append(f"{option.get('name')}: choice name must be 1-100 characters")
            problems.extend(_localization_problems(str(choice.get("name", "")), choice))
    return problems


# The client locales Discord accepts in ``*_localizations`` (a subset is enough for carrybot).
LOCALES = {"en-US", "en-GB", "ja", "zh-CN", "zh-TW", "ko", "fr", "de", "es-ES", "pt-BR", "ru"}


def _localization_problems(name: str, item: dict[str, Any]) -> list[str]:
    """Discord refuses an unknown locale key and a localized text outside 1-100 characters."""
    problems = []
    for key in ("name_localizations", "description_localizations"):
        for locale, text in (item.get(key) or {}).items():
            if locale not in LOCALES:
                problems.append(f"{name}: {key} has an unknown locale {locale!r}")
            elif not 1 <= len(str(text)) <= 100:
                problems.append(f"{name}: {key}[{locale}] must be 1-100 characters")
    return problems


def _size(item: dict[str, Any]) -> int:
    total = len(item.get("name", "")) + len(item.get("description", ""))
    for option in item.get("options") or []:
        total += _size(option)
        for choice in option.get("choices") or []:
            total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total
