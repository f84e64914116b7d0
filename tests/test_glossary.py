"""One glossary per language: a carry term reads the same in every message, and no English word
is left inside a Japanese or Chinese sentence (outside the names of ``templates/locale/names.txt``).

Generic on purpose: the checks scan whatever the catalogues hold and whatever the replies render,
so a message added later is held to the same rules.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from commands.context import CommandContext
from commands.dispatch import dispatch
from commands.languages import language, translated
from commands.presentation.catalogues import read_catalogue
from commands.presentation.glossary import (
    ENGLISH_STOP,
    Term,
    foreign_words,
    glossary,
    masked,
    untranslated,
)
from commands.presentation.render import render
from tests.support.chat import NOW, make_services
from tests.test_picture_commands import _services

# English left in a text shows as Latin-script words only in a language written in CJK characters;
# a language written in Latin script is held to its glossary only, once it has one.
LOCALES = tuple(row.code for row in translated() if row.cjk)
GLOSSARIES = tuple(row.code for row in translated() if row.cjk or glossary(row.code))
DATES = ("1998-10-08", "2006-07-14", "2008-10-24", "2016-02-10", "2024-08-05", "2026-04-30")
COMMANDS = (
    "/carry",
    "/carry explain",
    "/carry brief",
    "/carry markets",
    "/carry size",
    "/carry whatif boj +25",
    "/carry whatif fed -25",
    "/carry hikes",
    "/carry sources",
    "/carry help",
    "/carry help whatif",
    "/carry settings",
    "/carry history 5y",
)


def messages(locale: str) -> list[tuple[str, tuple[str, ...]]]:
    """(English msgid, translations) of every message in a locale's catalogue."""
    found = []
    for entry in read_catalogue(str(language(locale).catalogue)):
        if not entry.id:
            continue
        english = entry.id if isinstance(entry.id, str) else entry.id[0]
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        found.append((english, tuple(s for s in strings if s)))
    return found


def texts(reply: object, locale: str) -> list[str]:
    """A reply as a reader sees it, in plain text and in Telegram HTML (tags dropped)."""
    out = [m.text for m in render(reply, "text", locale)]  # type: ignore[arg-type]
    out += [
        html.unescape(re.sub(r"<[^>]+>", " ", m.text))
        for m in render(reply, "telegram_html", locale)  # type: ignore[arg-type]
    ]
    return out


# --- the detectors ------------------------------------------------------------------------------


def test_the_detectors_catch_english_and_let_names_and_commands_through() -> None:
    assert foreign_words("USD/JPY は 2.2% 下落", "ja") == ["USD/JPY"]
    assert foreign_words("carry fuel が上昇", "ja") == ["carry", "fuel"]
    assert not foreign_words("FRED · CFTC の VIX、FRB と S&P500、A1 は 12 bp", "ja")
    assert not foreign_words("详见 /carry explain、/carry whatif boj +25 或 carrybot refresh", "zh")
    assert foreign_words("S&P500", "zh") == ["S&P500"]  # Chinese writes 标普500指数
    assert ENGLISH_STOP.search("2年金利差 0 bp（0.1倍）.")
    assert ENGLISH_STOP.search("巻き戻し圧力は上昇しています.")
    assert not ENGLISH_STOP.search("FRB H.10 と G. Saravelos。")


def test_a_term_with_a_capital_matches_only_as_written() -> None:
    fed = Term("Fed", "FRB")
    assert fed.pattern.search("the Fed raised")
    assert not fed.pattern.search("after boj or fed")
    assert Term("regime", "局面").pattern.search("Regimes over five years")
    assert not fed.pattern.search(masked("Fed funds target", fed, "ja"))


# --- the catalogues -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", GLOSSARIES)
def test_every_glossary_term_reads_the_same_in_every_message(locale: str) -> None:
    terms = glossary(locale)
    assert {"USD/JPY", "carry fuel", "unwind pressure", "carry incentive", "2-year gap"} <= {
        t.english for t in terms
    }
    wrong = [
        f"{term.english} → {term.rendering}: {english!r} → {text!r}"
        for english, strings in messages(locale)
        for term in terms
        if term.pattern.search(masked(english, term, locale))
        for text in strings
        if term.rendering not in text
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_catalogue_message_keeps_an_english_word_or_full_stop(locale: str) -> None:
    wrong = [
        f"{english!r} → {text!r}: {found}"
        for english, strings in messages(locale)
        for text in strings
        if (found := untranslated(text, locale))
    ]
    assert not wrong, "\n".join(wrong)


# --- the replies --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def settings_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('glossary') / 'settings.sqlite3'}"


@pytest.mark.parametrize("day", DATES)
def test_no_reply_on_the_real_files_keeps_an_english_word(settings_url: str, day: str) -> None:
    services = _services(day, settings_url)
    wrong = set()
    for locale in LOCALES:
        for command in COMMANDS:
            ctx = CommandContext("telegram", "-1001", "42", "Aiko", True, locale=locale, now=NOW)
            for text in texts(dispatch(command, ctx, services), locale):
                wrong.update((locale, command, p) for p in untranslated(text, locale))
    assert not wrong, "\n".join(map(str, sorted(wrong)))


@pytest.mark.parametrize("kind", ["stressed", "sparse", "none"])
def test_no_reply_on_thin_data_keeps_an_english_word(tmp_path: Path, kind: str) -> None:
    services = make_services(f"sqlite:///{tmp_path / 'settings.sqlite3'}", kind)
    wrong = set()
    for locale in LOCALES:
        for command in (*COMMANDS, "/carry intraday", "/carry chart gap 1y"):
            ctx = CommandContext("telegram", "-1001", "42", "Aiko", True, locale=locale, now=NOW)
            for text in texts(dispatch(command, ctx, services), locale):
                wrong.update((locale, command, p) for p in untranslated(text, locale))
    assert not wrong, "\n".join(map(str, sorted(wrong)))
