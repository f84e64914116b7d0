"""The ``/carry`` group, configuration and message packing of the Discord adapter (no network)."""

from __future__ import annotations

import asyncio
import re

import discord
import pytest
from discord import app_commands
from discord.http import Route

from analytics.errors import CarrybotError
from bot.discord.adapter import CarryClient, DiscordAdapter, shard_options, use_api_base
from bot.discord.carry_group import HELP_TOPICS, LAYER_NAMES, CarryGroup, zone_choices
from bot.discord.localizations import MAX_LENGTH, CarryTranslator
from bot.discord.messages import pack
from bot.discord.permissions import missing, notice
from commands.dispatch import registry
from commands.languages import codes, translated
from commands.presentation.layout import Message
from commands.settings.model import parse_timezone


def carry_tree() -> tuple[app_commands.CommandTree[discord.Client], CarryGroup]:
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    group = CarryGroup(adapter=None)  # type: ignore[arg-type]
    tree.add_command(group)
    return tree, group


def test_every_layer_command_has_a_subcommand_with_the_same_arguments() -> None:
    _tree, group = carry_tree()
    subcommands = {c.name: c for c in group.commands}
    discord_names = {LAYER_NAMES.get(name, name): name for name in subcommands}
    for command in registry().commands:
        assert command.name in discord_names, f"/carry {command.name} has no Discord subcommand"
        sub = subcommands[discord_names[command.name]]
        assert isinstance(sub, app_commands.Command)
        params = {p.name: p for p in sub.parameters}
        # Discord takes required options before optional ones (``alerts [intraday] on|off``).
        ordered = sorted(command.args, key=lambda a: a.optional)
        assert list(params) == [a.name for a in ordered], command.name
        for arg in command.args:
            param = params[arg.name]
            assert param.required == (not arg.optional), (command.name, arg.name)
            if arg.choices:
                assert [c.value for c in param.choices] == list(arg.choices)


def test_settings_subcommands_check_manage_server_and_the_group_hides_nothing() -> None:
    tree, group = carry_tree()
    moderator_only = {c.name for c in registry().commands if c.moderator_only}
    assert moderator_only == {"subscribe", "unsubscribe", "threshold", "alerts", "lang", "reset"}
    for sub in group.commands:
        assert isinstance(sub, app_commands.Command)
        assert bool(sub.checks) == (sub.name in moderator_only), sub.name
    payload = group.to_dict(tree)
    assert payload["default_member_permissions"] is None
    assert payload["contexts"] == [0]


def test_language_choices_are_the_languages_carrybot_speaks() -> None:
    _tree, group = carry_tree()
    lang = group.get_command("lang")
    assert isinstance(lang, app_commands.Command)
    assert [c.value for c in lang.parameters[0].choices] == list(codes())


def test_zone_choices_match_cities_and_areas() -> None:
    assert zone_choices("tokyo")[0] == "Asia/Tokyo"
    assert zone_choices("Europe/Lon")[0] == "Europe/London"
    assert zone_choices("new york")[0] == "America/New_York"
    assert zone_choices("Tokio") == ["Asia/Tokyo"]  # a near-miss spelling still helps
    assert "Asia/Tokyo" in zone_choices("")
    assert len(zone_choices("a")) == 25
    for zone in [*zone_choices(""), *zone_choices("a")]:
        assert parse_timezone(zone) == zone  # every offer is accepted by /carry subscribe


def test_from_env_needs_a_token_and_reads_the_api_base_and_dev_guild() -> None:
    services = object()
    assert DiscordAdapter.from_env(services, {}) is None  # type: ignore[arg-type]
    adapter = DiscordAdapter.from_env(
        services,  # type: ignore[arg-type]
        {
            "DISCORD_BOT_TOKEN": "secret-token",
            "DISCORD_API_BASE_URL": "http://proxy:8080/api/v10",
            "DISCORD_DEV_GUILD_ID": "123456789012345678",
        },
    )
    assert adapter is not None
    assert adapter.api_base == "http://proxy:8080/api/v10"
    assert adapter.dev_guild_id == 123456789012345678
    assert "secret-token" not in repr(adapter)
    with pytest.raises(CarrybotError, match="DISCORD_DEV_GUILD_ID"):
        DiscordAdapter.from_env(
            services,  # type: ignore[arg-type]
            {"DISCORD_BOT_TOKEN": "t", "DISCORD_DEV_GUILD_ID": "my-server"},
        )


@pytest.mark.parametrize(
    ("count", "ids", "expected", "described"),
    [
        ("", "", {}, "Discord (all shards)"),
        ("4", "", {"shard_count": 4, "shard_ids": [0, 1, 2, 3]}, "Discord (shards 0-3 of 4)"),
        ("8", "0,1", {"shard_count": 8, "shard_ids": [0, 1]}, "Discord (shards 0-1 of 8)"),
        ("8", "4-7", {"shard_count": 8, "shard_ids": [4, 5, 6, 7]}, "Discord (shards 4-7 of 8)"),
        (
            "8",
            " 6, 2-3 ",
            {"shard_count": 8, "shard_ids": [2, 3, 6]},
            "Discord (shards 2-3,6 of 8)",
        ),
    ],
)
def test_shards_per_process_come_from_the_environment(
    count: str, ids: str, expected: dict[str, object], described: str
) -> None:
    env = {"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_COUNT": count, "DISCORD_SHARD_IDS": ids}
    assert shard_options(env) == expected
    adapter = DiscordAdapter.from_env(object(), env)  # type: ignore[arg-type]
    assert adapter is not None and adapter.describe() == described
    client = CarryClient(adapter, **adapter._client_options)
    assert client.shard_ids == expected.get("shard_ids")
    assert client.shard_count == expected.get("shard_count")


