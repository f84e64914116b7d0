"""The real discord.py client against the fake Discord: connect, sync ``/carry``, answer it."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
from sqlalchemy import Engine

from analytics.errors import CarrybotError
from analytics.storage.database import open_database
from bot.discord.adapter import DiscordAdapter
from bot.sending.sender import PlatformPacing, Sent, Target
from commands.presentation.layout import Message
from commands.services import Services
from commands.settings.model import ChatKey
from commands.settings.store import SettingsStore
from tests.support.delivery_fakes import ChannelDiscord
from tests.support.discord_harness import TOKEN, running_bot, warm_services, with_settings
from tests.support.fake_discord import Call, FakeDiscord

EPHEMERAL = 64
SETTINGS_COMMANDS: dict[str, dict[str, Any]] = {
    "subscribe": {"time": "08:00"},
    "unsubscribe": {},
    "threshold": {"kind": "pressure", "value": 70},
    "alerts": {"state": "on"},
    "lang": {"language": "ja"},
    "reset": {},
}


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


async def _slot() -> None:
    """A send slot at once (pacing is not what these tests are about)."""


def _pause(seconds: float) -> None:
    raise AssertionError(f"unexpected rate limit ({seconds} s)")


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """The bundled seed in a store, the snapshot computed once for the whole module."""
    path: Path = tmp_path_factory.mktemp("discord") / "store.sqlite3"
    return warm_services(f"sqlite:///{path}")


@pytest.fixture
def services(warm: Services, sqlite_url: str) -> Iterator[Services]:
    """Warm snapshot, fresh chat settings."""
    engine = open_database(sqlite_url)
    yield with_settings(warm, engine)
    engine.dispose()


def text_of(call: Call) -> str:
    """Everything a user would read in a posted message: content and embeds."""
    body = call.body
    data = body.get("data", body) if call.path.endswith("/callback") else body
    return json.dumps(
        {"content": data.get("content"), "embeds": data.get("embeds")}, ensure_ascii=False
    )


def channel_key(fake: FakeDiscord, channel: str) -> ChatKey:
    return ChatKey("discord", fake.guild.id, fake.guild.channel(channel).id)


def test_connects_and_syncs_the_carry_group_to_the_dev_guild(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> FakeDiscord:
        async with running_bot(services) as (fake, _adapter):
            await asyncio.sleep(0.5)  # a few heartbeats at the fake's 0.2 s interval
            return fake

    fake = run(scenario())
    app, guild = fake.application_id, fake.guild.id
    assert [(c.method, c.path) for c in fake.calls][:5] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("GET", "/gateway/bot"),  # behind DISCORD_API_BASE_URL: where reconnects go
        ("PUT", f"/applications/{app}/guilds/{guild}/commands"),
        ("GET", "/gateway/bot"),
    ]
    assert all(c.authorized and c.status == 200 for c in fake.calls)
    identify = fake.identified[0]
    assert identify["shard"] == [0, 1]
    assert identify["intents"] == discord.Intents(guilds=True).value
    assert fake.heartbeats >= 2
    assert fake.commands.get(None) is None  # nothing global in development

    carry = fake.synced(guild)
    assert carry is not None
    assert carry["default_member_permissions"] is None  # /carry stays visible to every member
    assert carry["contexts"] == [0]
    subcommands = {o["name"]: o for o in carry["options"]}
    assert set(subcommands) == {
        "now",
        "chart",
        "explain",
        "history",
        "sources",
        "brief",
        "markets",
        "size",
        "intraday",
        "whatif",
        "hikes",
        "settings",
        "help",
        *SETTINGS_COMMANDS,
    }
    assert all(o["type"] == 1 and 1 <= len(o["description"]) <= 100 for o in carry["options"])
    chart = {o["name"]: o for o in subcommands["chart"]["options"]}
    assert [c["value"] for c in chart["kind"]["choices"]] == ["gap", "pressure", "markets"]
    assert [c["value"] for c in chart["window"]["choices"]] == ["3m", "1y", "5y", "max"]
    # Descriptions and choice names reach Discord in Japanese and Simplified Chinese too.
    assert carry["description_localizations"]["ja"].startswith("円キャリー取引")
    assert carry["description_localizations"]["zh-CN"].startswith("日元套息交易")
    for option in carry["options"]:
        localized = option.get("description_localizations") or {}
        assert {"ja", "zh-CN"} <= set(localized), option["name"]
    assert chart["kind"]["choices"][0]["name_localizations"]["ja"] == "金利差とドル円"
    whatif = {o["name"]: o for o in subcommands["whatif"]["options"]}
    assert list(whatif) == ["bank", "bp", "bank2", "bp2"]
    assert [o["required"] for o in whatif.values()] == [True, True, False, False]
    threshold = {o["name"]: o for o in subcommands["threshold"]["options"]}
    assert [c["value"] for c in threshold["kind"]["choices"]] == ["pressure", "fuel", "move"]
    assert threshold["value"]["type"] == 10  # a number: the intraday move takes 1.5
    assert (threshold["value"]["min_value"], threshold["value"]["max_value"]) == (0, 100)
    alerts = {o["name"]: o for o in subcommands["alerts"]["options"]}
    assert [(name, o["required"]) for name, o in alerts.items()] == [
        ("state", True),
        ("scope", False),
    ]
    assert [c["value"] for c in alerts["scope"]["choices"]] == ["intraday"]
    zone = next(o for o in subcommands["subscribe"]["options"] if o["name"] == "zone")
    assert zone["autocomplete"] is True
    lang = subcommands["lang"]["options"][0]
    assert [c["value"] for c in lang["choices"]] == ["en", "ja", "zh"]
    assert TOKEN not in caplog.text


def test_syncs_globally_without_a_dev_guild(services: Services) -> None:
    async def scenario() -> FakeDiscord:
        async with running_bot(services, dev_guild=False) as (fake, _adapter):
            return fake

    fake = run(scenario())
    assert fake.calls_to("PUT", rf"^/applications/{fake.application_id}/commands$")
    assert fake.synced(None) is not None
    assert fake.synced(fake.guild.id) is None


def test_carry_now_answers_at_once_with_an_embed(services: Services) -> None:
    async def scenario() -> Call:
        async with running_bot(services) as (fake, _adapter):
            exchange = await fake.interact(fake.slash("now"))
            return await exchange.callback()

    call = run(scenario())
    assert call.status == 200
    assert call.body["type"] == 4  # answered in the callback, no deferral needed
    data = call.body["data"]
    assert not int(data.get("flags") or 0) & EPHEMERAL
    embed = data["embeds"][0]
    assert embed["title"] and embed["fields"]
    assert len(json.dumps(embed)) < 6000
    assert data["allowed_mentions"] == {"parse": []}


def test_chart_is_attached_and_shown_in_its_embed(services: Services) -> None:
    async def scenario() -> Call:
        async with running_bot(services) as (fake, _adapter):
            exchange = await fake.interact(fake.slash("chart", kind="pressure", window="5y"))
            return await exchange.message()

    call = run(scenario())
    assert call.path.endswith("/callback") and call.body["type"] == 4
    [upload] = call.files
    assert upload.name == "files[0]"
    assert upload.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert upload.filename and "pressure" in upload.filename
    data = call.body["data"]
    assert data["attachments"] == [{"id": 0, "filename": upload.filename}]
    assert data["embeds"][0]["image"]["url"] == f"attachment://{upload.filename}"


def test_slow_work_is_deferred_then_the_original_response_is_edited(services: Services) -> None:
    async def scenario() -> tuple[Call, Call]:
        async with running_bot(services, defer_after=0.0) as (fake, _adapter):
            exchange = await fake.interact(fake.slash("chart"))
            return await exchange.callback(), await exchange.message()

    callback, edit = run(scenario())
    assert callback.body["type"] == 5  # "carrybot is thinking…"
    assert not int((callback.body.get("data") or {}).get("flags") or 0) & EPHEMERAL
    assert edit.method == "PATCH" and edit.path.endswith("/messages/@original")
    assert edit.at > callback.at
    [upload] = edit.files
    assert upload.data.startswith(b"\x89PNG")
    assert edit.body["embeds"][0]["image"]["url"] == f"attachment://{upload.filename}"


def test_member_without_manage_server_is_refused_every_settings_command(
    services: Services,
) -> None:
    async def scenario() -> tuple[FakeDiscord, dict[str, Call]]:
        async with running_bot(services) as (fake, _adapter):
            answers = {}
            for name, options in SETTINGS_COMMANDS.items():
                exchange = await fake.interact(fake.slash(name, user="member", **options))
                answers[name] = await exchange.callback()
            return fake, answers

    fake, answers = run(scenario())
    for name, call in answers.items():
        data = call.body["data"]
        assert call.body["type"] == 4
        assert int(data["flags"]) & EPHEMERAL, name
        assert "Manage Server" in data["content"] and f"/carry {name}" in data["content"]
    store: SettingsStore = services.settings
    assert store.find(channel_key(fake, "general")) is None
    assert store.last_change(channel_key(fake, "general")) is None


def test_manager_threshold_is_stored_and_shown(warm: Services, engine: Engine) -> None:
    services = with_settings(warm, engine)

    async def scenario() -> tuple[FakeDiscord, Call, Call]:
        async with running_bot(services) as (fake, _adapter):
            changed = await fake.interact(
                fake.slash("threshold", user="mod", kind="pressure", value=70)
            )
            changed_call = await changed.callback()
            shown = await fake.interact(fake.slash("settings", user="member"))
            return fake, changed_call, await shown.callback()

    fake, changed, shown = run(scenario())
    assert changed.body["type"] == 4
    assert not int(changed.body["data"].get("flags") or 0) & EPHEMERAL
    assert "70" in text_of(changed)
    key = channel_key(fake, "general")
    stored = services.settings.find(key)
    assert stored is not None and stored.pressure_threshold == 70
    change = services.settings.last_change(key)
    assert change is not None
    assert change.user_id == fake.guild.member("mod").user.id
    assert (change.field, change.old_value, change.new_value) == ("pressure_threshold", "65", "70")
    assert "70" in text_of(shown)


def test_subscribing_a_channel_names_the_permission_the_bot_lacks(services: Services) -> None:
    async def scenario() -> tuple[FakeDiscord, Call, Call]:
        async with running_bot(services) as (fake, _adapter):
            lacking = await fake.interact(
                fake.slash(
                    "subscribe", user="mod", channel="briefings", time="08:00", zone="Asia/Tokyo"
                )
            )
            fine = await fake.interact(fake.slash("subscribe", user="mod", time="09:30"))
            return fake, await lacking.message(), await fine.message()

    fake, lacking, fine = run(scenario())
    text = text_of(lacking)
    assert "08:00" in text
    assert "Attach Files" in text
    assert "Send Messages" not in text and "Embed Links" not in text
    assert "Attach Files" not in text_of(fine)
    briefings = services.settings.find(channel_key(fake, "briefings"))
    assert briefings is not None and briefings.briefing and briefings.timezone == "Asia/Tokyo"


def test_rate_limited_callback_is_retried_after_retry_after(services: Services) -> None:
    def prepare(fake: FakeDiscord) -> None:
        fake.fail_once("POST", r"^/interactions/\d+/[^/]+/callback$", retry_after=0.3)

    async def scenario() -> tuple[FakeDiscord, Call]:
        async with running_bot(services, prepare=prepare) as (fake, _adapter):
            exchange = await fake.interact(fake.slash("now"))
            return fake, await exchange.callback()

    fake, accepted = run(scenario())
    attempts = fake.calls_to("POST", r"/callback$")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.3
    assert accepted is attempts[1] and accepted.body["type"] == 4


def test_rate_limited_command_sync_is_retried(services: Services) -> None:
    def prepare(fake: FakeDiscord) -> None:
        fake.fail_once("PUT", r"/commands$", retry_after=0.2)

    async def scenario() -> FakeDiscord:
        async with running_bot(services, prepare=prepare) as (fake, _adapter):
            return fake

    fake = run(scenario())
    assert [c.status for c in fake.calls_to("PUT", r"/commands$")] == [429, 200]
    assert fake.synced(fake.guild.id) is not None


def test_time_zone_autocomplete_offers_matching_zones(services: Services) -> None:
    async def scenario() -> Call:
        async with running_bot(services) as (fake, _adapter):
            exchange = await fake.interact(
                fake.autocomplete("subscribe", "zone", "toky", user="mod", time="08:00")
            )
            return await exchange.callback()

    call = run(scenario())
    assert call.body["type"] == 8
    assert call.body["data"]["choices"][0] == {"name": "Asia/Tokyo", "value": "Asia/Tokyo"}


def test_start_fails_on_a_rejected_token_without_echoing_it(services: Services) -> None:
    async def scenario() -> FakeDiscord:
        async with FakeDiscord(token=TOKEN) as fake:
            adapter = DiscordAdapter("not-the-token", services, api_base=fake.api_base)
            with pytest.raises(CarrybotError, match="DISCORD_BOT_TOKEN") as failure:
                await asyncio.wait_for(adapter.start(), 10)
            assert "not-the-token" not in str(failure.value)
            assert adapter.client is None
            return fake

    fake = run(scenario())
    assert [(c.path, c.status, c.authorized) for c in fake.calls] == [("/users/@me", 401, False)]


ENGLISH_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def test_reply_follows_the_member_locale_until_the_chat_chooses_a_language(
    services: Services,
) -> None:
    async def scenario() -> tuple[Call, Call]:
        async with running_bot(services) as (fake, _adapter):
            before = await fake.interact(fake.slash("now", locale="ja"))
            before_call = await before.callback()
            chosen = await fake.interact(fake.slash("lang", user="mod", language="en"))
            await chosen.callback()
            after = await fake.interact(fake.slash("now", locale="ja"))
            return before_call, await after.callback()

    before, after = run(scenario())
    footer = [call.body["data"]["embeds"][-1]["footer"]["text"] for call in (before, after)]
    assert not ENGLISH_MONTH.search(footer[0])  # the as-of date written the Japanese way
    assert ENGLISH_MONTH.search(footer[1])  # the chat chose English


def test_carrybot_run_starts_discord_when_its_token_is_set(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.runtime import supervisor
    from bot.runtime.assembly import make_adapters
    from bot.runtime.supervisor import RunOptions

    async def scenario() -> tuple[list[str], Call]:
        async with FakeDiscord(token=TOKEN) as fake:
            monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
            monkeypatch.setenv("DISCORD_BOT_TOKEN", TOKEN)
            monkeypatch.setenv("DISCORD_API_BASE_URL", fake.api_base)
            monkeypatch.setenv("DISCORD_DEV_GUILD_ID", fake.guild.id)
            adapters = make_adapters(services)
            stop = asyncio.Event()
            running = asyncio.create_task(
                supervisor.run(
                    services, RunOptions(refresh_minutes=None), adapters=adapters, stop=stop
                )
            )
            await asyncio.wait_for(fake.guild_created.wait(), 10)
            exchange = await fake.interact(fake.slash("now"))
            call = await exchange.callback()
            stop.set()
            await asyncio.wait_for(running, 10)
            return [type(a).__name__ for a in adapters], call

    names, call = run(scenario())
    assert names == ["DiscordAdapter"]
    assert call.body["type"] == 4
    assert discord.http.Route.BASE == "https://discord.com/api/v10"  # restored on stop


def test_a_sending_only_process_logs_in_over_rest_and_posts_deliveries(
    services: Services,
) -> None:
    """``carrybot worker``: no gateway connection, no command sync; deliveries go out."""

    async def scenario() -> ChannelDiscord:
        async with ChannelDiscord(token=TOKEN) as fake:
            adapter = DiscordAdapter(TOKEN, services, api_base=fake.api_base, receive=False)
            await asyncio.wait_for(adapter.start(), 10)
            try:
                assert adapter.connection.connected
                assert adapter.describe() == "Discord (sending only)"
                channel = fake.guild.channel("general").id
                target = Target("discord", fake.guild.id, channel, "n" * 23)
                outcome = await adapter.delivery_sender().send(
                    target, [Message(text="Morning briefing")], PlatformPacing(_slot, _pause)
                )
                assert isinstance(outcome, Sent)
            finally:
                await adapter.stop()
            return fake

    fake = run(scenario())
    assert fake.identified == [], "no gateway connection"
    assert not [c for c in fake.calls if c.method == "PUT"], "the commands were left alone"
    [posted] = fake.created
    assert posted["content"] == "Morning briefing"


def test_a_process_without_shard_0_leaves_the_commands_to_the_one_with_it(
    services: Services,
) -> None:
    async def scenario() -> FakeDiscord:
        async with FakeDiscord(token=TOKEN, heartbeat_interval=0.2) as fake:
            adapter = DiscordAdapter(
                TOKEN,
                services,
                api_base=fake.api_base,
                client_options={"shard_count": 2, "shard_ids": [1], "guild_ready_timeout": 0.05},
            )
            await asyncio.wait_for(adapter.start(), 10)
            try:
                await asyncio.wait_for(adapter.wait_until_ready(), 10)
            finally:
                await adapter.stop()
            return fake

    fake = run(scenario())
    assert [i["shard"] for i in fake.identified] == [[1, 2]]
    assert not [c for c in fake.calls if c.method == "PUT"]
