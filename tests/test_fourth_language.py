"""Adding a language is one row in ``commands.languages`` plus a catalogue made by ``pybabel init``.

French is added here the way a translator would add it: a row registered in the table, a
catalogue initialised from ``templates/locale/messages.pot`` with Babel's own ``pybabel init``
(removed afterwards), and a few messages translated. Nothing else changes, and every place that
speaks a language — ``/carry help`` and ``/carry lang``, the renderer's numbers, dates, lists and
punctuation, Discord's choices and translator, Telegram's menu, ``carrybot brief --lang`` — takes
it up.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import discord
import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from discord import app_commands

from bot.cli import main
from bot.discord.carry_group import CarryGroup
from bot.discord.localizations import CarryTranslator
from bot.telegram.adapter import MENU, menus
from commands import languages
from commands.dispatch import dispatch
from commands.handlers import chart_words
from commands.languages import Dates, Language, Listing, Numbers, Punctuation
from commands.presentation import catalogues, formatting, render
from commands.presentation.render import render_text
from commands.services import Services
from commands.settings.model import ChatKey
from tests.support.chat import MakeContext

FRENCH = Language(
    code="fr",
    catalogue="fr",
    native_name="Français",
    english_name="French",
    babel_locale="fr",
    discord_locales=("fr",),
    telegram_code="fr",
    numbers=Numbers(
        decimal=",",
        group="\u202f",
        big_units=((1e12, "Bn"), (1e9, "Md"), (1e6, "M")),
        currencies=(("JPY", "", " ¥"), ("USD", "", " $")),
    ),
    dates=Dates(date="d MMM y", month="MMMM y", time="HH:mm", datetime="{date} à {time}"),
    listing=Listing(and_last=" et ", and_pair=" et ", or_last=" ou ", or_pair=" ou "),
    punctuation=Punctuation(colon=" : "),
)
TRANSLATED = {
    "The list of commands, or help for one of them.": "La liste des commandes, ou l’aide "
    "de l’une d’elles.",
    "Done: carrybot now answers in English here.": "C’est fait : carrybot répond désormais "
    "en français ici.",
    "Today's briefing": "Le point du jour",
    MENU: "Carry trade du yen : écarts de taux, signal de débouclage, graphiques, réglages",
}


def clear_caches() -> None:
    for cached in (
        catalogues.translations,
        formatting.formatter,
        render.environment,
        chart_words.words,
    ):
        cached.cache_clear()


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """French registered as a row, its catalogue initialised and partly translated."""
    monkeypatch.setattr(languages, "LANGUAGES", (*languages.LANGUAGES, FRENCH))
    directory = catalogues.locale_dir() / "fr"
    shutil.rmtree(directory, ignore_errors=True)
    pot, root = str(catalogues.pot_path()), str(catalogues.locale_dir())
    CommandLineInterface().run(["pybabel", "-q", "init", "-i", pot, "-d", root, "-l", "fr"])
    po = catalogues.po_path("fr")
    with po.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    for msgid, text in TRANSLATED.items():
        catalogue[msgid].string = text
    with po.open("wb") as handle:
        write_po(handle, catalogue)
    clear_caches()
    try:
        yield po
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        clear_caches()


def test_init_makes_the_catalogue_from_the_pot(french: Path) -> None:
    with french.open("rb") as handle:
        catalogue = read_po(handle)
    assert str(catalogue.locale) == "fr"
    assert catalogue.num_plurals > 1  # French plurals, from Babel
    assert len(catalogue) > 700  # every message of the .pot


def test_help_lists_the_language_and_speaks_it(
    french: Path, services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry help", context(locale="fr-FR"), services))
    assert "/carry help [command] — La liste des commandes, ou l’aide de l’une d’elles." in text
    assert "/carry lang en|ja|zh|fr" in text
    # Untranslated sentences fall back to English, joined with French's words and marks.
    assert "en (English), ja (日本語), zh (简体中文) ou fr (Français)" in text


def test_lang_switches_the_chat_to_it(
    french: Path, services: Services, context: MakeContext
) -> None:
    reply = dispatch("/carry lang FR", context(), services)
    assert reply.ok and reply.locale == "fr"
    assert render_text(reply) == "C’est fait : carrybot répond désormais en français ici."
    assert services.settings.get(ChatKey("telegram", "-1001")).language == "fr"
    shown = render_text(dispatch("/carry settings", context(), services))
    assert "Language: Français." in shown


def test_the_renderer_writes_numbers_dates_and_lists_its_way(french: Path) -> None:
    env = render.environment("text", "fr")
    template = env.from_string(
        "{{ 1234.5 | num(1) }}|{{ d | day }}|{{ d | month }}|{{ ['a', 'b', 'c'] | listing }}"
        "|{{ 4e13 | money('JPY') }}|{{ language.punctuation.colon }}"
    )
    shown = template.render(d=date(2026, 12, 7))
    assert shown == "1\u202f234,5|7 déc. 2026|décembre 2026|a, b et c|40 Bn ¥| : "


def test_discord_offers_it_and_translates_into_it(french: Path) -> None:
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    group = CarryGroup(adapter=None)  # type: ignore[arg-type]
    tree.add_command(group)
    lang = group.get_command("lang")
    assert isinstance(lang, app_commands.Command)
    assert ("Français", "fr") in [(c.name, c.value) for c in lang.parameters[0].choices]
    context = app_commands.TranslationContext(
        app_commands.TranslationContextLocation.command_description, None
    )
    found = asyncio.run(
        CarryTranslator().translate(
            app_commands.locale_str("Today's briefing"), discord.Locale.french, context
        )
    )
    assert found == "Le point du jour"


def test_telegram_publishes_a_menu_in_it(french: Path) -> None:
    assert ("fr", TRANSLATED[MENU]) in menus()


def test_the_cli_briefs_in_it(
    french: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARRYBOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CARRYBOT_DATABASE_URL", raising=False)
    assert main(["brief", "--date", "2024-08-02", "--lang", "fr"]) == 0
    text = capsys.readouterr().out
    assert "2 août 2024" in text  # the date in French, the sentence in English until translated
    assert "146,98" in text  # USD/JPY with French's decimal comma
