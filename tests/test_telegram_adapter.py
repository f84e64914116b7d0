"""End to end: the real python-telegram-bot Application against the fake Bot API server.

Each test starts the adapter the way ``carrybot run`` does (``TELEGRAM_BOT_TOKEN`` and
``TELEGRAM_API_BASE_URL`` in the environment), pushes realistic updates through ``getUpdates``
(or the webhook) and asserts on the Bot API calls the bot made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics.storage.database import open_database
from bot.chat_registry import ChatRegistry, digest
from bot.delivery.scheduler import disabled_chats
from bot.sending.sender import Sent, Target
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.send import WaitOut
from commands.dispatch import registry as registry_of_commands
from commands.presentation.layout import Message as OutMessage
from commands.presentation.render import render
from commands.reply import Reply
from commands.services import Services
from commands.settings.model import ChatKey
from tests.support import telegram_updates as tu
from tests.support.chat import make_services
from tests.support.fake_telegram import TEXT_LIMIT, FakeBotAPI, _parse, _utf16
from tests.support.telegram_harness import BOT_USERNAME, TOKEN, environment, running_bot

GROUP = tu.group()
ADMIN = tu.user(7001, "Kenji")
MEMBER = tu.user(7002, "Mia")
Scenario = Callable[[FakeBotAPI, Any], Awaitable[None]]


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """The synthetic warm snapshot; chat settings and chat state in a fresh SQLite file."""
    svc = make_services(f"sqlite:///{tmp_path / 'telegram.sqlite3'}")
    yield svc
    svc.settings.engine.dispose()


def run(services: Services, scenario: Scenario, **options: Any) -> None:
    async def main() -> None:
        async with running_bot(services, **options) as (api, adapter):
            await asyncio.wait_for(scenario(api, adapter), 15)
            assert not [c for c in api.calls if c.status == 404], "unknown Bot API method"
            assert all(TOKEN not in repr(c.params) for c in api.calls), "token echoed"

    asyncio.run(main())


def texts(api: FakeBotAPI, chat: dict[str, Any] | int) -> list[str]:
    chat_id = chat if isinstance(chat, int) else chat["id"]
    return [str(c.params.get("text") or c.params.get("caption")) for c in api.sent(chat_id)]


def registry(services: Services) -> ChatRegistry:
    return ChatRegistry(services.settings.engine)


# --- answering /carry -------------------------------------------------------------------------


def test_carry_in_a_group_is_answered_in_html_as_a_reply(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        update = tu.group_command(f"/carry@{BOT_USERNAME}", GROUP, MEMBER)
        await api.push(update)
        [answer] = await api.wait_sent(GROUP["id"])
        assert answer.method == "sendMessage"
        assert answer.params["parse_mode"] == "HTML"
        assert answer.params["text"].startswith("<b>Yen carry:")
        assert answer.params["reply_parameters"]["message_id"] == update["message"]["message_id"]
        assert answer.params["link_preview_options"] == {"is_disabled": True}
        # start-up: logged in, dropped any webhook for polling, published the menu per language
        assert [c.method for c in api.calls[:1]] == ["getMe"]
        menus = api.calls_to("setMyCommands")
        assert sorted(str(c.params.get("language_code")) for c in menus) == ["None", "ja", "zh"]
        assert all(c.params["commands"][0]["command"] == "carry" for c in menus)
        assert api.calls_to("deleteWebhook")

    run(services, scenario)


def test_the_templates_are_loaded_before_the_first_update_is_taken(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.telegram.adapter as adapter_module

    events: list[str] = []
    warm_up = adapter_module.warm_up

    def recorded(fmt: Any) -> int:
        events.append(f"warm_up {fmt}")
        return warm_up(fmt)

    monkeypatch.setattr(adapter_module, "warm_up", recorded)

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.group_command("/carry", GROUP, MEMBER))
        await api.wait_sent(GROUP["id"])
        events.append("answered")

    run(services, scenario)
    assert events == ["warm_up telegram_html", "answered"]  # during start, before any update


def test_carry_addressed_to_another_bot_is_ignored(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.group_command("/carry@some_other_bot", GROUP, MEMBER))
        await api.push(tu.group_command("/carry help", GROUP, MEMBER))
        [answer] = await api.wait_sent(GROUP["id"])
        assert "/carry" in answer.params["text"] and "Yen carry:" not in answer.params["text"]
        await asyncio.sleep(0.2)
        assert len(api.sent(GROUP["id"])) == 1

    run(services, scenario)


def test_forwards_and_channel_copies_in_the_discussion_group_are_ignored(
    services: Services,
) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.automatic_forward(tu.channel_post("/carry"), GROUP))
        forwarded = tu.group_command("/carry", GROUP, MEMBER)
        forwarded["message"]["forward_origin"] = {
            "type": "hidden_user",
            "sender_user_name": "X",
            "date": 0,
        }
        await api.push(forwarded)
        await api.push(tu.group_command("/carry help", GROUP, MEMBER))
        [answer] = await api.wait_sent(GROUP["id"])
        assert "Yen carry:" not in answer.params["text"]
        await asyncio.sleep(0.2)
        assert len(api.sent(GROUP["id"])) == 1

    run(services, scenario)


def test_carry_in_a_private_chat_needs_no_lookup_and_is_not_quoted(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.private_command("/carry threshold fuel 80", ADMIN))
        [answer] = await api.wait_sent(ADMIN["id"])
        assert "80" in answer.params["text"]
        assert "reply_parameters" not in answer.params
        assert not api.calls_to("getChatMember")  # the user moderates their own chat

    run(services, scenario)
    key = ChatKey("telegram", str(ADMIN["id"]))
    assert services.settings.get(key).fuel_threshold == 80


def test_channel_post_is_answered_in_the_channel_and_counts_as_a_moderator(
    services: Services,
) -> None:
    channel = tu.channel()

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.channel_post("/carry", channel))
        await api.wait_sent(channel["id"])
        await api.push(tu.channel_post("/carry threshold pressure 45", channel))
        await api.wait_sent(channel["id"], 2)
        await api.push(tu.channel_post("/carry settings", channel))
        await api.wait_sent(channel["id"], 3)
        overview, changed, settings = texts(api, channel)
        assert overview.startswith("<b>Yen carry:")
        assert "is now 45" in changed
        assert "Unwind pressure alert threshold: 45." in settings
        assert not api.calls_to("getChatMember")

    run(services, scenario)


def test_briefings_are_posted_to_a_channel_the_bot_administers(services: Services) -> None:
    channel = tu.channel()

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.my_chat_member(channel, api.bot_user, "left", "administrator"))
        await api.wait_for(lambda a: registry(services).get("telegram", str(channel["id"])))
        state = registry(services).get("telegram", str(channel["id"]))
        assert state is not None and not state.disabled
        assert state.member_status == "administrator" and state.chat_type == "channel"
        reply = Reply(
            "help",
            {"topic": None, "commands": registry_of_commands().commands, "rule": "telegram_admins"},
        )
        sender = adapter.delivery_sender()
        outcome = await sender.send(
            Target("telegram", str(channel["id"]), "", "nonce"),
            render(reply, sender.format),
            WaitOut(),
        )
        [post] = api.sent(channel["id"])
        assert isinstance(outcome, Sent) and len(outcome.message_ids) == 1
        assert post.params["parse_mode"] == "HTML" and "reply_parameters" not in post.params

    run(services, scenario)


# --- charts -----------------------------------------------------------------------------------


def test_a_chart_is_uploaded_once_and_its_file_id_reused(services: Services) -> None:
    other = tu.group(-1001111111111, "Second Desk")

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.group_command("/carry chart gap 1y", GROUP, MEMBER))
        [first] = await api.wait_sent(GROUP["id"])
        await api.push(tu.group_command("/carry chart gap 1y", other, MEMBER))
        [second] = await api.wait_sent(other["id"])
        assert first.method == second.method == "sendPhoto"
        upload = first.files["photo"]
        assert upload.data.startswith(b"\x89PNG") and upload.filename.endswith(".png")
        assert first.params["parse_mode"] == "HTML" and first.params["caption"].startswith("<b>")
        assert not second.files, "the second chat got the chart by file_id, not a new upload"
        assert second.params["photo"].startswith("AgAC")

    run(services, scenario)
    # the id is in the database, so another process (or a restart) reuses it too
    png = services.snapshots.chart("gap", "1y").png
    assert registry(services).file_id("telegram", digest(png)) is not None


def test_a_chart_telegram_refuses_is_answered_as_text_with_a_note(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        api.fail("sendPhoto", chat_id=GROUP["id"], error_code=400,
                 description="Bad Request: PHOTO_INVALID_DIMENSIONS")  # fmt: skip
        await api.push(tu.group_command("/carry lang ja", GROUP, MEMBER))
        await api.wait_sent(GROUP["id"], 1)
        await api.push(tu.group_command("/carry chart gap 1y", GROUP, MEMBER))
        *_, answer = await api.wait_sent(GROUP["id"], 2)
        assert answer.method == "sendMessage"
        assert answer.params["text"].endswith("<i>今回はチャートを添付できませんでした。</i>")

    def prepare(api: FakeBotAPI) -> None:
        api.set_member(GROUP["id"], MEMBER["id"], "administrator")

    run(services, scenario, prepare=prepare)


def test_a_garbled_answer_is_logged_and_the_next_command_answered(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        api.garble("sendMessage", '{"ok": true, "result": "sent"}', chat_id=GROUP["id"])
        await api.push(tu.group_command("/carry", GROUP, MEMBER))
        await api.wait_for(lambda a: a.calls_to("sendMessage", GROUP["id"]))
        await api.push(tu.group_command("/carry sources", GROUP, MEMBER))
        await api.wait_sent(GROUP["id"], 1)

    run(services, scenario)
    assert "could not be read" in caplog.text
    assert "Telegram update failed" not in caplog.text, "no exception escaped the handler"


# --- moderators -------------------------------------------------------------------------------


def test_member_is_refused_and_administrator_changes_the_threshold(services: Services) -> None:
    def prepare(api: FakeBotAPI) -> None:
        api.set_member(GROUP["id"], MEMBER["id"], "member")
        api.set_member(GROUP["id"], ADMIN["id"], "administrator")

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.group_command("/carry threshold pressure 40", GROUP, MEMBER))
        await api.wait_sent(GROUP["id"], 1)
        await api.push(tu.group_command("/carry threshold pressure 40", GROUP, ADMIN))
        await api.wait_sent(GROUP["id"], 2)
        await api.push(tu.group_command("/carry settings", GROUP, MEMBER))
        await api.wait_sent(GROUP["id"], 3)
        refused, changed, settings = texts(api, GROUP)
        assert "Only the group's administrators can use <code>/carry threshold</code>" in refused
        assert "is now 40 (it was 65)" in changed
        assert "Unwind pressure alert threshold: 40." in settings
        assert "Kenji changed the unwind pressure threshold from 65 to 40" in settings
        asked = {(c.params["chat_id"], c.params["user_id"]) for c in api.calls_to("getChatMember")}
        assert asked == {(GROUP["id"], MEMBER["id"]), (GROUP["id"], ADMIN["id"])}
        assert len(api.calls_to("getChatMember")) == 2, "the member's status was cached"

    run(services, scenario, prepare=prepare)
    assert services.settings.get(ChatKey("telegram", str(GROUP["id"]))).pressure_threshold == 40


def test_rights_are_looked_up_only_for_moderator_commands_and_dropped_on_chat_member(
    services: Services,
) -> None:
    def prepare(api: FakeBotAPI) -> None:
        api.set_member(GROUP["id"], MEMBER["id"], "member")

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        async def say(text: str) -> str:
            count = len(api.sent(GROUP["id"]))
            await api.push(tu.group_command(text, GROUP, MEMBER))
            answers = await api.wait_sent(GROUP["id"], count + 1)
            return str(answers[-1].params.get("text") or answers[-1].params.get("caption"))

        def lookups() -> int:
            return len(api.calls_to("getChatMember"))

        for public in ("/carry", "/carry settings", "/carry help", "/carry subscribe help"):
            await say(public)
        assert lookups() == 0, "public commands never ask Telegram about the user"
        assert "Only the group's administrators" in await say("/carry alerts on")
        assert "Only the group's administrators" in await say("/carry alerts on")
        assert lookups() == 1, "a 'no' is cached too"
        api.set_member(GROUP["id"], MEMBER["id"], "administrator")
        await api.push(tu.chat_member(GROUP, MEMBER, "member", "administrator", by=ADMIN))
        assert "administrators" not in await say("/carry alerts on")
        assert lookups() == 2, "the promotion dropped the cached 'no'"
        assert "administrators" not in await say("/carry alerts off")
        api.set_member(GROUP["id"], MEMBER["id"], "member")
        await api.push(tu.chat_member(GROUP, MEMBER, "administrator", "member", by=ADMIN))
        assert "Only the group's administrators" in await say("/carry alerts on")
        assert lookups() == 3
        polls = api.calls_to("getUpdates")
        assert "chat_member" in polls[-1].params["allowed_updates"]

    run(services, scenario, prepare=prepare)


def test_group_owner_is_a_moderator(services: Services) -> None:
    def prepare(api: FakeBotAPI) -> None:
        api.set_member(GROUP["id"], ADMIN["id"], "creator")

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.group_command("/carry alerts on", GROUP, ADMIN))
        [answer] = await api.wait_sent(GROUP["id"])
        assert "administrators" not in answer.params["text"]

    run(services, scenario, prepare=prepare)
    assert services.settings.get(ChatKey("telegram", str(GROUP["id"]))).alerts is True


def test_anonymous_group_admin_is_a_moderator(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.anonymous_admin_command("/carry threshold pressure 35", GROUP))
        [answer] = await api.wait_sent(GROUP["id"])
        assert "is now 35" in answer.params["text"]
        assert not api.calls_to("getChatMember"), "GroupAnonymousBot is never looked up"

    run(services, scenario)
    change = services.settings.last_change(ChatKey("telegram", str(GROUP["id"])))
    assert change is not None and change.user_name == "Desk admin"


# --- delivery faults --------------------------------------------------------------------------


def test_flood_control_retry_after_is_honoured(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        api.flood(GROUP["id"], retry_after=1)
        await api.push(tu.anonymous_admin_command("/carry", GROUP))
        await api.wait_sent(GROUP["id"], timeout=8)
        refused, accepted = api.calls_to("sendMessage", GROUP["id"])
        assert (refused.status, accepted.status) == (429, 200)
        assert accepted.at - refused.at >= 0.95, "waited the retry_after Telegram asked for"
        assert refused.params["text"] == accepted.params["text"]

    run(services, scenario)


def test_a_reply_still_flood_controlled_at_60_seconds_is_reported(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        api.flood(GROUP["id"], retry_after=75)  # beyond the reply's 60 s
        await api.push(tu.group_command("/carry", GROUP, MEMBER))
        await api.wait_for(lambda a: a.calls_to("sendMessage", GROUP["id"]))
        await api.wait_for(lambda a: adapter.replies_lost == 1)
        assert len(api.calls_to("sendMessage", GROUP["id"])) == 1

    run(services, scenario)
    assert "the reply to chat" in caplog.text and "Telegram flood control" in caplog.text


def test_a_chat_that_blocked_the_bot_is_disabled(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        api.block(ADMIN["id"])
        await api.push(tu.private_command("/carry", ADMIN))
        await api.wait_for(lambda a: a.calls_to("sendMessage", ADMIN["id"]))
        await api.wait_for(lambda a: registry(services).is_disabled("telegram", str(ADMIN["id"])))
        state = registry(services).get("telegram", str(ADMIN["id"]))
        assert state is not None and state.disabled_reason == "blocked"
        # the scheduler and the worker skip it: no request that Telegram would count as invalid
        blocked = disabled_chats(registry(services), ["telegram"])()
        assert ("telegram", str(ADMIN["id"])) in blocked
        assert len(api.calls_to("sendMessage", ADMIN["id"])) == 1
        # the user unblocks the bot: Telegram says so with my_chat_member
        chat = tu.private(ADMIN)
        await api.push(tu.my_chat_member(chat, api.bot_user, "kicked", "member", by=ADMIN))
        await api.wait_for(
            lambda a: not registry(services).is_disabled("telegram", str(ADMIN["id"]))
        )

    run(services, scenario)


def test_removal_from_a_group_is_tracked(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.my_chat_member(GROUP, api.bot_user, "left", "member", by=ADMIN))
        await api.push(tu.my_chat_member(GROUP, api.bot_user, "member", "kicked", by=ADMIN))
        await api.wait_for(lambda a: registry(services).is_disabled("telegram", str(GROUP["id"])))
        state = registry(services).get("telegram", str(GROUP["id"]))
        assert state is not None
        assert (state.member_status, state.disabled_reason) == ("kicked", "removed")
        assert state.title == GROUP["title"]

    run(services, scenario)


def test_a_long_reply_is_split_within_telegram_limits(services: Services) -> None:
    # Telegram caps titles at 128 characters; the fake does not, which makes a settings reply
    # (it names the chat) longer than one message.
    long_group = tu.group(-1009876543210, "Carry desk " * 450)

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.group_command("/carry settings", long_group, MEMBER))
        await api.wait_sent(long_group["id"], 2)
        await asyncio.sleep(0.3)
        parts = api.sent(long_group["id"])
        assert len(parts) in (2, 3)  # the 4,950-character title line is cut once
        for part in parts:
            assert part.status == 200  # the fake rejects >4,096 characters or broken HTML
            assert _utf16(_parse(part.params["text"], "HTML")) <= TEXT_LIMIT
        assert "reply_parameters" in parts[0].params
        assert not any("reply_parameters" in part.params for part in parts[1:])
        assert "Unwind pressure alert threshold" in parts[-1].params["text"]

    run(services, scenario)


def test_an_error_quoting_a_huge_argument_is_one_short_message(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        # a mistyped chart window the size of a full message: the explanation quotes it, cut
        await api.push(tu.group_command("/carry chart " + "y" * 100_000, GROUP, MEMBER))
        [part] = await api.wait_sent(GROUP["id"], 1)
        await asyncio.sleep(0.3)
        assert len(api.sent(GROUP["id"])) == 1 and part.status == 200
        text = part.params["text"]
        assert "y" * 63 + "…" in text and "y" * 64 not in text and len(text) < 600

    run(services, scenario)


def test_group_migration_moves_the_chat_settings(services: Services) -> None:
    old = tu.basic_group()
    new = tu.group(-1005555555555, old["title"])

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        await api.push(tu.anonymous_admin_command("/carry threshold pressure 30", old))
        await api.wait_sent(old["id"])
        await api.push(tu.migrate_to(old, new["id"], ADMIN))
        await api.push(tu.migrate_from(new, old["id"]))
        await api.push(tu.group_command("/carry settings", new, MEMBER))
        [settings] = await api.wait_sent(new["id"])
        assert "Unwind pressure alert threshold: 30." in settings.params["text"]

    run(services, scenario)
    chats = registry(services)
    assert chats.resolve("telegram", str(old["id"])) == str(new["id"])


def test_a_send_to_a_migrated_group_follows_it(services: Services) -> None:
    old = tu.basic_group()
    new_id = -1006666666666

    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        api.migrate(old["id"], new_id)
        await api.push(tu.anonymous_admin_command("/carry lang ja", old))
        [answer] = await api.wait_sent(new_id)
        assert "reply_parameters" not in answer.params  # the quoted message stayed behind
        assert api.calls_to("sendMessage", old["id"])[0].status == 400

    run(services, scenario)
    assert services.settings.get(ChatKey("telegram", str(new_id))).language == "ja"
    assert services.settings.find(ChatKey("telegram", str(old["id"]))) is None


# --- webhook ----------------------------------------------------------------------------------


def test_webhook_mode_rejects_a_wrong_secret_and_serves_the_right_one(
    services: Services,
) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        [registered] = api.calls_to("setWebhook")
        assert registered.params["url"].endswith("/telegram/hook")
        assert registered.params["secret_token"] == "s3cret-for-the-workers"
        assert not api.calls_to("getUpdates"), "no polling in webhook mode"
        status, _ = await api.post_webhook(tu.group_command("/carry", GROUP, MEMBER), "wrong")
        assert status == 403
        status, _ = await api.post_webhook(tu.group_command("/carry", GROUP, MEMBER), "")
        assert status == 403
        await asyncio.sleep(0.2)
        assert not api.sent(GROUP["id"])
        status, _ = await api.post_webhook(tu.group_command("/carry", GROUP, MEMBER))
        assert status == 200
        [answer] = await api.wait_sent(GROUP["id"])
        assert answer.params["text"].startswith("<b>Yen carry:")

    run(
        services,
        scenario,
        webhook=True,
        env={"TELEGRAM_WEBHOOK_SECRET": "s3cret-for-the-workers"},
    )


def test_webhook_workers_agree_on_a_secret_derived_from_the_token(services: Services) -> None:
    async def scenario(api: FakeBotAPI, adapter: Any) -> None:
        secret = api.calls_to("setWebhook")[0].params["secret_token"]
        assert secret and TOKEN not in secret
        assert secret == adapter.config.webhook_secret

    run(services, scenario, webhook=True, env={"TELEGRAM_WEBHOOK_SECRET": ""})


# --- the database is shared ---------------------------------------------------------------------


def test_chat_state_lives_in_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = ChatRegistry(open_database(url)), ChatRegistry(open_database(url))
    first.disable("telegram", "-100", "blocked")
    assert second.is_disabled("telegram", "-100")


def test_a_sending_only_process_never_polls_and_posts_deliveries(services: Services) -> None:
    """``carrybot worker``: logs in, sends; no getUpdates (one poller per token), no menu."""

    async def main() -> FakeBotAPI:
        async with FakeBotAPI(token=TOKEN, username=BOT_USERNAME) as api:
            api.add_chat(GROUP)
            env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url}
            with environment(env):
                adapter = TelegramAdapter.from_env(services, receive=False)
            assert adapter is not None and adapter.describe() == "Telegram (sending only)"
            await adapter.start()
            try:
                outcome = await adapter.delivery_sender().send(
                    Target("telegram", str(GROUP["id"]), "", "n"),
                    [OutMessage(text="<b>Briefing</b>")],
                    WaitOut(),
                )
                assert isinstance(outcome, Sent) and adapter.connection.connected
                await asyncio.sleep(0.3)
            finally:
                await adapter.stop()
            return api

    api = asyncio.run(main())
    assert [c.method for c in api.calls] == ["getMe", "sendMessage"]
