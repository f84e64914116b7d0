"""The ``/carry`` slash-command group: one subcommand per command of the command layer.

Each subcommand only turns its options back into the words the command layer parses
(``/carry chart pressure 5y`` → ``["chart", "pressure", "5y"]``) and hands them to the adapter,
so the grammar, validation and wording stay in ``commands/``. Discord cannot run a group
without a subcommand, so the bare ``/carry`` snapshot is ``/carry now`` here.

Settings subcommands carry a real ``has_permissions(manage_guild=True)`` check each. The group
itself sets no ``default_permissions``: Discord would apply them to the whole top-level
command and hide ``/carry`` from every member without Manage Server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Protocol

import discord
from discord import app_commands
from discord.app_commands import Choice, Range, locale_str

from commands import languages
from commands.settings import timezones

# Discord subcommand → command-layer name, where they differ.
LAYER_NAMES = {"now": ""}
HELP_TOPICS = (
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
    "subscribe",
    "unsubscribe",
    "threshold",
    "alerts",
    "lang",
    "reset",
)
MAX_CHOICES = 25

manage_server = app_commands.checks.has_permissions(manage_guild=True)


class Answerer(Protocol):
    """What the group needs from the adapter."""

    def answer(
        self, interaction: discord.Interaction, words: Sequence[str], *, check_channel: bool = False
    ) -> Awaitable[None]: ...


def zone_choices(typed: str) -> list[str]:
    """Time zones for autocomplete (``commands.settings.timezones.choices``): the name typed, names and
    cities starting with it, then containing it; the nearest real zones when nothing matches."""
    return timezones.choices(typed, MAX_CHOICES)


class CarryGroup(app_commands.Group):
    """``/carry …`` for every member; changing settings needs Manage Server."""

    def __init__(self, adapter: Answerer) -> None:
        super().__init__(
            name="carry",
            description=locale_str("Yen carry trade: Japan–US rate gaps, USD/JPY, unwind signal"),
            guild_only=True,
            allowed_contexts=app_commands.AppCommandContext(guild=True),
            allowed_installs=app_commands.AppInstallationType(guild=True),
        )
        self.adapter = adapter
        self.add_command(language_command(adapter))

    # --- readings, for everyone -----------------------------------------------------------

    @app_commands.command(
        description=locale_str("The snapshot: rate gaps, USD/JPY, pressure, fuel, regime")
    )
    async def now(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, [])

    @app_commands.command(
        description=locale_str(
            "A chart of the rate gaps, unwind pressure or the risk assets, attached"
        )
    )
    @app_commands.describe(kind=locale_str("What to draw"), window=locale_str("How far back"))
    @app_commands.choices(
        kind=[
            Choice(name=locale_str("Rate gaps and USD/JPY"), value="gap"),
            Choice(name=locale_str("Unwind pressure and regimes"), value="pressure"),
            Choice(name=locale_str("USD/JPY, Nikkei 225 and Bitcoin"), value="markets"),
        ],
        window=[
            Choice(name=locale_str("3 months"), value="3m"),
            Choice(name=locale_str("1 year"), value="1y"),
            Choice(name=locale_str("5 years"), value="5y"),
            Choice(name=locale_str("All history"), value="max"),
        ],
    )
    async def chart(
        self, interaction: discord.Interaction, kind: str = "gap", window: str = "1y"
    ) -> None:
        await self.adapter.answer(interaction, ["chart", kind, window])

    @app_commands.command(
        description=locale_str("Every part of the signal with its value, score and weight")
    )
    async def explain(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["explain"])

    @app_commands.command(
        description=locale_str("The regime periods over the last year, five years or all")
    )
    @app_commands.describe(window=locale_str("How far back"))
    @app_commands.choices(
        window=[
            Choice(name=locale_str("1 year"), value="1y"),
            Choice(name=locale_str("5 years"), value="5y"),
            Choice(name=locale_str("All history"), value="max"),
        ],
    )
    async def history(self, interaction: discord.Interaction, window: str = "1y") -> None:
        await self.adapter.answer(interaction, ["history", window])

    @app_commands.command(
        description=locale_str("Each data source's latest date and whether it is fresh")
    )
    async def sources(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["sources"])

    @app_commands.command(description=locale_str("Today's briefing"))
    async def brief(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["brief"])

    @app_commands.command(
        description=locale_str(
            "Nikkei 225, S&P 500, Bitcoin and VIX against USD/JPY, and Japan's long end"
        )
    )
    async def markets(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["markets"])

    @app_commands.command(
        description=locale_str(
            "How big the yen carry trade is, by definition, and the CFTC yen position"
        )
    )
    async def size(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["size"])

    @app_commands.command(
        description=locale_str(
            "USD/JPY between two closes: recent moves, provisional pressure, a chart"
        )
    )
    async def intraday(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["intraday"])

    @app_commands.command(
        description=locale_str("Gaps and scores after a hypothetical BoJ or Fed move")
    )
    @app_commands.describe(
        bank=locale_str("Which central bank moves"),
        bp=locale_str("The move in basis points, a step of 5 up to 100 (e.g. +25 or -25)"),
        bank2=locale_str("A second central bank moving too"),
        bp2=locale_str("The second bank's move in basis points"),
    )
    @app_commands.choices(
        bank=[
            Choice(name=locale_str("Bank of Japan"), value="boj"),
            Choice(name=locale_str("Federal Reserve"), value="fed"),
        ],
        bank2=[
            Choice(name=locale_str("Bank of Japan"), value="boj"),
            Choice(name=locale_str("Federal Reserve"), value="fed"),
        ],
    )
    async def whatif(
        self,
        interaction: discord.Interaction,
        bank: str,
        bp: Range[str, 1, 10],
        bank2: str | None = None,
        bp2: Range[str, 1, 10] | None = None,
    ) -> None:
        words = ["whatif", bank, bp, *([bank2] if bank2 else []), *([bp2] if bp2 else [])]
        await self.adapter.answer(interaction, words)

    @app_commands.command(
        description=locale_str("Every BoJ hike and what followed 1, 5 and 20 days after")
    )
    async def hikes(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["hikes"])

    @app_commands.command(
        description=locale_str("This channel's settings and who changed them last")
    )
    async def settings(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["settings"])

    @app_commands.command(description=locale_str("The list of commands, or help for one of them"))
    @app_commands.describe(topic=locale_str("A command to explain"))
    @app_commands.choices(topic=[Choice(name=name, value=name) for name in HELP_TOPICS])
    async def help(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        layer_name = "carry" if topic == "now" else topic  # the layer's help names it /carry
        await self.adapter.answer(interaction, ["help", *([layer_name] if layer_name else [])])

    # --- settings, for members with Manage Server -----------------------------------------

    @app_commands.command(
        description=locale_str("Post the daily briefing in this channel at a local time")
    )
    @app_commands.describe(
        time=locale_str("24-hour local time, HH:MM"), zone=locale_str("Time zone, Area/City")
    )
    @manage_server
    async def subscribe(
        self, interaction: discord.Interaction, time: Range[str, 1, 5], zone: str | None = None
    ) -> None:
        words = ["subscribe", time, *([zone] if zone else [])]
        await self.adapter.answer(interaction, words, check_channel=True)

    @subscribe.autocomplete("zone")
    async def _zone(self, interaction: discord.Interaction, typed: str) -> list[Choice[str]]:
        return [Choice(name=zone, value=zone) for zone in zone_choices(typed)]

    @app_commands.command(description=locale_str("Stop the daily briefing in this channel"))
    @manage_server
    async def unsubscribe(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["unsubscribe"])

    @app_commands.command(
        description=locale_str("Alert when unwind pressure or carry fuel reaches a level")
    )
    @app_commands.describe(
        kind=locale_str("Which score"),
        value=locale_str("Level from 0 to 100 (intraday move: 0.5 to 10 percent)"),
    )
    @app_commands.choices(
        kind=[
            Choice(name=locale_str("Unwind pressure"), value="pressure"),
            Choice(name=locale_str("Carry fuel"), value="fuel"),
            Choice(name=locale_str("Intraday USD/JPY fall, percent"), value="move"),
        ],
    )
    @manage_server
    async def threshold(
        self, interaction: discord.Interaction, kind: str, value: Range[float, 0, 100]
    ) -> None:
        await self.adapter.answer(interaction, ["threshold", kind, f"{value:g}"])

    @app_commands.command(description=locale_str("Turn threshold and regime alerts on or off"))
    @app_commands.describe(
        state=locale_str("On or off"), scope=locale_str("Only the intraday alert")
    )
    @app_commands.choices(
        state=[Choice(name="on", value="on"), Choice(name="off", value="off")],
        scope=[Choice(name="intraday", value="intraday")],
    )
    @manage_server
    async def alerts(
        self, interaction: discord.Interaction, state: str, scope: str | None = None
    ) -> None:
        await self.adapter.answer(interaction, ["alerts", *([scope] if scope else []), state])

    @app_commands.command(
        description=locale_str("Put every setting of this channel back to its default")
    )
    @manage_server
    async def reset(self, interaction: discord.Interaction) -> None:
        await self.adapter.answer(interaction, ["reset"])


def language_command(adapter: Answerer) -> app_commands.Command[CarryGroup, ..., None]:
    """``/carry lang``, its choices read from ``commands.languages`` when the group is built
    (each language by its own name: what users pick from, never translated)."""

    @app_commands.command(
        name="lang", description=locale_str("The language of this channel's replies and briefings")
    )
    @app_commands.describe(language=locale_str("A language carrybot speaks"))
    @app_commands.choices(
        language=[Choice(name=row.native_name, value=row.code) for row in languages.LANGUAGES]
    )
    @manage_server
    async def lang(interaction: discord.Interaction, language: str) -> None:
        await adapter.answer(interaction, ["lang", language])

    return lang
