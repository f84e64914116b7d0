"""Translations: gettext catalogues (``templates/locale/<catalogue>/LC_MESSAGES/messages.po``) via Babel.

English is the source language: the msgids are the templates' ``_("…")`` texts and the chat
menus' texts in ``bot/`` (Discord's command descriptions marked ``locale_str("…")``, Telegram's
menu marked ``N_("…")``). Each language's catalogue directory is its row's in
``commands.languages``. The ``.po`` files are compiled in memory on first use, so only the
editable catalogues are shipped, with their template ``templates/locale/messages.pot``.
``carrybot``'s maintainers refresh the ``.pot`` and every ``.po`` with
``python -m commands.presentation.catalogues update`` after changing text.
"""

from __future__ import annotations

import gettext
import io
import sys
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from commands.languages import language, translated

DOMAIN = "messages"
EXTRACT_METHODS = [("**.j2", "jinja2.ext:babel_extract")]
# The same extensions as the renderer's environment: a template that fails to parse would be
# skipped silently by the extractor.
EXTRACT_OPTIONS = {"**.j2": {"extensions": "jinja2.ext.i18n,jinja2.ext.do"}}
# The chat menus' texts in bot/ (read as source files, never imported from here).
MENU_METHODS = [("**.py", "python")]
MENU_KEYWORDS = {"locale_str": None, "N_": None}
Message = str | tuple[str, str]
POT_HEADER = """\
# The messages of carrybot's replies, charts and chat menus, untranslated: every catalogue is
# initialised from this file (pybabel init -i templates/locale/messages.pot -d templates/locale
# -l <catalogue>) and updated from it. Regenerate it with
# python -m commands.presentation.catalogues update"""


def N_(message: str) -> str:
    """Marks an English text for the catalogues where it is not translated on the spot (the
    Telegram menu is translated per language at start-up)."""
    return message


def templates_dir() -> Path:
    """The directory of the shipped templates."""
    return Path(str(resources.files("templates")))


def locale_dir() -> Path:
    """Where the catalogues and their ``.pot`` live."""
    return templates_dir() / "locale"


def pot_path() -> Path:
    """The catalogue template every ``.po`` is initialised and updated from."""
    return locale_dir() / f"{DOMAIN}.pot"


def po_path(directory: str) -> Path:
    """The catalogue file of a locale directory (``ja``, ``zh_Hans``)."""
    return locale_dir() / directory / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(directory: str) -> Catalog:
    """A locale's catalogue as Babel reads it."""
    with po_path(directory).open("rb") as handle:
        return read_po(handle, locale=directory)


@cache
def translations(code: str) -> gettext.NullTranslations:
    """Compiled translations of a chat language (identity for English or an unknown one)."""
    directory = language(code).catalogue
    if directory is None:
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(directory), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def menus_dir() -> Path:
    """The ``bot`` package's source directory, where the chat menus' texts are marked."""
    return templates_dir().parent / "bot"


def extract() -> Iterator[tuple[str, int, Message]]:
    """Every translatable message as (file name, line, msgid): the templates' (file names
    relative to ``templates/``), then the chat menus' in ``bot/`` (``bot/…``).

    A plural message is a (singular, plural) pair.
    """
    sources = (
        ("", extract_from_dir(str(templates_dir()), EXTRACT_METHODS, EXTRACT_OPTIONS)),
        ("bot/", extract_from_dir(str(menus_dir()), MENU_METHODS, keywords=MENU_KEYWORDS)),
    )
    for prefix, found in sources:
        for filename, lineno, message, _comments, _context in found:
            if isinstance(message, str):
                yield prefix + filename, lineno, message
            else:
                yield prefix + filename, lineno, (message[0], message[1])


def template_catalogue() -> Catalog:
    """The ``.pot``: every message extracted, untranslated."""
    template = Catalog(
        project="carrybot",
        version="0.1.0",
        fuzzy=False,
        header_comment=POT_HEADER,
        msgid_bugs_address="",
    )
    for filename, lineno, message in extract():
        text = message if isinstance(message, str) else message[0]
        flags = ("python-format",) if "%(" in text else ()
        template.add(message, locations=[(filename, lineno)], flags=flags)
    return template


def write_pot() -> Catalog:
    """Write ``templates/locale/messages.pot`` from the messages extracted; returns it."""
    template = template_catalogue()
    with pot_path().open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False)
    return template


def keep_order(catalogue: Catalog, order: list[Any]) -> None:
    """Put the messages a catalogue held back in their order, new ones after them in the
    templates' order, so an update's diff shows only what changed."""

    def key(message_id: Any) -> str:  # a plural message is keyed by its singular
        return message_id if isinstance(message_id, str) else str(message_id[0])

    rank = {key(message_id): n for n, message_id in enumerate(order)}
    messages = sorted(
        (message for message in catalogue if message.id),
        key=lambda message: rank.get(key(message.id), len(rank)),
    )
    for message in messages:
        del catalogue[message.id]
    for message in messages:
        catalogue[message.id] = message


def update() -> None:
    """Write the ``.pot`` and merge its messages into every catalogue (new ones untranslated)."""
    template = write_pot()
    for directory in filter(None, (row.catalogue for row in translated())):
        path = po_path(directory)
        catalogue = read_catalogue(directory) if path.exists() else Catalog(locale=directory)
        order = [message.id for message in catalogue if message.id]
        catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
        keep_order(catalogue, order)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalogue, width=100, omit_header=False, ignore_obsolete=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update()
    else:
        print("usage: python -m commands.presentation.catalogues update", file=sys.stderr)
        raise SystemExit(2)
