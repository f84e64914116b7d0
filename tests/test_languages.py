"""One table of languages: it drives everything language-specific, and its catalogues are current."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import discord
import pytest
from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from commands import languages
from commands.presentation.catalogues import extract, keep_order, po_path, pot_path
from commands.presentation.formatting import formatter

ROOT = Path(__file__).resolve().parents[1]
# A language's code or name written into code: only commands/languages.py may hold them.
LANGUAGE_LITERAL = re.compile(r"""["'](ja|zh|zh_Hans|zh-Hans)["']|日本語|简体中文""")
# A template deciding by the language's code instead of reading its row.
LANGUAGE_BRANCH = re.compile(r"""\blang\s*(==|!=|\bin\b|\bnot in\b)|["'](ja|zh|en)["']\s*(==|!=)""")
# English punctuation written between two pieces of a template ("{{ a }}: {{ b }}", "{{ x }}.").
LITERAL_PUNCTUATION = re.compile(r"\}\}(: |, |\.$)")


def test_the_pot_holds_every_message_of_the_templates_and_menus() -> None:
    """Fails when a template or a chat menu changed without
    ``python -m commands.presentation.catalogues update``."""
    with pot_path().open("rb") as handle:
        pot = read_po(handle)
    shipped = {message.id if isinstance(message.id, str) else tuple(message.id) for message in pot}
    extracted = {message for _file, _line, message in extract()}
    assert shipped - {""} == extracted
    assert "Today's briefing" in extracted  # Discord's descriptions are extracted too


def test_no_code_outside_the_table_names_a_language() -> None:
    found = []
    for package in ("analytics", "commands", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "commands" / "languages.py" or "versions" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if LANGUAGE_LITERAL.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_no_template_branches_on_a_language_code_or_writes_its_punctuation() -> None:
    found = []
    for path in sorted((ROOT / "templates").rglob("*.j2")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = re.sub(r"\{#.*?#\}", "", line)  # comments may name languages
            if LANGUAGE_BRANCH.search(code) or LITERAL_PUNCTUATION.search(code):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []


def test_the_table_is_consistent() -> None:
    rows = languages.LANGUAGES
    assert len({row.code for row in rows}) == len(rows)
    spellings = [s for row in rows for s in (row.code, *row.spellings)]
    assert len(spellings) == len(set(spellings))
    assert [row.code for row in rows if row.catalogue is None] == [languages.ENGLISH.code]
    assert [row.code for row in rows if row.telegram_code is None] == [languages.ENGLISH.code]
    discord_locales = {locale.value for locale in discord.Locale}
    for row in rows:
        Locale.parse(row.babel_locale)
        assert set(row.discord_locales) <= discord_locales, row.code
        if row.catalogue is not None:
            assert po_path(row.catalogue).exists(), row.code


@pytest.mark.parametrize("row", languages.LANGUAGES, ids=lambda row: row.code)
def test_each_row_writes_lists_and_dates_as_its_locale_does(row: languages.Language) -> None:
    """The rows spell out what CLDR says for en_GB, ja and zh_Hans: same text as Babel's."""
    fmt = formatter(row.code)
    locale = Locale.parse(row.babel_locale)
    for items in (["a"], ["a", "b"], ["a", "b", "c"], ["a", "b", "c", "d"]):
        assert fmt.listing(items) == format_list(items, "standard", locale)
        assert fmt.alternatives(items) == format_list(items, "or", locale)
    day = date(2026, 6, 7)
    assert fmt.date(day) == locale.date_formats["medium"].apply(day, locale)
    assert fmt.month(day) == format_skeleton("yMMM", day, locale=locale)
    moment = datetime(2026, 6, 7, 9, 5, tzinfo=ZoneInfo("Asia/Tokyo"))
    clock = locale.time_formats["short"].apply(moment, locale)
    glue = str(locale.datetime_formats["medium"]).replace("{1}", fmt.date(day))
    assert fmt.datetime(moment) == glue.replace("{0}", str(clock)) + " JST"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ja-JP", "ja"),
        ("zh_Hans", "zh"),
        ("zh-TW", "zh"),
        ("EN-gb", "en"),
        ("fr", None),
        ("", None),
    ],
)
def test_platform_locales_find_their_row(typed: str, code: str | None) -> None:
    assert languages.normalise_language(typed) == code


def test_an_update_keeps_the_catalogue_order_and_adds_new_messages_last() -> None:
    catalogue = Catalog(locale="ja")
    for msgid in ("b", "a", "c"):
        catalogue.add(msgid, msgid.upper())
    template = Catalog()
    for msgid in ("new", "a", "c", "b"):
        template.add(msgid)
    catalogue.update(template, no_fuzzy_matching=True)
    keep_order(catalogue, ["b", "a", "c"])
    assert [(m.id, m.string or "") for m in catalogue if m.id] == [
        ("b", "B"),
        ("a", "A"),
        ("c", "C"),
        ("new", ""),
    ]