@pytest.mark.parametrize(
    ("count", "ids", "problem"),
    [
        ("", "0,1", "DISCORD_SHARD_COUNT must be the total number of shards"),
        ("0", "", "DISCORD_SHARD_COUNT must be the total number of shards"),
        ("four", "", "not 'four'"),
        ("4", "0,x", "DISCORD_SHARD_IDS must list shard numbers like 0,1 or 0-3"),
        ("4", "2-5", "names shard(s) 4, 5: with DISCORD_SHARD_COUNT=4 they are numbered 0 to 3"),
    ],
)
def test_bad_shard_settings_are_one_clear_error(count: str, ids: str, problem: str) -> None:
    env = {"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_COUNT": count, "DISCORD_SHARD_IDS": ids}
    with pytest.raises(CarrybotError, match=re.escape(problem)):
        DiscordAdapter.from_env(object(), env)  # type: ignore[arg-type]


def test_api_base_gets_the_api_version_when_it_has_none() -> None:
    previous = use_api_base("http://proxy:8080/")
    try:
        base = Route.BASE
        assert base == f"http://proxy:8080/api/v{discord.http.INTERNAL_API_VERSION}"
        assert Route("GET", "/users/@me").url == base + "/users/@me"
        use_api_base("http://proxy:8080/api/v10/")
        base = Route.BASE
        assert base == "http://proxy:8080/api/v10"
    finally:
        Route.BASE = previous


def test_pack_joins_embeds_within_discord_limits() -> None:
    embed = {"title": "t", "description": "x" * 1000}
    messages = [Message(text="Done."), *(Message(embed=dict(embed)) for _ in range(6))]
    packed = pack(messages)
    assert [p.content for p in packed] == ["Done.", None]  # 6,000 characters per message
    assert [len(p.embeds) for p in packed] == [5, 1]
    charts = [
        Message(
            embed={"title": "c", "image": {"url": "attachment://a.png"}},
            image=b"\x89PNG",
            filename="a.png",
        )
    ]
    [with_file] = pack(charts)
    assert [f.filename for f in with_file.files] == ["a.png"]
    many = pack([Message(embed={"title": str(n)}) for n in range(11)])
    assert [len(p.embeds) for p in many] == [10, 1]


def test_missing_permissions_are_named_and_administrators_lack_none() -> None:
    lacking = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
    assert missing(lacking) == ["attach_files"]
    assert missing(discord.Permissions(administrator=True)) == []
    assert missing(discord.Permissions.none()) == [
        "view_channel",
        "send_messages",
        "embed_links",
        "attach_files",
    ]


# Choice names that are the words users type, the same in every language.
COMMAND_WORDS = {"on", "off", "English", "日本語", "简体中文", *HELP_TOPICS}
Location = app_commands.TranslationContextLocation


def translate(text: str, locale: str, location: Location, data: object = None) -> str | None:
    context = app_commands.TranslationContext(location, data)  # type: ignore[call-overload]
    translator = CarryTranslator()
    return asyncio.run(
        translator.translate(app_commands.locale_str(text), discord.Locale(locale), context)
    )


def test_every_description_and_choice_name_is_translated_in_every_language() -> None:
    _tree, group = carry_tree()
    texts = [(group.description, Location.group_description, None)]
    for command in group.commands:
        texts.append((command.description, Location.command_description, command))
        for param in command.parameters:
            texts.append((param.description, Location.parameter_description, param))
            texts.extend(
                (c.name, Location.choice_name, c)
                for c in param.choices
                if c.name not in COMMAND_WORDS
            )
    assert len(texts) > 40
    for row in translated():
        for text, location, data in texts:
            for locale in row.discord_locales:
                found = translate(text, locale, location, data)
                assert found and found != text, f"untranslated in {locale}: {text!r}"
                assert len(found) <= MAX_LENGTH, text


def test_command_words_are_never_translated() -> None:
    on = app_commands.Choice(name="on", value="on")
    assert translate("on", "ja", Location.choice_name, on) is None  # "on" is a msgid too
    assert translate("Carry fuel", "ja", Location.command_name) is None  # a name: typed as is
    choice = app_commands.Choice(name="Carry fuel", value="fuel")
    assert translate("Carry fuel", "ja", Location.choice_name, choice) == "キャリー燃料"


def test_the_translator_answers_discord_locales_and_leaves_others_in_english() -> None:
    translator = CarryTranslator()

    def ask(text: str, locale: discord.Locale) -> str | None:
        context = app_commands.TranslationContext(
            app_commands.TranslationContextLocation.command_description, None
        )
        return asyncio.run(translator.translate(app_commands.locale_str(text), locale, context))

    assert ask("Today's briefing", discord.Locale.japanese) == "今日のブリーフィング"
    assert ask("Today's briefing", discord.Locale.chinese) == "今日简报"
    assert ask("Today's briefing", discord.Locale.french) is None
    assert ask("chart", discord.Locale.japanese) is None  # a command word: never translated


@pytest.mark.parametrize(
    ("locale", "title", "name"),
    [
        ("en", "Briefings cannot be posted in #news yet", "Attach Files"),
        ("ja", "#news にはまだブリーフィングを投稿できません", "ファイルを添付"),
        ("zh", "暂时无法在 #news 发布简报", "附加文件"),
    ],
)
def test_the_missing_permission_notice_speaks_the_chat_language(
    locale: str, title: str, name: str
) -> None:
    message = notice(["attach_files", "embed_links"], "news", locale)
    assert message.embed is not None
    assert message.embed["title"] == title
    assert name in message.embed["description"]
