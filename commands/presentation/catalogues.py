"""Translations: gettext catalogues (``templates/locale/<locale>/LC_MESSAGES/messages.po``) via Babel.

English is the source language (the msgids in the templates). The ``.po`` files are compiled in
memory on first use, so only the editable catalogues are shipped. ``carrybot``'s maintainers
refresh them with ``python -m commands.presentation.catalogues update`` after changing template text.
"""

from __future__ import annotations

import gettext
import io
import sys
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from commands.presentation.formatting import normalise_language

# Chat language → catalogue directory (None: the English source text).
CATALOGUES = {"en": None, "ja": "ja", "zh": "zh_Hans"}
DOMAIN = "messages"
EXTRACT_METHODS = [("**.j2", "jinja2.ext:babel_extract")]
# The same extensions as the renderer's environment: a template that fails to parse would be
# skipped silently by the extractor.
EXTRACT_OPTIONS = {"**.j2": {"extensions": "jinja2.ext.i18n,jinja2.ext.do"}}
Message = str | tuple[str, str]


def templates_dir() -> Path:
    """The directory of the shipped templates."""
    return Path(str(resources.files("templates")))


def po_path(directory: str) -> Path:
    """The catalogue file of a locale directory (``ja``, ``zh_Hans``)."""
    return templates_dir() / "locale" / directory / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(directory: str) -> Catalog:
    """A locale's catalogue as Babel reads it."""
    with po_path(directory).open("rb") as handle:
        return read_po(handle, locale=directory)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """Compiled translations of a chat language (identity for English or an unknown one)."""
    directory = CATALOGUES.get(normalise_language(language) or "en")
    if directory is None:
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(directory), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def extract() -> Iterator[tuple[str, int, Message]]:
    """Every translatable message in the templates as (file name, line, msgid).

    A plural message is a (singular, plural) pair.
    """
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(templates_dir()), EXTRACT_METHODS, EXTRACT_OPTIONS
    ):
        if isinstance(message, str):
            yield filename, lineno, message
        else:
            yield filename, lineno, (message[0], message[1])


def update() -> None:
    """Merge the templates' current messages into every catalogue (new ones untranslated)."""
    template = Catalog(project="carrybot")
    for filename, lineno, message in extract():
        text = message if isinstance(message, str) else message[0]
        flags = ("python-format",) if "%(" in text else ()
        template.add(message, locations=[(filename, lineno)], flags=flags)
    for directory in filter(None, CATALOGUES.values()):
        path = po_path(directory)
        catalogue = read_catalogue(directory) if path.exists() else Catalog(locale=directory)
        catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalogue, width=100, omit_header=False, ignore_obsolete=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update()
    else:
        print("usage: python -m commands.presentation.catalogues update", file=sys.stderr)
        raise SystemExit(2)
