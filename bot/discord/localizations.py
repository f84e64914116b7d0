"""The ``/carry`` group's descriptions and choice names in the user's client language.

Discord shows a slash command's description, its options' descriptions and its choices' names
in the user's client language when the synced command carries ``*_localizations``; discord.py
asks the tree's ``Translator`` for each string while syncing. The English texts are marked
``locale_str("…")`` in ``bot.discord.carry_group`` and extracted into the gettext catalogues
with the replies' messages; this translator answers from the catalogue of the language whose
row (``commands.languages``) lists the Discord locale. Names (of commands and options) and
choices named by their own value (``on``, ``1y``) are the words users type: never translated.
Discord caps each text at 100 characters.
"""

from __future__ import annotations

import discord
from discord import app_commands

from commands.languages import by_discord_locale
from commands.presentation.catalogues import translations

MAX_LENGTH = 100
Location = app_commands.TranslationContextLocation
TRANSLATED = frozenset(
    {
        Location.group_description,
        Location.command_description,
        Location.parameter_description,
        Location.choice_name,
    }
)


class CarryTranslator(app_commands.Translator):
    """Answers discord.py's translation requests from the gettext catalogues (None: Discord
    shows the English text)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        row = by_discord_locale(locale.value)
        if row is None or row.catalogue is None or context.location not in TRANSLATED:
            return None
        choice = context.data if context.location is Location.choice_name else None
        if isinstance(choice, app_commands.Choice) and choice.name == str(choice.value):
            return None
        text = translations(row.code).gettext(string.message)
        return text if text != string.message and len(text) <= MAX_LENGTH else None
